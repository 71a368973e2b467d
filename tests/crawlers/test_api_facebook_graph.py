"""Facebook Graph API, the clinic's own Page: no real capture exists (see the shared fixtures'
README), so the local server answers in the Graph API's documented shapes: the Page node,
``/ratings`` with cursor paging, and its error objects (rate limits, expired token)."""

from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from sqlmodel import Session, select

from crawlers.items import PageStatus
from crawlers.pages import facebook_graph
from store.models import CrawlProblem, Listing, ListingCheck, ListingSnapshot, Review
from tests.crawlers.api_crawl import crawl, db_text

TOKEN = "EAAtestPageToken0042"
V = facebook_graph.GRAPH_VERSION

PAGE = {
    "id": "104729811234567",
    "name": "Harbour Counselling Collective",
    "overall_star_rating": 4.7,
    "rating_count": 4,
    "phone": "+1 604-555-0123",
    "website": "https://harbourcounselling.example",
    "single_line_address": "1234 W Broadway #200, Vancouver, BC V6H 1G6",
    "location": {
        "street": "1234 W Broadway #200",
        "city": "Vancouver",
        "state": "BC",
        "zip": "V6H 1G6",
        "country": "Canada",
    },
    "hours": {
        "mon_1_open": "09:00",
        "mon_1_close": "17:00",
        "wed_1_open": "09:00",
        "wed_1_close": "12:00",
        "wed_2_open": "13:00",
        "wed_2_close": "20:00",
    },
    "category_list": [
        {"id": "187724814583579", "name": "Counselor"},
        {"id": "2250", "name": "Mental Health Service"},
    ],
    "link": "https://www.facebook.com/harbourcounselling",
}


def _rating(n: int, kind: str, day: int) -> dict:
    return {
        "created_time": f"2026-10-{day:02d}T18:22:11+0000",
        "recommendation_type": kind,
        "review_text": f"Recommendation {n}.",
        "has_rating": False,
        "has_review": True,
        "open_graph_story": {"id": f"10158{n:06d}"},
    }


RATINGS_1 = {
    "data": [_rating(1, "positive", 20), _rating(2, "negative", 12)],
    "paging": {
        "cursors": {"before": "QVFIUbefore1", "after": "QVFIUafter1"},
        # Facebook's own next link carries the token; QuietWatch never follows it verbatim.
        "next": f"https://graph.facebook.com/{V}/104729811234567/ratings?access_token={TOKEN}&limit=25&after=QVFIUafter1",
    },
}
RATINGS_2 = {
    "data": [_rating(3, "positive", 3)],
    "paging": {"cursors": {"before": "QVFIUbefore2", "after": "QVFIUafter2"}},
}


def test_page_facts_and_hours() -> None:
    facts = facebook_graph.page_facts(PAGE)
    assert (
        facts.name == "Harbour Counselling Collective"
        and facts.site_listing_id == "104729811234567"
    )
    assert facts.street_address == "1234 W Broadway #200" and facts.postal_code == "V6H 1G6"
    assert facts.rating == 4.7 and facts.review_count == 4
    assert facts.hours == ["Mo 09:00-17:00", "We 09:00-12:00", "We 13:00-20:00"]
    assert facts.categories == ["Counselor", "Mental Health Service"]


def test_recommendations_have_no_rating_and_no_author() -> None:
    reviews, after = facebook_graph.ratings_page(RATINGS_1)
    assert after == "QVFIUafter1"
    positive, negative = reviews
    assert positive.rating is None and positive.title == "Recommends" and positive.author is None
    assert negative.title == "Does not recommend"
    assert positive.site_review_id == "10158000001"
    assert positive.published_at == datetime(2026, 10, 20, 18, 22, 11, tzinfo=UTC)
    assert facebook_graph.ratings_page(RATINGS_2)[1] is None  # no "next": the last page
    old = facebook_graph.rating(
        {"created_time": "2015-01-02T03:04:05+0000", "rating": 4, "has_rating": True}
    )
    assert old.rating == 4.0 and old.site_review_id == "created:2015-01-02T03:04:05+0000"


