"""The requests a listing spider makes and when it reads on, in process: the first request of
each configured listing (newest first, its meta, conditional headers from what the store
remembers), every page request's callbacks and meta, and the early stop of an incremental
crawl on a page of known, unchanged reviews.  The store is a real SQLite file the crawl's own
pipeline writes (bench.store.Store); real crawls of the same paths run in test_recrawls."""

from datetime import UTC, datetime, timedelta

import pytest
from scrapy.utils.test import get_crawler

from bench.store import Store
from crawlers.items import ListingPage, ReviewItem
from crawlers.sites import spider_for

LISTING = "https://www.yelp.ca/biz/harbourview-counselling-vancouver"
OTHER = "https://www.yelp.ca/biz/harbourview-counselling-vancouver-2"
UNKNOWN = "https://www.yelp.ca/biz/kitsilano-family-counselling-vancouver"
T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
ETAG = '"v1-harbourview"'
MODIFIED = "Fri, 20 Nov 2026 08:00:00 GMT"

KNOWN = [
    ReviewItem(site_review_id="r-1", author="Sam K.", rating=5.0, text="Kind and clear."),
    ReviewItem(site_review_id="r-2", author="Jo P.", rating=4.0, text="Helpful sessions."),
]


def _drain(agen) -> list:
    """The items of an async generator that never awaits (Spider.start here)."""
    out = []
    while True:
        try:
            agen.__anext__().send(None)
        except StopIteration as done:
            out.append(done.value)
        except StopAsyncIteration:
            return out


def _spider(site: str = "yelp", sources: list | None = None, **kwargs):
    spidercls = spider_for({"site": site})
    return spidercls.from_crawler(get_crawler(spidercls), sources=sources or [], **kwargs)


def _page(listing_url: str, reviews: list[ReviewItem], *, full_sweep: bool = False, site="yelp"):
    return ListingPage(
        site=site,
        listing_url=listing_url,
        page_url=listing_url + "?sort_by=date_desc",
        crawled_at=T0 + timedelta(days=1),
        reviews=list(reviews),
        full_sweep=full_sweep,
    )


@pytest.fixture
def remembered(tmp_path):
    """A store that has read LISTING once (validators and two reviews), and an incremental
    spider of LISTING and OTHER (never read) on the store's crawler, memory loaded by start."""
    store = Store(f"sqlite:///{tmp_path / 'quietwatch.db'}", [LISTING, OTHER])
    first = _page(LISTING, KNOWN, full_sweep=True)
    first.crawled_at, first.etag, first.last_modified, first.http_status = T0, ETAG, MODIFIED, 200
    store.crawl([first])
    spider = type(store.spider).from_crawler(
        store.crawler,
        sources=[{"site": "yelp", "url": LISTING}, {"site": "yelp", "url": OTHER}],
        crawled_at=T0 + timedelta(days=1),
        full_sweep="false",
    )
    requests = _drain(spider.start())
    return spider, requests


def test_each_listing_starts_on_its_first_page_newest_first_with_its_source() -> None:
    """One request a configured listing, the site's newest-first parameters added, page 1,
    the source dict carried along, parsed by parse and failed into on_error, never filtered."""
    sources = [
        {"site": "yelp", "url": LISTING, "label": "main office"},
        {"site": "yelp", "url": OTHER + "?hrid=abc"},
    ]
    spider = _spider(sources=sources)
    requests = _drain(spider.start())
    assert [r.url for r in requests] == [
        LISTING + "?sort_by=date_desc",
        OTHER + "?hrid=abc&sort_by=date_desc",
    ]
    assert [r.meta for r in requests] == [
        {"listing_url": LISTING, "page_number": 1, "source": sources[0]},
        {"listing_url": OTHER + "?hrid=abc", "page_number": 1, "source": sources[1]},
    ]
    for request in requests:
        assert request.callback == spider.parse
        assert request.errback == spider.on_error
        assert request.dont_filter is True
        assert b"If-None-Match" not in request.headers
        assert b"If-Modified-Since" not in request.headers


def test_a_site_without_newest_first_parameters_starts_on_the_listing_url_itself() -> None:
    spider = _spider("ratemds", sources=[{"site": "ratemds", "url": "https://www.ratemds.com/x/"}])
    (request,) = _drain(spider.start())
    assert request.url == "https://www.ratemds.com/x/"
    assert request.meta["listing_url"] == "https://www.ratemds.com/x/"


