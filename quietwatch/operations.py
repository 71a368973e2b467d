"""What the CLI commands do, as plain functions (tests and the scheduler call them too)."""

import logging
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from crawlers.items import ListingPage
from crawlers.runner import clinic_facts, confirmed_sources, plan, run_crawl
from dashboard.launch import dashboard_env, streamlit_command
from quietwatch import demo
from quietwatch.demo.server import SampleServer
from quietwatch.monitor import Check, check_runs
from quietwatch.notify import notify_after_run
from store import audit, crud, queries, runs
from store.config import QuietWatchConfig, Settings, data_dir, database_url, load_config
from store.db import Engine, init_db, session_scope
from store.models import ListingStatus, RunStatus

logger = logging.getLogger(__name__)


@dataclass
class Initialised:
    revision: str
    listings: int
    guards_restored: list[str]  # audit-log triggers someone had dropped, re-created
    pending_added: int  # blocked attempts kept while the log was unreachable, now added
    chain: audit.ChainReport


def initialise(
    config: QuietWatchConfig, engine: Engine, settings: Settings | None = None
) -> Initialised:
    """Create/upgrade the schema, register the clinic and its configured listings, restore
    the audit log's guards, add attempts kept while it was unreachable, and check it."""
    revision = init_db(engine)
    where = data_dir(config, settings)
    restored = audit.restore_guards(engine)
    added = audit.import_pending(engine, where)
    with session_scope(engine) as session:
        facts = clinic_facts(config)
        clinic_id = crud.ensure_clinic(
            session, key=facts.pop("key"), name=facts.pop("name"), **facts
        )
        for source in config.sources:
            crud.ensure_listing(
                session,
                clinic_id=clinic_id,
                site=source.site,
                url=str(source.url),
                enabled=source.enabled,
            )
    return Initialised(revision, len(config.sources), restored, added, audit.check(engine, where))


def record_failure(
    config: QuietWatchConfig, engine: Engine, *, trigger: str, error: BaseException
) -> int | None:
    """A crawl that could not run at all still leaves a 'failed' run with its error."""
    message = f"the crawl could not run: {type(error).__name__}: {error}"[:2000]
    try:
        with session_scope(engine) as session:
            clinic = queries.clinic_by_key(session, config.clinic.key)
            return runs.record_failed_run(
                session,
                clinic_id=clinic.id if clinic else None,
                spider="quietwatch",
                trigger=trigger,
                message=message,
            )
    except Exception:  # the store itself is unreachable: the log is all we have
        logger.exception("could not record the failed crawl in the store")
        return None


