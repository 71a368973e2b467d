"""The crawl's pipelines in process, built by Scrapy from the project's settings around a real
run and a real SQLite file (what `bench store` builds): the clinic's own pages' findings and
discovered listings, stored with their run and time, counted in the run's stats and said in
the log.  Real crawls of the same paths run in test_own_content and the discovery tests."""

import logging
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from bench.store import Store
from crawlers.items import DiscoveredListing
from crawlers.pages.own_site import OwnContentPage
from crawlers.pipelines.findings import FindingsPipeline
from guardrail.findings import FindingSpec
from store.models import Finding, Listing

LISTING = "https://www.yelp.ca/biz/harbourview-counselling-vancouver"
PAGE = "https://harbourview.example/about"
T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def _spec(key: str) -> FindingSpec:
    return FindingSpec(
        kind="solicitation",
        category="express_request",
        rule_id="review_request",
        severity="critical",
        excerpt="Please leave us a review on Google.",
        explanation="Asks for a review.",
        guidance="Take the request off the page.",
        dedupe_key=key,
    )


@pytest.fixture
def store(tmp_path):
    built = Store(f"sqlite:///{tmp_path / 'quietwatch.db'}", [LISTING])
    built.run.spider_opened(built.spider)
    yield built
    built.run.spider_closed(built.spider, "finished")


def test_own_content_findings_are_stored_with_their_run_and_time_counted_and_said(
    store, caplog
) -> None:
    pipeline = FindingsPipeline.from_crawler(store.crawler)
    first = OwnContentPage(url=PAGE, crawled_at=T0, findings=[_spec("a"), _spec("b"), _spec("d")])
    again = OwnContentPage(
        url=PAGE, crawled_at=T0 + timedelta(hours=1), findings=[_spec("a"), _spec("c")]
    )
    with caplog.at_level(logging.WARNING, logger="crawlers.pipelines.findings"):
        pipeline.process_item(first)
        pipeline.process_item(again)
        pipeline.process_item(OwnContentPage(url=PAGE + "/fees", crawled_at=T0))  # clean
    lines = [r.getMessage() for r in caplog.records if r.name == "crawlers.pipelines.findings"]
    assert lines == [
        f"3 solicitation finding(s) on {PAGE} (3 new)",
        f"2 solicitation finding(s) on {PAGE} (1 new)",
    ]
    stats = store.crawler.stats
    assert stats.get_value("quietwatch/own_content/pages") == 3
    assert stats.get_value("quietwatch/own_content/new_findings") == 4
    with Session(store.engine) as session:
        found = {f.dedupe_key: f for f in session.exec(select(Finding))}
    assert sorted(found) == ["a", "b", "c", "d"]
    run_id = store.run.run_id
    assert {f.run_id for f in found.values()} == {run_id}
    assert {f.source_url for f in found.values()} == {PAGE}
    assert found["b"].first_seen_at.replace(tzinfo=UTC) == T0
    assert found["a"].last_seen_at.replace(tzinfo=UTC) == T0 + timedelta(hours=1)
    assert found["c"].first_seen_at.replace(tzinfo=UTC) == T0 + timedelta(hours=1)


def test_a_discovered_listing_is_stored_once_counted_and_said(store, caplog) -> None:
    from crawlers.pipelines.store import StorePipeline

    pipeline = StorePipeline.from_crawler(store.crawler)
    candidate = "https://www.yelp.ca/biz/harbourview-counselling-vancouver-2"
    item = DiscoveredListing(
        site="yelp", url=candidate, name="Harbourview Counselling", match_reason="same phone"
    )
    with caplog.at_level(logging.INFO, logger="crawlers.pipelines.store"):
        pipeline.process_item(item)
        pipeline.process_item(item)  # found again: already proposed
        pipeline.process_item(DiscoveredListing(site="yelp", url=LISTING))  # configured
    lines = [r.getMessage() for r in caplog.records if r.name == "crawlers.pipelines.store"]
    assert lines == [f"discovered a candidate listing on yelp: {candidate}"]
    assert store.crawler.stats.get_value("quietwatch/discovered") == 1
    with Session(store.engine) as session:
        rows = {row.url: row for row in session.exec(select(Listing))}
    assert (rows[candidate].origin, rows[candidate].enabled) == ("discovered", False)
    assert rows[LISTING].origin == "configured"


