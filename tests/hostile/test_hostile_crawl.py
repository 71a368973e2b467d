"""One real crawl (`quietwatch crawl`, a subprocess) of a hostile site served on loopback:
loops, file: and metadata-address links, cross-host redirects, write and reply links, a 1 MB
review without a space, broken and 10,000-deep JSON-LD, impossible dates, a JSON answer, and
two listings whose reviews carry the same page-relative id.

The crawl ends in under a minute with every listing's problem in plain words, no traceback,
nothing fetched that the rules forbid, and every review kept where it belongs."""

import time
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from sqlmodel import Session, func, select

from store.db import make_engine
from store.models import CrawlProblem, CrawlRun, Listing, ListingCheck, Review, ReviewVersion
from tests.crawlers.helpers import CLINIC, crawl, write_config
from tests.hostile.site import HUGE, LISTINGS, NEVER_FETCHED, OTHER_HOST, Site

pytestmark = pytest.mark.slow


@pytest.fixture
def other_host():
    """A second loopback address standing for "another host": it must receive nothing."""
    server = HTTPServer(host=OTHER_HOST, port=0)
    server.expect_request("/stolen").respond_with_data("you should not be here")
    server.start()
    yield server
    server.clear()
    if server.is_running():
        server.stop()


@pytest.fixture
def hostile(tmp_path: Path, httpserver: HTTPServer, other_host: HTTPServer):
    site = Site(other_host.port)
    httpserver.expect_request("").respond_with_handler(site)
    base = httpserver.url_for("").rstrip("/")
    config = write_config(tmp_path, [("schema_org", base + path) for path in LISTINGS])
    started = time.monotonic()
    result = crawl(config)
    elapsed = time.monotonic() - started
    engine = make_engine(f"sqlite:///{tmp_path / 'data' / 'quietwatch.db'}")
    yield site, base, result, elapsed, engine, other_host
    engine.dispose()


def test_the_hostile_site_is_crawled_quickly_and_said_plainly(hostile) -> None:
    site, base, result, elapsed, engine, other_host = hostile
    assert elapsed < 60, f"the crawl took {elapsed:.0f} s"
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    with Session(engine) as s:
        run = s.exec(select(CrawlRun).where(CrawlRun.spider == "schema_org")).one()
        assert run.status == "partial"  # problems with listings, never a failed run
        problems: dict[str, list[str]] = {}
        for problem in s.exec(select(CrawlProblem)):
            listing = s.get(Listing, problem.listing_id) if problem.listing_id else None
            if listing is not None:
                problems.setdefault(listing.url.removeprefix(base), []).append(problem.message)
        for path, expected in LISTINGS.items():
            said = " | ".join(problems.get(path, []))
            if expected is None:
                assert not said, f"{path}: {said}"
            else:
                assert expected in said, f"{path}: expected {expected!r}, got {said!r}"
            assert "Error:" not in said and "Traceback" not in said, said
    # What must never be fetched was not; every page of a loop was fetched once.
    assert not set(NEVER_FETCHED) & set(site.asked)
    assert other_host.log == []  # nothing reached the other host
    assert site.asked.count("/self") == 1
    assert [site.asked.count(f"/cycle/{n}") for n in (1, 2, 3)] == [1, 1, 1]


def test_loops_and_refused_links_keep_the_pages_read(hostile) -> None:
    _site, base, _result, _elapsed, engine, _other = hostile
    with Session(engine) as s:
        checks = {
            s.get(Listing, c.listing_id).url.removeprefix(base): c
            for c in s.exec(select(ListingCheck))
        }
        cycle = checks["/cycle/1"]
        assert (cycle.status, cycle.pages, cycle.reviews_seen, cycle.complete) == (
            "partial",
            3,
            3,
            False,
        )
        for path in ("/self", "/file-next", "/metadata-next", "/write/1", "/write/5"):
            assert checks[path].status == "partial" and checks[path].reviews_seen == 1, path
        assert checks["/redirect-out"].status == "partial"  # not failed: a problem, said


def test_reviews_are_kept_where_they_belong(hostile) -> None:
    _site, base, _result, _elapsed, engine, _other = hostile
    with Session(engine) as s:
        by_listing = {
            s.get(Listing, r.listing_id).url.removeprefix(base): r
            for r in s.exec(select(Review))
            if s.get(Listing, r.listing_id).url.endswith(("twin-a", "twin-b"))
        }
        # Two listings' "#r0" are two reviews, each under its own listing, no false edit.
        assert by_listing["/twin-a"].text == "Twin A's own review."
        assert by_listing["/twin-b"].text == "Twin B's own review."
        assert by_listing["/twin-a"].site_review_id.endswith("/twin-a#r0")
        assert s.exec(select(func.count()).select_from(ReviewVersion)).one() == 0
        huge = s.exec(select(Review).where(Review.text == HUGE))
        assert len(huge.all()) == 1  # a 1 MB review is stored whole
        dates = {
            r.text: r
            for r in s.exec(select(Review))
            if s.get(Listing, r.listing_id).url.endswith("/dates")
        }
        assert dates["Ancient."].published_at is None
        assert dates["Ancient."].published_raw == "0001-01-01"  # the text as shown is kept
        assert dates["Future."].published_at is None
        assert dates["Future."].published_raw == "9999-12-31"
        assert dates["Real."].published_at.year == 2026


def test_another_clinic_in_a_shared_store_keeps_its_own_reviews(tmp_path, httpserver) -> None:
    """Clinic B's crawl of a page whose review ids equal clinic A's never touches A's."""
    site = Site(1)
    httpserver.expect_request("").respond_with_handler(site)
    base = httpserver.url_for("").rstrip("/")
    store = tmp_path / "shared.db"
    for clinic, path in (("a", "/twin-a"), ("b", "/twin-b")):
        folder = tmp_path / clinic
        folder.mkdir()
        own = CLINIC.replace("Harbourview Counselling Collective", f"Clinic {clinic.upper()}")
        own = own.replace('slug = "harbourview"', f'slug = "clinic-{clinic}"')
        assert own != CLINIC and f"clinic-{clinic}" in own
        config = write_config(folder, [("schema_org", base + path)], clinic=own)
        text = config.read_text()
        config.write_text(text.replace('data_dir = "data"', f'url = "sqlite:///{store}"'))
        assert crawl(config).returncode == 0
    engine = make_engine(f"sqlite:///{store}")
    try:
        with Session(engine) as s:
            texts = sorted(r.text for r in s.exec(select(Review)))
            assert texts == ["Twin A's own review.", "Twin B's own review."]
            assert s.exec(select(func.count()).select_from(ReviewVersion)).one() == 0
    finally:
        engine.dispose()
