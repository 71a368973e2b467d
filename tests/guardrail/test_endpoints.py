"""Write, reply and messaging endpoints the crawler must refuse, and read pages it may open."""

import pytest
from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.test import get_crawler

from crawlers.sites import SITE_ENDPOINTS, review_site_hosts
from guardrail.endpoints import is_write_endpoint


@pytest.mark.parametrize(
    "url",
    [
        "https://www.yelp.com/writeareview/biz/abc123",
        "https://www.yelp.ca/writeareview/biz/Zx9yYpQ2?return_url=%2Fbiz%2Fx",
        "https://biz.yelp.com/r2r/abc/reviews",
        "https://www.yelp.com/biz_owner/reply/abc",
        "https://www.yelp.ca/message_the_business/abc",
        "https://www.yelp.com/user_details?userid=XYZ",
        "https://search.google.com/local/writereview?placeid=ChIJ123",
        "https://g.page/r/CabcdEFGhij123/review",
        "https://business.google.com/reviews/l/123",
        "https://mybusiness.googleapis.com/v4/accounts/1/locations/2/reviews/3/reply",
        "https://www.google.com/maps/contrib/1234567890/reviews",
        "https://www.google.com/maps/place/X/data=!4m7!3m6!1s0x1:0x2!12e1",
        "https://www.facebook.com/messages/t/123",
        "https://m.me/AlluraTherapy",
        "https://www.facebook.com/sharer/sharer.php?u=x",
        "https://graph.facebook.com/v19.0/123/conversations",
        "https://www.healthgrades.com/review/3abcd",
        "https://www.ratemds.com/doctor-ratings/rate/123456/",
        "https://www.trustpilot.com/evaluate/allura.example",
        "https://www.psychologytoday.com/ca/therapists/allura/123456/email",
        "https://www.yellowpages.ca/bus/British-Columbia/Vancouver/Allura/123/writeReview",
        "https://example-directory.test/listing/42/write-a-review",
        "https://example-directory.test/reviews/42/reply",
    ],
)
def test_write_endpoints_are_refused_with_a_reason(url: str) -> None:
    reason = is_write_endpoint(url, SITE_ENDPOINTS)
    assert reason and len(reason) > 5


@pytest.mark.parametrize(
    "url",
    [
        "https://www.yelp.ca/biz/allura-sex-therapy-centre-vancouver",
        "https://www.yelp.ca/biz/allura-sex-therapy-centre-vancouver?start=10&sort_by=date_desc",
        "https://www.google.com/maps/place/Allura/@49.28,-123.12,17z",
        "https://places.googleapis.com/v1/places/ChIJ123",
        "https://www.facebook.com/AlluraTherapy/reviews",
        "https://graph.facebook.com/v19.0/123/ratings",
        "https://www.healthgrades.com/group-directory/bc/vancouver/allura-123",
        "https://www.ratemds.com/doctor-ratings/123456/Dr-A-Vancouver-BC.html",
        "https://www.psychologytoday.com/ca/therapists/allura-vancouver-bc/123456",
        "https://www.yellowpages.ca/bus/British-Columbia/Vancouver/Allura/123.html",
        "https://clinic.example/blog/why-we-do-not-reply-to-reviews",
    ],
)
def test_read_pages_are_allowed(url: str) -> None:
    assert is_write_endpoint(url, SITE_ENDPOINTS) is None


def test_the_read_only_middleware_refuses_them_even_as_get() -> None:
    from crawlers.middlewares import ReadOnlyMiddleware

    crawler = get_crawler()
    middleware = ReadOnlyMiddleware.from_crawler(crawler)
    with pytest.raises(IgnoreRequest, match="Yelp write-a-review"):
        middleware.process_request(Request("https://www.yelp.com/writeareview/biz/abc"))
    assert middleware.process_request(Request("https://www.yelp.com/biz/abc")) is None
    assert crawler.stats.get_value("quietwatch/refused/endpoint") == 1


@pytest.mark.parametrize(
    "method", ["POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT", "PROPFIND"]
)
def test_the_read_only_middleware_lets_only_get_and_head_through(method: str) -> None:
    """An allow-list: every method but GET and HEAD is refused, even to a read page."""
    from crawlers.middlewares import ReadOnlyMiddleware

    crawler = get_crawler()
    middleware = ReadOnlyMiddleware.from_crawler(crawler)
    read_page = "https://www.yelp.ca/biz/allura-sex-therapy-centre-vancouver"
    with pytest.raises(IgnoreRequest, match=f"a {method} request was refused"):
        middleware.process_request(Request(read_page, method=method))
    assert crawler.stats.get_value(f"quietwatch/refused/method/{method}") == 1
    for allowed in ("GET", "HEAD"):
        assert middleware.process_request(Request(read_page, method=allowed)) is None


def test_the_read_only_middleware_refuses_head_to_a_write_endpoint() -> None:
    from crawlers.middlewares import ReadOnlyMiddleware

    crawler = get_crawler()
    middleware = ReadOnlyMiddleware.from_crawler(crawler)
    for url in (
        "https://www.yelp.com/writeareview/biz/abc",
        "https://search.google.com/local/writereview?placeid=ChIJ123",
        "https://example-directory.test/reviews/42/reply",
    ):
        with pytest.raises(IgnoreRequest, match="QuietWatch never opens those"):
            middleware.process_request(Request(url, method="HEAD"))
    assert crawler.stats.get_value("quietwatch/refused/endpoint") == 3


def test_review_site_hosts_are_recognised() -> None:
    from guardrail.endpoints import is_review_site

    for url in (
        "https://www.yelp.ca/biz/x",
        "https://api.yelp.com/v3",
        "https://maps.googleapis.com/x",
        "https://graph.facebook.com/1",
        "https://www.ratemds.com/x",
        "https://www.psychologytoday.com/ca",
    ):
        assert is_review_site(url, review_site_hosts()), url
    for url in ("http://127.0.0.1:6800", "https://scrapyd.clinic.example", "https://notyelp.com/"):
        assert not is_review_site(url, review_site_hosts()), url


def test_the_scrapyd_control_call_refuses_a_review_site() -> None:
    import click
    import pytest

    from quietwatch.scrapyd import schedule_job

    job = {"spider": "yelp", "sources": "[]", "settings": {}}
    with pytest.raises(click.UsageError, match="review site"):
        schedule_job("https://api.yelp.com", "quietwatch", job)