def _pages(crawled_at: datetime, count: int, **last) -> list:
    """One listing's two pages (five reviews, then the rest), as the spider yields them."""
    from crawlers.items import ListingFacts, ListingPage, ReviewItem

    items = [
        ReviewItem(
            site_review_id=f"r{j}",
            author="Sam K.",
            rating=5.0,
            published_at=datetime(2026, 10, 1, tzinfo=UTC) - timedelta(days=j),
            published_precision="day",
            text=f"Review {j}.",
        )
        for j in range(count)
    ]
    first = ListingPage(
        site="yelp",
        listing_url=LISTING,
        page_url=LISTING,
        crawled_at=crawled_at,
        facts=ListingFacts(name="Harbourview Counselling", rating=4.5, review_count=12),
        reviews=items[:5],
        is_last_page=False,
        http_status=200,
        etag='"v1"',
        notes=["a note said twice", "a note said twice"],
    )
    second = ListingPage(
        site="yelp",
        listing_url=LISTING,
        page_url=LISTING + "?start=10",
        crawled_at=crawled_at,
        page_number=2,
        reviews=items[5:],
        http_status=200,
        etag='"page-two"',
    )
    for name, value in last.items():
        setattr(second, name, value)
    return [first, second]


def _first_crawl_then_the_next_run(store):
    """The listing's eight reviews stored by a first run, and the next run open; the pipeline."""
    from crawlers.pipelines.store import StorePipeline

    pipeline = StorePipeline.from_crawler(store.crawler)
    for page in _pages(T0, 8):
        pipeline.process_item(page, store.spider)
    store.run.spider_closed(store.spider, "finished")
    store.run.spider_opened(store.spider)
    return pipeline


def _checks(store) -> list:
    from store.models import CrawlProblem, CrawlRun, ListingCheck

    with Session(store.engine) as session:
        run = session.get(CrawlRun, store.run.run_id)
        check = session.exec(
            select(ListingCheck).where(ListingCheck.run_id == store.run.run_id)
        ).one()
        problems = session.exec(
            select(CrawlProblem).where(CrawlProblem.run_id == store.run.run_id)
        ).all()
        listing = session.exec(select(Listing).where(Listing.url == LISTING)).one()
        return run, check, [(p.kind, p.message) for p in problems], listing


def test_a_listings_pages_are_stored_and_closed_with_its_check_counts_and_problems(
    store,
) -> None:
    from crawlers.pipelines.store import StorePipeline

    pipeline = StorePipeline.from_crawler(store.crawler)
    for page in _pages(T0, 8):
        pipeline.process_item(page, store.spider)
    run, check, problems, listing = _checks(store)
    assert (run.pages, run.items, run.new_reviews, run.errors, run.blocked) == (2, 2, 8, 0, 0)
    assert (check.status, check.pages, check.reviews_seen, check.new_reviews) == ("ok", 2, 8, 8)
    assert (check.complete, check.http_status, check.stated_review_count) == (True, 200, 12)
    assert check.shortfall == 4  # 12 stated, 8 held: recorded, not hidden
    assert "name" in check.fields and "rating" in check.fields
    assert listing.etag == '"v1"'  # validators come from the first page only
    assert listing.last_status == "ok" and listing.last_full_sweep_at is not None
    with Session(store.engine) as session:
        from store.models import ListingSnapshot, Review

        snapshot = session.get(ListingSnapshot, listing.latest_snapshot_id)
        authors = {r.author for r in session.exec(select(Review))}
    assert snapshot.run_id == store.run.run_id and snapshot.name == "Harbourview Counselling"
    assert authors == {"S. K."}  # [privacy] keep_reviewer_names = "initials", the default
    assert problems == [
        ("note", "a note said twice"),
        (
            "shortfall",
            "the listing states 12 review(s); QuietWatch holds 8 (4 not shown on the pages "
            "read: filtered, hidden or paged beyond reach)",
        ),
    ]
    assert store.crawler.stats.get_value("quietwatch/listing/ok") == 1
    assert pipeline.listings == {}  # nothing is kept once the listing is closed


