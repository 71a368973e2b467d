"""The `quietwatch` command: a thin driver over crawlers, store, dashboard and guardrail."""

import logging
import sys
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from store.config import ConfigError, QuietWatchConfig, Settings, database_url, load_config

logger = logging.getLogger(__name__)
console = Console(stderr=False, highlight=False)
err = Console(stderr=True, highlight=False)


class Context:
    """What every command needs: the settings, and the config read once on demand."""

    def __init__(self, config_path: Path | None, verbose: int) -> None:
        self.settings = Settings()
        self.config_path = config_path
        self.verbose = verbose
        self._config: QuietWatchConfig | None = None

    @property
    def config(self) -> QuietWatchConfig:
        if self._config is None:
            self._config = load_config(self.config_path, self.settings)
        return self._config

    @property
    def db_url(self) -> str:
        return database_url(self.config, self.settings)


pass_ctx = click.make_pass_decorator(Context)


class Group(click.Group):
    """Turns a bad config file into one clear line and exit code 2, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ConfigError as exc:
            err.print(f"[bold red]Configuration error:[/] {exc}", markup=True, soft_wrap=True)
            sys.exit(2)


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "-c",
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    envvar="QUIETWATCH_CONFIG",
    help="The clinic's configuration file (default: ./quietwatch.toml or $QUIETWATCH_CONFIG).",
)
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.version_option(package_name="quietwatch")
@click.pass_context
def main(ctx: click.Context, config_path: Path | None, verbose: int) -> None:
    """QuietWatch: watch the review sites a counselling practice is listed on.

    It reads listings and reviews and shows them; it never replies to a review, never
    contacts a reviewer and never asks anyone for a review or testimonial.
    """
    level = logging.WARNING - 10 * verbose
    logging.basicConfig(
        level=max(level, logging.DEBUG), format="%(levelname)s %(name)s: %(message)s"
    )
    ctx.obj = Context(config_path, verbose)


@main.command()
@pass_ctx
def init(ctx: Context) -> None:
    """Create or upgrade the database and register the clinic and its listings."""
    from quietwatch.operations import initialise

    url, revision, listings = initialise(ctx.config, ctx.db_url)
    console.print(f"Database ready at [bold]{_safe_url(url)}[/] (schema {revision}).")
    console.print(f"{ctx.config.clinic.name}: {listings} listing(s) registered.")


@main.command()
@click.option(
    "--site",
    "sites",
    multiple=True,
    help="Only crawl sources of this site (repeatable); `own_content` is the scan of the clinic's own pages.",
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
    "By default a listing gets a full sweep when its last one is older than crawl.full_sweep_days.",
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
    from quietwatch.lock import EXIT_LOCKED, CrawlLocked, crawl_lock, lock_path
    from quietwatch.operations import crawl_with_progress, summarise_runs

    show_progress = not no_progress and console.is_terminal
    config, db_url = ctx.config, ctx.db_url
    try:
        with crawl_lock(
            lock_path(config, db_url, ctx.settings), db_url=db_url, clinic_key=config.clinic.key
        ):
            try:
                run_ids = crawl_with_progress(
                    config,
                    db_url,
                    ctx.settings,
                    trigger=trigger,
                    sites=set(sites) or None,
                    full_sweep=True if full else False if quick else None,
                    console=console if show_progress else None,
                    verbose=ctx.verbose,
                )
            except Exception as exc:  # recorded as a failed run; the next tick retries
                from quietwatch.monitor import record_failure

                logger.exception("the crawl failed")
                record_failure(config, db_url, trigger=trigger, error=exc)
                err.print(
                    f"[bold red]The crawl failed:[/] {type(exc).__name__}: {exc}", markup=True
                )
                sys.exit(1)
            from quietwatch.operations import after_crawl

            after_crawl(config, db_url, run_ids)  # checks and notifications
            ok = summarise_runs(db_url, run_ids, console)
    except CrawlLocked as exc:
        err.print(
            f"[bold yellow]Not crawling:[/] {exc}. It will run on the next tick.", markup=True
        )
        sys.exit(EXIT_LOCKED)
    sys.exit(0 if ok else 1)


@main.command()
@click.option("--host", default=None, help="Address to bind (default from config: 127.0.0.1).")
@click.option("--port", default=None, type=int, help="Port (default from config: 8501).")
@pass_ctx
def dashboard(ctx: Context, host: str | None, port: int | None) -> None:
    """Start the read-only dashboard (Streamlit) on 127.0.0.1."""
    from quietwatch.operations import run_dashboard

    sys.exit(run_dashboard(ctx.config, ctx.db_url, host=host, port=port, console=console))


@main.command()
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
    from quietwatch.operations import run_demo

    sys.exit(run_demo(workdir, dashboard=not no_dashboard, port=port, console=console))


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _register_optional_commands() -> None:
    """Commands that live beside their packages."""
    from quietwatch import commands

    for command in commands.ALL:
        main.add_command(command)


_register_optional_commands()
