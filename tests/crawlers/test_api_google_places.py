"""Google Places (New and legacy): the parsers on the real captured responses, and real crawls
against a local server answering in Google's documented shapes (errors, quota, denied key,
Find Place by phone for discovery), into a real SQLite file."""

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import Session, select
from werkzeug import Response as WResponse

from crawlers.dates import from_timestamp
from crawlers.items import DatePrecision, PageStatus
from crawlers.pages import google_places
from store.models import (
    CrawlProblem,
    CrawlRun,
    Listing,
    ListingCheck,
    ListingSnapshot,
    Review,
    ReviewVersion,
)
from tests.conftest import PINNED_NOW, shared_fixture
from tests.crawlers.api_crawl import crawl, db_text

KEY = "test-google-key-55aa17"


def _load(relative: str) -> dict:
    return json.loads(shared_fixture(relative).read_text())


# -- Places API (New), real captures -------------------------------------------------------
@pytest.mark.shared
def test_v1_details_with_reviews() -> None:
    data = _load("google_places_new_v1/gplaces_v1_details_TheRealGreekStrand_london.json")
    facts, reviews = google_places.v1_place(data, now=PINNED_NOW)
    assert facts.name == "The Real Greek - Strand"
    assert (facts.street_address, facts.locality, facts.postal_code, facts.country) == (
        "397 Strand",
        "London",
        "WC2R 0LP",
        "GB",
    )
    assert facts.phone == "+44 20 3026 5669" and facts.website == "http://www.therealgreek.com/"
    assert facts.categories == ["Greek Restaurant"]
    assert facts.rating == 4.4 and facts.review_count == 1987
    assert facts.site_listing_id == "ChIJQzqyjSoFdkgRpUCA6yMFJw4"
    assert (
        facts.hours[0] == "Monday: 12:00 – 9:00 PM" and len(facts.hours) == 7
    )  # thin spaces folded
    assert len(reviews) == len(data["reviews"]) == 5
    first, raw = reviews[0], data["reviews"][0]
    assert first.site_review_id == raw["name"] and first.site_review_id.startswith(
        "places/ChIJQzqyjSoFdkgRpUCA6yMFJw4/reviews/"
    )
    assert first.author == raw["authorAttribution"]["displayName"]
    assert first.rating == 5.0 and first.language == "en"
    assert first.published_at == datetime(2025, 10, 30, 17, 52, 54, 942473, tzinfo=UTC)
    assert (
        first.published_precision == DatePrecision.SECOND and first.published_raw == "a month ago"
    )
    assert first.text == raw["originalText"]["text"]
    for item, source in zip(reviews, data["reviews"], strict=True):
        # Only the display name: never the reviewer's profile link or photo.
        assert source["authorAttribution"]["uri"] not in repr(item)
        assert source["authorAttribution"]["photoUri"] not in repr(item)


@pytest.mark.shared
def test_v1_details_without_reviews_is_a_real_empty_case() -> None:
    data = _load("google_places_new_v1/gplaces_v1_details_LOCALDINES_noreviews.json")
    facts, reviews = google_places.v1_place(data, now=PINNED_NOW)
    assert reviews == []
    assert facts.name == "LOCALDINES" and facts.street_address == "71-75 Shelton Street"
    assert facts.postal_code == "WC2H9JW" and facts.phone == "+44 20 8195 1818"
    assert facts.rating is None and facts.review_count is None  # not stated, not zero
    assert facts.hours[-1] == "Sunday: Closed"


@pytest.mark.shared
def test_v1_search_text_response() -> None:
    data = _load("google_places_new_v1/gplaces_v1_searchText_places_reviews_id.json")
    places = google_places.v1_places(data, now=PINNED_NOW)
    assert len(places) == len(data["places"]) == 11
    facts, reviews = places[0]
    assert facts.name == "Galeri Indonesia Kaya" and len(reviews) == 5
    assert reviews[0].published_at == datetime(2024, 4, 14, 11, 20, 11, tzinfo=UTC)
    assert reviews[0].published_raw == "sebulan yang lalu" and reviews[0].language == "id"
    assert reviews[0].site_review_id == data["places"][0]["reviews"][0]["name"]


