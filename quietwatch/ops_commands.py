"""Operations commands: `schedule` (cron / systemd), `check` (checks + digest for runs
started elsewhere, e.g. by Scrapyd), `scrapyd-egg` and `scrapyd-schedule`."""

import sys

import click
from sqlmodel import col, select

from quietwatch.schedule import schedule
from quietwatch.scrapyd import scrapyd_egg, scrapyd_schedule


@click.command()
@click.option(
    "--clinic",
    "clinic_key",
    default=None,
    help="The clinic (its key) in a shared store; default: the configuration's clinic.",
)
@click.option(
    "--notify/--no-notify", default=True, help="Send the digest through the configured channels."
)
@click.option(
    "--last",
    default=None,
    type=int,
    help="Check the latest N runs (default: runs not checked yet).",
)
@click.pass_obj
def check(obj, clinic_key: str | None, notify: bool, last: int | None) -> None:  # type: ignore[no-untyped-def]
    """Run the after-crawl checks (and send the digest) for runs not started by `quietwatch crawl`.

    Crawls scheduled through Scrapyd write their runs straight to the store; run this
    afterwards (or from cron) to check them and notify.  Exit 1 when a check fails.
    """
    from quietwatch.cli import console
    from quietwatch.monitor import check_runs
    from quietwatch.notify import notify_after_run
    from store.db import make_engine, session_scope
    from store.models import Clinic, CrawlRun

    config = obj.config
    if clinic_key and clinic_key != config.clinic.key:
        raise click.UsageError(
            f"--clinic {clinic_key}: this configuration is for {config.clinic.key!r}; "
            "pass that clinic's configuration with --config"
        )
    engine = make_engine(obj.db_url)
    try:
        with session_scope(engine) as session:
            clinic = session.exec(select(Clinic).where(Clinic.key == config.clinic.key)).first()
            if clinic is None:
                raise click.ClickException(f"no clinic {config.clinic.key!r} in the store yet")
            query = (
                select(CrawlRun)
                .where(CrawlRun.clinic_id == clinic.id, CrawlRun.status != "running")
                .order_by(col(CrawlRun.id).desc())
            )
            runs = session.exec(query.limit(last) if last else query).all()
            run_ids = [r.id for r in runs if last or "quietwatch/monitor" not in (r.stats or {})]
    finally:
        engine.dispose()
    if not run_ids:
        console.print("No runs to check.")
        return
    checks = check_runs(config, obj.db_url, sorted(run_ids))
    for item in checks:
        mark = "ok" if not item.failing else item.status.upper()
        console.print(f"{mark:>5}  {item.name}: {item.message}", markup=False)
    if notify:
        notify_after_run(config, obj.db_url, sorted(run_ids), checks)
    sys.exit(1 if any(c.status == "fail" for c in checks) else 0)


ALL: list[click.Command] = [schedule, check, scrapyd_egg, scrapyd_schedule]
