"""How ``StorePipeline`` closes a listing when its last page is in, driven in process through
the real pipeline (built by Scrapy around a real run, as `bench store` builds it) on each
backend: everything the close writes is dated with the page's crawl time (or now, in UTC,
when a page has none); removed reviews are dated; the stated-count shortfall is recorded
only when the listing states more than is held, against the listing (not the page read);
a capped API source (Google Places: five reviews) never claims a shortfall, and a newest-first
capped source says its window was full only when every review it returned is new and some
were held before; the check's message joins the run's notes for the listing."""

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, col, select

from bench.store import Store
from crawlers.items import ListingFacts, ListingPage, PageStatus, ReviewItem
from crawlers.sites import APIS
from store.models import CrawlProblem, ListingCheck, Review
from store.models import Listing as ListingRow

LISTING = "https://www.yelp.ca/biz/harbourview-counselling-vancouver"
PLACE = "https://www.google.com/maps/place/?q=place_id:ChIJharbour1"
T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
CAP_NOTE = "Google's Places API returns at most 5 reviews; QuietWatch holds all it has seen"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request, tmp_path):
    """A store with a crawl run open (the yelp spider's), on each backend."""
    if request.param == "postgresql":
        url = request.getfixturevalue("pg_url")
    else:
        url = request.getfixturevalue("db_url")
    built = Store(url, [LISTING])
    built.run.spider_opened(built.spider)
    yield built
    built.run.spider_closed(built.spider, "finished")
    built.engine.dispose()


def _review(key: str, day: int) -> ReviewItem:
    return ReviewItem(
        site_review_id=key,
        author="Sam K.",
        rating=5.0,
        published_at=datetime(2026, 10, 1, tzinfo=UTC) - timedelta(days=day),
        published_precision="day",
        text=f"Review {key}.",
    )


def _yelp_pages(crawled_at: datetime | None, count: int, stated: int) -> list[ListingPage]:
    """One Yelp listing's two pages (five reviews, then the rest), as its spider yields them."""
    items = [_review(f"r{j}", j) for j in range(count)]
    first = ListingPage(
        site="yelp",
        listing_url=LISTING,
        page_url=LISTING,
        crawled_at=crawled_at,
        facts=ListingFacts(name="Harbourview Counselling", rating=4.5, review_count=stated),
        reviews=items[:5],
        is_last_page=False,
        http_status=200,
    )
    second = ListingPage(
        site="yelp",
        listing_url=LISTING,
        page_url=LISTING + "?start=10",
        crawled_at=crawled_at,
        page_number=2,
        reviews=items[5:],
        http_status=200,
    )
    return [first, second]


def _place_answer(crawled_at: datetime, keys: list[str], stated: int) -> ListingPage:
    """A Places API answer for one place: at most five reviews, never a full sweep (what
    the Places spiders yield)."""
    return ListingPage(
        site="google",
        listing_url=PLACE,
        page_url="https://maps.googleapis.com/maps/api/place/details/json?place_id=ChIJharbour1",
        crawled_at=crawled_at,
        facts=ListingFacts(name="Harbourview Counselling", rating=4.5, review_count=stated),
        reviews=[_review(k, i) for i, k in enumerate(keys)],
        http_status=200,
        full_sweep=False,
    )


def _next_run(store) -> None:
    store.run.spider_closed(store.spider, "finished")
    store.run.spider_opened(store.spider)


def _places_spider(store, api: str):
    from crawlers.sites import spider_for

    source = {"site": "google", "url": PLACE, "api": api}
    return spider_for(source).from_crawler(store.crawler, sources=[source])


def _check(store, url: str) -> ListingCheck:
    with Session(store.engine) as session:
        listing_id = session.exec(select(ListingRow.id).where(ListingRow.url == url)).one()
        return session.exec(
            select(ListingCheck).where(
                ListingCheck.run_id == store.run.run_id, ListingCheck.listing_id == listing_id
            )
        ).one()


def _problems(store) -> list[tuple]:
    with Session(store.engine) as session:
        rows = session.exec(
            select(CrawlProblem)
            .where(CrawlProblem.run_id == store.run.run_id)
            .order_by(col(CrawlProblem.id))
        ).all()
        return [(p.listing_id, p.url, p.kind, p.message) for p in rows]


