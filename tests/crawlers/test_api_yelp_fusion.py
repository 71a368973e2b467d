"""Yelp Fusion: the parser on the real captured business response, and real crawls against a
local server answering in Yelp's documented shapes (reviews paged by offset, quota errors,
phone search for discovery), into a real SQLite file."""

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import Session, select

from crawlers.items import DatePrecision, PageStatus
from crawlers.pages import yelp_fusion
from store.models import CrawlProblem, CrawlRun, Listing, ListingCheck, ListingSnapshot, Review
from tests.conftest import shared_fixture
from tests.crawlers.api_crawl import crawl, db_text

KEY = "test-yelp-key-7f3a9c"


# -- parser on the real capture ------------------------------------------------------------
@pytest.mark.shared
def test_business_facts_from_real_lookup() -> None:
    data = json.loads(
        shared_fixture("yelp_fusion_api/business_lookup_yelp_san_francisco.json").read_text()
    )
    facts = yelp_fusion.business_facts(data)
    assert facts.name == "Yelp"
    assert facts.street_address == "140 New Montgomery St"
    assert (facts.locality, facts.region, facts.postal_code, facts.country) == (
        "San Francisco",
        "CA",
        "94105",
        "US",
    )
    assert facts.phone == "+14159083801"
    assert facts.categories == ["Mass Media"]
    assert facts.rating == 2.0 and facts.review_count == 8422
    assert facts.site_listing_id == "4kMBvIEWPxWkWKFN__8SxQ"
    assert facts.hours == [f"{d} 08:00-18:00" for d in ("Mo", "Tu", "We", "Th", "Fr")]
    assert facts.website is None  # Fusion gives the Yelp page, not the business's website
    assert yelp_fusion.page_url(data) == "https://www.yelp.com/biz/yelp-san-francisco"


def _review(n: int, name: str, when: str = "2016-08-29 00:41:13") -> dict:
    """One review in the documented /v3/businesses/{id}/reviews shape."""
    return {
        "id": f"rev-{n}",
        "rating": 5 - n % 3,
        "text": f"Review number {n}, as Yelp excerpts it...",
        "time_created": when,
        "url": f"https://www.yelp.com/biz/harbour-counselling-vancouver?adjust_creative=x&hrid=rev-{n}",
        "user": {
            "id": f"user-{n}-secret",
            "profile_url": f"https://www.yelp.com/user_details?userid=user-{n}-secret",
            "image_url": f"https://s3-media3.fl.yelpcdn.com/photo/user-{n}-photo/o.jpg",
            "name": name,
        },
    }


def test_review_keeps_display_name_only_and_reads_pacific_time() -> None:
    item = yelp_fusion.review(_review(1, "Sam R."))
    assert item.author == "Sam R." and item.site_review_id == "rev-1"
    assert "user-1-secret" not in repr(item) and "photo" not in repr(item)
    # time_created is Pacific time: 00:41 PDT on 29 August is 07:41 UTC.
    assert item.published_at == datetime(2016, 8, 29, 7, 41, 13, tzinfo=UTC)
    assert item.published_precision == DatePrecision.SECOND
    assert item.url == "https://www.yelp.com/biz/harbour-counselling-vancouver"
    assert item.owner_response is None  # Fusion does not return owner replies


@pytest.mark.parametrize(
    ("body", "http", "status", "words"),
    [
        (
            {
                "error": {
                    "code": "ACCESS_LIMIT_REACHED",
                    "description": "You've reached the access limit for this client.",
                }
            },
            429,
            PageStatus.BLOCKED,
            "quota",
        ),
        (
            {"error": {"code": "TOO_MANY_REQUESTS_PER_SECOND", "description": "x"}},
            429,
            PageStatus.BLOCKED,
            "per second",
        ),
        (
            {
                "error": {
                    "code": "TOKEN_INVALID",
                    "description": "Invalid access token or authorization header.",
                }
            },
            401,
            PageStatus.ERROR,
            "YELP_API_KEY",
        ),
        (
            {
                "error": {
                    "code": "BUSINESS_NOT_FOUND",
                    "description": "The requested business could not be found.",
                }
            },
            404,
            PageStatus.GONE,
            "no business",
        ),
        (None, 429, PageStatus.BLOCKED, "too many requests"),
        (None, 503, PageStatus.ERROR, "HTTP 503"),
    ],
)
def test_errors_in_plain_words(body, http, status, words) -> None:
    found = yelp_fusion.error_of(body, http)
    assert found is not None and found[0] == status and words in found[1]


def test_no_error_on_a_good_answer_and_paging_stops() -> None:
    assert yelp_fusion.error_of({"id": "x"}, 200) is None
    assert yelp_fusion.next_offset(0, 3, 5, 20) == 3
    assert yelp_fusion.next_offset(3, 2, 5, 20) is None
    assert yelp_fusion.next_offset(3, 0, 5, 20) is None
    assert (
        yelp_fusion.next_offset(0, 20, None, 20) == 20
        and yelp_fusion.next_offset(20, 4, None, 20) is None
    )