def test_a_remembered_listing_is_asked_conditionally_and_a_new_one_is_not(remembered) -> None:
    """start loads the store's memory: the known listing sends its ETag and Last-Modified
    back (an incremental crawl), the listing never read sends neither."""
    spider, (known, new) = remembered
    assert known.url == LISTING + "?sort_by=date_desc"
    assert known.headers.get("If-None-Match") == ETAG.encode()
    assert known.headers.get("If-Modified-Since") == MODIFIED.encode()
    assert (known.meta["listing_url"], known.meta["page_number"]) == (LISTING, 1)
    assert new.url == OTHER + "?sort_by=date_desc"
    assert b"If-None-Match" not in new.headers
    assert b"If-Modified-Since" not in new.headers
    assert (spider.memory[OTHER].etag, spider.memory[OTHER].review_ids) == (None, set())


def test_a_page_request_carries_its_listing_meta_extra_meta_and_request_options() -> None:
    spider = _spider(sources=[{"site": "yelp", "url": LISTING}])
    source = {"site": "yelp", "url": LISTING}
    url = LISTING + "?sort_by=date_desc&start=10"
    request = spider.page_request(
        url,
        listing_url=LISTING,
        page_number=2,
        source=source,
        meta={"handle_httpstatus_list": [304]},
        headers={"Referer": LISTING},
        priority=7,
    )
    assert request.url == url
    assert request.meta == {
        "listing_url": LISTING,
        "page_number": 2,
        "source": source,
        "handle_httpstatus_list": [304],
    }
    assert (request.callback, request.errback) == (spider.parse, spider.on_error)
    assert request.dont_filter is True  # a page seen before (a loop) is refused by the spider
    assert request.headers.get("Referer") == LISTING.encode()
    assert request.priority == 7
    plain = spider.page_request(url, listing_url=LISTING, page_number=3, source=source)
    assert plain.meta == {"listing_url": LISTING, "page_number": 3, "source": source}
    assert (plain.callback, plain.errback, plain.dont_filter) == (
        spider.parse,
        spider.on_error,
        True,
    )


def test_a_page_of_known_unchanged_reviews_stops_an_incremental_crawl(remembered) -> None:
    """Newest first: the rest are older and known, so the next page is not read (counted)."""
    spider, _ = remembered
    assert spider.should_follow(_page(LISTING, KNOWN)) is False
    assert spider.crawler.stats.get_value("quietwatch/stopped_early") == 1


def test_a_full_sweep_reads_on_past_known_reviews(remembered) -> None:
    spider, _ = remembered
    assert spider.should_follow(_page(LISTING, KNOWN, full_sweep=True)) is True
    assert spider.crawler.stats.get_value("quietwatch/stopped_early") is None


def test_a_site_not_listed_newest_first_always_reads_on(remembered) -> None:
    """Known reviews say nothing of the next page when the order is not newest first."""
    spider, _ = remembered
    other = _spider("healthgrades", sources=[{"site": "healthgrades", "url": LISTING}])
    other.memory = spider.memory
    assert other.should_follow(_page(LISTING, KNOWN, site="healthgrades")) is True
    assert other.crawler.stats.get_value("quietwatch/stopped_early") is None


def test_an_unknown_listing_or_a_page_without_reviews_reads_on(remembered) -> None:
    spider, _ = remembered
    assert UNKNOWN not in spider.memory
    assert spider.should_follow(_page(UNKNOWN, KNOWN)) is True
    assert spider.should_follow(_page(LISTING, [])) is True
    assert spider.crawler.stats.get_value("quietwatch/stopped_early") is None


def test_a_new_or_edited_review_on_the_page_reads_on(remembered) -> None:
    """Any review not stored as it is (new text, or a known text under a new id) keeps the
    crawl going, wherever it is on the page."""
    spider, _ = remembered
    edited = ReviewItem(site_review_id="r-2", author="Jo P.", rating=2.0, text="Changed my mind.")
    assert spider.should_follow(_page(LISTING, [edited, *KNOWN])) is True
    assert spider.should_follow(_page(LISTING, [*KNOWN, edited])) is True
    twin = ReviewItem(site_review_id="r-3", author="Sam K.", rating=5.0, text="Kind and clear.")
    assert spider.should_follow(_page(LISTING, [*KNOWN, twin])) is True
    assert spider.crawler.stats.get_value("quietwatch/stopped_early") is None