def _listing(store, url: str) -> ListingRow:
    with Session(store.engine) as session:
        return session.exec(select(ListingRow).where(ListingRow.url == url)).one()


def _utc(value: datetime | None) -> datetime | None:
    return None if value is None else value.replace(tzinfo=UTC).astimezone(UTC)


def test_a_full_sweep_closes_the_listing_at_the_pages_crawl_time_and_dates_removals(
    store,
) -> None:
    """A listing read in full, the day after its first crawl: the reviews gone from the site
    are removed at the page's crawl time, the listing's last crawl, success and full sweep
    and the check are dated with it, and the shortfall (12 stated, 6 held) is recorded
    against the listing's own URL, not the page read last."""
    from crawlers.pipelines.store import StorePipeline

    pipeline = StorePipeline.from_crawler(store.crawler)
    for page in _yelp_pages(T0, 8, stated=12):
        pipeline.process_item(page, store.spider)
    _next_run(store)
    t1 = T0 + timedelta(days=1, hours=3)
    for page in _yelp_pages(t1, 6, stated=12):  # r6 and r7 are gone from the site
        pipeline.process_item(page, store.spider)

    listing = _listing(store, LISTING)
    check = _check(store, LISTING)
    assert (check.removed_reviews, check.complete, check.shortfall) == (2, True, 6)
    assert _utc(check.checked_at) == t1
    assert check.message is None  # nothing went wrong: no message
    assert _utc(listing.last_crawled_at) == t1
    assert _utc(listing.last_success_at) == t1
    assert _utc(listing.last_full_sweep_at) == t1
    assert listing.last_status == "ok"
    with Session(store.engine) as session:
        removed = {
            r.site_review_id: _utc(r.removed_at)
            for r in session.exec(select(Review).where(col(Review.removed_at).is_not(None)))
        }
    assert removed == {"r6": t1, "r7": t1}
    assert _problems(store) == [
        (
            listing.id,
            LISTING,
            "shortfall",
            "the listing states 12 review(s); QuietWatch holds 6 (6 not shown on the pages "
            "read: filtered, hidden or paged beyond reach)",
        )
    ]


def test_a_listing_holding_exactly_what_it_states_has_no_shortfall(store) -> None:
    """Eight stated, eight held: no shortfall, and no shortfall problem."""
    from crawlers.pipelines.store import StorePipeline

    pipeline = StorePipeline.from_crawler(store.crawler)
    for page in _yelp_pages(T0, 8, stated=8):
        pipeline.process_item(page, store.spider)
    check = _check(store, LISTING)
    assert (check.stated_review_count, check.shortfall, check.complete) == (8, None, True)
    assert _problems(store) == []


def test_a_page_without_a_crawl_time_closes_the_listing_now_in_utc(store) -> None:
    """Pages that carry no crawl time: the listing and its check are dated now, in UTC."""
    from crawlers.pipelines.store import StorePipeline

    pipeline = StorePipeline.from_crawler(store.crawler)
    before = datetime.now(UTC)
    for page in _yelp_pages(None, 6, stated=6):
        pipeline.process_item(page, store.spider)
    after = datetime.now(UTC)
    listing = _listing(store, LISTING)
    check = _check(store, LISTING)
    assert before <= _utc(check.checked_at) <= after
    assert before <= _utc(listing.last_crawled_at) <= after
    assert before <= _utc(listing.last_full_sweep_at) <= after
    assert _utc(listing.last_success_at) == _utc(listing.last_crawled_at)