# -- real crawls ---------------------------------------------------------------------------
BUSINESS = {
    "id": "hcc-id-1",
    "alias": "harbour-counselling-vancouver",
    "name": "Harbour Counselling Collective",
    "url": "https://www.yelp.com/biz/harbour-counselling-vancouver?adjust_creative=abc&utm_source=biz_api",
    "phone": "+16045550123",
    "display_phone": "(604) 555-0123",
    "review_count": 5,
    "rating": 4.5,
    "categories": [{"alias": "counseling", "title": "Counseling & Mental Health"}],
    "location": {
        "address1": "1234 W Broadway",
        "address2": "Suite 200",
        "address3": "",
        "city": "Vancouver",
        "zip_code": "V6H 1G6",
        "country": "CA",
        "state": "BC",
        "display_address": ["1234 W Broadway", "Suite 200", "Vancouver, BC V6H 1G6", "Canada"],
    },
    "hours": [
        {
            "hours_type": "REGULAR",
            "is_open_now": False,
            "open": [
                {"day": 0, "start": "0900", "end": "1700", "is_overnight": False},
                {"day": 2, "start": "0900", "end": "2000", "is_overnight": False},
            ],
        }
    ],
    "is_claimed": True,
    "is_closed": False,
    "photos": [],
    "transactions": [],
}
SEARCH = {
    "total": 3,
    "businesses": [
        {**BUSINESS},
        {
            **BUSINESS,
            "id": "hcc-dup-2",
            "alias": "harbour-counselling-collective-vancouver-2",
            "url": "https://www.yelp.com/biz/harbour-counselling-collective-vancouver-2?adjust_creative=abc",
            "name": "Harbour Counselling",
        },
        {
            **BUSINESS,
            "id": "other-3",
            "alias": "harbour-massage-burnaby",
            "name": "Harbour Massage",
            "url": "https://www.yelp.com/biz/harbour-massage-burnaby",
            "phone": "+16045559999",
            "location": {
                "address1": "4500 Kingsway",
                "city": "Burnaby",
                "zip_code": "V5H 2A9",
                "country": "CA",
                "state": "BC",
            },
        },
    ],
}


def _serve(httpserver) -> None:
    auth = {"Authorization": f"Bearer {KEY}"}
    httpserver.expect_request("/v3/businesses/hcc-id-1", headers=auth).respond_with_json(BUSINESS)
    pages = {
        "0": [
            _review(1, "Sam R."),
            _review(2, "Priya K.", "2024-01-05 18:30:00"),
            _review(3, "J. T."),
        ],
        "3": [_review(4, "Alex M.")],
        "4": [],  # Yelp serves no more than it serves: the rest is the shortfall
    }
    for offset, reviews in pages.items():
        httpserver.expect_request(
            "/v3/businesses/hcc-id-1/reviews",
            headers=auth,
            query_string={"offset": offset, "limit": "20"},
        ).respond_with_json({"reviews": reviews, "total": 5, "possible_languages": ["en"]})
    httpserver.expect_request("/v3/businesses/quota-hit", headers=auth).respond_with_json(
        {
            "error": {
                "code": "ACCESS_LIMIT_REACHED",
                "description": "You've reached the access limit for this client. See instructions for requesting a higher access limit at https://www.yelp.com/developers/documentation/v3/rate_limiting",
            }
        },
        status=429,
    )
    httpserver.expect_request(
        "/v3/businesses/search/phone", headers=auth, query_string={"phone": "+16045550123"}
    ).respond_with_json(SEARCH)


SOURCES = [
    {
        "site": "yelp",
        "url": "https://www.yelp.com/biz/harbour-counselling-vancouver",
        "api": "yelp_fusion",
        "business_id": "hcc-id-1",
    },
    {
        "site": "yelp",
        "url": "https://www.yelp.com/biz/harbour-counselling-richmond",
        "api": "yelp_fusion",
        "business_id": "quota-hit",
    },
]


