"""Healthgrades: the page object on the real captured JSON (provider profile and its
patient-experience comments), and real crawls of profile pages embedding that JSON the way
Healthgrades' pages do (``profile.provider = {...};`` and ``pageState.pes = {...};``)."""

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import Session, select

from crawlers.items import DatePrecision, PageStatus
from crawlers.pages import healthgrades
from crawlers.pages.base import saved_response
from store.models import CrawlProblem, Finding, Listing, ListingCheck, ListingSnapshot, Review
from tests.conftest import PINNED_NOW, shared_fixture
from tests.crawlers.api_crawl import crawl

PROVIDER = "healthgrades/hg_api_profile_provider_dr-luke-oh_2017.json"
PES = "healthgrades/hg_api_pes_reviews_dr-luke-oh_2017.json"


def _page(provider: dict | None, pes: dict | None) -> str:
    """A profile page embedding the objects as Healthgrades' 2017 pages did."""
    script = ["var profile = {}; var pageState = {};"]
    if provider is not None:
        script.append(f"profile.provider = {json.dumps(provider)};\r\n")
    if pes is not None:
        script.append(f"pageState.pes = {json.dumps(pes)};\r\n\r\n")
    script.append("pageState.facilityLocations = [];\n")
    return (
        "<!DOCTYPE html><html><head><title>Dr. Example | Healthgrades</title></head><body>"
        "<div id='root'></div><script>" + "\n".join(script) + "</script></body></html>"
    )


def _read(html: str, url: str):
    return healthgrades.HealthgradesProfilePage(
        saved_response(html.encode(), url), listing_url=url, page_number=1, crawled_at=PINNED_NOW
    ).to_item()


@pytest.mark.shared
def test_provider_facts_from_real_capture() -> None:
    provider = json.loads(shared_fixture(PROVIDER).read_text())
    facts = healthgrades.provider_facts(provider)
    assert facts.name == "Dr. Luke S. Oh, MD" and facts.site_listing_id == "YN6RL"
    assert facts.street_address == "175 Cambridge St Ste 400"
    assert (facts.locality, facts.region, facts.postal_code, facts.country) == (
        "Boston",
        "MA",
        "02114",
        "US",
    )
    assert facts.phone == "(508) 718-4035"
    assert facts.categories == ["Sports Medicine", "Orthopedic Surgery"]
    assert facts.rating == 4.9
    assert facts.website is None and facts.hours == []  # the capture lists neither


@pytest.mark.shared
def test_comments_from_real_capture() -> None:
    pes = json.loads(shared_fixture(PES).read_text())
    reviews, stated, suppressed = healthgrades.pes_reviews(pes, now=PINNED_NOW)
    raw = pes["model"]["comments"]["results"]
    assert len(reviews) == stated == 18 and not suppressed
    first = reviews[0]
    assert first.site_review_id == "df577434-b60f-455f-822d-faf1231aeb06"
    assert first.rating == 5.0 and first.best_rating == 5.0
    assert first.published_raw == "Jan 28, 2017"
    assert (
        first.published_at == datetime(2017, 1, 28, tzinfo=UTC)
        and first.published_precision == DatePrecision.DAY
    )
    assert reviews[-1].published_at == datetime(2016, 1, 5, tzinfo=UTC)
    assert first.author == raw[0]["displayName"] and first.text == raw[0]["commentText"]
    assert raw[0]["location"] not in repr(first)  # the reviewer's location is never kept
    assert all(r.owner_response is None for r in reviews)  # providerResponse present but empty


@pytest.mark.shared
def test_page_object_reads_a_page_embedding_the_real_capture() -> None:
    provider = json.loads(shared_fixture(PROVIDER).read_text())
    pes = json.loads(shared_fixture(PES).read_text())
    page = _read(_page(provider, pes), "https://www.healthgrades.com/physician/dr-luke-oh-yn6rl")
    assert page.status == PageStatus.OK and page.problem is None
    assert page.facts.review_count == 18 and page.facts.rating == 4.9 and len(page.reviews) == 18
    assert page.next_url is None  # every comment is embedded: no review pagination


def test_changed_layout_is_unreadable_with_a_reason() -> None:
    page = _read("<html><body><div id='__next'>Dr. Example</div></body></html>", "https://x/p")
    assert (
        page.status == PageStatus.UNREADABLE
        and "pageState.pes" in page.problem
        and not page.reviews
    )