def test_a_capped_newest_first_source_never_claims_a_shortfall_and_says_a_full_window(
    store,
) -> None:
    """Google Places (legacy), newest first, five reviews at most, 40 stated: no shortfall
    ever, the cap said in the check's message.  Its window is said to be full only when all
    five returned are new and reviews were held before: not on the first crawl (all new, but
    nothing to compare with), not when two of five are new; on the third crawl (five of
    five new), once, as a problem of the run against the place and in the check's message."""
    from crawlers.pipelines.store import StorePipeline

    pipeline = StorePipeline.from_crawler(store.crawler)
    spider = _places_spider(store, "places_legacy")
    assert spider.api == "places_legacy"

    pipeline.process_item(_place_answer(T0, ["a1", "a2", "a3", "a4", "a5"], 40), spider)
    first = _check(store, PLACE)
    assert (first.new_reviews, first.stated_review_count, first.shortfall) == (5, 40, None)
    assert (first.complete, first.message) == (True, CAP_NOTE)
    assert _problems(store) == []

    _next_run(store)
    pipeline.process_item(
        _place_answer(T0 + timedelta(days=1), ["b1", "b2", "a1", "a2", "a3"], 40), spider
    )
    second = _check(store, PLACE)
    assert (second.new_reviews, second.shortfall, second.message) == (2, None, CAP_NOTE)
    assert _problems(store) == []

    _next_run(store)
    t2 = T0 + timedelta(days=2)
    pipeline.process_item(_place_answer(t2, ["c1", "c2", "c3", "c4", "c5"], 40), spider)
    third = _check(store, PLACE)
    window = (
        "all 5 reviews the Google Places API (legacy) returned are new since the last crawl: "
        "more may have arrived than it shows (the newest 5); crawl more often (a shorter "
        "crawl.interval_hours)"
    )
    assert (third.new_reviews, third.shortfall, third.removed_reviews) == (5, None, 0)
    assert third.message == f"{CAP_NOTE}; {window}"
    assert _utc(third.checked_at) == t2
    place = _listing(store, PLACE)
    assert _problems(store) == [(place.id, PLACE, "window_full", window)]


def test_a_capped_source_that_is_not_newest_first_never_says_its_window_is_full(store) -> None:
    """Google Places (New) picks its five by relevance: five new reviews after earlier ones
    held say nothing of a full window, and there is no shortfall."""
    from crawlers.pipelines.store import StorePipeline

    pipeline = StorePipeline.from_crawler(store.crawler)
    spider = _places_spider(store, "places_v1")
    pipeline.process_item(_place_answer(T0, ["a1", "a2", "a3", "a4", "a5"], 40), spider)
    _next_run(store)
    pipeline.process_item(
        _place_answer(T0 + timedelta(days=1), ["c1", "c2", "c3", "c4", "c5"], 40), spider
    )
    check = _check(store, PLACE)
    assert (check.new_reviews, check.shortfall, check.message) == (5, None, CAP_NOTE)
    assert _problems(store) == []


def test_a_capped_source_without_a_note_adds_nothing_to_the_message(store, monkeypatch) -> None:
    """A capped source whose table entry has no note: no shortfall and no message."""
    from crawlers.pipelines.store import StorePipeline

    monkeypatch.setitem(APIS, "places_v1", dataclasses.replace(APIS["places_v1"], cap_note=None))
    pipeline = StorePipeline.from_crawler(store.crawler)
    spider = _places_spider(store, "places_v1")
    pipeline.process_item(_place_answer(T0, ["a1", "a2"], 40), spider)
    check = _check(store, PLACE)
    assert (check.shortfall, check.message) == (None, None)


def test_the_checks_message_joins_the_listings_problems_in_order(store) -> None:
    """A partial first page and a blocked last page: the check says both, in page order,
    joined by "; " (and, not read in full, claims no shortfall)."""
    from crawlers.pipelines.store import StorePipeline

    pipeline = StorePipeline.from_crawler(store.crawler)
    first, second = _yelp_pages(T0, 8, stated=12)
    first.status, first.problem = PageStatus.PARTIAL, "two reviews could not be read"
    second.status, second.problem, second.reviews = PageStatus.BLOCKED, "a CAPTCHA", []
    for page in (first, second):
        pipeline.process_item(page, store.spider)
    check = _check(store, LISTING)
    assert (check.status, check.complete, check.shortfall) == ("blocked", False, 7)
    assert check.message == "two reviews could not be read; a CAPTCHA"
    assert [kind for _lid, _url, kind, _msg in _problems(store)] == ["partial", "blocked"]
