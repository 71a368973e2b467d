"""Scrapyd as the crawl engine: build the project egg, and schedule a clinic's crawl.

``quietwatch scrapyd-egg`` builds an egg of the crawl code (``crawlers``, ``store``,
``guardrail``, with their data files) that ``scrapyd-deploy --egg`` uploads.
``quietwatch scrapyd-schedule`` prepares the shared store (migrations, the clinic and its
listings) and asks Scrapyd's ``schedule.json`` for one job per spider, handing each its
sources (JSON) and the store's settings.  The crawl then writes to the shared store exactly
as ``quietwatch crawl`` does; ``quietwatch check`` runs the checks and the digest afterwards.
"""

import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import click

from crawlers.runner import clinic_facts, confirmed_sources, own_content_jobs, plan
from crawlers.sites import review_site_hosts
from guardrail.endpoints import is_review_site
from quietwatch.operations import initialise
from store.config import QuietWatchConfig
from store.db import Engine, is_sqlite

REPO = Path(__file__).resolve().parent.parent
EGG_PACKAGES = ("crawlers", "store", "guardrail")
PACKAGE_DATA = {
    "guardrail": ["rulesets/*.toml"],
    "store": ["migrations/*.mako", "migrations/*.ini"],
}

SETUP_PY = """\
# Written by `quietwatch scrapyd-egg`: the crawl code and its data files, for Scrapyd.
from setuptools import find_packages, setup

setup(
    name="quietwatch-crawlers",
    version={version!r},
    packages=find_packages(include={packages!r}),
    package_data={package_data!r},
    entry_points={{"scrapy": ["settings = crawlers.settings"]}},
    zip_safe=True,
)
"""


