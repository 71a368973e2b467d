"""Real crawls (`quietwatch crawl` in a subprocess) against a local server serving the real
captured pages, and pages written in the same structure for the cases they lack."""

import json
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from sqlmodel import Session, select
from werkzeug import Request, Response

from store.db import make_engine
from store.models import CrawlProblem, CrawlRun, Finding, Listing, ListingCheck, Review
from tests.conftest import shared_fixture
from tests.crawlers.helpers import crawl, harbourview, robots, write_config

pytestmark = pytest.mark.slow


def session_for(tmp_path: Path) -> Session:
    return Session(make_engine(f"sqlite:///{tmp_path / 'data' / 'quietwatch.db'}"))


@pytest.mark.shared
def test_real_yelp_and_ratemds_pages_block_page_and_robots(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    yelp = shared_fixture("yelp/yelp_biz_philz-coffee-san-mateo_2016.html").read_bytes()
    blocked = shared_fixture("yelp/yelp_blocked_503_rosinas_2016.html").read_bytes()
    ratemds = shared_fixture(
        "ratemds/ratemds_psychologist_Dr-Thomas-M-Brunner-Tucson-AZ.html"
    ).read_bytes()
    robots(httpserver, "User-agent: *\nDisallow: /private/\n")
    httpserver.expect_request("/biz/philz-coffee-san-mateo").respond_with_data(
        yelp, content_type="text/html; charset=utf-8"
    )
    httpserver.expect_request("/biz/rosinas").respond_with_data(
        blocked, status=503, content_type="text/html; charset=iso-8859-1"
    )
    httpserver.expect_request("/biz/rosinas-200").respond_with_data(
        blocked, status=200, content_type="text/html; charset=iso-8859-1"
    )
    httpserver.expect_request("/doctor-ratings/871226/brunner.html").respond_with_data(
        ratemds, content_type="text/html; charset=utf-8"
    )
    base = httpserver.url_for("")
    config = write_config(
        tmp_path,
        [
            ("yelp", base + "biz/philz-coffee-san-mateo"),
            ("yelp", base + "biz/rosinas"),
            ("yelp", base + "biz/rosinas-200"),
            ("ratemds", base + "doctor-ratings/871226/brunner.html"),
            ("schema_org", base + "private/listing"),
        ],
        max_review_pages=1,  # the saved pages' "next" links point at the real sites
    )
    result = crawl(config)
    # The schema_org run read nothing (robots.txt forbids its one listing): it failed, so the
    # crawl exits 1, and the summary names each problem in plain words.
    assert result.returncode == 1, result.stdout
    assert "blocked:" in result.stdout and "robots:" in result.stdout
    with session_for(tmp_path) as s:
        listings = {listing.url.rsplit("/", 1)[-1]: listing for listing in s.exec(select(Listing))}
        checks = {c.listing_id: c for c in s.exec(select(ListingCheck))}
        philz = checks[listings["philz-coffee-san-mateo"].id]
        # One page read of many (the configured page limit): read, but in part, and said so.
        assert (
            philz.status == "partial"
            and philz.reviews_seen == 20
            and philz.stated_review_count == 393
        )
        assert "the configured limit" in philz.message and not philz.complete
        assert philz.shortfall == 373  # 393 stated, 20 read: recorded, not hidden
        for name in ("rosinas", "rosinas-200"):  # a block page is "blocked", never "0 reviews"
            check = checks[listings[name].id]
            assert check.status == "blocked" and check.reviews_seen == 0
            assert listings[name].latest_snapshot_id is None
        assert checks[listings["brunner.html"].id].reviews_seen == 10
        assert checks[listings["listing"].id].status == "robots"
        problems = {p.kind for p in s.exec(select(CrawlProblem))}
        assert {"blocked", "robots", "partial"} <= problems
        robots_problem = s.exec(select(CrawlProblem).where(CrawlProblem.kind == "robots")).one()
        assert "robots.txt forbids" in robots_problem.message
        # The psychologist's eight answers to reviews are compliance findings.
        responses = s.exec(select(Finding).where(Finding.kind == "owner_response")).all()
        assert len(responses) == 8
        reviews = s.exec(select(Review).where(Review.site == "yelp")).all()
        assert len(reviews) == 20 and all(r.site_review_id for r in reviews)
        runs = {r.spider: r for r in s.exec(select(CrawlRun))}
        assert runs["yelp"].status == "partial" and runs["yelp"].blocked == 2
        # The run's own counters, kept with it: each listing's outcome, the new findings.
        yelp_stats, ratemds_stats = runs["yelp"].stats, runs["ratemds"].stats
        assert yelp_stats["quietwatch/listing/partial"] == 1
        assert yelp_stats["quietwatch/listing/blocked"] == 2
        assert ratemds_stats["quietwatch/listing/partial"] == 1  # more pages than the limit
        assert ratemds_stats["quietwatch/findings/new"] == 8
    paths = [req.path for req, _ in httpserver.log]
    assert "/private/listing" not in paths  # robots.txt obeyed: never fetched
    yelp_requests = [req for req, _ in httpserver.log if req.path == "/biz/philz-coffee-san-mateo"]
    assert yelp_requests[0].args.get("sort_by") == "date_desc"  # newest first, for early stops


JSONLD_PAGE = """<!doctype html><html lang="en-CA"><head><meta charset="utf-8">
<title>{name} | Directory</title><link rel="canonical" href="{url}">
{ld}</head><body><main><h1>{name}</h1></main></body></html>"""


def directory_page(url: str, *, reviews: int = 3, structured: bool = True) -> str:
    data = {
        "@context": "https://schema.org",
        "@type": "MedicalBusiness",
        "@id": url,
        "name": "Harbourview Counselling Collective",
        "telephone": "+1 604-555-0142",
        "address": {
            "@type": "PostalAddress",
            "streetAddress": "1200 West 8th Avenue, Suite 300",
            "addressLocality": "Vancouver",
            "addressRegion": "BC",
            "postalCode": "V6H 1C6",
        },
        "aggregateRating": {"@type": "AggregateRating", "ratingValue": 4.5, "reviewCount": reviews},
        "review": [
            {
                "@type": "Review",
                "@id": f"{url}#review-{i}",
                "author": {"@type": "Person", "name": f"R{i}."},
                "datePublished": f"2026-10-0{i + 1}",
                "reviewRating": {"@type": "Rating", "ratingValue": 5},
                "reviewBody": f"Sample review number {i}.",
            }
            for i in range(reviews)
        ],
    }
    ld = f'<script type="application/ld+json">{json.dumps(data)}</script>' if structured else ""
    return JSONLD_PAGE.format(name="Harbourview Counselling Collective", url=url, ld=ld)


def test_changed_layout_marks_the_run_degraded(tmp_path: Path, httpserver: HTTPServer) -> None:
    robots(httpserver)
    base = httpserver.url_for("")
    urls = [base + f"listing/{i}" for i in range(3)]
    layout = {"structured": True}

    def handler(request: Request) -> Response:
        url = base + request.path.lstrip("/")
        return Response(
            directory_page(url, structured=layout["structured"]), content_type="text/html"
        )

    for url in urls:
        httpserver.expect_request("/" + url.split("/", 3)[3]).respond_with_handler(handler)
    config = write_config(tmp_path, [("schema_org", u) for u in urls])
    crawl(config)
    layout["structured"] = False  # the site redesigned: no schema.org data any more
    crawl(config, "--full")
    with session_for(tmp_path) as s:
        first, second = s.exec(select(CrawlRun).order_by(CrawlRun.id)).all()
        assert first.status == "ok" and first.coverage["fields"]["reviews"] == 1.0
        assert second.status == "degraded"
        assert {"name", "rating", "reviews"} <= set(second.degraded_fields)
        assert second.coverage["fields"]["reviews"] == 0.0
        assert "field coverage dropped" in second.message
        assert len(s.exec(select(Review)).all()) == 9  # nothing removed on an unreadable page
        assert all(r.removed_at is None for r in s.exec(select(Review)))


def test_recrawl_uses_conditional_requests(tmp_path: Path, httpserver: HTTPServer) -> None:
    robots(httpserver)
    base = httpserver.url_for("")
    urls = [base + f"listing/{i}" for i in range(3)]
    seen: list[tuple[str, str | None]] = []

    def handler(request: Request) -> Response:
        url = base + request.path.lstrip("/")
        etag = f'"v1-{request.path}"'
        seen.append((request.path, request.headers.get("If-None-Match")))
        if request.headers.get("If-None-Match") == etag:
            return Response(status=304, headers={"ETag": etag})
        return Response(directory_page(url), content_type="text/html", headers={"ETag": etag})

    for url in urls:
        httpserver.expect_request("/" + url.split("/", 3)[3]).respond_with_handler(handler)
    config = write_config(tmp_path, [("schema_org", u) for u in urls])
    crawl(config)
    first_requests = len(seen)
    crawl(config)  # unchanged: the store remembers the ETags
    second = seen[first_requests:]
    assert first_requests == 3 and len(second) == 3  # one request per listing
    assert all(inm is not None for _, inm in second)
    with session_for(tmp_path) as s:
        runs = s.exec(select(CrawlRun).order_by(CrawlRun.id)).all()
        assert [r.status for r in runs] == ["ok", "ok"] and runs[1].new_reviews == 0
        checks = s.exec(select(ListingCheck).where(ListingCheck.run_id == runs[1].id)).all()
        assert {c.status for c in checks} == {"not_modified"}
        assert len(s.exec(select(Review)).all()) == 9
    crawl(config, "--full")  # a full sweep asks unconditionally
    third = seen[first_requests + 3 :]
    assert len(third) == 3 and all(inm is None for _, inm in third)


def test_empty_listing_and_owner_reply_on_yelp_structured_pages(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    """Cases the real captures lack, written in Yelp's structure: a listing with no reviews
    yet (an empty listing is fine, not unreadable) and a business owner's comment."""
    from datetime import date

    from quietwatch.demo.pages import SampleReview, yelp_page

    robots(httpserver)
    base = httpserver.url_for("")

    replied = SampleReview(
        "rv-1",
        "Sam K.",
        2,
        date(2026, 10, 2),
        "Waited a long time for the first appointment.",
        owner_response="Thank you for your feedback, we are sorry about the wait.",
    )
    for path, biz in (("biz/empty", harbourview([])), ("biz/replied", harbourview([replied]))):
        httpserver.expect_request("/" + path).respond_with_data(
            yelp_page(biz, url=base + path), content_type="text/html; charset=utf-8"
        )
    config = write_config(tmp_path, [("yelp", base + "biz/empty"), ("yelp", base + "biz/replied")])
    crawl(config)
    with session_for(tmp_path) as s:
        listings = {listing.url.rsplit("/", 1)[-1]: listing for listing in s.exec(select(Listing))}
        checks = {c.listing_id: c for c in s.exec(select(ListingCheck))}
        empty = checks[listings["empty"].id]
        assert empty.status == "ok" and empty.reviews_seen == 0 and empty.stated_review_count == 0
        assert listings["empty"].latest_snapshot_id is not None  # its facts were read
        review = s.exec(select(Review)).one()
        assert review.site_review_id == "rv-1" and review.owner_response.startswith("Thank you")
        finding = s.exec(select(Finding).where(Finding.kind == "owner_response")).one()
        assert finding.review_id == review.id
        run = s.exec(select(CrawlRun)).one()
        assert run.status == "ok"
        assert run.stats["quietwatch/listing/ok"] == 2
        assert run.stats["quietwatch/findings/new"] == 1