# -- Places API (legacy), real captures ----------------------------------------------------
@pytest.mark.shared
def test_legacy_details_google_sydney() -> None:
    data = _load("google_places_legacy/gplaces_legacy_details_GoogleSydney.json")
    facts, reviews = google_places.legacy_place(data, now=PINNED_NOW)
    assert facts.name == "Google" and facts.street_address == "48 Pirrama Road"
    assert (facts.locality, facts.region, facts.postal_code, facts.country) == (
        "Pyrmont",
        "NSW",
        "2009",
        "AU",
    )
    assert facts.phone == "+61 2 9374 4000" and facts.rating == 4.4 and facts.review_count == 458
    assert facts.site_listing_id == "ChIJN1t_tDeuEmsRUsoyG83frY4"
    assert facts.hours[0] == "Monday: 10:00 AM – 6:00 PM" and facts.hours[-1] == "Sunday: Closed"
    assert len(reviews) == 5
    first, raw = reviews[0], data["result"]["reviews"][0]
    assert first.site_review_id is None  # the legacy API gives no review id
    assert first.author == raw["author_name"] and first.rating == 1.0
    assert (
        first.published_at
        == from_timestamp(1496880715)
        == datetime(2017, 6, 8, 0, 11, 55, tzinfo=UTC)
    )
    assert first.published_raw == "a week ago" and first.published_precision == DatePrecision.SECOND
    assert raw["author_url"] not in repr(first) and raw["profile_photo_url"] not in repr(first)


@pytest.mark.shared
def test_legacy_details_in_french_and_without_relative_dates() -> None:
    data = _load("google_places_legacy/gplaces_legacy_details_SacreCoeur_fr.json")
    facts, reviews = google_places.legacy_place(data, now=PINNED_NOW)
    assert (
        facts.name == "Sacré-Cœur" and facts.postal_code == "75018" and facts.review_count == 3688
    )
    assert facts.hours[0] == "lundi: 06:00 – 22:30"
    assert {r.language for r in reviews} == {"fr"}
    assert reviews[0].published_raw == "au cours de la dernière semaine"
    quay = _load("google_places_legacy/gplaces_legacy_details_Quay_restaurant.json")
    facts, reviews = google_places.legacy_place(quay, now=PINNED_NOW)
    assert facts.name == "Quay" and facts.review_count == 273 and facts.rating == 4.1
    # 2015 responses have no relative_time_description: the epoch time is the raw date.
    assert reviews[0].published_raw == "1441848853"
    assert reviews[0].published_at == datetime(2015, 9, 10, 1, 34, 13, tzinfo=UTC)


@pytest.mark.parametrize(
    ("body", "http", "status", "words"),
    [
        (
            {
                "status": "OVER_QUERY_LIMIT",
                "error_message": "You have exceeded your daily request quota for this API.",
            },
            200,
            PageStatus.BLOCKED,
            "quota",
        ),
        (
            {"status": "REQUEST_DENIED", "error_message": "The provided API key is invalid."},
            200,
            PageStatus.ERROR,
            "GOOGLE_PLACES_API_KEY",
        ),
        ({"status": "INVALID_REQUEST"}, 200, PageStatus.ERROR, "rejected"),
        ({"status": "NOT_FOUND"}, 200, PageStatus.GONE, "no place"),
        ({"status": "ZERO_RESULTS"}, 200, PageStatus.GONE, "nothing"),
    ],
)
def test_legacy_status_errors(body, http, status, words) -> None:
    found = google_places.legacy_error(body, http)
    assert found is not None and found[0] == status and words in found[1]


@pytest.mark.parametrize(
    ("body", "http", "status", "words"),
    [
        (
            {
                "error": {
                    "code": 429,
                    "message": "Quota exceeded for quota metric 'Place Details requests'",
                    "status": "RESOURCE_EXHAUSTED",
                }
            },
            429,
            PageStatus.BLOCKED,
            "quota",
        ),
        (
            {
                "error": {
                    "code": 403,
                    "message": "API key not valid.",
                    "status": "PERMISSION_DENIED",
                }
            },
            403,
            PageStatus.ERROR,
            "GOOGLE_PLACES_API_KEY",
        ),
        (
            {
                "error": {
                    "code": 404,
                    "message": "Requested entity was not found.",
                    "status": "NOT_FOUND",
                }
            },
            404,
            PageStatus.GONE,
            "no place",
        ),
        (None, 429, PageStatus.BLOCKED, "too many"),
    ],
)
def test_v1_errors(body, http, status, words) -> None:
    found = google_places.v1_error(body, http)
    assert found is not None and found[0] == status and words in found[1]
    assert google_places.v1_error({"id": "x"}, 200) is None


