"""The spiders' base (crawlers/spiders/base.py) in process, fast: the spider's arguments as
``scrapy crawl -a`` and Scrapyd pass them, the newest-first parameters added to a listing's
URL, loop detection without fragments, the status of a response that is no listing page,
problem pages and failed requests.  Pages are Yelp pages in the real structure
(quietwatch.demo.pages); the spider is built with Scrapy's ``get_crawler``."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler
from twisted.python.failure import Failure

from crawlers.items import PageStatus
from crawlers.middlewares import Refused
from crawlers.spiders.base import _flag, _page_key, add_params
from crawlers.spiders.sites import SPIDERS
from quietwatch.demo.pages import SampleBusiness, yelp_page
from store.queries import ListingMemory
from tests.conftest import PINNED_NOW
from tests.crawlers.helpers import harbourview, harbourview_reviews

LISTING = "https://www.yelp.ca/biz/harbourview-counselling-vancouver"
SPIDER = SPIDERS["yelp"]


def _spider(**kwargs):
    return SPIDER.from_crawler(
        get_crawler(SPIDER), sources=[{"site": "yelp", "url": LISTING}], **kwargs
    )


def _business(count: int) -> SampleBusiness:
    reviews = harbourview_reviews(count, PINNED_NOW.date() - timedelta(days=2))
    return harbourview(reviews)


def _first_page(count: int = 25) -> HtmlResponse:
    """Page one of a Yelp listing with ``count`` reviews (a next page from 21 on)."""
    meta = {"listing_url": LISTING, "page_number": 1, "source": {"url": LISTING}}
    return HtmlResponse(
        LISTING,
        body=yelp_page(_business(count), url=LISTING).encode(),
        headers={"Content-Type": "text/html; charset=utf-8"},
        encoding="utf-8",
        request=Request(LISTING, meta=meta),
    )


def _plain(status: int) -> HtmlResponse:
    return HtmlResponse(LISTING, status=status, body=b"<html><body>nope</body></html>")


# -- module helpers -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        (True, True),
        (False, False),
        ("", None),
        ("  ", None),
        ("auto", None),
        ("AUTO", None),
        ("none", None),
        ("None", None),
        ("1", True),
        ("true", True),
        (" True ", True),
        ("yes", True),
        ("YES", True),
        ("on", True),
        ("ON", True),
        ("0", False),
        ("false", False),
        ("no", False),
        ("off", False),
    ],
)
def test_a_spider_flag_is_read_from_its_string_whatever_its_case(value, expected) -> None:
    """`-a full_sweep=...` arrives as text: yes/no/auto in any case and spacing."""
    assert _flag(value) is expected


def test_newest_first_parameters_keep_the_listing_url_own_blank_parameters() -> None:
    """A listing URL's own parameters stand, blank ones included, and are not overridden."""
    url = LISTING + "?osq=&sort_by=rating_desc"
    assert add_params(url, {"sort_by": "date_desc", "start": "0"}) == (
        LISTING + "?osq=&sort_by=rating_desc&start=0"
    )
    assert add_params(LISTING + "?osq=", {"sort_by": "date_desc"}) == (
        LISTING + "?osq=&sort_by=date_desc"
    )


def test_the_start_request_asks_for_newest_first_keeping_blank_parameters() -> None:
    spider = SPIDER.from_crawler(
        get_crawler(SPIDER), sources=[{"site": "yelp", "url": LISTING + "?osq="}]
    )
    (request,) = spider.start_requests_for(spider.sources[0])
    assert request.url == LISTING + "?osq=&sort_by=date_desc"
    assert request.meta["listing_url"] == LISTING + "?osq="


def test_a_page_key_is_the_address_without_its_fragment() -> None:
    assert _page_key(LISTING + "?start=20#reviews") == LISTING + "?start=20"
    assert _page_key(LISTING + "?start=20#a#b") == LISTING + "?start=20"
    assert _page_key(LISTING + "?start=20") == LISTING + "?start=20"


def test_a_next_link_back_to_a_read_page_with_a_fragment_is_a_loop() -> None:
    """Loop detection ignores the whole fragment, even one holding another '#'."""
    spider = _spider()
    visited = {LISTING + "?start=20": 2}
    for url in (LISTING + "?start=20#reviews", LISTING + "?start=20#a#b"):
        assert spider.next_page_refusal(url, LISTING, 3, visited) == (
            "the site's next-page links loop back to page 2; QuietWatch stopped there"
        )


# -- the spider's arguments -----------------------------------------------------------------
def test_spider_arguments_arrive_as_strings_and_are_read() -> None:
    """Scrapyd and `scrapy crawl -a` give JSON sources, an ISO date and text flags."""
    spider = SPIDER.from_crawler(
        get_crawler(SPIDER),
        sources=json.dumps([{"site": "yelp", "url": LISTING}]),
        crawled_at="2026-11-25T12:00:00+00:00",
        max_review_pages="3",
        follow_next="false",
        full_sweep="true",
    )
    assert spider.sources == [{"site": "yelp", "url": LISTING}]
    assert spider.crawled_at == PINNED_NOW
    assert spider.max_review_pages == 3
    assert spider.follow_next is False
    assert spider.full_sweep is True


