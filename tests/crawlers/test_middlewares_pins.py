"""Pins from the 2026-11-30 mutation pass over crawlers/middlewares.py: what a redirect
keeps and loses with its credentials, the read-only middleware's total count, and the
redirect flag the spider's scope is asked with."""

import pytest
from scrapy import Request, Spider
from scrapy.utils.test import get_crawler

from crawlers.middlewares import ReadOnlyMiddleware, Refused, ScopeMiddleware, without_credentials

LISTING = "https://www.yelp.ca/biz/harbourview-counselling-vancouver"


def test_a_request_without_credentials_comes_back_as_it_is() -> None:
    plain = Request(LISTING + "?start=10&sort_by=date_desc", headers={"Accept": "text/html"})
    assert without_credentials(plain) is plain


def test_a_credential_header_alone_is_dropped_and_the_other_headers_kept() -> None:
    for name in ("Authorization", "Proxy-Authorization", "Cookie", "X-Goog-Api-Key"):
        keyed = Request(LISTING, headers={name: "secret", "Accept": "text/html"})
        cleaned = without_credentials(keyed)
        assert cleaned is not keyed
        assert name not in cleaned.headers, name
        assert cleaned.headers.get("Accept") == b"text/html"
        assert cleaned.url == LISTING


def test_a_credential_in_the_query_is_dropped_and_blank_values_are_kept() -> None:
    keyed = Request("https://api.example/v1/reviews?key=secret&lang=&limit=20&Token=x")
    cleaned = without_credentials(keyed)
    assert cleaned.url == "https://api.example/v1/reviews?lang=&limit=20"
    only = without_credentials(Request("https://api.example/v1/reviews?api_key=secret"))
    assert only.url == "https://api.example/v1/reviews"


def test_a_refused_method_is_counted_in_total_and_by_method() -> None:
    crawler = get_crawler(Spider)
    middleware = ReadOnlyMiddleware.from_crawler(crawler)
    for method in ("POST", "PUT"):
        with pytest.raises(Refused):
            middleware.process_request(Request(LISTING, method=method))
    assert crawler.stats.get_value("quietwatch/refused/method") == 2
    assert crawler.stats.get_value("quietwatch/refused/method/POST") == 1
    assert crawler.stats.get_value("quietwatch/refused/method/PUT") == 1


class _Recording(Spider):
    name = "recording"

    def __init__(self) -> None:
        super().__init__()
        self.asked: list[tuple[str, bool]] = []

    def refusal(self, url: str, listing_url: str, *, redirected: bool) -> str | None:
        self.asked.append((url, redirected))
        return None


def test_the_scope_is_asked_whether_the_request_was_redirected() -> None:
    crawler = get_crawler(_Recording)
    crawler.spider = spider = _Recording()
    middleware = ScopeMiddleware.from_crawler(crawler)
    page_two = LISTING + "?start=10"
    middleware.process_request(Request(page_two, meta={"listing_url": LISTING}))
    moved = Request(page_two, meta={"listing_url": LISTING, "redirect_urls": [LISTING]})
    middleware.process_request(moved)
    assert spider.asked == [(page_two, False), (page_two, True)]