# -- real crawls ---------------------------------------------------------------------------
def _url(place_id: str) -> str:
    return f"https://www.google.com/maps/place/?q=place_id:{place_id}"


V1_PLACE = {
    "name": "places/ChIJharbour1",
    "id": "ChIJharbour1",
    "displayName": {"text": "Harbour Counselling Collective", "languageCode": "en"},
    "formattedAddress": "1234 W Broadway #200, Vancouver, BC V6H 1G6, Canada",
    "postalAddress": {
        "regionCode": "CA",
        "languageCode": "en",
        "postalCode": "V6H 1G6",
        "administrativeArea": "BC",
        "locality": "Vancouver",
        "addressLines": ["1234 W Broadway #200"],
    },
    "nationalPhoneNumber": "(604) 555-0123",
    "internationalPhoneNumber": "+1 604-555-0123",
    "websiteUri": "https://harbourcounselling.example/",
    "regularOpeningHours": {
        "weekdayDescriptions": [
            "Monday: 9:00\u202fAM\u2009\u2013\u20095:00\u202fPM",
            "Sunday: Closed",
        ]
    },
    "primaryTypeDisplayName": {"text": "Counselor", "languageCode": "en-US"},
    "rating": 4.8,
    "userRatingCount": 12,
    "reviews": [
        {
            "name": "places/ChIJharbour1/reviews/AbC1",
            "relativePublishTimeDescription": "3 weeks ago",
            "rating": 5,
            "text": {"text": "Kind and professional.", "languageCode": "en"},
            "originalText": {"text": "Kind and professional.", "languageCode": "en"},
            "authorAttribution": {
                "displayName": "Morgan L.",
                "uri": "https://www.google.com/maps/contrib/100000000000000000001/reviews",
                "photoUri": "https://lh3.googleusercontent.com/a/secret-photo",
            },
            "publishTime": "2026-11-04T16:02:11.123456789Z",
            "flagContentUri": "https://www.google.com/local/review/rap/report?postId=AbC1",
            "googleMapsUri": "https://www.google.com/maps/reviews/data=AbC1",
        },
        {
            "name": "places/ChIJharbour1/reviews/DeF2",
            "relativePublishTimeDescription": "a year ago",
            "rating": 4,
            "text": {"text": "Helpful.", "languageCode": "en"},
            "originalText": {"text": "Helpful.", "languageCode": "en"},
            "authorAttribution": {
                "displayName": "R. P.",
                "uri": "https://www.google.com/maps/contrib/100000000000000000002/reviews",
                "photoUri": "https://lh3.googleusercontent.com/a/secret-photo-2",
            },
            "publishTime": "2025-10-01T08:00:00Z",
        },
    ],
}