def test_fields_never_ask_for_people() -> None:
    for fields in (facebook_graph.PAGE_FIELDS, facebook_graph.RATING_FIELDS):
        for banned in ("reviewer", "followers", "fan_count", "likes", "from"):
            assert banned not in fields.split(",")
            assert not any(f.startswith(banned + "{") for f in fields.split(","))


@pytest.mark.parametrize(
    ("code", "subcode", "status", "words"),
    [
        (4, None, PageStatus.BLOCKED, "rate limit"),
        (17, None, PageStatus.BLOCKED, "rate limit"),
        (32, None, PageStatus.BLOCKED, "rate limit"),
        (613, None, PageStatus.BLOCKED, "rate limit"),
        (190, 463, PageStatus.ERROR, "FACEBOOK_PAGE_TOKEN"),
        (10, None, PageStatus.ERROR, "permission"),
        (100, 33, PageStatus.GONE, "no Page"),
    ],
)
def test_graph_errors(code, subcode, status, words) -> None:
    body = {
        "error": {
            "message": f"(#{code}) something",
            "type": "OAuthException",
            "code": code,
            "fbtrace_id": "A1",
        }
    }
    if subcode:
        body["error"]["error_subcode"] = subcode
    found = facebook_graph.error_of(body, 400)
    assert found is not None and found[0] == status and words in found[1]


def _url(name: str) -> str:
    return f"https://www.facebook.com/{name}"


@pytest.mark.slow
def test_crawl_pages_ratings_by_cursor_and_reports_rate_limit_and_token(
    httpserver, tmp_path: Path, db_url: str, engine
) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    httpserver.expect_request(
        f"/{V}/104729811234567", method="GET", headers=auth
    ).respond_with_json(PAGE)
    httpserver.expect_request(
        f"/{V}/104729811234567/ratings",
        headers=auth,
        query_string={"fields": facebook_graph.RATING_FIELDS, "limit": "25"},
    ).respond_with_json(RATINGS_1)
    httpserver.expect_request(
        f"/{V}/104729811234567/ratings",
        headers=auth,
        query_string={
            "fields": facebook_graph.RATING_FIELDS,
            "limit": "25",
            "after": "QVFIUafter1",
        },
    ).respond_with_json(RATINGS_2)
    httpserver.expect_request(f"/{V}/200000000000001", headers=auth).respond_with_json(
        {
            "error": {
                "message": "(#32) Page request limit reached",
                "type": "OAuthException",
                "code": 32,
                "fbtrace_id": "Ab1",
            }
        },
        status=400,
    )
    httpserver.expect_request(f"/{V}/300000000000002", headers=auth).respond_with_json(
        {
            "error": {
                "message": "Error validating access token: Session has expired.",
                "type": "OAuthException",
                "code": 190,
                "error_subcode": 463,
                "fbtrace_id": "Ab2",
            }
        },
        status=400,
    )
    sources = [
        {
            "site": "facebook",
            "url": _url("harbourcounselling"),
            "api": "graph",
            "page_id": "104729811234567",
        },
        {
            "site": "facebook",
            "url": _url("harbour-richmond"),
            "api": "graph",
            "page_id": "200000000000001",
        },
        {
            "site": "facebook",
            "url": _url("harbour-north"),
            "api": "graph",
            "page_id": "300000000000002",
        },
    ]
    result = crawl(
        tmp_path,
        db_url,
        sources,
        {
            "FACEBOOK_PAGE_TOKEN": TOKEN,
            "QUIETWATCH_FACEBOOK_GRAPH_API_BASE": httpserver.url_for(""),
        },
    )
    httpserver.check_assertions()
    for request, _ in httpserver.log:
        assert "access_token" not in request.args  # the token goes in the header only
        fields = ",".join(parse_qs(request.query_string.decode()).get("fields", []))
        assert "reviewer" not in fields

    with Session(engine) as s:
        by_url = {listing.url: listing for listing in s.exec(select(Listing))}
        main = by_url[_url("harbourcounselling")]
        reviews = s.exec(select(Review).where(Review.listing_id == main.id)).all()
        assert sorted(r.site_review_id for r in reviews) == [
            "10158000001",
            "10158000002",
            "10158000003",
        ]
        assert {r.title for r in reviews} == {"Recommends", "Does not recommend"}
        assert all(r.author is None and r.rating is None for r in reviews)
        snap = s.get(ListingSnapshot, main.latest_snapshot_id)
        assert snap.rating == 4.7 and snap.review_count == 4 and snap.phone == "+1 604-555-0123"
        checks = {c.listing_id: c for c in s.exec(select(ListingCheck))}
        assert checks[main.id].pages == 3 and checks[main.id].shortfall == 1  # 4 stated, 3 served
        problems = {p.listing_id: p for p in s.exec(select(CrawlProblem)) if p.kind != "shortfall"}
        limited, expired = by_url[_url("harbour-richmond")], by_url[_url("harbour-north")]
        assert (
            checks[limited.id].status == "blocked" and "rate limit" in problems[limited.id].message
        )
        assert checks[expired.id].status == "error" and "expired" in problems[expired.id].message
    assert TOKEN not in db_text(tmp_path / "quietwatch.db") and TOKEN not in result.stderr


