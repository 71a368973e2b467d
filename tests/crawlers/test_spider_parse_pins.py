"""What the spiders' base makes of each fetched page, in process: the page item (its
listing, URL, number, HTTP status, full sweep, last page), the next page's request (its
URL, number, listing and source), the early stop, loop detection (redirects included), a
walk that ends and starts again, and problem pages (gone, walls, parser errors).  Pages are
the demo's pages written in the real sites' structure (quietwatch.demo.pages)."""

import logging
from dataclasses import asdict
from datetime import date, timedelta

from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler

from crawlers.items import PageStatus
from crawlers.pages.yelp import YelpBizPage
from crawlers.sites import spider_for
from quietwatch.demo.pages import SampleBusiness, jsonld_page, yelp_page
from store.crud import content_hash
from store.queries import ListingMemory
from tests.conftest import PINNED_NOW
from tests.crawlers.helpers import harbourview, harbourview_reviews
from tests.crawlers.test_recrawls import CAPTCHA_PAGE

LISTING = "https://www.yelp.ca/biz/harbourview-counselling-vancouver"
SOURCE = {"site": "yelp", "url": LISTING}
DIRECTORY = "https://directory.example/clinics/harbourview"


def _business(count: int) -> SampleBusiness:
    reviews = harbourview_reviews(count, date(2026, 11, 18))
    return harbourview(reviews, categories=[])


BUSINESS = _business(45)  # Yelp: 20 a page, three pages (?start=20, ?start=40)


def _spider(site: str = "yelp", url: str = LISTING, **kwargs):
    spidercls = spider_for({"site": site})
    return spidercls.from_crawler(
        get_crawler(spidercls),
        sources=[{"site": site, "url": url}],
        crawled_at=PINNED_NOW,
        **kwargs,
    )


def _response(url: str, body: str, *, page_number: int = 1, status: int = 200, **meta):
    meta = {"listing_url": LISTING, "page_number": page_number, "source": SOURCE, **meta}
    return HtmlResponse(
        url,
        status=status,
        body=body.encode(),
        encoding="utf-8",
        request=Request(url, meta=meta),
    )


def _yelp(url: str, start: int, **kwargs):
    """Yelp's page of reviews from ``start`` (its next link is LISTING?start=start+20)."""
    return _response(url, yelp_page(BUSINESS, url=LISTING, start=start), **kwargs)


def test_a_page_with_a_next_link_yields_itself_then_the_listings_next_page():
    spider = _spider(full_sweep=True)
    page, request = spider.parse(_yelp(LISTING, 0))
    assert (page.status, page.problem) == (PageStatus.OK, None)
    assert (page.listing_url, page.page_url, page.page_number) == (LISTING, LISTING, 1)
    assert page.http_status == 200 and page.full_sweep is True and page.is_last_page is False
    assert len(page.reviews) == 20 and page.site == "yelp"
    assert request.url == LISTING + "?start=20"
    assert request.meta == {"listing_url": LISTING, "page_number": 2, "source": SOURCE}
    assert request.callback == spider.parse and request.errback == spider.on_error
    assert request.dont_filter is True

    page, request = spider.parse(_yelp(LISTING + "?start=20", 20, page_number=2))
    assert (page.page_number, page.is_last_page, page.status) == (2, False, PageStatus.OK)
    assert request.url == LISTING + "?start=40"
    assert request.meta == {"listing_url": LISTING, "page_number": 3, "source": SOURCE}


def test_the_page_without_a_next_link_is_the_last_one():
    spider = _spider(full_sweep=True)
    [page] = spider.parse(_yelp(LISTING + "?start=40", 40, page_number=3))
    assert (page.status, page.problem, page.next_url) == (PageStatus.OK, None, None)
    assert page.is_last_page is True and page.page_number == 3 and len(page.reviews) == 5
    assert page.http_status == 200 and page.listing_url == LISTING


def test_each_page_says_whether_its_listing_is_read_in_full():
    """A listing swept in full yesterday is read incrementally (the setting's 7 days)."""
    spider = _spider()  # full_sweep decided per listing
    spider.memory = {LISTING: ListingMemory(last_full_sweep_at=PINNED_NOW - timedelta(days=1))}
    page, request = spider.parse(_yelp(LISTING, 0))
    assert page.full_sweep is False and page.is_last_page is False  # the reviews are new
    assert request.url == LISTING + "?start=20"


def test_a_page_of_known_reviews_stops_an_incremental_crawl():
    spider = _spider(full_sweep=False)
    known = spider.parse_page(_yelp(LISTING, 0), listing_url=LISTING, page_number=1)
    spider.memory = {
        LISTING: ListingMemory(
            review_ids={r.site_review_id for r in known.reviews if r.site_review_id},
            content_hashes={content_hash(asdict(r)) for r in known.reviews},
        )
    }
    [page] = spider.parse(_yelp(LISTING, 0))
    assert (page.status, page.problem) == (PageStatus.OK, None)
    assert page.is_last_page is True and page.full_sweep is False
    assert page.next_url == LISTING + "?start=20"  # there, and not fetched


def test_reading_the_first_page_only_leaves_it_as_it_is():
    """`quietwatch parse`: no next page, no limit reached, no refusal: the page is OK."""
    spider = _spider(full_sweep=True, follow_next=False, max_review_pages=1)
    [page] = spider.parse(_yelp(LISTING, 0))
    assert (page.status, page.problem, page.is_last_page) == (PageStatus.OK, None, True)