PES_DOC = {
    "model": {
        "overall": {"responseCount": 9, "reviewCount": 3, "actualScore": 4.6, "roundedScore": 4.5},
        "providerCode": "XK2P9",
        "providerName": "Jordan Lee, RCC",
        "specialty": "Counseling",
        "commentsSuppressed": False,
        "comments": {
            "results": [
                {
                    "commentId": "0b7c2a9e-0000-4000-8000-000000000001",
                    "overallScore": 5.0,
                    "displayName": "Chris P",
                    "location": "Vancouver, BC",
                    "submittedDate": "Oct 02, 2026",
                    "commentText": "Very calm office.",
                    "reviewHelpful": "UnAnswered",
                    "flagged": "NotFlagged",
                    "providerResponse": {
                        "commentText": None,
                        "isFromProvider": False,
                        "insertedOn": "January 1, 0001",
                    },
                },
                {
                    "commentId": "0b7c2a9e-0000-4000-8000-000000000002",
                    "overallScore": 3.0,
                    "displayName": "Anonymous",
                    "location": "Burnaby, BC",
                    "submittedDate": "Sep 14, 2026",
                    "commentText": "Hard to book.",
                    "reviewHelpful": "UnAnswered",
                    "flagged": "NotFlagged",
                    "providerResponse": {
                        "commentText": "Thank you for your feedback, we are adding evening slots.",
                        "isFromProvider": True,
                        "insertedOn": "September 20, 2026",
                    },
                },
            ],
            "totalCommentCount": 3,
            "suppressed": False,
            "serverError": False,
        },
    }
}
PROVIDER_DOC = {
    "id": "XK2P9",
    "displayFullName": "Jordan Lee, RCC",
    "surveyOverallRatingScore": 4.6,
    "specialties": [{"id": 1, "name": "Counseling"}],
    "primaryPractice": {
        "name": "Harbour Counselling Collective",
        "webSiteUrls": ["https://harbourcounselling.example"],
    },
    "primaryOffice": {
        "name": "Harbour Counselling Collective",
        "officeHours": [],
        "address": {
            "address1": "1234 W Broadway",
            "address2": "Suite 200",
            "location": {
                "cityName": "Vancouver",
                "regionAbbreviation": "BC",
                "region": {"regionAbbreviation": "BC", "zip": "V6H 1G6", "nation": "CAN"},
            },
        },
        "phoneNumbers": [
            {"phoneType": 2, "number": "(604) 555-0199"},
            {"phoneType": 1, "number": "(604) 555-0123"},
        ],
    },
}


SCHEMA_ONLY = """<!DOCTYPE html><html><head><title>Dr. Sam Rivera | Healthgrades</title>
<script type="application/ld+json">{"@context": "https://schema.org", "@type": "Physician",
 "name": "Dr. Sam Rivera, PhD", "telephone": "(604) 555-0177",
 "address": {"@type": "PostalAddress", "streetAddress": "88 Main St", "addressLocality": "Vancouver",
  "addressRegion": "BC", "postalCode": "V6A 2S5"},
 "aggregateRating": {"@type": "AggregateRating", "ratingValue": "4.2", "reviewCount": "41", "bestRating": "5"}}
</script></head><body><div id="root"></div></body></html>"""