@pytest.mark.slow
def test_missing_token_is_not_set_up_without_any_request(
    httpserver, tmp_path: Path, db_url: str, engine
) -> None:
    sources = [
        {
            "site": "facebook",
            "url": _url("harbourcounselling"),
            "api": "graph",
            "page_id": "104729811234567",
        }
    ]
    crawl(tmp_path, db_url, sources, {"QUIETWATCH_FACEBOOK_GRAPH_API_BASE": httpserver.url_for("")})
    assert httpserver.log == []
    with Session(engine) as s:
        problem = s.exec(select(CrawlProblem)).one()
        assert problem.kind == "not_set_up" and problem.message == (
            "Facebook: not set up — add FACEBOOK_PAGE_TOKEN; see README"
        )


@pytest.mark.slow
def test_a_rating_gone_from_a_full_answer_is_marked_removed(
    httpserver, tmp_path: Path, db_url: str, engine
) -> None:
    """The Graph API pages through every rating, so a full sweep can tell a removal."""
    auth = {"Authorization": f"Bearer {TOKEN}"}
    page = {**PAGE, "rating_count": 2}
    httpserver.expect_request(f"/{V}/104729811234567", headers=auth).respond_with_json(page)
    httpserver.expect_request(f"/{V}/104729811234567/ratings", headers=auth).respond_with_json(
        {"data": RATINGS_1["data"], "paging": {"cursors": {"before": "a", "after": "b"}}}
    )
    sources = [
        {
            "site": "facebook",
            "url": _url("harbourcounselling"),
            "api": "graph",
            "page_id": "104729811234567",
        }
    ]
    env = {
        "FACEBOOK_PAGE_TOKEN": TOKEN,
        "QUIETWATCH_FACEBOOK_GRAPH_API_BASE": httpserver.url_for(""),
    }
    crawl(tmp_path, db_url, sources, env)
    httpserver.clear()
    httpserver.expect_request(f"/{V}/104729811234567", headers=auth).respond_with_json(
        {**page, "rating_count": 1}
    )
    httpserver.expect_request(f"/{V}/104729811234567/ratings", headers=auth).respond_with_json(
        {"data": RATINGS_1["data"][:1], "paging": {"cursors": {"before": "a", "after": "b"}}}
    )
    crawl(tmp_path, db_url, sources, env, sweep="full")
    with Session(engine) as s:
        removed = {r.site_review_id: r.removed_at is not None for r in s.exec(select(Review))}
        assert removed == {"10158000001": False, "10158000002": True}