def test_spider_arguments_given_as_values_are_kept() -> None:
    spider = _spider(crawled_at=PINNED_NOW, follow_next=True, full_sweep=False)
    assert spider.crawled_at == PINNED_NOW
    assert spider.follow_next is True
    assert spider.full_sweep is False
    assert _spider(follow_next="auto").follow_next is True
    assert _spider(follow_next=False).follow_next is False


def test_the_spider_defaults_follow_pages_up_to_fifty_with_an_automatic_sweep() -> None:
    before = datetime.now(UTC)
    spider = _spider()
    after = datetime.now(UTC)
    assert spider.max_review_pages == 50
    assert spider.follow_next is True
    assert spider.full_sweep is None
    assert spider.crawled_at.tzinfo is UTC and before <= spider.crawled_at <= after
    assert spider.next_page_refusal(LISTING + "?start=20", LISTING, 49, {}) is None
    assert spider.next_page_refusal(LISTING + "?start=20", LISTING, 50, {}) == (
        "QuietWatch read the first 50 review pages, the configured limit "
        "([crawl] max_review_pages), and stopped there"
    )


def test_other_spider_arguments_reach_scrapy() -> None:
    """Extra keyword arguments become attributes; a positional sixth one is the name."""
    spider = SPIDER(None, None, 50, True, None, "yelp_again", extra="kept")
    assert spider.name == "yelp_again"
    assert spider.extra == "kept"
    assert SPIDER(name="yelp_named").name == "yelp_named"


def test_a_default_spider_follows_the_next_page_and_one_told_not_to_stops() -> None:
    page, request = _spider(crawled_at=PINNED_NOW).parse(_first_page())
    assert (page.status, page.is_last_page, page.site, page.listing_url) == (
        PageStatus.OK,
        False,
        "yelp",
        LISTING,
    )
    assert request.url == LISTING + "?start=20"
    assert request.meta["page_number"] == 2
    (only,) = _spider(crawled_at=PINNED_NOW, follow_next="no").parse(_first_page())
    assert (only.status, only.is_last_page, only.listing_url) == (PageStatus.OK, True, LISTING)


def test_parse_page_belongs_to_its_listing_and_site() -> None:
    spider = _spider(crawled_at=PINNED_NOW)
    page = spider.parse_page(_first_page(), listing_url=LISTING, page_number=1)
    assert (page.site, page.listing_url, page.page_number, page.crawled_at) == (
        "yelp",
        LISTING,
        1,
        PINNED_NOW,
    )


# -- statuses -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (200, None),
        (304, PageStatus.NOT_MODIFIED),
        (305, None),
        (399, None),
        (400, PageStatus.ERROR),
        (401, PageStatus.BLOCKED),
        (402, PageStatus.ERROR),
        (403, PageStatus.BLOCKED),
        (404, PageStatus.GONE),
        (410, PageStatus.GONE),
        (411, PageStatus.ERROR),
        (429, PageStatus.BLOCKED),
        (500, PageStatus.ERROR),
    ],
)
def test_the_status_of_a_response_that_is_no_listing_page(status, expected) -> None:
    assert _spider().status_for(_plain(status)) is expected


def test_a_readable_listing_page_has_no_problem_status() -> None:
    assert _spider().status_for(_first_page()) is None


# -- problem pages --------------------------------------------------------------------------
def test_a_problem_page_says_why_in_plain_words_or_by_its_status() -> None:
    spider = _spider(crawled_at=PINNED_NOW)
    page = spider.problem_page(LISTING, LISTING + "?start=20", PageStatus.GONE, 2)
    assert (page.site, page.listing_url, page.page_url, page.crawled_at) == (
        "yelp",
        LISTING,
        LISTING + "?start=20",
        PINNED_NOW,
    )
    assert (page.status, page.page_number, page.problem, page.http_status) == (
        PageStatus.GONE,
        2,
        "the listing is gone (404/410)",
        None,
    )
    assert page.is_last_page is True and page.full_sweep is True
    partial = spider.problem_page(LISTING, LISTING, PageStatus.PARTIAL, 1)
    assert partial.problem == "partial"
    given = spider.problem_page(LISTING, LISTING, PageStatus.ERROR, 1, problem="x", http_status=7)
    assert (given.problem, given.http_status) == ("x", 7)


def test_a_problem_page_of_an_incremental_crawl_is_no_full_sweep() -> None:
    """The listing's own sweep decides: a recent full sweep makes this crawl incremental."""
    spider = _spider(crawled_at=PINNED_NOW)
    spider.memory = {LISTING: ListingMemory(last_full_sweep_at=PINNED_NOW - timedelta(days=1))}
    page = spider.problem_page(LISTING, LISTING, PageStatus.NOT_MODIFIED, 1)
    assert page.full_sweep is False
    assert page.problem == "not modified since the last crawl"
    assert _spider(full_sweep="no").problem_page(
        LISTING, LISTING, PageStatus.GONE, 1
    ).full_sweep is (False)


def test_a_refused_request_names_the_page_that_was_not_fetched() -> None:
    page_url = LISTING + "?start=20"
    failure = Failure(Refused("the link leads off the listing"))
    failure.request = Request(page_url, meta={"listing_url": LISTING, "page_number": 2})
    (page,) = _spider().on_error(failure)
    assert (page.status, page.listing_url, page.page_url, page.page_number) == (
        PageStatus.PARTIAL,
        LISTING,
        page_url,
        2,
    )
    assert page.problem == "the link leads off the listing"