@pytest.mark.slow
def test_crawl_stores_comments_owner_response_and_unreadable_page(
    httpserver, tmp_path: Path, db_url: str, engine
) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data(
        "User-agent: *\nDisallow: /usearch\n", content_type="text/plain"
    )
    httpserver.expect_request("/provider/jordan-lee-xk2p9").respond_with_data(
        _page(PROVIDER_DOC, PES_DOC), content_type="text/html; charset=utf-8"
    )
    httpserver.expect_request("/provider/schema-only-cd34").respond_with_data(
        SCHEMA_ONLY, content_type="text/html; charset=utf-8"
    )
    httpserver.expect_request("/provider/new-layout-ab12").respond_with_data(
        "<html><body><main><h1>Dr. New Layout</h1><p>Loading...</p></main></body></html>",
        content_type="text/html; charset=utf-8",
    )
    base = httpserver.url_for("").rstrip("/")
    sources = [
        {"site": "healthgrades", "url": f"{base}/provider/jordan-lee-xk2p9"},
        {"site": "healthgrades", "url": f"{base}/provider/new-layout-ab12"},
        {"site": "healthgrades", "url": f"{base}/provider/schema-only-cd34"},
    ]
    crawl(tmp_path, db_url, sources, {})
    httpserver.check_assertions()

    with Session(engine) as s:
        by_url = {listing.url: listing for listing in s.exec(select(Listing))}
        main, changed = by_url[sources[0]["url"]], by_url[sources[1]["url"]]
        reviews = {
            r.site_review_id: r for r in s.exec(select(Review).where(Review.listing_id == main.id))
        }
        assert len(reviews) == 2
        answered = reviews["0b7c2a9e-0000-4000-8000-000000000002"]
        assert answered.owner_response.startswith("Thank you for your feedback")
        assert answered.owner_response_raw_date == "September 20, 2026"
        assert reviews["0b7c2a9e-0000-4000-8000-000000000001"].owner_response is None
        assert answered.published_at == datetime(2026, 9, 14, tzinfo=UTC)
        snap = s.get(ListingSnapshot, main.latest_snapshot_id)
        assert (snap.name, snap.phone, snap.website, snap.country) == (
            "Jordan Lee, RCC",
            "(604) 555-0123",
            "https://harbourcounselling.example",
            "CA",
        )
        assert snap.street_address == "1234 W Broadway, Suite 200" and snap.review_count == 3
        checks = {c.listing_id: c for c in s.exec(select(ListingCheck))}
        assert checks[main.id].status == "ok" and checks[main.id].shortfall == 1
        assert checks[changed.id].status == "unreadable"
        problem = s.exec(select(CrawlProblem).where(CrawlProblem.listing_id == changed.id)).one()
        assert "layout may have changed" in problem.message
        # A response "from the provider" under a review is a compliance finding.
        kinds = {f.kind for f in s.exec(select(Finding).where(Finding.listing_id == main.id))}
        assert "owner_response" in kinds
        # A page without Healthgrades' objects but with schema.org data is read from that:
        # its facts, and no review data although it states 41, so it is partial and says so.
        schema_only = by_url[sources[2]["url"]]
        assert checks[schema_only.id].status == "partial"
        problem = s.exec(
            select(CrawlProblem).where(CrawlProblem.listing_id == schema_only.id)
        ).one()
        assert "states 41 reviews" in problem.message and "schema.org data only" in problem.message
        assert checks[schema_only.id].stated_review_count == 41
        snap = s.get(ListingSnapshot, schema_only.latest_snapshot_id)  # a partial page's facts
        assert snap.name == "Dr. Sam Rivera, PhD" and snap.rating == 4.2
        stored = " ".join(r.model_dump_json() for r in reviews.values())
        assert "Burnaby" not in stored and "Vancouver, BC" not in stored  # reviewer locations


@pytest.mark.shared
@pytest.mark.slow
def test_crawl_of_a_page_embedding_the_real_capture(
    httpserver, tmp_path: Path, db_url: str, engine
) -> None:
    provider = json.loads(shared_fixture(PROVIDER).read_text())
    pes = json.loads(shared_fixture(PES).read_text())
    httpserver.expect_request("/robots.txt").respond_with_data(
        "User-agent: *\nAllow: /\n", content_type="text/plain"
    )
    httpserver.expect_request("/physician/dr-luke-oh-yn6rl").respond_with_data(
        _page(provider, pes), content_type="text/html; charset=utf-8"
    )
    url = httpserver.url_for("/physician/dr-luke-oh-yn6rl")
    crawl(tmp_path, db_url, [{"site": "healthgrades", "url": url}], {})
    with Session(engine) as s:
        listing = s.exec(select(Listing)).one()
        reviews = s.exec(select(Review).where(Review.listing_id == listing.id)).all()
        ids = {c["commentId"] for c in pes["model"]["comments"]["results"]}
        assert {r.site_review_id for r in reviews} == ids and len(reviews) == 18
        check = s.exec(select(ListingCheck)).one()
        assert check.status == "ok" and check.stated_review_count == 18 and check.shortfall is None
        snap = s.get(ListingSnapshot, listing.latest_snapshot_id)
        assert (
            snap.name == "Dr. Luke S. Oh, MD" and snap.rating == 4.9 and snap.postal_code == "02114"
        )


def test_schema_only_page_states_reviews_it_does_not_carry() -> None:
    """The page-object half of the crawl above: facts read, the missing reviews named."""
    from crawlers.pages.schema_org import StructuredPage

    url = "https://www.healthgrades.com/physician/dr-sam-rivera-cd34"
    page = StructuredPage(
        saved_response(SCHEMA_ONLY.encode(), url),
        listing_url=url,
        page_number=1,
        crawled_at=PINNED_NOW,
    ).to_item()
    assert page.status == PageStatus.PARTIAL and "states 41 reviews" in page.problem
    assert page.facts.name == "Dr. Sam Rivera, PhD" and page.facts.rating == 4.2
    assert page.facts.review_count == 41