@pytest.mark.slow
def test_v1_crawl_stores_place_and_turns_quota_and_denied_key_into_problems(
    httpserver, tmp_path: Path, db_url: str, engine
) -> None:
    headers = {"X-Goog-Api-Key": KEY, "X-Goog-FieldMask": google_places.V1_FIELD_MASK}
    httpserver.expect_request(
        "/v1/places/ChIJharbour1", method="GET", headers=headers
    ).respond_with_json(V1_PLACE)
    httpserver.expect_request("/v1/places/ChIJquota", headers=headers).respond_with_json(
        {
            "error": {
                "code": 429,
                "message": "Quota exceeded for quota metric 'Place Details requests' and limit 'Place Details requests per minute'.",
                "status": "RESOURCE_EXHAUSTED",
            }
        },
        status=429,
    )
    httpserver.expect_request("/v1/places/ChIJdenied", headers=headers).respond_with_json(
        {
            "error": {
                "code": 403,
                "message": "Places API (New) has not been used in project 123 before or it is disabled.",
                "status": "PERMISSION_DENIED",
            }
        },
        status=403,
    )
    sources = [
        {"site": "google", "url": _url(p), "api": "places_v1", "place_id": p}
        for p in ("ChIJharbour1", "ChIJquota", "ChIJdenied")
    ]
    result = crawl(
        tmp_path,
        db_url,
        sources,
        {"GOOGLE_PLACES_API_KEY": KEY, "QUIETWATCH_GOOGLE_PLACES_API_BASE": httpserver.url_for("")},
    )
    httpserver.check_assertions()
    assert sorted(r.path for r, _ in httpserver.log) == [
        "/v1/places/ChIJdenied",
        "/v1/places/ChIJharbour1",
        "/v1/places/ChIJquota",
    ]

    with Session(engine) as s:
        by_url = {listing.url: listing for listing in s.exec(select(Listing))}
        main = by_url[_url("ChIJharbour1")]
        reviews = s.exec(select(Review).where(Review.listing_id == main.id)).all()
        assert sorted(r.site_review_id for r in reviews) == [
            "places/ChIJharbour1/reviews/AbC1",
            "places/ChIJharbour1/reviews/DeF2",
        ]
        assert {r.author for r in reviews} == {"Morgan L.", "R. P."}
        first = next(r for r in reviews if r.site_review_id.endswith("AbC1"))
        assert first.published_at == datetime(2026, 11, 4, 16, 2, 11, 123456, tzinfo=UTC)
        assert first.published_raw == "3 weeks ago" and first.text == "Kind and professional."
        snap = s.get(ListingSnapshot, main.latest_snapshot_id)
        assert (snap.name, snap.street_address, snap.postal_code, snap.phone) == (
            "Harbour Counselling Collective",
            "1234 W Broadway #200",
            "V6H 1G6",
            "+1 604-555-0123",
        )
        assert snap.hours == [
            "Monday: 9:00 AM – 5:00 PM",
            "Sunday: Closed",
        ] and snap.categories == ["Counselor"]
        assert snap.rating == 4.8 and snap.review_count == 12
        checks = {c.listing_id: c for c in s.exec(select(ListingCheck))}
        assert (
            checks[main.id].status == "ok"
            and checks[main.id].shortfall is None
            # Capped at 5 by design: said once, plainly, never a shortfall warning.
            and "returns at most 5 reviews" in checks[main.id].message
        )  # Google serves 5 at most
        problems = {p.listing_id: p for p in s.exec(select(CrawlProblem))}
        assert not any(p.kind == "shortfall" for p in problems.values())
        quota, denied = by_url[_url("ChIJquota")], by_url[_url("ChIJdenied")]
        assert checks[quota.id].status == "blocked" and "quota" in problems[quota.id].message
        assert (
            checks[denied.id].status == "error"
            and "GOOGLE_PLACES_API_KEY" in problems[denied.id].message
        )
        assert "not been used in project" in problems[denied.id].message  # Google's own words kept
        assert s.exec(select(CrawlRun)).one().status == "partial"
    stored = db_text(tmp_path / "quietwatch.db")
    for secret in (KEY, "contrib/100000000000000000001", "secret-photo"):
        assert secret not in stored
    assert KEY not in result.stderr


LEGACY_DETAILS = {
    "html_attributions": [],
    "result": {
        "place_id": "ChIJharbour1",
        "name": "Harbour Counselling Collective",
        "formatted_address": "1234 W Broadway #200, Vancouver, BC V6H 1G6, Canada",
        "address_components": [
            {"long_name": "200", "short_name": "200", "types": ["subpremise"]},
            {"long_name": "1234", "short_name": "1234", "types": ["street_number"]},
            {"long_name": "West Broadway", "short_name": "W Broadway", "types": ["route"]},
            {
                "long_name": "Vancouver",
                "short_name": "Vancouver",
                "types": ["locality", "political"],
            },
            {
                "long_name": "British Columbia",
                "short_name": "BC",
                "types": ["administrative_area_level_1", "political"],
            },
            {"long_name": "Canada", "short_name": "CA", "types": ["country", "political"]},
            {"long_name": "V6H 1G6", "short_name": "V6H 1G6", "types": ["postal_code"]},
        ],
        "formatted_phone_number": "(604) 555-0123",
        "international_phone_number": "+1 604-555-0123",
        "website": "https://harbourcounselling.example/",
        "opening_hours": {"open_now": False, "weekday_text": ["Monday: 9:00 AM – 5:00 PM"]},
        "types": ["health", "point_of_interest", "establishment"],
        "rating": 4.8,
        "user_ratings_total": 3,
        "reviews": [
            {
                "author_name": "Morgan L.",
                "author_url": "https://www.google.com/maps/contrib/100000000000000000001/reviews",
                "profile_photo_url": "https://lh3.googleusercontent.com/a/secret-photo",
                "language": "en",
                "original_language": "en",
                "translated": False,
                "rating": 5,
                "relative_time_description": "3 weeks ago",
                "text": "Kind and professional.",
                "time": 1762272131,
            },
        ],
        "url": "https://maps.google.com/?cid=123",
    },
    "status": "OK",
}
FIND = {
    "candidates": [
        {
            "place_id": "ChIJharbour1",
            "name": "Harbour Counselling Collective",
            "formatted_address": "1234 W Broadway #200, Vancouver, BC V6H 1G6, Canada",
        },
        {
            "place_id": "ChIJdup2",
            "name": "Harbour Counselling",
            "formatted_address": "1234 W Broadway #200, Vancouver, BC V6H 1G6, Canada",
        },
    ],
    "status": "OK",
}


