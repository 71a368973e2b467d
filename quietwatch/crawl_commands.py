"""`init`, `crawl`, `dashboard` and `demo`: set up, crawl, look."""

import logging
import sys
from pathlib import Path

import click

from quietwatch.cli import Context, pass_ctx
from quietwatch.console import console, err
from quietwatch.lock import EXIT_LOCKED, CrawlLocked, crawl_lock, lock_path
from quietwatch.operations import (
    Initialised,
    after_crawl,
    crawl_with_progress,
    initialise,
    record_failure,
    run_dashboard,
    run_demo,
    summarise_runs,
)
from store.db import safe_url
from store.secrets import scrub

logger = logging.getLogger(__name__)


@click.command()
@pass_ctx
def init(ctx: Context) -> None:
    """Create or upgrade the database and register the clinic and its listings."""
    done = initialise(ctx.config, ctx.engine, ctx.settings)
    console.print(f"Database ready at [bold]{safe_url(ctx.db_url)}[/] (schema {done.revision}).")
    console.print(f"{ctx.config.clinic.name}: {done.listings} listing(s) registered.")
    report_audit(done)


def report_audit(done: Initialised) -> None:
    """What init found of the audit log, in plain words (stderr when something is wrong)."""
    if done.guards_restored:
        err.print(
            "[bold yellow]The audit log's database guards were missing and were re-created:[/] "
            + ", ".join(done.guards_restored)
            + ". Someone with access to the database removed them; check the log with "
            "`quietwatch audit --verify`.",
            markup=True,
        )
    if done.pending_added:
        console.print(
            f"Added {done.pending_added} blocked attempt(s) kept while the audit log was "
            "unreachable."
        )
    if not done.chain.ok:
        err.print(f"[bold red]The audit log does not hold:[/] {done.chain.message}", markup=True)


@click.command()
@click.option(
    "--site",
    "sites",
    multiple=True,
    help="Only crawl sources of this site (repeatable); `own_content` is the scan of the "
    "clinic's own pages.",
)
@click.option(
    "--trigger", default="cli", hidden=True, help="Who started the crawl (cli, schedule)."
)
@click.option(
    "--quick",
    is_flag=True,
    help="Incremental for every listing: stop at known reviews, no removal checks this time.",
)
@click.option(
    "--full",
    is_flag=True,
    help="Full sweep of every listing: read every review page, mark removed reviews.  "
    "By default a listing gets a full sweep when its last one is older than "
    "crawl.full_sweep_days.",
)
@click.option("--no-progress", is_flag=True, help="No progress display (for cron and logs).")
@pass_ctx
def crawl(
    ctx: Context, sites: tuple[str, ...], trigger: str, quick: bool, full: bool, no_progress: bool
) -> None:
    """Crawl every configured source once and store what changed.

    Prints a summary: listings checked, new/changed/removed reviews, errors.  Exits 1 when
    a run failed outright, 0 otherwise (problems with single listings are in the summary).
    """
    show_progress = not no_progress and console.is_terminal
    config, engine = ctx.config, ctx.engine
    lock = lock_path(config, ctx.db_url, ctx.settings)
    try:
        with crawl_lock(lock, engine=engine, clinic_key=config.clinic.key):
            try:
                run_ids = crawl_with_progress(
                    config,
                    engine,
                    ctx.settings,
                    trigger=trigger,
                    sites=set(sites) or None,
                    full_sweep=True if full else False if quick else None,
                    console=console if show_progress else None,
                    verbose=ctx.verbose,
                )
            except Exception as exc:  # recorded as a failed run; the next tick retries
                logger.exception("the crawl failed")
                record_failure(config, engine, trigger=trigger, error=exc)
                err.print(
                    f"[bold red]The crawl failed:[/] {scrub(f'{type(exc).__name__}: {exc}')}",
                    markup=True,
                )
                sys.exit(1)
            checks = after_crawl(config, engine, run_ids, ctx.settings)  # checks, notifications
            ok = summarise_runs(engine, run_ids, console)
            for check in checks:
                if check.name == "audit" and check.failing:
                    err.print(f"[bold red]{check.message}[/]", markup=True)
    except CrawlLocked as exc:
        err.print(
            f"[bold yellow]Not crawling:[/] {exc}. It will run on the next tick.", markup=True
        )
        sys.exit(EXIT_LOCKED)
    sys.exit(0 if ok else 1)


@click.command()
@click.option("--host", default=None, help="Address to bind (default from config: 127.0.0.1).")
@click.option("--port", default=None, type=int, help="Port (default from config: 8501).")
@pass_ctx
def dashboard(ctx: Context, host: str | None, port: int | None) -> None:
    """Start the read-only dashboard (Streamlit) on 127.0.0.1."""
    sys.exit(run_dashboard(ctx.config, ctx.db_url, host=host, port=port, console=console))


@click.command()
@click.option(
    "--dir",
    "workdir",
    default=".quietwatch-demo",
    type=click.Path(path_type=Path, file_okay=False),
    help="Where the demo profile and database go.",
)
@click.option("--no-dashboard", is_flag=True, help="Crawl the sample sites, then stop.")
@click.option("--port", default=8501, type=int, help="Dashboard port.")
def demo(workdir: Path, no_dashboard: bool, port: int) -> None:
    """See QuietWatch work with no internet and no config.

    Serves sample listing pages (in the real sites' markup) on 127.0.0.1, writes a demo
    profile, crawls the pages twice (before and after some changes), and starts the
    dashboard.
    """
    sys.exit(run_demo(workdir, dashboard=not no_dashboard, port=port, console=console))
