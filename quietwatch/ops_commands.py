"""`check`: the after-crawl checks and digest for runs not started by `quietwatch crawl`
(e.g. by Scrapyd).  `schedule` and the Scrapyd commands live in their own modules."""

import sys

import click

from quietwatch.cli import Context
from quietwatch.console import console
from quietwatch.monitor import check_runs
from quietwatch.notify import notify_after_run
from store import queries
from store.db import session_scope


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
def check(obj: Context, clinic_key: str | None, notify: bool, last: int | None) -> None:
    """Run the after-crawl checks (and send the digest) for runs not started by `quietwatch crawl`.

    Crawls scheduled through Scrapyd write their runs straight to the store; run this
    afterwards (or from cron) to check them and notify.  Exit 1 when a check fails.
    """
    config = obj.config
    if clinic_key and clinic_key != config.clinic.key:
        raise click.UsageError(
            f"--clinic {clinic_key}: this configuration is for {config.clinic.key!r}; "
            "pass that clinic's configuration with --config"
        )
    with session_scope(obj.engine) as session:
        clinic = queries.clinic_by_key(session, config.clinic.key)
        if clinic is None:
            raise click.ClickException(f"no clinic {config.clinic.key!r} in the store yet")
        run_ids = queries.runs_to_check(session, clinic_id=clinic.id, last=last)
    if not run_ids:
        console.print("No runs to check.")
        return
    checks = check_runs(config, obj.engine, run_ids)
    for item in checks:
        mark = "ok" if not item.failing else item.status.upper()
        console.print(f"{mark:>5}  {item.name}: {item.message}", markup=False)
    if notify:
        notify_after_run(config, obj.engine, run_ids, checks)
    sys.exit(1 if any(c.status == "fail" for c in checks) else 0)