def crawl_with_progress(
    config: QuietWatchConfig,
    engine: Engine,
    settings: Settings,
    *,
    trigger: str = "cli",
    sites: set[str] | None = None,
    full_sweep: bool | None = None,
    console: Console | None = None,
    verbose: int = 0,
) -> list[int]:
    """Initialise if needed, then crawl all sources in this process, showing progress."""
    initialise(config, engine, settings)
    overrides: dict[str, Any] = {
        "LOG_LEVEL": "DEBUG" if verbose > 1 else "INFO" if verbose else "WARNING"
    }
    if console is None:
        return run_crawl(
            config,
            engine,
            settings,
            trigger=trigger,
            sites=sites,
            full_sweep=full_sweep,
            overrides=overrides,
        )
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    total = plan(config, sites=sites, extra_sources=confirmed_sources(config, engine)).listing_count
    with Progress(
        TextColumn("[bold]Crawling[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("listings · {task.fields[pages]} page(s) · {task.fields[problems]} problem(s)"),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as progress:
        task = progress.add_task("crawl", total=total, pages=0, problems=0)
        counts = {"pages": 0, "problems": 0}

        def on_page(item: Any) -> None:
            if not isinstance(item, ListingPage):
                return
            counts["pages"] += 1
            if not item.status.good:
                counts["problems"] += 1
            progress.update(task, advance=1 if item.is_last_page else 0, **counts)

        return run_crawl(
            config,
            engine,
            settings,
            trigger=trigger,
            sites=sites,
            full_sweep=full_sweep,
            on_page=on_page,
            overrides=overrides,
        )


def after_crawl(
    config: QuietWatchConfig, engine: Engine, run_ids: list[int], settings: Settings | None = None
) -> list[Any]:
    """Spidermon-style checks on the runs and on the audit log's chain, then the digest
    through the configured channels.  Neither may fail the crawl: what went wrong is logged
    (and kept in the store)."""
    try:
        checks = check_runs(config, engine, run_ids)
    except Exception:
        logger.exception("the after-crawl checks failed")
        checks = []
    chain = audit.check(engine, data_dir(config, settings))
    if not chain.ok:
        logger.error("the audit log does not hold: %s", chain.message)
        checks.append(Check("audit", "fail", f"the audit log does not hold: {chain.message}"))
    try:
        notify_after_run(config, engine, run_ids, checks)
    except Exception:
        logger.exception("the notification could not be sent")
    return checks


def summarise_runs(engine: Engine, run_ids: list[int], console: Console) -> bool:
    """Print what the runs did; False when one failed outright or was interrupted."""
    if not run_ids:
        console.print("Nothing was crawled (no enabled sources).")
        return True
    with session_scope(engine) as session:
        done = queries.runs_by_ids(session, run_ids=run_ids)
        problems = queries.problems_of_runs(session, run_ids=run_ids)
    table = Table(title="Crawl summary", title_justify="left")
    for column in ("spider", "status", "listings", "pages", "new", "changed", "removed", "errors"):
        table.add_column(column, justify="left" if column in ("spider", "status") else "right")
    totals = dict.fromkeys(
        (
            "listings_checked",
            "pages",
            "new_reviews",
            "changed_reviews",
            "removed_reviews",
            "errors",
        ),
        0,
    )
    for run in done:
        table.add_row(
            run.spider,
            run.status,
            str(run.listings_checked),
            str(run.pages),
            str(run.new_reviews),
            str(run.changed_reviews),
            str(run.removed_reviews),
            str(run.errors),
        )
        for key in totals:
            totals[key] += getattr(run, key)
    console.print(table)
    console.print(
        f"Listings checked: {totals['listings_checked']} · new reviews: {totals['new_reviews']} · "
        f"changed: {totals['changed_reviews']} · removed: {totals['removed_reviews']} · "
        f"errors: {totals['errors']}"
    )
    # A source without its key or token was not asked: said once per site, not as a failure.
    not_set_up = [p.message for p in problems if p.kind == ListingStatus.NOT_SET_UP]
    for message in dict.fromkeys(not_set_up):
        console.print(f"  [dim]-[/] {escape(message)}", markup=True, soft_wrap=True)
    for problem in problems:
        if problem.kind == ListingStatus.NOT_SET_UP:
            continue
        where = f" {escape(problem.url)}" if problem.url else ""
        kind = problem.kind.removeprefix("check_").replace("_", " ")
        console.print(
            f"  [yellow]![/] {escape(kind)}:{where} — {escape(problem.message)}", markup=True
        )
    return not any(RunStatus(run.status).failed for run in done)


def dashboard_command(
    config: QuietWatchConfig, db_url: str, *, host: str | None = None, port: int | None = None
) -> tuple[list[str], dict[str, str]]:
    """The streamlit command line and environment for the dashboard (``dashboard/app.py``,
    bound to the configured address, 127.0.0.1 by default); see :mod:`dashboard.launch`."""
    command = streamlit_command(config, db_url, host=host, port=port)
    return command, dashboard_env(config, db_url, os.environ)


def run_dashboard(
    config: QuietWatchConfig, db_url: str, *, host: str | None, port: int | None, console: Console
) -> int:
    command, env = dashboard_command(config, db_url, host=host, port=port)
    bind = command[command.index("--server.address") + 1]
    shown_port = command[command.index("--server.port") + 1]
    console.print(f"Dashboard: [bold]http://{bind}:{shown_port}[/]  (Ctrl-C to stop)")
    child = subprocess.Popen(command, env=env)

    def forward(signum: int, _frame: object) -> None:  # systemd's SIGTERM reaches Streamlit too
        child.send_signal(signum)

    previous = signal.signal(signal.SIGTERM, forward)
    try:
        return child.wait()
    except KeyboardInterrupt:
        child.send_signal(signal.SIGINT)
        child.wait(timeout=30)
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)


def run_demo(workdir: Path, *, dashboard: bool, port: int, console: Console) -> int:
    """Serve the sample sites, crawl them twice, then start the dashboard."""
    phase = {"n": 1}
    server = SampleServer(lambda p: None).start()
    server.resolve = demo.resolver(server.base_url, lambda: phase["n"])
    try:
        config_path = demo.write_config(workdir.resolve(), server.base_url)
        console.print(f"Sample sites on [bold]{server.base_url}[/]; demo profile at {config_path}")
        for n, label in ((1, "earlier state"), (2, "current state")):
            phase["n"] = n
            console.print(f"Crawling the sample sites ({label})…")
            env = {k: v for k, v in os.environ.items() if k != "QUIETWATCH_DATABASE_URL"}
            code = subprocess.call(
                [
                    sys.executable,
                    "-m",
                    "quietwatch",
                    "--config",
                    str(config_path),
                    "crawl",
                    "--no-progress",
                    "--full",
                    "--trigger",
                    "demo",
                ],
                env=env,
            )
            if code not in (0, 1):
                console.print(f"[red]The demo crawl failed (exit {code}).[/]")
                return code
            time.sleep(1.0)  # so the two states get distinct timestamps
    finally:
        server.stop()
    config = load_config(config_path)
    db_url = database_url(config, Settings(_env_file=None, database_url=None))  # type: ignore[call-arg]
    if not dashboard:
        console.print(f"Demo data in {db_url}")
        return 0
    return run_dashboard(config, db_url, host="127.0.0.1", port=port, console=console)
