"""Pins for the crawl pipelines' behaviours no other fast test reached (the 2026-11-30
mutation pass over crawlers/pipelines): the validate rules at their edges, a page with no
crawl time, a listing the run meets mid-crawl, what a page's problem and notes say and where,
a discovered listing's reason and site id, an API source's cap, and the pipelines switched
off without a store.  Each drives a pipeline in process on a real Scrapy crawler and, where
it writes, a real migrated store (see test_pipelines_in_process.py)."""

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from scrapy import Spider
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.utils.test import get_crawler
from sqlmodel import Session, select

from bench.store import Store
from crawlers.items import (
    DiscoveredListing,
    ListingFacts,
    ListingPage,
    PageStatus,
    ReviewItem,
)
from crawlers.pages.own_site import OwnContentPage
from crawlers.pipelines.findings import FindingsPipeline
from crawlers.pipelines.store import StorePipeline
from crawlers.sites import APIS
from store.models import CrawlProblem, CrawlRun, Finding, Listing, ListingCheck, Review
from tests.crawlers.test_pipelines_in_process import _spec
from tests.crawlers.test_validate_pipeline import _run as _validate

LISTING = "https://www.yelp.ca/biz/harbourview-counselling-vancouver"
FOUND = "https://www.yelp.ca/biz/harbourview-counselling-north-vancouver"  # not configured
T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


# -- validate ------------------------------------------------------------------------------
def _page(*reviews: ReviewItem, **fields) -> ListingPage:
    return ListingPage(
        site="yelp",
        listing_url=fields.pop("listing_url", LISTING),
        page_url=LISTING,
        crawled_at=fields.pop("crawled_at", T0),
        facts=ListingFacts(name="Harbourview"),
        reviews=list(reviews),
        **fields,
    )


def test_a_page_without_its_listing_url_is_dropped_with_the_reason_said_in_full() -> None:
    """Scrapy logs the DropItem's text: it is the whole plain sentence, nothing added."""
    with pytest.raises(DropItem) as dropped:
        _validate(_page(listing_url=""))
    assert str(dropped.value) == "a listing page without its listing URL cannot be stored"


def test_a_rating_on_the_ends_of_its_scale_is_kept_and_one_past_it_cleared() -> None:
    """0 and the best rating are both on the scale; with no scale given, 10 is the most."""
    zero = ReviewItem(site_review_id="a", rating=0, best_rating=5, text="x")
    best = ReviewItem(site_review_id="b", rating=5, best_rating=5, text="x")
    ten = ReviewItem(site_review_id="c", rating=10, text="x")  # no scale: out of 10
    over = ReviewItem(site_review_id="d", rating=10.5, text="x")  # no scale: too high
    page, stats = _validate(_page(zero, best, ten, over))
    assert [r.rating for r in page.reviews] == [0, 5, 10, None]
    assert stats.get_value("quietwatch/review/bad_rating") == 1


def test_a_review_is_kept_for_its_text_its_rating_or_its_id_alone() -> None:
    text = ReviewItem(text="Kind staff.")
    rating = ReviewItem(rating=4)
    only_id = ReviewItem(site_review_id="r1")
    page, stats = _validate(_page(text, rating, only_id))
    assert page.reviews == [text, rating, only_id]
    assert stats.get_value("quietwatch/review/empty") is None


def test_a_page_without_a_crawl_time_judges_its_dates_against_now() -> None:
    """No crawl time: "after the crawl" means after now (in UTC), and a past date is kept."""
    past = ReviewItem(site_review_id="a", text="x", published_at=datetime(2020, 3, 1, tzinfo=UTC))
    future = ReviewItem(site_review_id="b", text="y", published_at=datetime(3000, 1, 1, tzinfo=UTC))
    page, stats = _validate(_page(past, future, crawled_at=None))
    assert past.published_at == datetime(2020, 3, 1, tzinfo=UTC)
    assert future.published_at is None
    assert stats.get_value("quietwatch/review/implausible_date") == 1
    assert page.reviews == [past, future]


# -- without a store -----------------------------------------------------------------------
@pytest.mark.parametrize("pipeline", [StorePipeline, FindingsPipeline])
def test_without_a_store_the_store_pipelines_are_switched_off_and_say_why(pipeline) -> None:
    """Scrapy logs the NotConfigured text when it leaves a pipeline out."""
    crawler = get_crawler(Spider)
    with pytest.raises(NotConfigured) as off:
        pipeline.from_crawler(crawler)
    assert off.value.args == ("no store to write to",)


# -- with a store --------------------------------------------------------------------------
@pytest.fixture
def store(db_url):
    built = Store(db_url, [LISTING])
    built.run.spider_opened(built.spider)
    yield built
    built.run.spider_closed(built.spider, "finished")