def _details(request) -> WResponse:
    answers = {
        "ChIJharbour1": LEGACY_DETAILS,
        "ChIJquota": {
            "html_attributions": [],
            "status": "OVER_QUERY_LIMIT",
            "error_message": "You have exceeded your daily request quota for this API.",
        },
        "ChIJdenied": {
            "html_attributions": [],
            "status": "REQUEST_DENIED",
            "error_message": "The provided API key is invalid.",
        },
    }
    body = answers.get(
        request.args.get("place_id"), {"html_attributions": [], "status": "INVALID_REQUEST"}
    )
    return WResponse(json.dumps(body), status=200, content_type="application/json")


@pytest.mark.slow
def test_legacy_crawl_status_errors_discovery_and_masked_key(
    httpserver, tmp_path: Path, db_url: str, engine
) -> None:
    httpserver.expect_request("/maps/api/place/details/json", method="GET").respond_with_handler(
        _details
    )
    httpserver.expect_request(
        "/maps/api/place/findplacefromtext/json",
        method="GET",
    ).respond_with_json(FIND)
    sources = [
        {"site": "google", "url": _url(p), "api": "places_legacy", "place_id": p}
        for p in ("ChIJharbour1", "ChIJquota", "ChIJdenied")
    ]
    result = crawl(
        tmp_path,
        db_url,
        sources,
        {"GOOGLE_PLACES_API_KEY": KEY, "QUIETWATCH_GOOGLE_MAPS_API_BASE": httpserver.url_for("")},
    )
    httpserver.check_assertions()
    requests = [r for r, _ in httpserver.log]
    assert all(r.args.get("key") == KEY for r in requests)  # the legacy API wants it in the query
    find = next(r for r in requests if r.path.endswith("findplacefromtext/json"))
    assert find.args["inputtype"] == "phonenumber" and find.args["input"] == "+16045550123"

    with Session(engine) as s:
        by_url = {listing.url: listing for listing in s.exec(select(Listing))}
        main = by_url[_url("ChIJharbour1")]
        review = s.exec(select(Review).where(Review.listing_id == main.id)).one()
        assert review.site_review_id is None and review.review_key.startswith("k:")
        assert review.author == "Morgan L." and review.published_at == datetime(
            2025, 11, 4, 16, 2, 11, tzinfo=UTC
        )
        snap = s.get(ListingSnapshot, main.latest_snapshot_id)
        assert (
            snap.street_address == "200-1234 West Broadway"
            and snap.region == "BC"
            and snap.categories == ["health"]
        )
        checks = {c.listing_id: c for c in s.exec(select(ListingCheck))}
        assert checks[main.id].status == "ok" and checks[main.id].shortfall is None
        assert "returns at most 5 reviews" in checks[main.id].message
        problems = {p.listing_id: p for p in s.exec(select(CrawlProblem))}
        assert not any(p.kind == "shortfall" for p in problems.values())
        quota, denied = by_url[_url("ChIJquota")], by_url[_url("ChIJdenied")]
        assert (
            checks[quota.id].status == "blocked"
            and "OVER_QUERY_LIMIT" in problems[quota.id].message
        )
        assert (
            checks[denied.id].status == "error" and "REQUEST_DENIED" in problems[denied.id].message
        )
        assert "key=***" in problems[quota.id].url  # the URL is recorded with the key masked
        discovered = s.exec(select(Listing).where(Listing.origin == "discovered")).one()
        assert discovered.url == _url("ChIJdup2") and discovered.site_listing_id == "ChIJdup2"
        assert discovered.match_reason == (
            "Google's phone-number search returned it for +16045550123 and same address (1234 w broadway unit 200)"
        )
    assert KEY not in db_text(tmp_path / "quietwatch.db")
    assert (
        KEY not in result.stderr and "key=***" in result.stderr
    )  # Scrapy's own DEBUG lines masked


