"""What the CLI commands do, as plain functions (tests and the scheduler call them too)."""

import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from sqlmodel import select

from store import crud
from store.config import QuietWatchConfig, Settings
from store.db import init_db, make_engine, session_scope
from store.models import CrawlProblem, CrawlRun

logger = logging.getLogger(__name__)


def initialise(config: QuietWatchConfig, db_url: str) -> tuple[str, str, int]:
    """Create/upgrade the schema, register the clinic and its configured listings."""
    from crawlers.runner import clinic_facts

    revision = init_db(db_url)
    engine = make_engine(db_url)
    try:
        with session_scope(engine) as session:
            facts = clinic_facts(config)
            clinic = crud.ensure_clinic(
                session, key=facts.pop("key"), name=facts.pop("name"), **facts
            )
            for source in config.sources:
                crud.ensure_listing(
                    session,
                    clinic_id=clinic.id,
                    site=source.site.value,
                    url=str(source.url),
                    enabled=source.enabled,
                )
    finally:
        engine.dispose()
    return db_url, revision, len(config.sources)


def crawl_with_progress(
    config: QuietWatchConfig,
    db_url: str,
    settings: Settings,
    *,
    trigger: str = "cli",
    sites: set[str] | None = None,
    full_sweep: bool | None = None,
    console: Console | None = None,
    verbose: int = 0,
) -> list[int]:
    """Initialise if needed, then crawl all sources in this process, showing progress."""
    from crawlers.items import ListingPage
    from crawlers.runner import confirmed_sources, plan, run_crawl

    initialise(config, db_url)
    overrides: dict[str, Any] = {
        "LOG_LEVEL": "DEBUG" if verbose > 1 else "INFO" if verbose else "WARNING"
    }
    if console is None:
        return run_crawl(
            config,
            db_url,
            settings,
            trigger=trigger,
            sites=sites,
            full_sweep=full_sweep,
            overrides=overrides,
        )
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    total = plan(config, sites=sites, extra_sources=confirmed_sources(config, db_url)).listing_count
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
            if item.status.value not in ("ok", "not_modified"):
                counts["problems"] += 1
            progress.update(task, advance=1 if item.is_last_page else 0, **counts)

        return run_crawl(
            config,
            db_url,
            settings,
            trigger=trigger,
            sites=sites,
            full_sweep=full_sweep,
            on_page=on_page,
            overrides=overrides,
        )


def after_crawl(config: QuietWatchConfig, db_url: str, run_ids: list[int]) -> list[Any]:
    """Spidermon-style checks on the runs, then the digest through the configured channels.
    Neither may fail the crawl: what went wrong is logged (and kept in the store)."""
    from quietwatch.monitor import check_runs
    from quietwatch.notify import notify_after_run

    try:
        checks = check_runs(config, db_url, run_ids)
    except Exception:
        logger.exception("the after-crawl checks failed")
        checks = []
    try:
        notify_after_run(config, db_url, run_ids, checks)
    except Exception:
        logger.exception("the notification could not be sent")
    return checks


def summarise_runs(db_url: str, run_ids: list[int], console: Console) -> bool:
    """Print what the runs did; False when one failed outright or was interrupted."""
    if not run_ids:
        console.print("Nothing was crawled (no enabled sources).")
        return True
    engine = make_engine(db_url)
    try:
        with session_scope(engine) as session:
            runs = list(session.exec(select(CrawlRun).where(CrawlRun.id.in_(run_ids))))  # type: ignore[attr-defined]
            problems = list(
                session.exec(select(CrawlProblem).where(CrawlProblem.run_id.in_(run_ids)))  # type: ignore[attr-defined]
            )
    finally:
        engine.dispose()
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
    for run in runs:
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
    for problem in problems:
        where = f" {escape(problem.url)}" if problem.url else ""
        kind = problem.kind.removeprefix("check_").replace("_", " ")
        console.print(
            f"  [yellow]![/] {escape(kind)}:{where} — {escape(problem.message)}", markup=True
        )
    return all(run.status not in ("failed", "interrupted") for run in runs)


def dashboard_command(
    config: QuietWatchConfig, db_url: str, *, host: str | None = None, port: int | None = None
) -> tuple[list[str], dict[str, str]]:
    """The streamlit command line and environment for the dashboard (``dashboard/app.py``,
    bound to the configured address, 127.0.0.1 by default); see :mod:`dashboard.launch`."""
    from dashboard.launch import dashboard_env, streamlit_command

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
    from quietwatch import demo
    from quietwatch.demo.server import SampleServer
    from store.config import database_url, load_config

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
