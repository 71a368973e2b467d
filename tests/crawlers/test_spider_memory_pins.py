"""What a listing spider knows before it crawls and where its next page may go, in process:
the crawl memory it reads from the store (the clinic's own listings only, nothing without a
store), the conditional headers an incremental crawl sends for a known listing, and the reason
it stops before a next page (a loop, the page limit, another host, a write page) in the exact
words the listing's problem shows.  Real crawls reach these in test_recrawls and
test_site_crawls."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from scrapy.utils.test import get_crawler

from bench.store import CLINIC, Store
from crawlers.sites import SITES, spider_for
from crawlers.spiders.api import YelpFusionSpider
from crawlers.spiders.base import ListingSpider
from store.crud import ensure_clinic, ensure_listing, update_listing
from store.db import session_scope

LISTING = "https://www.yelp.ca/biz/harbourview-counselling-vancouver"
OTHER = "https://www.yelp.ca/biz/kitsilano-family-counselling-vancouver"
CRAWLED_AT = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
ETAG = '"v2-harbourview"'
MODIFIED = "Wed, 18 Nov 2026 08:00:00 GMT"


def _spider(sources=(LISTING,), **kw):
    """A Yelp spider built by Scrapy without a store (no run extension)."""
    spidercls = spider_for({"site": "yelp"})
    return spidercls.from_crawler(
        get_crawler(spidercls),
        sources=[{"site": "yelp", "url": u} for u in sources],
        crawled_at=CRAWLED_AT,
        **kw,
    )


@pytest.fixture
def store(tmp_path):
    """A migrated SQLite store around the real run extension; the clinic's listing carries
    validators and a full sweep two days before the crawl; another clinic holds the same URL
    with other validators, and the clinic has a second listing never configured here."""
    built = Store(f"sqlite:///{tmp_path / 'quietwatch.db'}", [LISTING])
    with session_scope(built.engine) as session:
        ours = ensure_clinic(session, key=CLINIC, name="Bench Clinic")
        theirs = ensure_clinic(session, key="kitsilano", name="Kitsilano Family Counselling")
        listing = ensure_listing(session, clinic_id=ours, site="yelp", url=LISTING)
        update_listing(
            session,
            listing,
            etag=ETAG,
            last_modified=MODIFIED,
            last_full_sweep_at=CRAWLED_AT - timedelta(days=2),
        )
        other = ensure_listing(session, clinic_id=ours, site="yelp", url=OTHER)
        update_listing(session, other, etag='"other"')
        foreign = ensure_listing(session, clinic_id=theirs, site="yelp", url=LISTING)
        update_listing(session, foreign, etag='"kitsilano"', last_modified="x")
    return built


# -- load_memory ---------------------------------------------------------------------------
def test_memory_is_the_clinics_own_configured_listings(store) -> None:
    """With a store, the spider reads what the store knows of its configured listings only,
    for its own clinic (never another clinic's row for the same URL)."""
    memory = store.spider.load_memory()
    assert list(memory) == [LISTING]
    mem = memory[LISTING]
    assert (mem.etag, mem.last_modified) == (ETAG, MODIFIED)
    assert mem.last_full_sweep_at.replace(tzinfo=UTC) == CRAWLED_AT - timedelta(days=2)
    assert (mem.review_ids, mem.content_hashes) == (set(), set())


def test_no_memory_without_a_store_or_without_sources(store) -> None:
    """Without a store (no run extension, or a spider no crawler built) or without sources,
    the spider knows nothing and crawls from scratch."""
    assert _spider().load_memory() == {}
    spidercls = spider_for({"site": "yelp"})
    assert spidercls(sources=[{"site": "yelp", "url": LISTING}]).load_memory() == {}
    store.spider.sources = []
    assert store.spider.load_memory() == {}


# -- conditional_headers -------------------------------------------------------------------
def test_an_incremental_crawl_sends_the_listings_validators(store) -> None:
    """A known listing swept recently gets If-None-Match / If-Modified-Since with its stored
    validators, in its first request too; an unknown listing gets none."""
    spider = store.spider
    spider.crawled_at = CRAWLED_AT
    spider.memory = spider.load_memory()
    assert spider.full_sweep is None  # auto: the last sweep is two days old
    expected = {"If-None-Match": ETAG, "If-Modified-Since": MODIFIED}
    assert spider.conditional_headers(LISTING) == expected
    assert spider.conditional_headers(OTHER) == {}
    (request,) = spider.start_requests_for({"site": "yelp", "url": LISTING})
    assert request.headers.get("If-None-Match") == ETAG.encode()
    assert request.headers.get("If-Modified-Since") == MODIFIED.encode()
    spider.full_sweep = False  # forced incremental: still nothing for an unknown listing
    assert spider.conditional_headers(OTHER) == {}


def test_only_the_validators_stored_are_sent(store) -> None:
    """A listing with only an ETag sends only If-None-Match; one with only Last-Modified only
    If-Modified-Since."""
    spider = store.spider
    spider.crawled_at = CRAWLED_AT
    spider.full_sweep = False
    spider.memory = spider.load_memory()
    mem = spider.memory[LISTING]
    mem.last_modified = None
    assert spider.conditional_headers(LISTING) == {"If-None-Match": ETAG}
    mem.etag, mem.last_modified = None, MODIFIED
    assert spider.conditional_headers(LISTING) == {"If-Modified-Since": MODIFIED}


def test_a_full_sweep_sends_no_validators(store) -> None:
    """A full sweep (asked for, or due: the last one older than the setting) reads every page
    afresh: no conditional headers even for a known listing."""
    spider = store.spider
    spider.crawled_at = CRAWLED_AT
    spider.memory = spider.load_memory()
    spider.full_sweep = True
    assert spider.conditional_headers(LISTING) == {}
    spider.full_sweep = None
    spider.crawled_at = CRAWLED_AT + timedelta(days=6)  # sweep 8 days old: due (7 days)
    assert spider.conditional_headers(LISTING) == {}


# -- next_page_refusal and refusal ---------------------------------------------------------
def test_a_next_page_link_looping_back_stops_the_listing() -> None:
    """A next page already read (its fragment aside) stops there, naming the page it loops
    back to."""
    spider = _spider()
    visited = {LISTING + "?sort_by=date_desc": 1, LISTING + "?start=10": 2}
    assert spider.next_page_refusal(LISTING + "?start=10#reviews", LISTING, 3, visited) == (
        "the site's next-page links loop back to page 2; QuietWatch stopped there"
    )


def test_the_page_limit_stops_at_exactly_the_configured_page() -> None:
    """Page ``max_review_pages`` is the last one read; the one before it may still follow."""
    spider = _spider(max_review_pages=3)
    assert spider.next_page_refusal(LISTING + "?start=20", LISTING, 2, {}) is None
    assert spider.next_page_refusal(LISTING + "?start=30", LISTING, 3, {}) == (
        "QuietWatch read the first 3 review pages, the configured limit "
        "([crawl] max_review_pages), and stopped there"
    )


def test_a_next_page_on_another_host_is_refused_in_plain_words() -> None:
    """A next page on a host neither the listing's nor the site's is not followed."""
    spider = _spider()
    reason = "the link leads to another host, evil.example; QuietWatch did not follow"
    assert spider.next_page_refusal("https://evil.example/biz/x?start=10", LISTING, 1, {}) == (
        reason
    )
    assert spider.refusal("https://evil.example/biz/x", LISTING) == reason
    assert spider.refusal("ftp://www.yelp.ca/biz/x", LISTING) == (
        "the link leads to a ftp: address; QuietWatch reads web pages only and did not follow"
    )


def test_a_redirect_off_the_listing_is_worded_as_a_redirect() -> None:
    """A redirect the site sent says so; the same URL as a link says it is a link."""
    spider = _spider()
    assert spider.refusal("https://evil.example/", LISTING, redirected=True) == (
        "the site redirected to another host, evil.example; QuietWatch did not follow"
    )
    assert spider.refusal("https://evil.example/", LISTING, redirected=False) == (
        "the link leads to another host, evil.example; QuietWatch did not follow"
    )


def test_a_listings_own_pages_and_its_sites_hosts_are_in_scope() -> None:
    """The listing's own host is followed, and so is one of its site's hosts (subdomains
    included) -- unless that leads to an internal address from a public listing."""
    spider = _spider()
    assert spider.refusal(LISTING + "?start=10", LISTING) is None
    assert spider.next_page_refusal(LISTING + "?start=10", LISTING, 1, {}) is None
    demo = "http://127.0.0.1:8000/biz/harbourview"  # a listing off the site's hosts
    assert spider.next_page_refusal(demo + "?start=10", demo, 1, {}) is None
    local = ListingSpider.for_site(replace(SITES["yelp"], hosts=("localhost",)), __name__)
    site = local.from_crawler(get_crawler(local), sources=[])
    assert site.refusal("http://reviews.localhost/biz/x?start=10", "http://127.0.0.1/b") is None
    assert site.refusal("http://reviews.localhost/biz/x", "https://93.184.216.34/biz/x") == (
        "the link leads to reviews.localhost, which leads to an internal network address; "
        "QuietWatch did not follow"
    )


def test_an_apis_configured_host_is_in_scope() -> None:
    """An API spider's configured base host is in the listing's scope; other hosts are not."""
    settings = {"QUIETWATCH_API_BASES": {"yelp": "https://yelp-api.example.net/"}}
    spider = YelpFusionSpider.from_crawler(
        get_crawler(YelpFusionSpider, settings), sources=[{"api": "yelp_fusion", "url": LISTING}]
    )
    assert spider.refusal("https://yelp-api.example.net/v3/businesses/x", LISTING) is None
    assert spider.refusal("https://api.example.org/v3/businesses/x", LISTING) == (
        "the link leads to another host, api.example.org; QuietWatch did not follow"
    )


def test_a_next_page_to_a_write_or_identifying_page_is_never_opened() -> None:
    """A next-page link on the listing's own host that leads to one of the site's write or
    reviewer pages is refused, naming what it is."""
    spider = _spider()
    url = "https://www.yelp.ca/user_details?userid=abc"
    assert spider.next_page_refusal(url, LISTING, 1, {}) == (
        "the next-page link leads to a Yelp reviewer's profile (identifying a reviewer); "
        "QuietWatch never opens those"
    )
