"""The `quietwatch` command: a thin driver over crawlers, store, dashboard and guardrail.

Commands live beside their areas and are imported only when run (:class:`LazyGroup`):
``quietwatch check-text`` in a website's CI must start in a fraction of a second, and
importing the crawl and store stacks (Scrapy, SQLAlchemy, pydantic-settings) costs ~0.5 s
(measured with ``python -X importtime -m quietwatch --help``).  The process's engine is made
here, once, and disposed when the command ends.
"""

import importlib
import logging
import os
import sys
from pathlib import Path
from typing import Any

import click

# name -> ("module:attribute", one line of help).  The help line is kept here so that
# `quietwatch --help` lists the commands without importing them.
COMMANDS: dict[str, tuple[str, str]] = {
    "init": (
        "quietwatch.crawl_commands:init",
        "Create or upgrade the database; register listings.",
    ),
    "crawl": ("quietwatch.crawl_commands:crawl", "Crawl every configured source once."),
    "dashboard": ("quietwatch.crawl_commands:dashboard", "Start the read-only dashboard."),
    "demo": ("quietwatch.crawl_commands:demo", "See QuietWatch work with no internet."),
    "listings": ("quietwatch.listings_commands:listings", "The clinic's listings."),
    "auth": ("quietwatch.auth_commands:auth", "Let QuietWatch read the clinic's Google reviews."),
    "clinics": ("quietwatch.listings_commands:clinics", "The clinics in the store."),
    "parse": (
        "quietwatch.parse_command:parse",
        "What QuietWatch reads from one page (a saved file or a URL), as JSON.",
    ),
    "check-text": (
        "quietwatch.guardrail_commands:check_text",
        "Check outgoing text for review or testimonial requests.",
    ),
    "audit": ("quietwatch.guardrail_commands:audit", "The audit log of blocked attempts."),
    "rules": ("quietwatch.guardrail_commands:rules", "What is blocked, why, and what instead."),
    "reply": ("quietwatch.guardrail_commands:reply", "Reply to a review: refused and explained."),
    "contact-reviewer": (
        "quietwatch.guardrail_commands:contact_reviewer",
        "Contact a reviewer: refused and explained.",
    ),
    "request-reviews": (
        "quietwatch.guardrail_commands:request_reviews",
        "Send review requests: refused and explained.",
    ),
    "erase": ("quietwatch.privacy_commands:erase", "Erase a reviewer's information (BC PIPA)."),
    "export": ("quietwatch.privacy_commands:export", "Export what is held about a review."),
    "schedule": ("quietwatch.schedule:schedule", "Run the crawl on a schedule (cron/systemd)."),
    "check": ("quietwatch.ops_commands:check", "After-crawl checks and digest for other runs."),
    "scrapyd-egg": ("quietwatch.scrapyd:scrapyd_egg", "Build the crawl code's egg for Scrapyd."),
    "scrapyd-schedule": (
        "quietwatch.scrapyd:scrapyd_schedule",
        "Schedule this clinic's crawl on Scrapyd.",
    ),
}


class Context:
    """What every command needs: the settings, the config and the engine, made on demand
    and once per process."""

    def __init__(self, config_path: Path | None, verbose: int) -> None:
        self.config_path = config_path
        self.verbose = verbose
        self._settings: Any = None
        self._config: Any = None

    @property
    def settings(self) -> Any:
        if self._settings is None:
            from store.config import Settings

            self._settings = Settings()
        return self._settings

    @property
    def config_file_used(self) -> bool:
        """Whether a command that reads the configuration would read a file: one named
        (--config or QUIETWATCH_CONFIG, in any case, as the settings read it), or
        ./quietwatch.toml.  Answered without importing the store's config machinery."""
        named = any(k.upper() == "QUIETWATCH_CONFIG" and v for k, v in os.environ.items())
        return self.config_path is not None or named or Path("quietwatch.toml").exists()

    @property
    def config(self) -> Any:
        if self._config is None:
            from crawlers.sites import vocabulary
            from store.config import load_config

            self._config = load_config(self.config_path, self.settings, vocabulary())
        return self._config

    @property
    def db_url(self) -> str:
        from store.config import database_url

        return database_url(self.config, self.settings)

    @property
    def data_dir(self) -> Any:
        from store.config import data_dir

        return data_dir(self.config, self.settings)

    @property
    def engine(self) -> Any:
        """The process's engine (``store.db.engine_for``)."""
        from store.db import engine_for

        return engine_for(self.db_url)

    @property
    def read_engine(self) -> Any:
        """A read-only engine, for commands that only look (SQLite ``mode=ro``)."""
        from store.db import engine_for

        try:
            return engine_for(self.db_url, read_only=True)
        except FileNotFoundError as exc:
            raise click.ClickException(str(exc)) from None


pass_ctx = click.make_pass_decorator(Context)


class LazyGroup(click.Group):
    """Imports a command when it runs; a bad config file is one clear line and exit 2."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module, _, attribute = COMMANDS[name][0].partition(":")
        return getattr(importlib.import_module(module), attribute)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][1]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except Exception as exc:
            # Only a command that read the config can raise its error: store.config (and
            # pydantic-settings behind it) is not imported for the others (check-text).
            config = sys.modules.get("store.config")
            if config is None or not isinstance(exc, config.ConfigError):
                raise
            from quietwatch.console import err

            err.print(f"[bold red]Configuration error:[/] {exc}", markup=True, soft_wrap=True)
            sys.exit(2)


def _dispose_engines() -> None:
    if "store.db" in sys.modules:  # only when a command made one
        sys.modules["store.db"].dispose_engines()


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
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
    from store.secrets import guard_logs  # light: no store import behind it

    guard_logs()
    ctx.obj = Context(config_path, verbose)
    ctx.call_on_close(_dispose_engines)
