"""Which spider a site gets and when a listing is read in full: the spiders' names and
classes built from the site registry, and the full-sweep decision (the spider argument,
the crawl memory's last full sweep, QUIETWATCH_FULL_SWEEP_DAYS) with the conditional
headers it allows.  Spiders are built in process; nothing is fetched."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from scrapy.utils.test import get_crawler

from crawlers.sites import SITES, spider_by_name, spider_for
from crawlers.spiders.api import ApiSpider, BusinessProfileSpider
from crawlers.spiders.base import ListingSpider
from crawlers.spiders.healthgrades import HealthgradesSpider
from crawlers.spiders.sites import SPIDERS
from store.queries import ListingMemory

LISTING = "https://www.yelp.ca/biz/harbourview-counselling-vancouver"
CRAWLED_AT = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
ETAG = '"v1-abc"'
LAST_MODIFIED = "Fri, 13 Nov 2026 09:00:00 GMT"


# -- names and classes ------------------------------------------------------------------------
def test_every_site_spider_is_named_after_its_site() -> None:
    """`scrapy crawl yelp` finds the Yelp spider: each site's spider carries the site's name."""
    for name in SITES:
        cls = spider_for({"site": name})
        assert cls.name == name
        assert cls.spec is SITES[name]
        assert spider_by_name(name) is cls
    assert HealthgradesSpider.name == "healthgrades"  # its own class, named by its spec


def test_a_spider_that_names_itself_keeps_its_name() -> None:
    """A spider with both its own name and its own spec is not renamed after the site."""
    assert BusinessProfileSpider.name == "google_business_profile"
    assert BusinessProfileSpider.spec.name == "google"
    assert spider_by_name("google_business_profile") is BusinessProfileSpider
    assert spider_by_name("google").spec is SITES["google"]


def test_a_shared_base_without_a_site_gets_no_name() -> None:
    """A base class that sets no spec of its own (the API spiders' base, a plain subclass)
    is not a spider named after the site it inherits."""
    assert "name" not in ApiSpider.__dict__
    assert getattr(ApiSpider, "name", None) is None

    class Plain(ListingSpider):
        pass

    assert getattr(Plain, "name", None) is None


def test_site_spiders_are_classes_named_after_the_site_in_the_sites_module() -> None:
    """Scrapy's spider loader finds each site's spider as a class of crawlers.spiders.sites."""
    import crawlers.spiders.sites as module

    schema_org = SPIDERS["schema_org"]
    assert schema_org.__name__ == "SchemaOrgSpider"
    assert SPIDERS["yelp"].__name__ == "YelpSpider"
    assert SPIDERS["psychologytoday"].__name__ == "PsychologytodaySpider"
    assert set(SPIDERS) == {n for n, s in SITES.items() if s.spider is None}
    for name, cls in SPIDERS.items():
        assert issubclass(cls, ListingSpider) and cls is not ListingSpider
        assert cls.__module__ == "crawlers.spiders.sites"
        assert "spec" in cls.__dict__ and cls.spec is SITES[name]
        assert cls.name == name
        assert getattr(module, cls.__name__) is cls


def test_for_site_builds_a_subclass_in_the_given_module() -> None:
    """for_site: CamelCase class name from the site's name, the spec set, the module given."""
    cls = ListingSpider.for_site(SITES["schema_org"], "tests.crawlers.somewhere")
    assert cls.__name__ == "SchemaOrgSpider"
    assert cls.__qualname__ == "SchemaOrgSpider"
    assert cls.__module__ == "tests.crawlers.somewhere"
    assert cls.__bases__ == (ListingSpider,)
    assert cls.__dict__["spec"] is SITES["schema_org"]
    assert cls.name == "schema_org"


# -- full sweeps -------------------------------------------------------------------------------
def _spider(memory: ListingMemory | None = None, *, settings=None, full_sweep=None, crawler=True):
    cls = SPIDERS["yelp"]
    kwargs = {
        "sources": [{"site": "yelp", "url": LISTING}],
        "crawled_at": CRAWLED_AT,
        "full_sweep": full_sweep,
    }
    spider = (
        cls.from_crawler(get_crawler(cls, settings or {}), **kwargs) if crawler else cls(**kwargs)
    )
    spider.memory = {} if memory is None else {LISTING: memory}
    return spider


def _swept(ago: timedelta | None, **kw) -> ListingMemory:
    last = None if ago is None else CRAWLED_AT - ago
    return ListingMemory(etag=ETAG, last_modified=LAST_MODIFIED, last_full_sweep_at=last, **kw)


def _start_headers(spider) -> dict[str, str]:
    (request,) = spider.start_requests_for({"site": "yelp", "url": LISTING})
    return {k.decode(): v[0].decode() for k, v in request.headers.items() if k.startswith(b"If-")}


def test_a_listing_swept_recently_is_read_incrementally_with_its_validators() -> None:
    spider = _spider(_swept(timedelta(days=1)))
    assert spider.is_full_sweep(LISTING) is False
    expected = {"If-None-Match": ETAG, "If-Modified-Since": LAST_MODIFIED}
    assert spider.conditional_headers(LISTING) == expected
    assert _start_headers(spider) == expected


def test_an_unknown_or_never_swept_listing_is_swept_in_full_without_validators() -> None:
    assert _spider(None).is_full_sweep(LISTING) is True
    assert _start_headers(_spider(None)) == {}
    never = _spider(_swept(None))
    assert never.is_full_sweep(LISTING) is True
    assert never.conditional_headers(LISTING) == {}
    assert _start_headers(never) == {}
    # another listing's memory says nothing of this one
    other = _spider(None)
    other.memory = {LISTING + "-other": _swept(timedelta(days=1))}
    assert other.is_full_sweep(LISTING) is True


def test_the_full_sweep_argument_overrides_the_memory() -> None:
    assert _spider(_swept(timedelta(days=1)), full_sweep=True).is_full_sweep(LISTING) is True
    assert _spider(_swept(timedelta(days=1)), full_sweep="yes").conditional_headers(LISTING) == {}
    assert _spider(None, full_sweep=False).is_full_sweep(LISTING) is False
    assert _spider(_swept(None), full_sweep="false").is_full_sweep(LISTING) is False
    assert _spider(_swept(timedelta(days=30)), full_sweep=False).is_full_sweep(LISTING) is False
    assert _spider(_swept(timedelta(days=1)), full_sweep="auto").is_full_sweep(LISTING) is False


@pytest.mark.parametrize(
    ("ago", "full"),
    [
        (timedelta(days=7), True),  # exactly the default period: due
        (timedelta(days=7) - timedelta(seconds=1), False),
        (timedelta(days=7, hours=12), True),
        (timedelta(days=6), False),
        (timedelta(0), False),
    ],
)
def test_a_full_sweep_is_due_after_seven_days_by_default(ago, full) -> None:
    """No QUIETWATCH_FULL_SWEEP_DAYS set: seven days, with a crawler or without one."""
    assert _spider(_swept(ago)).is_full_sweep(LISTING) is full
    assert _spider(_swept(ago), crawler=False).is_full_sweep(LISTING) is full


@pytest.mark.parametrize(
    ("days", "ago", "full"),
    [
        (3, timedelta(days=3), True),
        (3, timedelta(days=4), True),
        (3, timedelta(days=2, hours=23), False),
        ("10", timedelta(days=8), False),
        ("10", timedelta(days=10), True),
        (0.5, timedelta(hours=12), True),
        (0.5, timedelta(hours=11), False),
    ],
)
def test_the_full_sweep_period_comes_from_the_setting(days, ago, full) -> None:
    spider = _spider(_swept(ago), settings={"QUIETWATCH_FULL_SWEEP_DAYS": days})
    assert spider.is_full_sweep(LISTING) is full
    assert (spider.conditional_headers(LISTING) == {}) is full


def test_a_naive_last_sweep_is_read_as_utc() -> None:
    """SQLite gives back naive datetimes: they are UTC, compared with the aware crawl time."""
    naive = (CRAWLED_AT - timedelta(days=7)).replace(tzinfo=None)
    assert _spider(ListingMemory(last_full_sweep_at=naive)).is_full_sweep(LISTING) is True
    naive = (CRAWLED_AT - timedelta(days=6, hours=23)).replace(tzinfo=None)
    spider = _spider(ListingMemory(etag=ETAG, last_full_sweep_at=naive))
    assert spider.is_full_sweep(LISTING) is False
    assert spider.conditional_headers(LISTING) == {"If-None-Match": ETAG}


def test_an_aware_last_sweep_keeps_its_own_offset() -> None:
    """A database in another time zone gives aware datetimes: their instant is kept, not
    relabelled as UTC."""
    plus8 = timezone(timedelta(hours=8))
    due = (CRAWLED_AT - timedelta(days=7)).astimezone(plus8)
    assert _spider(ListingMemory(last_full_sweep_at=due)).is_full_sweep(LISTING) is True
    minus8 = timezone(timedelta(hours=-8))
    fresh = (CRAWLED_AT - timedelta(days=6, hours=23)).astimezone(minus8)
    assert _spider(ListingMemory(last_full_sweep_at=fresh)).is_full_sweep(LISTING) is False