@pytest.mark.slow
def test_crawl_pages_reviews_records_shortfall_quota_and_discovery(
    httpserver, tmp_path: Path, db_url: str, engine
) -> None:
    _serve(httpserver)
    result = crawl(
        tmp_path,
        db_url,
        SOURCES,
        {"YELP_API_KEY": KEY, "QUIETWATCH_YELP_API_BASE": httpserver.url_for("")},
    )
    httpserver.check_assertions()
    paths = [(r.path, r.args.get("offset")) for r, _ in httpserver.log]
    assert paths.count(("/v3/businesses/hcc-id-1/reviews", "4")) == 1  # paged to the end, once
    assert all(r.method == "GET" for r, _ in httpserver.log)

    with Session(engine) as s:
        main = s.exec(select(Listing).where(Listing.url == SOURCES[0]["url"])).one()
        quota = s.exec(select(Listing).where(Listing.url == SOURCES[1]["url"])).one()
        reviews = s.exec(select(Review).where(Review.listing_id == main.id)).all()
        assert sorted(r.site_review_id for r in reviews) == ["rev-1", "rev-2", "rev-3", "rev-4"]
        assert {r.author for r in reviews} == {"Sam R.", "Priya K.", "J. T.", "Alex M."}
        rev2 = next(r for r in reviews if r.site_review_id == "rev-2")
        assert rev2.published_at == datetime(2024, 1, 6, 2, 30, tzinfo=UTC)  # 18:30 PST
        snap = s.get(ListingSnapshot, main.latest_snapshot_id)
        assert snap.name == "Harbour Counselling Collective" and snap.review_count == 5
        assert snap.street_address == "1234 W Broadway, Suite 200" and snap.postal_code == "V6H 1G6"
        assert snap.hours == ["Mo 09:00-17:00", "We 09:00-20:00"]
        assert snap.categories == ["Counseling & Mental Health"]
        assert main.site_listing_id == "hcc-id-1"
        checks = {c.listing_id: c for c in s.exec(select(ListingCheck))}
        assert checks[main.id].status == "ok" and checks[main.id].complete
        assert checks[main.id].stated_review_count == 5 and checks[main.id].shortfall == 1
        problems = s.exec(select(CrawlProblem)).all()
        shortfall = [p for p in problems if p.kind == "shortfall"]
        assert (
            len(shortfall) == 1 and "states 5 review(s); QuietWatch holds 4" in shortfall[0].message
        )
        # The quota answer is a blocked listing with its reason, never a listing with 0 reviews.
        assert checks[quota.id].status == "blocked"
        blocked = [p for p in problems if p.listing_id == quota.id]
        assert len(blocked) == 1 and blocked[0].kind == "blocked"
        assert "quota" in blocked[0].message and "ACCESS_LIMIT_REACHED" in blocked[0].message
        assert quota.latest_snapshot_id is None
        assert not s.exec(select(Review).where(Review.listing_id == quota.id)).all()
        assert s.exec(select(CrawlRun)).one().status == "partial"

    # Discovery: the phone search's other listing with the same phone and address is stored;
    # the configured one and the unrelated business are not.
    with Session(engine) as s:
        found = s.exec(select(Listing).where(Listing.origin == "discovered")).all()
        assert [(d.url, d.site, d.enabled, d.site_listing_id) for d in found] == [
            (
                "https://www.yelp.com/biz/harbour-counselling-collective-vancouver-2",
                "yelp",
                False,
                "hcc-dup-2",
            )
        ]
        assert "same phone (+16045550123)" in found[0].match_reason
        assert "same address (1234 w broadway unit 200)" in found[0].match_reason

    # Never stored or logged: the key, and reviewers' ids, profile links and photos.
    stored = db_text(tmp_path / "quietwatch.db")
    for secret in (KEY, "user-1-secret", "user_details", "photo/o.jpg"):
        assert secret not in stored
    assert KEY not in result.stderr


@pytest.mark.slow
def test_missing_key_is_not_set_up_without_any_request(
    httpserver, tmp_path: Path, db_url: str, engine
) -> None:
    crawl(tmp_path, db_url, SOURCES[:1], {"QUIETWATCH_YELP_API_BASE": httpserver.url_for("")})
    assert httpserver.log == []
    with Session(engine) as s:
        problem = s.exec(select(CrawlProblem)).one()
        assert problem.kind == "not_set_up"
        assert problem.message == "Yelp: not set up — add YELP_API_KEY; see README"
        assert s.exec(select(ListingCheck)).one().status == "not_set_up"
        run = s.exec(select(CrawlRun)).one()
        assert run.status == "ok" and run.errors == 0  # not asked is not failed


@pytest.mark.slow
def test_no_reviews_means_no_reviews_request_and_a_failed_search_is_only_logged(
    httpserver, tmp_path: Path, db_url: str, engine
) -> None:
    auth = {"Authorization": f"Bearer {KEY}"}
    httpserver.expect_request("/v3/businesses/hcc-id-1", headers=auth).respond_with_json(
        {**BUSINESS, "review_count": 0}
    )
    httpserver.expect_request("/v3/businesses/search/phone", headers=auth).respond_with_json(
        {
            "error": {
                "code": "TOO_MANY_REQUESTS_PER_SECOND",
                "description": "You have exceeded the queries-per-second limit for this endpoint.",
            }
        },
        status=429,
    )
    result = crawl(
        tmp_path,
        db_url,
        SOURCES[:1],
        {"YELP_API_KEY": KEY, "QUIETWATCH_YELP_API_BASE": httpserver.url_for("")},
    )
    httpserver.check_assertions()
    assert sorted(r.path for r, _ in httpserver.log) == [
        "/v3/businesses/hcc-id-1",
        "/v3/businesses/search/phone",
    ]
    assert "the Yelp phone search failed" in result.stderr
    with Session(engine) as s:
        check = s.exec(select(ListingCheck)).one()
        assert check.status == "ok" and check.stated_review_count == 0 and check.shortfall is None
        assert not s.exec(select(CrawlProblem)).all()
        assert not s.exec(select(Listing).where(Listing.origin == "discovered")).all()
        assert s.exec(select(CrawlRun)).one().status == "ok"