def test_a_blocked_last_page_makes_the_listing_incomplete_and_decides_no_removals(
    store, tmp_path
) -> None:
    from crawlers.items import PageStatus

    pipeline = _first_crawl_then_the_next_run(store)
    later = T0 + timedelta(days=1)
    blocked = _pages(later, 6, status=PageStatus.BLOCKED, problem="a CAPTCHA", reviews=[])
    for page in blocked:
        pipeline.process_item(page, store.spider)
    run, check, problems, listing = _checks(store)
    assert (check.status, check.complete, check.removed_reviews) == ("blocked", False, 0)
    assert (run.errors, run.blocked, run.removed_reviews) == (1, 1, 0)
    assert ("blocked", "a CAPTCHA") in problems
    with Session(store.engine) as session:
        from store.models import CrawlProblem

        where = session.exec(select(CrawlProblem.url).where(CrawlProblem.kind == "blocked")).all()
    assert where == [LISTING + "?start=10"]  # the page that failed, not the listing
    assert not any(kind == "shortfall" for kind, _ in problems)  # not read in full: no claim
    with Session(store.engine) as session:
        from store.models import Review

        visible = session.exec(select(Review).where(Review.removed_at.is_(None))).all()
    assert len(visible) == 8  # the three on the unread page are not "removed"


def test_a_full_sweep_that_reads_every_page_removes_what_is_gone(store) -> None:

    pipeline = _first_crawl_then_the_next_run(store)
    again = _pages(T0 + timedelta(days=1), 6)  # r6 and r7 are gone from the site
    again[0].reviews[0].text = "Review 0, edited."  # one edit on each page
    again[1].reviews[0].text = "Review 5, edited."
    for page in again:
        pipeline.process_item(page, store.spider)
    run, check, _problems, _listing = _checks(store)
    assert (check.removed_reviews, run.removed_reviews, check.new_reviews) == (2, 2, 0)
    assert (check.changed_reviews, run.changed_reviews) == (2, 2)


def test_a_gone_listing_is_dated_and_an_error_counted(store) -> None:
    from crawlers.items import PageStatus
    from crawlers.pipelines.store import StorePipeline

    pipeline = StorePipeline.from_crawler(store.crawler)
    (first, _second) = _pages(T0, 0)
    first.status, first.problem, first.facts = PageStatus.GONE, "the listing is gone", None
    first.is_last_page, first.http_status = True, 404
    pipeline.process_item(first, store.spider)
    run, check, problems, listing = _checks(store)
    assert listing.gone_at is not None and listing.gone_at.replace(tzinfo=UTC) == T0
    assert (check.status, check.http_status, run.errors) == ("gone", 404, 1)
    assert ("gone", "the listing is gone") in problems


def test_a_reviews_findings_are_stored_with_their_run_and_the_pages_time(store) -> None:
    from crawlers.pipelines.store import StorePipeline

    pages = _pages(T0, 6)
    pages[1].reviews[0].owner_response = "Thank you for your kind words!"
    store_pipeline = StorePipeline.from_crawler(store.crawler)
    findings = FindingsPipeline.from_crawler(store.crawler)
    for page in pages:
        findings.process_item(store_pipeline.process_item(page, store.spider))
    with Session(store.engine) as session:
        (finding,) = session.exec(select(Finding)).all()
    assert (finding.kind, finding.run_id) == ("owner_response", store.run.run_id)
    assert finding.first_seen_at.replace(tzinfo=UTC) == T0
    assert store.crawler.stats.get_value("quietwatch/findings/new") == 1


def test_a_partial_page_before_a_good_last_page_still_leaves_the_listing_incomplete(
    store,
) -> None:
    from crawlers.items import PageStatus

    pipeline = _first_crawl_then_the_next_run(store)
    first, second = _pages(T0 + timedelta(days=1), 6)
    first.status, first.problem = PageStatus.PARTIAL, "two reviews could not be read"
    for page in (first, second):
        pipeline.process_item(page, store.spider)
    _run, check, problems, _listing = _checks(store)
    assert (check.status, check.complete, check.removed_reviews) == ("partial", False, 0)
    assert ("partial", "two reviews could not be read") in problems
