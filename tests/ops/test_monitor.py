"""The after-crawl checks on a real store: items against the last good run, field coverage,
error rate and stale sources; results kept as problems and on the run."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, select

from quietwatch.monitor import check_runs, stale_after
from store import crud, runs
from store.config import parse_config
from store.db import make_engine, session_scope
from store.models import CrawlProblem, CrawlRun, Listing, ListingStatus
from tests.ops.helpers import MINIMAL_CLINIC

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.fixture
def config():
    return parse_config(
        MINIMAL_CLINIC + "\n[crawl]\ninterval_hours = 24\n", Path("quietwatch.toml")
    )


@pytest.fixture
def store(db_url, config):
    engine = make_engine(db_url)
    with session_scope(engine) as session:
        clinic = crud.ensure_clinic(session, key=config.clinic.key, name=config.clinic.name)
        listing = crud.ensure_listing(
            session, clinic_id=clinic, site="yelp", url="http://127.0.0.1/yelp/biz/x"
        )
        ids = {"clinic": clinic, "listing": listing}
    yield engine, ids
    engine.dispose()


def _run(engine, ids, *, reviews, text=True, status="ok", at=NOW, check_status="ok", degraded=()):
    """A finished run that read ``reviews`` reviews of the listing, with the coverage the
    store pipeline records (share of listings giving review text)."""
    with session_scope(engine) as session:
        run = runs.start_run(session, clinic_id=ids["clinic"], spider="yelp")
        crud.upsert_reviews(
            session,
            listing_id=ids["listing"],
            reviews=[
                {
                    "site_review_id": f"r{i}",
                    "author": f"P{i}",
                    "rating": 5.0,
                    "published_at": at,
                    "text": f"Review {i}" if text else None,
                }
                for i in range(reviews)
            ],
            seen_at=at,
            run_id=run,
        )
        crud.close_listing(
            session, listing_id=ids["listing"], status=ListingStatus(check_status), at=at
        )
        runs.record_check(
            session,
            run_id=run,
            listing_id=ids["listing"],
            status=check_status,
            pages=1,
            reviews_seen=reviews,
            checked_at=at,
        )
        coverage = {
            "listings": 1,
            "fields": {
                "reviews": 1.0 if reviews else 0.0,
                "review_text": 1.0 if text and reviews else 0.0,
            },
        }
        runs.finish_run(
            session, run_id=run, status=status, coverage=coverage, degraded_fields=list(degraded)
        )
        return run


def _problems(engine, run_id):
    with Session(engine) as session:
        return {
            p.kind: p.message
            for p in session.exec(select(CrawlProblem).where(CrawlProblem.run_id == run_id))
        }


def test_healthy_runs_pass_every_check(store, config, db_url) -> None:
    engine, ids = store
    first = _run(engine, ids, reviews=20)
    check_runs(config, engine, [first], now=NOW)
    second = _run(engine, ids, reviews=20)
    checks = check_runs(config, engine, [second], now=NOW)
    assert {c.name: c.status for c in checks} == {
        "run": "ok",
        "items": "ok",
        "coverage": "ok",
        "error_rate": "ok",
    }
    assert _problems(engine, second) == {}
    with Session(engine) as session:
        run = session.get(CrawlRun, second)
        assert run.degraded_fields == []
        assert run.stats["quietwatch/monitor"]["items"] == "ok"


def test_listing_that_stops_giving_reviews_fails_items(store, config, db_url) -> None:
    engine, ids = store
    check_runs(config, engine, [_run(engine, ids, reviews=20)], now=NOW)
    empty = _run(engine, ids, reviews=0)  # read "ok", but no review any more
    checks = {c.name: c for c in check_runs(config, engine, [empty], now=NOW)}
    assert checks["items"].status == "fail"
    assert "1 yelp listing(s) read without error gave no review" in checks["items"].message
    assert "http://127.0.0.1/yelp/biz/x" in checks["items"].message
    assert "check_items" in _problems(engine, empty)


def test_an_incremental_run_reading_fewer_reviews_is_fine(store, config, db_url) -> None:
    engine, ids = store
    check_runs(config, engine, [_run(engine, ids, reviews=20)], now=NOW)
    incremental = _run(engine, ids, reviews=4)  # stopped at known reviews, by design
    checks = {c.name: c for c in check_runs(config, engine, [incremental], now=NOW)}
    assert checks["items"].status == "ok"


def test_vanished_field_is_reported(store, config, db_url) -> None:
    engine, ids = store
    check_runs(config, engine, [_run(engine, ids, reviews=10)], now=NOW)
    later = _run(engine, ids, reviews=10, text=False, status="degraded", degraded=["review_text"])
    checks = {c.name: c for c in check_runs(config, engine, [later], now=NOW)}
    assert checks["coverage"].status == "fail"
    assert "review_text 100% → 0%" in checks["coverage"].message
    assert "check_coverage" in _problems(engine, later)


def test_error_rate_and_failed_run(store, config, db_url) -> None:
    engine, ids = store
    failed = _run(engine, ids, reviews=0, status="failed", check_status="blocked")
    checks = {c.name: c for c in check_runs(config, engine, [failed], now=NOW)}
    assert checks["run"].status == "fail"
    assert checks["error_rate"].status == "fail" and "1 of 1" in checks["error_rate"].message


def test_stale_sources(store, config, db_url) -> None:
    engine, ids = store
    assert stale_after(config) == timedelta(hours=48)  # default: twice the interval
    run = _run(engine, ids, reviews=3, at=NOW - timedelta(days=3))
    with session_scope(engine) as session:  # a second listing that has never been read
        other = crud.ensure_listing(
            session, clinic_id=ids["clinic"], site="ratemds", url="http://127.0.0.1/ratemds/x"
        )
        session.get(Listing, other).created_at = NOW - timedelta(days=5)
    stale = [c for c in check_runs(config, engine, [run], now=NOW) if c.name == "stale"]
    assert sorted((c.url, c.status) for c in stale) == [
        ("http://127.0.0.1/ratemds/x", "fail"),
        ("http://127.0.0.1/yelp/biz/x", "fail"),
    ]
    messages = " | ".join(c.message for c in stale)
    assert (
        "last read successfully 3.0 days ago" in messages and "never read successfully" in messages
    )
    assert "stale" in _problems(engine, run)
    fresh = [
        c
        for c in check_runs(config, engine, [run], now=NOW - timedelta(days=2, hours=12))
        if c.name == "stale"
    ]
    # 12 h after the yelp listing's last success: fresh; the other listed 2.5 days before: stale
    assert [c.url for c in fresh] == ["http://127.0.0.1/ratemds/x"]
