"""The whole pipeline, for real: `quietwatch crawl` (a subprocess) against sample sites on
127.0.0.1 in the real sites' markup, into a real SQLite file."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import Session, func, select

from quietwatch import demo
from quietwatch.demo.server import SampleServer
from store.db import make_engine
from store.models import (
    CrawlProblem,
    CrawlRun,
    Finding,
    Listing,
    ListingCheck,
    ListingSnapshot,
    Review,
    ReviewVersion,
)
from tests.conftest import REPO


def _crawl(config: Path, *extra: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QUIETWATCH_")}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "quietwatch",
            "--config",
            str(config),
            "crawl",
            "--no-progress",
            *extra,
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _counts(session: Session) -> dict[str, int]:
    return {
        model.__name__: session.exec(select(func.count()).select_from(model)).one()
        for model in (Review, ReviewVersion, ListingSnapshot, Listing)
    }


@pytest.fixture
def sample_sites():
    phase = {"n": 1}
    server = SampleServer(lambda p: None).start()
    # The directory states 8 reviews and shows 6: the shortfall check has something to say.
    server.resolve = demo.resolver(server.base_url, lambda: phase["n"], directory_states=8)
    yield server, phase
    server.stop()


@pytest.mark.slow
def test_crawl_store_recrawl_and_changes(tmp_path: Path, sample_sites) -> None:
    server, phase = sample_sites
    config = demo.write_config(tmp_path, server.base_url)
    engine_url = f"sqlite:///{tmp_path / 'data' / 'quietwatch.db'}"

    first = _crawl(config)
    assert first.returncode == 0, first.stdout + first.stderr[-4000:]
    assert "Listings checked: 4" in first.stdout
    assert "new reviews: 45" in first.stdout
    engine = make_engine(engine_url)
    with Session(engine) as s:
        after_first = _counts(s)
        assert after_first == {"Review": 45, "ReviewVersion": 0, "ListingSnapshot": 4, "Listing": 4}
        yelp = s.exec(select(Listing).where(Listing.site == "yelp")).one()
        checks = {c.listing_id: c for c in s.exec(select(ListingCheck))}
        assert checks[yelp.id].pages == 2 and checks[yelp.id].complete
        assert checks[yelp.id].stated_review_count == 24 and checks[yelp.id].shortfall is None
        shortfalls = s.exec(select(CrawlProblem).where(CrawlProblem.kind == "shortfall")).all()
        assert (
            len(shortfalls) == 1
            and "states 8 review(s); QuietWatch holds 6" in shortfalls[0].message
        )
        kinds = {f.kind for f in s.exec(select(Finding))}
        assert "owner_response" in kinds  # the RateMDs page shows a response "from the clinic"
        assert {r.status for r in s.exec(select(CrawlRun))} == {"ok"}

    before = len(server.requests)
    again = _crawl(config)  # a scheduled re-crawl: incremental, nothing changed
    assert again.returncode == 0, again.stderr[-4000:]
    assert "new reviews: 0" in again.stdout and "changed: 0" in again.stdout
    with Session(engine) as s:
        assert _counts(s) == after_first  # an unchanged re-crawl adds no rows
    pages = [p for _, p in server.requests[before:] if not p.endswith("/robots.txt")]
    assert len(pages) <= 4, pages  # at most one page request per listing

    with Session(engine) as s:
        last_run_before = max(r.id for r in s.exec(select(CrawlRun)))
    phase["n"] = 2
    changed = _crawl(config, "--full")  # the periodic full sweep that catches removals
    assert changed.returncode == 0, changed.stderr[-4000:]
    with Session(engine) as s:
        counts = _counts(s)
        assert counts["Review"] == 47 and counts["ReviewVersion"] == 1
        assert (
            counts["ListingSnapshot"] == 4 + 2
        )  # yelp's stated count and the directory's phone changed
        removed = s.exec(select(Review).where(Review.removed_at.is_not(None))).all()
        assert len(removed) == 1 and removed[0].site == "yelp"
        gone = s.exec(select(Listing).where(Listing.gone_at.is_not(None))).all()
        assert [g.url.rsplit("/", 1)[-1] for g in gone] == ["harbourview-counselling-kitsilano"]
        # One run per site spider; together they saw 2 new, 1 edited and 1 removed review,
        # and the run that met the gone listing is partial.
        runs = s.exec(select(CrawlRun).where(CrawlRun.id > last_run_before)).all()
        assert {r.spider for r in runs} == {"yelp", "ratemds", "schema_org"}
        assert sum(r.new_reviews for r in runs) == 2 and sum(r.changed_reviews for r in runs) == 1
        assert sum(r.removed_reviews for r in runs) == 1
        by_spider = {r.spider: r for r in runs}
        assert by_spider["schema_org"].status == "partial" and by_spider["yelp"].status == "ok"
    engine.dispose()
    assert {m for m, _ in server.requests} <= {"GET", "HEAD"}


@pytest.mark.slow
def test_help_documents_every_command() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "quietwatch", "--help"], cwd=REPO, capture_output=True, text=True
    )
    assert result.returncode == 0
    for command in ("init", "crawl", "dashboard", "demo"):
        assert command in result.stdout
        sub = subprocess.run(
            [sys.executable, "-m", "quietwatch", command, "--help"],
            cwd=REPO,
            capture_output=True,
            text=True,
        )
        assert sub.returncode == 0 and "Usage:" in sub.stdout


def test_bad_config_is_one_clear_line_and_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "quietwatch.toml"
    bad.write_text('[clinic]\nname = "X"\n')
    result = subprocess.run(
        [sys.executable, "-m", "quietwatch", "--config", str(bad), "init"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "Configuration error" in result.stderr and "clinic.street_address" in result.stderr
    assert "line 1" in result.stderr