@pytest.mark.slow
def test_v1_capped_answer_never_marks_reviews_removed(
    httpserver, tmp_path: Path, db_url: str, engine
) -> None:
    """Google serves five reviews at most: one missing from the next answer is not removed."""
    headers = {"X-Goog-Api-Key": KEY}
    httpserver.expect_request("/v1/places/ChIJharbour1", headers=headers).respond_with_json(
        V1_PLACE
    )
    sources = [
        {
            "site": "google",
            "url": _url("ChIJharbour1"),
            "api": "places_v1",
            "place_id": "ChIJharbour1",
        }
    ]
    env = {
        "GOOGLE_PLACES_API_KEY": KEY,
        "QUIETWATCH_GOOGLE_PLACES_API_BASE": httpserver.url_for(""),
    }
    crawl(tmp_path, db_url, sources, env)
    httpserver.clear()
    later = {
        **V1_PLACE,
        "reviews": [V1_PLACE["reviews"][0]],
    }  # DeF2 is no longer among those served
    httpserver.expect_request("/v1/places/ChIJharbour1", headers=headers).respond_with_json(later)
    crawl(tmp_path, db_url, sources, env, sweep="full")  # even when a full sweep is asked for
    with Session(engine) as s:
        reviews = s.exec(select(Review)).all()
        assert len(reviews) == 2 and all(r.removed_at is None for r in reviews)


@pytest.mark.shared
@pytest.mark.slow
def test_legacy_crawl_of_the_real_captured_response(
    httpserver, tmp_path: Path, db_url: str, engine
) -> None:
    body = shared_fixture(
        "google_places_legacy/gplaces_legacy_details_GoogleSydney.json"
    ).read_text()
    httpserver.expect_request("/maps/api/place/details/json").respond_with_data(
        body, content_type="application/json"
    )
    httpserver.expect_request("/maps/api/place/findplacefromtext/json").respond_with_json(
        {"candidates": [], "status": "ZERO_RESULTS"}
    )
    place_id = "ChIJN1t_tDeuEmsRUsoyG83frY4"
    sources = [
        {"site": "google", "url": _url(place_id), "api": "places_legacy", "place_id": place_id}
    ]
    crawl(
        tmp_path,
        db_url,
        sources,
        {"GOOGLE_PLACES_API_KEY": KEY, "QUIETWATCH_GOOGLE_MAPS_API_BASE": httpserver.url_for("")},
    )
    raw = json.loads(body)["result"]
    with Session(engine) as s:
        listing = s.exec(select(Listing).where(Listing.origin == "configured")).one()
        reviews = s.exec(select(Review).where(Review.listing_id == listing.id)).all()
        assert len(reviews) == len(raw["reviews"]) == 5
        assert {r.published_at for r in reviews} == {
            from_timestamp(r["time"]) for r in raw["reviews"]
        }
        assert {r.author for r in reviews} == {r["author_name"] for r in raw["reviews"]}
        check = s.exec(select(ListingCheck)).one()
        assert check.status == "ok" and check.stated_review_count == 458 and check.shortfall is None
        assert not s.exec(select(Listing).where(Listing.origin == "discovered")).all()


@pytest.mark.slow
def test_a_source_without_place_id_is_a_problem_not_a_request(
    httpserver, tmp_path: Path, db_url: str, engine
) -> None:
    sources = [
        {"site": "google", "url": "https://maps.google.com/?cid=123456789", "api": "places_v1"}
    ]
    crawl(
        tmp_path,
        db_url,
        sources,
        {"GOOGLE_PLACES_API_KEY": KEY, "QUIETWATCH_GOOGLE_PLACES_API_BASE": httpserver.url_for("")},
    )
    assert httpserver.log == []  # v1 has no GET search, so nothing else is asked either
    with Session(engine) as s:
        problem = s.exec(select(CrawlProblem)).one()
        assert (
            problem.kind == "error"
            and "names no id for the Google Places API (New)" in problem.message
        )