def test_a_next_link_to_a_page_that_redirected_here_is_a_loop():
    """A site that redirects ?start=20 back to the first page: the walk stops, partial."""
    spider = _spider(full_sweep=True)
    response = _yelp(LISTING, 0, redirect_urls=[LISTING + "?start=20"])
    [page] = spider.parse(response)
    assert page.status == PageStatus.PARTIAL
    assert page.problem == (
        "the site's next-page links loop back to page 1; QuietWatch stopped there"
    )
    assert page.is_last_page is True and len(page.reviews) == 20


def test_next_links_that_loop_over_pages_stop_at_the_page_first_seen():
    spider = _spider(full_sweep=True)
    # Page 1 served at ?start=40 links to ?start=20, whose next link is ?start=40 again.
    _, request = spider.parse(_yelp(LISTING + "?start=40#top", 0))
    assert request.url == LISTING + "?start=20"
    [page] = spider.parse(_yelp(LISTING + "?start=20", 20, page_number=2))
    assert page.status == PageStatus.PARTIAL and page.page_number == 2
    assert page.problem == (
        "the site's next-page links loop back to page 1; QuietWatch stopped there"
    )


def test_a_walk_that_ended_on_its_last_page_starts_afresh():
    spider = _spider(full_sweep=True)
    _, request = spider.parse(_yelp(LISTING + "?start=20", 20))
    assert request.url == LISTING + "?start=40"
    [last] = spider.parse(_yelp(LISTING + "?start=40", 40, page_number=2))
    assert last.is_last_page is True and last.status == PageStatus.OK
    # A second walk of the listing may pass ?start=20 again: not a loop.
    page, request = spider.parse(_yelp(LISTING, 0))
    assert page.status == PageStatus.OK and request.url == LISTING + "?start=20"


def test_a_walk_that_ended_on_a_problem_page_starts_afresh():
    spider = _spider(full_sweep=True)
    _, request = spider.parse(_yelp(LISTING + "?start=20", 20))
    assert request.url == LISTING + "?start=40"
    [gone] = spider.parse(_response(LISTING + "?start=40", "<h1>Not found</h1>", status=404))
    assert gone.status == PageStatus.GONE
    page, request = spider.parse(_yelp(LISTING, 0))
    assert page.status == PageStatus.OK and request.url == LISTING + "?start=20"


def test_a_gone_page_is_its_listings_page_with_the_status_in_plain_words():
    spider = _spider(full_sweep=True)
    url = LISTING + "?start=20"
    [page] = spider.parse(_response(url, "<h1>Not found</h1>", page_number=2, status=404))
    assert page.status == PageStatus.GONE and page.problem == "the listing is gone (404/410)"
    assert (page.listing_url, page.page_url, page.page_number) == (LISTING, url, 2)
    assert page.http_status == 404 and page.is_last_page is True and page.site == "yelp"


def test_a_gone_page_that_looks_like_a_wall_is_gone_not_blocked():
    spider = _spider(full_sweep=True)
    [page] = spider.parse(_response(LISTING, CAPTCHA_PAGE, status=410))
    assert page.status == PageStatus.GONE and page.problem == "the listing is gone (404/410)"
    assert page.http_status == 410
    [wall] = _spider(full_sweep=True).parse(_response(LISTING, CAPTCHA_PAGE, status=403))
    assert wall.status == PageStatus.BLOCKED and "Cloudflare" in wall.problem


def test_a_parser_error_is_an_unreadable_page_of_its_listing_logged_once(caplog, monkeypatch):
    def broken(self):
        raise ValueError("Cannot use css on a Selector of type 'json'")

    monkeypatch.setattr(YelpBizPage, "reviews", broken)
    url = LISTING + "?start=20"
    with caplog.at_level(logging.DEBUG, logger="crawlers.spiders.base"):
        [page] = _spider(full_sweep=True).parse(_yelp(url, 20, page_number=2))
    assert page.status == PageStatus.UNREADABLE
    assert page.problem == "the page held nothing we know how to read (changed layout?)"
    assert (page.listing_url, page.page_url, page.page_number) == (LISTING, url, 2)
    assert page.http_status == 200 and page.is_last_page is True
    logged = [
        (r.levelname, r.getMessage(), bool(r.exc_info))
        for r in caplog.records
        if r.name == "crawlers.spiders.base"
    ]
    assert logged == [
        ("WARNING", f"QuietWatch could not read the page {url} (a parser error)", False),
        ("DEBUG", f"parser error on {url}", True),
    ]


def test_a_directorys_next_page_on_the_listings_own_host_is_followed():
    """schema_org knows no site hosts: the listing's own host is the scope."""
    spider = _spider("schema_org", DIRECTORY, full_sweep=True)
    body = jsonld_page(_business(15), url=DIRECTORY)
    response = _response(
        DIRECTORY, body, listing_url=DIRECTORY, source={"site": "schema_org", "url": DIRECTORY}
    )
    page, request = spider.parse(response)
    assert page.status == PageStatus.OK and page.is_last_page is False
    assert request.url == DIRECTORY + "?page=2"
    assert request.meta["listing_url"] == DIRECTORY and request.meta["page_number"] == 2