def build_egg(out_dir: Path, *, version: str | None = None) -> Path:
    """Build ``quietwatch_crawlers-<version>.egg`` in ``out_dir``; return its path."""
    version = version or time.strftime("%Y%m%d%H%M%S", time.gmtime())
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="quietwatch-egg-") as staging_name:
        staging = Path(staging_name)
        for package in EGG_PACKAGES:
            shutil.copytree(
                REPO / package,
                staging / package,
                ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
            )
        (staging / "setup.py").write_text(
            SETUP_PY.format(
                version=version,
                packages=[p + suffix for p in EGG_PACKAGES for suffix in ("", ".*")],
                package_data=PACKAGE_DATA,
            ),
            encoding="utf-8",
        )
        result = subprocess.run(
            [sys.executable, "setup.py", "-q", "bdist_egg", "-d", str(out_dir.resolve())],
            cwd=staging,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if result.returncode != 0:
            raise click.ClickException(f"building the egg failed:\n{result.stderr[-3000:]}")
    eggs = sorted(out_dir.glob(f"quietwatch_crawlers-{version}-*.egg"))
    if not eggs:
        raise click.ClickException(f"no egg was written to {out_dir}")
    return eggs[-1]


def scrapyd_jobs(
    config: QuietWatchConfig, engine: Engine, *, trigger: str = "scrapyd"
) -> list[dict[str, Any]]:
    """One schedule.json request per spider: spider arguments are strings, so the sources
    and the clinic go as JSON."""
    crawl_plan = plan(config, extra_sources=confirmed_sources(config, engine))
    settings = {
        "QUIETWATCH_DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "QUIETWATCH_CLINIC": json.dumps(clinic_facts(config)),
        "QUIETWATCH_TRIGGER": trigger,
        "QUIETWATCH_FULL_SWEEP_DAYS": str(config.crawl.full_sweep_days),
        "QUIETWATCH_REVIEWER_NAMES": config.privacy.keep_reviewer_names,
        "DOWNLOAD_DELAY": str(config.crawl.download_delay),
        "USER_AGENT": (
            f"QuietWatch/0.1 (read-only review-listing monitor for {config.clinic.name}; "
            f"+{config.clinic.website})"
        ),
    }
    jobs: list[dict[str, Any]] = []
    for spider_cls, sources in crawl_plan.groups.items():
        jobs.append(
            {
                "spider": spider_cls.name,
                "sources": json.dumps(sources),
                "max_review_pages": str(config.crawl.max_review_pages),
                "settings": dict(settings),
            }
        )
    # The scan of the clinic's own pages for solicitation, when the config names them
    # (spider arguments are strings: the URL lists go comma-separated).
    for spider_cls, kwargs in own_content_jobs(config):
        jobs.append(
            {
                "spider": spider_cls.name,
                "urls": ",".join(kwargs["urls"]),
                "feeds": ",".join(kwargs["feeds"]),
                "max_pages": str(kwargs["max_pages"]),
                "settings": dict(settings),
            }
        )
    return jobs


def schedule_job(scrapyd_url: str, project: str, job: dict[str, Any]) -> str:
    """Ask the operator's own Scrapyd (schedule.json, through scrapyd-client's library) to run
    one job; return its job id.  This is a control call to Scrapyd, never to a review site."""
    try:
        from scrapyd_client.exceptions import ErrorResponse, MalformedResponse
        from scrapyd_client.pyclient import ScrapydClient
    except ImportError:
        raise click.ClickException(
            "scrapyd-client is not installed: pip install 'quietwatch[scrapyd]'"
        ) from None
    if not scrapyd_url.startswith(("http://", "https://")):
        raise click.UsageError(f"--url {scrapyd_url}: Scrapyd's address must be http(s)://")
    if is_review_site(scrapyd_url, review_site_hosts()):
        raise click.UsageError(
            f"--url {scrapyd_url}: that is a review site, not a Scrapyd server; QuietWatch "
            "sends nothing but GET and HEAD requests to review sites"
        )
    args = [(k, v) for k, v in job.items() if k not in ("spider", "settings")]
    args += [("setting", f"{k}={v}") for k, v in job["settings"].items()]
    try:
        return str(ScrapydClient(scrapyd_url.rstrip("/")).schedule(project, job["spider"], args))
    except (ErrorResponse, MalformedResponse) as exc:
        raise click.ClickException(f"Scrapyd refused the {job['spider']} job: {exc}") from None
    except OSError as exc:  # requests' connection errors
        raise click.ClickException(f"cannot reach Scrapyd at {scrapyd_url}: {exc}") from None


@click.command("scrapyd-egg")
@click.argument("out_dir", type=click.Path(path_type=Path, file_okay=False), default="dist")
def scrapyd_egg(out_dir: Path) -> None:
    """Build the crawl code's egg for `scrapyd-deploy TARGET -p quietwatch --egg FILE`."""
    click.echo(str(build_egg(out_dir)))


@click.command("scrapyd-schedule")
@click.option(
    "--url",
    "scrapyd_url",
    default="http://127.0.0.1:6800",
    show_default=True,
    help="Scrapyd's address.",
)
@click.option(
    "--project",
    default="quietwatch",
    show_default=True,
    help="The project name it was deployed as.",
)
@click.option("--dry-run", is_flag=True, help="Print the jobs instead of scheduling them.")
@click.pass_obj
def scrapyd_schedule(obj, scrapyd_url: str, project: str, dry_run: bool) -> None:  # type: ignore[no-untyped-def]
    """Crawl the configured clinic through Scrapyd, into the shared store.

    Use a store every Scrapyd node can reach (PostgreSQL: `[database] url` or
    QUIETWATCH_DATABASE_URL).  Prints one Scrapyd job id per spider.
    """
    config, engine = obj.config, obj.engine
    if is_sqlite(engine):
        click.echo(
            "Note: the store is a SQLite file; Scrapyd must run on this machine to reach it.",
            err=True,
        )
    if not dry_run:
        initialise(config, engine)
    jobs = scrapyd_jobs(config, engine)
    for job in jobs:
        if dry_run:
            shown = {**job, "settings": {**job["settings"], "QUIETWATCH_DATABASE_URL": "<store>"}}
            click.echo(json.dumps(shown, indent=2))
            continue
        job_id = schedule_job(scrapyd_url, project, job)
        click.echo(f"{job['spider']}: job {job_id}")