def test_relative_date_is_used_when_no_exact_time_is_given() -> None:
    review = dict(V1_PLACE["reviews"][0])
    review.pop("publishTime")
    item = google_places.v1_review(review, now=PINNED_NOW)
    assert item.published_raw == "3 weeks ago" and item.published_precision == DatePrecision.WEEK
    assert item.published_at == datetime(2026, 11, 4, tzinfo=UTC)
    legacy = google_places.legacy_review(
        {"author_name": "A", "rating": 4, "relative_time_description": "2 months ago"},
        now=PINNED_NOW,
    )
    assert legacy.published_precision == DatePrecision.MONTH and legacy.published_at == datetime(
        2026, 9, 1, tzinfo=UTC
    )  # month precision: its first day


# -- accumulation over daily crawls (legacy, reviews_sort=newest) -------------------------
# New reviews each day.  Day 1 (the first crawl) has six, so its oldest is never shown; on
# day 5 the five shown are all new.
ARRIVALS = [6, 1, 2, 0, 5, 1, 2, 1, 0, 2]
DAY0 = 1_762_000_000  # a Unix time: reviews are written after it


def _day_answer(day: int) -> dict:
    """Place Details on ``day`` (1-based), asked with reviews_sort=newest: the newest five
    of every review written so far, newest first, as Google lists them."""
    written = []
    for d, count in enumerate(ARRIVALS[:day], start=1):
        for k in range(count):
            n = len(written) + 1
            written.append(
                {
                    "author_name": f"Reviewer {n}",
                    "language": "en",
                    "rating": 1 + n % 5,
                    "relative_time_description": f"{day - d} days ago" if day > d else "today",
                    "text": f"Review number {n}.",
                    "time": DAY0 + d * 86_400 + k * 600,
                }
            )
    newest = sorted(written, key=lambda r: r["time"], reverse=True)[:5]
    result = {**LEGACY_DETAILS["result"], "user_ratings_total": len(written), "reviews": newest}
    return {"html_attributions": [], "result": result, "status": "OK"}


@pytest.mark.slow
def test_ten_daily_crawls_hold_every_review_that_ever_appeared_exactly_once(
    httpserver, tmp_path: Path, db_url: str, engine
) -> None:
    day = {"n": 0}
    httpserver.expect_request("/maps/api/place/details/json", method="GET").respond_with_handler(
        lambda request: WResponse(
            json.dumps(_day_answer(day["n"])), status=200, content_type="application/json"
        )
    )
    httpserver.expect_request("/maps/api/place/findplacefromtext/json").respond_with_json(
        {"candidates": [], "status": "ZERO_RESULTS"}
    )
    sources = [
        {
            "site": "google",
            "url": _url("ChIJharbour1"),
            "api": "places_legacy",
            "place_id": "ChIJharbour1",
        }
    ]
    env = {"GOOGLE_PLACES_API_KEY": KEY, "QUIETWATCH_GOOGLE_MAPS_API_BASE": httpserver.url_for("")}
    served: set[tuple[str, int]] = set()
    for n in range(1, len(ARRIVALS) + 1):
        day["n"] = n
        served |= {(r["author_name"], r["time"]) for r in _day_answer(n)["result"]["reviews"]}
        crawl(tmp_path, db_url, sources, env)
    details = [r for r, _ in httpserver.log if r.path.endswith("/details/json")]
    assert len(details) == 10 and {r.args["reviews_sort"] for r in details} == {"newest"}

    with Session(engine) as s:
        reviews = s.exec(select(Review)).all()
        held = [(r.author, int(r.published_at.timestamp())) for r in reviews]
        assert len(held) == len(set(held)) == len(served) == 19  # exactly once each
        assert set(held) == served  # every review that ever appeared (19 of 20 written)
        assert all(r.removed_at is None for r in reviews)
        assert not s.exec(select(ReviewVersion)).all()  # a drifting "3 days ago" is no edit
        runs = s.exec(select(CrawlRun).order_by(CrawlRun.id)).all()
        full = s.exec(select(CrawlProblem).where(CrawlProblem.kind == "window_full")).all()
        # Only day 5, when all five served were new, says more may have arrived (not day 1:
        # a first crawl has nothing to compare with).
        assert [p.run_id for p in full] == [runs[4].id]
        assert full[0].message.startswith(
            "all 5 reviews the Google Places API (legacy) returned are new since the last crawl"
        )
        assert "crawl more often" in full[0].message
        day5 = s.exec(select(ListingCheck).where(ListingCheck.run_id == runs[4].id)).one()
        assert day5.new_reviews == 5 and "crawl more often" in day5.message
