"""A request that fails becomes a problem page that says why in plain words: the status the
listing gets, the reason (never the exception's own text), the HTTP status, and where it
belongs (its listing and page).  Real crawls reach these through a local server in
test_site_crawls and test_hostile_crawl; here every kind of failure is named once."""

import logging

import pytest
from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.test import get_crawler
from twisted.internet import defer, error
from twisted.python.failure import Failure

from crawlers.middlewares import Refused
from crawlers.sites import spider_for
from store.models import ListingStatus

LISTING = "https://www.yelp.ca/biz/harbourview-counselling-vancouver"
PAGE = LISTING + "?sort_by=date_desc&start=10"


def _spider():
    spidercls = spider_for({"site": "yelp"})
    return spidercls.from_crawler(
        get_crawler(spidercls), sources=[{"site": "yelp", "url": LISTING}]
    )


def _failed(exc: BaseException, *, url: str = PAGE, meta: dict | None = None):
    failure = Failure(exc)
    failure.request = Request(
        url, meta={"listing_url": LISTING, "page_number": 2} if meta is None else meta
    )
    (page,) = list(_spider().on_error(failure))
    return page


@pytest.mark.parametrize(
    ("exc", "problem"),
    [
        (TimeoutError(), "the page could not be fetched (the site did not answer in time)"),
        (defer.TimeoutError(), "the page could not be fetched (the site did not answer in time)"),
        (error.TimeoutError(), "the page could not be fetched (the site did not answer in time)"),
        (
            error.DNSLookupError("no such host"),
            "the page could not be fetched (the site's name could not be looked up)",
        ),
        (
            error.ConnectionRefusedError(),
            "the page could not be fetched (the site refused the connection)",
        ),
        (error.ConnectError(), "the page could not be fetched (the site refused the connection)"),
        (
            ValueError("a parser's own words"),
            "the page could not be fetched (the connection failed)",
        ),
        (IgnoreRequest("dropped by a middleware"), "the page could not be fetched"),
    ],
)
def test_a_network_failure_is_an_error_page_saying_why_in_plain_words(exc, problem) -> None:
    page = _failed(exc)
    assert (page.status, page.problem, page.http_status) == (ListingStatus.ERROR, problem, None)
    assert (page.listing_url, page.page_url, page.page_number) == (LISTING, PAGE, 2)
    assert page.is_last_page  # nothing more of the listing is read after a failed page


def test_robots_txt_is_its_own_status_with_no_reason_appended() -> None:
    page = _failed(IgnoreRequest("Forbidden by robots.txt"))
    assert page.status == ListingStatus.ROBOTS
    assert page.problem == "robots.txt forbids fetching this page; QuietWatch obeyed"


@pytest.mark.parametrize(
    ("status", "expected", "problem"),
    [
        (404, ListingStatus.GONE, "the listing is gone (404/410) (HTTP 404)"),
        (
            429,
            ListingStatus.BLOCKED,
            "the site answered with a block page, CAPTCHA or consent wall (HTTP 429)",
        ),
        (500, ListingStatus.ERROR, "the page could not be fetched (HTTP 500)"),
    ],
)
def test_an_http_error_keeps_its_status_code(status, expected, problem) -> None:
    response = HtmlResponse(PAGE, status=status, body=b"<html><body>nope</body></html>")
    page = _failed(HttpError(response, "Ignoring non-200 response"))
    assert (page.status, page.problem, page.http_status) == (expected, problem, status)


def test_a_refused_request_leaves_the_listing_standing_with_the_refusal_as_its_problem() -> None:
    page = _failed(Refused("the link leads off the listing"))
    assert page.status == ListingStatus.PARTIAL
    assert page.problem == "the link leads off the listing"
    assert (page.listing_url, page.page_number, page.http_status) == (LISTING, 2, None)


def test_a_request_without_listing_meta_is_its_own_listing_on_page_one() -> None:
    page = _failed(error.ConnectionRefusedError(), url=LISTING, meta={})
    assert (page.listing_url, page.page_url, page.page_number) == (LISTING, LISTING, 1)
    refused = _failed(Refused("a write page"), url=LISTING, meta={})
    assert (refused.listing_url, refused.page_number) == (LISTING, 1)


def test_each_failure_is_logged_with_its_url_and_reason(caplog) -> None:
    with caplog.at_level(logging.WARNING, logger="crawlers.spiders.base"):
        _failed(error.DNSLookupError("no such host"))
        _failed(Refused("the link leads off the listing"))
    lines = [r.getMessage() for r in caplog.records if r.name == "crawlers.spiders.base"]
    assert lines == [
        f"could not fetch {PAGE}: DNS lookup failed: no such host.",
        f"did not fetch {PAGE}: the link leads off the listing",
    ]