def _listing(store, url: str) -> Listing:
    with Session(store.engine) as session:
        return session.exec(select(Listing).where(Listing.url == url)).one()


def _check(store) -> ListingCheck:
    with Session(store.engine) as session:
        return session.exec(
            select(ListingCheck).where(ListingCheck.run_id == store.run.run_id)
        ).one()


def _problems(store) -> list[tuple[str, int | None, str | None, str]]:
    with Session(store.engine) as session:
        rows = session.exec(
            select(CrawlProblem)
            .where(CrawlProblem.run_id == store.run.run_id)
            .order_by(CrawlProblem.id)
        ).all()
        return [(p.kind, p.listing_id, p.url, p.message) for p in rows]


def _run(store) -> CrawlRun:
    with Session(store.engine) as session:
        return session.get(CrawlRun, store.run.run_id)


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def test_a_discovered_listing_keeps_its_match_reason_and_site_id(store) -> None:
    """The site's own id is kept, so the same business at another URL is not proposed again."""
    pipeline = StorePipeline.from_crawler(store.crawler)
    pipeline.process_item(
        DiscoveredListing(site="yelp", url=FOUND, match_reason="same phone", site_listing_id="b1")
    )
    again = FOUND + "?osq=counselling"  # the same business (same site id) at another URL
    pipeline.process_item(DiscoveredListing(site="yelp", url=again, site_listing_id="b1"))
    found = _listing(store, FOUND)
    assert (found.match_reason, found.site_listing_id) == ("same phone", "b1")
    assert (found.origin, found.enabled) == ("discovered", False)
    with Session(store.engine) as session:
        assert session.exec(select(Listing).where(Listing.url == again)).first() is None
    assert store.crawler.stats.get_value("quietwatch/discovered") == 1


def test_a_page_of_a_listing_met_mid_run_is_stored_on_that_listing_at_now(store) -> None:
    """A listing the spider was not given is registered with its site; a page with no crawl
    time is dated now (UTC); page one's validators are kept; each note is on the listing and
    the page it came from."""
    pipeline = StorePipeline.from_crawler(store.crawler)
    before = datetime.now(UTC)
    page = ListingPage(
        site="yelp",
        listing_url=FOUND,
        page_url=FOUND + "?start=0",
        crawled_at=None,
        facts=ListingFacts(name="Harbourview Counselling", review_count=1),
        reviews=[ReviewItem(site_review_id="r1", rating=5, text="Kind staff.")],
        http_status=200,
        etag='"v7"',
        last_modified="Fri, 20 Nov 2026 08:00:00 GMT",
        notes=["a review's date could not be read"],
    )
    pipeline.process_item(page, store.spider)
    after = datetime.now(UTC)
    found = _listing(store, FOUND)
    assert (found.site, found.clinic_id) == ("yelp", store.run.clinic_id)
    assert found.id != _listing(store, LISTING).id
    assert (found.etag, found.last_modified) == ('"v7"', "Fri, 20 Nov 2026 08:00:00 GMT")
    with Session(store.engine) as session:
        (review,) = session.exec(select(Review)).all()
    assert review.listing_id == found.id
    assert before <= _aware(review.first_seen_at) <= after
    assert _problems(store) == [
        ("note", found.id, FOUND + "?start=0", "a review's date could not be read")
    ]
    check = _check(store)
    assert (check.listing_id, check.status, check.new_reviews) == (found.id, "ok", 1)


def test_a_failed_page_names_its_problem_on_the_listing_and_in_the_check(store) -> None:
    """The check's message is the page's own problem, or its status when it gives none."""
    pipeline = StorePipeline.from_crawler(store.crawler)
    listing_id = _listing(store, LISTING).id
    first = _page(
        status=PageStatus.BLOCKED, problem="a CAPTCHA", is_last_page=False, http_status=403
    )
    second = _page(status=PageStatus.BLOCKED, page_number=2, http_status=403)
    second.page_url = LISTING + "?start=10"
    for page in (first, second):
        pipeline.process_item(page, store.spider)
    assert _problems(store) == [
        ("blocked", listing_id, LISTING, "a CAPTCHA"),
        ("blocked", listing_id, LISTING + "?start=10", "blocked"),
    ]
    check = _check(store)
    assert (check.status, check.message, check.complete) == ("blocked", "a CAPTCHA; blocked", False)
    run = _run(store)
    assert (run.errors, run.blocked) == (2, 2)


