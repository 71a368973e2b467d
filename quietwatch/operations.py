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
from dashboard.launch import (
    dashboard_env,
    exposure_problem,
    port_taken,
    streamlit_command,
    wait_until_up,
)
from quietwatch import demo
from quietwatch.monitor import Check, check_runs
from quietwatch.notify import notify_after_run, send_alerts
from quietwatch.privacy_commands import purge_after_crawl
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
        crud.ensure_listings(
            session,
            clinic_id=clinic_id,
            sources=[(s.site, str(s.url), s.enabled) for s in config.sources],
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
    """Spidermon-style checks on the runs and on the audit log's chain, the privacy purge,
    then the digest and the alerts through the configured channels.  None may fail the
    crawl: what went wrong is logged (and kept in the store)."""
    try:
        checks = check_runs(config, engine, run_ids)
    except Exception:
        logger.exception("the after-crawl checks failed")
        checks = []
    chain = audit.check(engine, data_dir(config, settings))
    audit_problem = None if chain.ok else f"the audit log does not hold: {chain.message}"
    if audit_problem:
        logger.error(audit_problem)
        checks.append(Check("audit", "fail", audit_problem))
    try:
        purge_after_crawl(config, engine)
    except Exception:
        logger.exception("the privacy purge failed; it runs again after the next crawl")
    try:
        notify_after_run(config, engine, run_ids, checks)
    except Exception:
        logger.exception("the notification could not be sent")
    try:
        send_alerts(config, engine, run_ids, checks, audit_problem=audit_problem)
    except Exception:
        logger.exception("the alerts could not be sent")
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


PORT_HINT = (
    "Port {port} on {host} is taken (another dashboard, or another program). Choose another: "
    "`quietwatch dashboard --port {other}`, or `make demo PORT={other}` for the demo."
)


def check_dashboard_address(
    config: QuietWatchConfig | None, host: str, port: int, console: Console
) -> bool:
    """Before anything starts: the address must be free, and beyond loopback sign-in must be
    configured (the dashboard shows review text).  Says what to do when not."""
    problem = exposure_problem(config, host)
    if problem is not None:
        console.print(f"[bold red]Not starting the dashboard.[/] {escape(problem)}")
        return False
    if port_taken(host, port):
        other = 8601 if port != 8601 else 8602
        console.print(
            f"[bold red]Not starting.[/] {escape(PORT_HINT.format(host=host, port=port, other=other))}"
        )
        return False
    return True


def run_dashboard(
    config: QuietWatchConfig, db_url: str, *, host: str | None, port: int | None, console: Console
) -> int:
    """Start the dashboard (refusing an exposed address without sign-in, or a taken port),
    wait until it answers, then print its URL: last, on a line of its own."""
    command, env = dashboard_command(config, db_url, host=host, port=port)
    bind = command[command.index("--server.address") + 1]
    shown_port = int(command[command.index("--server.port") + 1])
    if not check_dashboard_address(config, bind, shown_port, console):
        return 2
    # Streamlit's own banner goes nowhere: the URL printed below is the one line to read.
    child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)

    def forward(signum: int, _frame: object) -> None:  # systemd's SIGTERM reaches Streamlit too
        child.send_signal(signum)

    previous = signal.signal(signal.SIGTERM, forward)
    try:
        url = f"http://{bind}:{shown_port}"
        if wait_until_up(url, child):
            console.print("The dashboard is ready (Ctrl-C to stop):")
            console.print(url, markup=False, highlight=False, soft_wrap=True)
        return child.wait()
    except KeyboardInterrupt:
        child.send_signal(signal.SIGINT)
        child.wait(timeout=30)
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)


def run_demo(workdir: Path, *, dashboard: bool, port: int, console: Console) -> int:
    """Serve the sample sites, crawl them, then start the dashboard.

    The sample sites keep the port of the first run (it is in the demo profile), so every
    run crawls the same listings into the same store: the first run crawls twice (an
    earlier and the current state, so history shows edits, removals and a changed listing),
    later runs crawl the current state once.  A taken dashboard port is reported before
    anything is crawled."""
    workdir = workdir.resolve()
    if dashboard and port_taken("127.0.0.1", port):
        other = 8601 if port != 8601 else 8602
        console.print(
            f"[bold red]Not starting the demo.[/] {escape(PORT_HINT.format(host='127.0.0.1', port=port, other=other))}"
        )
        return 2
    phase = {"n": 1}
    server, fresh = demo.start_sample_sites(workdir, lambda: phase["n"])
    try:
        config_path = demo.write_config(workdir, server.base_url)
        if fresh:
            demo.forget_store(workdir)
        console.print(f"Sample sites on [bold]{server.base_url}[/]; demo profile at {config_path}")
        states = ((1, "earlier state"), (2, "current state")) if fresh else ((2, "current state"),)
        for n, label in states:
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
            if n == 1:
                time.sleep(1.0)  # so the two states get distinct timestamps
    finally:
        server.stop()
    config = load_config(config_path)
    db_url = database_url(config, Settings(_env_file=None, database_url=None))  # type: ignore[call-arg]
    if not dashboard:
        console.print(f"Demo data in {db_url}")
        return 0
    return run_dashboard(config, db_url, host="127.0.0.1", port=port, console=console)
