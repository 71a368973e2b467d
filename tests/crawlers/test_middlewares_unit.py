"""The two request middlewares in process, on a real Scrapy crawler's stats and log: what is
counted and said when a request is refused or a redirect loses its credentials."""

import logging

import pytest
from scrapy import Request, Spider
from scrapy.utils.test import get_crawler

from crawlers.middlewares import ReadOnlyMiddleware, Refused, ScopeMiddleware

LISTING = "https://www.yelp.ca/biz/harbourview-counselling-vancouver"


class _ScopedSpider(Spider):
    name = "scoped"

    def refusal(self, url: str, listing_url: str, *, redirected: bool) -> str | None:
        return None if url.startswith(listing_url) else "the link leads off the listing"


def _scope(spider_cls: type[Spider] = _ScopedSpider):
    crawler = get_crawler(spider_cls)
    crawler.spider = spider_cls()
    return crawler, ScopeMiddleware.from_crawler(crawler)


def test_a_request_off_the_listing_is_refused_counted_and_said(caplog) -> None:
    crawler, middleware = _scope()
    off = "https://www.yelp.ca/biz/another-clinic"
    with (
        caplog.at_level(logging.WARNING, logger="crawlers.middlewares"),
        pytest.raises(Refused, match="the link leads off the listing"),
    ):
        middleware.process_request(Request(off, meta={"listing_url": LISTING}))
    assert crawler.stats.get_value("quietwatch/refused/scope") == 1
    (record,) = [r for r in caplog.records if r.name == "crawlers.middlewares"]
    assert record.getMessage() == f"refused {off} for {LISTING}: the link leads off the listing"
    on = Request(LISTING + "?start=10", meta={"listing_url": LISTING})
    assert middleware.process_request(on) is None
    assert crawler.stats.get_value("quietwatch/refused/scope") == 1


def test_requests_outside_any_listing_or_spider_without_a_scope_pass() -> None:
    crawler, middleware = _scope()
    assert middleware.process_request(Request("https://example.org/robots.txt")) is None
    _crawler, plain = _scope(type("Plain", (Spider,), {"name": "plain"}))
    assert plain.process_request(Request(LISTING, meta={"listing_url": LISTING})) is None


def test_a_redirect_to_another_host_drops_credentials_once_and_counts_it() -> None:
    crawler, middleware = _scope()
    keyed = "https://api.yelp.com/v3/businesses/x/reviews?key=secret&limit=20"
    moved = Request(
        "https://other.example/v3/businesses/x/reviews?key=secret&limit=20",
        headers={"Authorization": "Bearer secret"},
        meta={"redirect_urls": [keyed]},
    )
    cleaned = middleware.process_request(moved)
    assert isinstance(cleaned, Request) and "secret" not in cleaned.url
    assert "Authorization" not in cleaned.headers
    assert crawler.stats.get_value("quietwatch/redirect/credentials_dropped") == 1
    # The same host: nothing taken off, nothing counted.
    same = Request(
        keyed, headers={"Authorization": "Bearer secret"}, meta={"redirect_urls": [keyed]}
    )
    assert middleware.process_request(same) is None
    assert crawler.stats.get_value("quietwatch/redirect/credentials_dropped") == 1


def test_the_read_only_middleware_names_what_it_refused_in_the_log(caplog) -> None:
    crawler = get_crawler(Spider)
    middleware = ReadOnlyMiddleware.from_crawler(crawler)
    write_page = "https://www.yelp.com/writeareview/biz/abc"
    with caplog.at_level(logging.ERROR, logger="crawlers.middlewares"):
        with pytest.raises(Refused):
            middleware.process_request(Request(LISTING, method="POST"))
        with pytest.raises(Refused) as refused:
            middleware.process_request(Request(write_page))
    messages = [r.getMessage() for r in caplog.records if r.name == "crawlers.middlewares"]
    assert messages[0] == f"refused a POST request to {LISTING}: QuietWatch only reads (GET/HEAD)"
    assert messages[1] == f"refused a request to {write_page}: Yelp write-a-review page"
    assert "Yelp write-a-review page" in refused.value.reason