@pytest.mark.parametrize("status", [PageStatus.PARTIAL, PageStatus.NOT_SET_UP])
def test_a_partial_or_dormant_page_is_no_error_in_the_runs_counts(store, status) -> None:
    pipeline = StorePipeline.from_crawler(store.crawler)
    pipeline.process_item(_page(status=status, problem="said"), store.spider)
    run = _run(store)
    assert (run.pages, run.errors, run.blocked) == (1, 0, 0)
    assert (_check(store).status, _check(store).message) == (status.value, "said")


def test_a_not_modified_listing_is_checked_as_not_modified(store) -> None:
    pipeline = StorePipeline.from_crawler(store.crawler)
    page = _page(status=PageStatus.NOT_MODIFIED, http_status=304)
    page.facts = None
    pipeline.process_item(page, store.spider)
    check = _check(store)
    assert (check.status, check.complete, check.http_status, check.message) == (
        "not_modified",
        False,
        304,
        None,
    )
    assert _listing(store, LISTING).last_status == "not_modified"
    assert _run(store).errors == 0
    assert store.crawler.stats.get_value("quietwatch/listing/not_modified") == 1


def test_an_api_spiders_capped_source_says_so_and_claims_no_shortfall(store) -> None:
    """The spider a page is stored for decides the cap: the one given, else the crawler's."""
    api = APIS["places_v1"]
    pipeline = StorePipeline.from_crawler(store.crawler)
    page = _page(
        ReviewItem(site_review_id="g1", rating=5, text="Kind."),
        ReviewItem(site_review_id="g2", rating=4, text="Calm."),
    )
    page.site, page.facts = "google", ListingFacts(name="Harbourview", review_count=40)
    pipeline.process_item(page, SimpleNamespace(api="places_v1", name="places_v1"))
    check = _check(store)
    assert (check.stated_review_count, check.shortfall) == (40, None)
    assert check.message == api.cap_note
    assert not any(kind == "shortfall" for kind, *_ in _problems(store))


def test_without_a_spider_given_the_crawlers_own_spider_is_used(store) -> None:
    """The web spider (no API cap): a stated count beyond what is held is a shortfall."""
    pipeline = StorePipeline.from_crawler(store.crawler)
    page = _page(ReviewItem(site_review_id="r1", rating=5, text="Kind."))
    page.facts = ListingFacts(name="Harbourview", review_count=3)
    pipeline.process_item(page)
    check = _check(store)
    assert (check.stated_review_count, check.shortfall, check.complete) == (3, 2, True)


# -- findings ------------------------------------------------------------------------------
def _response(site_review_id: str) -> ReviewItem:
    return ReviewItem(
        site_review_id=site_review_id,
        rating=5,
        text="Kind staff.",
        owner_response="Thank you for your kind words!",
    )


def test_every_new_review_finding_is_counted_and_dated_now_without_a_crawl_time(store) -> None:
    store_pipeline = StorePipeline.from_crawler(store.crawler)
    findings = FindingsPipeline.from_crawler(store.crawler)
    page = _page(_response("r1"), _response("r2"), crawled_at=None)
    before = datetime.now(UTC)
    findings.process_item(store_pipeline.process_item(page, store.spider))
    after = datetime.now(UTC)
    with Session(store.engine) as session:
        found = session.exec(select(Finding)).all()
    assert [f.kind for f in found] == ["owner_response", "owner_response"]
    assert all(before <= _aware(f.first_seen_at) <= after for f in found)
    assert store.crawler.stats.get_value("quietwatch/findings/new") == 2


def test_the_findings_of_a_listing_the_run_has_not_met_register_it_with_its_site(store) -> None:
    """Findings reached before the store pipeline registered the listing: it is registered
    (with its site, for the clinic) rather than the item failing; nothing is stored yet."""
    findings = FindingsPipeline.from_crawler(store.crawler)
    page = _page(listing_url=FOUND)
    page.site = "google"
    assert findings.process_item(page) is page
    found = _listing(store, FOUND)
    assert (found.site, found.clinic_id) == ("google", store.run.clinic_id)
    with Session(store.engine) as session:
        assert session.exec(select(Finding)).all() == []


def test_own_content_without_a_crawl_time_is_dated_now(store) -> None:
    spec = _spec("a")
    findings = FindingsPipeline.from_crawler(store.crawler)
    before = datetime.now(UTC)
    findings.process_item(
        OwnContentPage(url="https://harbourview.example/", crawled_at=None, findings=[spec])
    )
    after = datetime.now(UTC)
    with Session(store.engine) as session:
        (finding,) = session.exec(select(Finding)).all()
    assert before <= _aware(finding.first_seen_at) <= after
    assert store.crawler.stats.get_value("quietwatch/own_content/new_findings") == 1
