"""Facebook Graph API, the clinic's own Page: no real list response exists (the shared fixtures
hold three real rating items, served here inside a documented ``/ratings`` page), so the local
server answers in the Graph API's documented shapes: the Page node, ``/ratings`` with cursor
paging, and its error objects (rate limits, expired token, code 12 for the recommendations
Meta retired in v22.0)."""

import json
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from sqlmodel import Session, select

from crawlers.items import PageStatus
from crawlers.pages import facebook_graph
from store.models import (
    CrawlProblem,
    CrawlRun,
    Listing,
    ListingCheck,
    ListingSnapshot,
    Review,
    ReviewVersion,
)
from tests.conftest import shared_fixture
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


# -- Meta's retirement of recommendations (Graph API v22.0) --------------------------------
UNAVAILABLE_WORDS = (
    "Facebook no longer gives recommendations through its API (Graph API v22.0 and later). "
    "QuietWatch cannot read them; check the Page by hand."
)
CODE_12 = {
    "error": {
        "message": "(#12) ratings field is deprecated for versions v22.0 and higher",
        "type": "OAuthException",
        "code": 12,
        "fbtrace_id": "AbC12",
    }
}


@pytest.mark.parametrize(
    "body",
    [
        CODE_12,
        {  # a deprecated-field answer under another code
            "error": {
                "message": "(#100) The ratings edge is deprecated",
                "type": "OAuthException",
                "code": 100,
                "fbtrace_id": "AbC100",
            }
        },
    ],
)
def test_code_12_and_deprecated_fields_are_unavailable_in_plain_words(body) -> None:
    assert facebook_graph.error_of(body, 400) == (PageStatus.UNAVAILABLE, UNAVAILABLE_WORDS)


def _page_source() -> list[dict]:
    return [
        {
            "site": "facebook",
            "url": _url("harbourcounselling"),
            "api": "graph",
            "page_id": "104729811234567",
        }
    ]


@pytest.mark.slow
def test_retired_recommendations_mark_the_source_unavailable_and_keep_the_page_facts(
    httpserver, tmp_path: Path, db_url: str, engine
) -> None:
    """As Graph API v22.0+ answers: the Page node refuses its retired rating fields with code
    12, the Page's own facts are asked again without them, and /ratings answers code 12."""
    auth = {"Authorization": f"Bearer {TOKEN}"}
    node = f"/{V}/104729811234567"
    basic = {k: v for k, v in PAGE.items() if k not in ("overall_star_rating", "rating_count")}
    httpserver.expect_request(
        node, headers=auth, query_string={"fields": facebook_graph.PAGE_FIELDS}
    ).respond_with_json(CODE_12, status=400)
    httpserver.expect_request(
        node, headers=auth, query_string={"fields": facebook_graph.BASIC_PAGE_FIELDS}
    ).respond_with_json(basic)
    httpserver.expect_request(f"{node}/ratings", headers=auth).respond_with_json(
        CODE_12, status=400
    )
    env = {
        "FACEBOOK_PAGE_TOKEN": TOKEN,
        "QUIETWATCH_FACEBOOK_GRAPH_API_BASE": httpserver.url_for(""),
    }
    crawl(tmp_path, db_url, _page_source(), env)
    asked = [(r.path, r.args.get("fields")) for r, _ in httpserver.log]
    assert asked == [
        (node, facebook_graph.PAGE_FIELDS),
        (node, facebook_graph.BASIC_PAGE_FIELDS),
        (f"{node}/ratings", facebook_graph.RATING_FIELDS),
    ]
    assert {r.method for r, _ in httpserver.log} == {"GET"}
    with Session(engine) as s:
        listing = s.exec(select(Listing)).one()
        snap = s.get(ListingSnapshot, listing.latest_snapshot_id)
        assert (snap.name, snap.phone, snap.website, snap.street_address) == (
            "Harbour Counselling Collective",
            "+1 604-555-0123",
            "https://harbourcounselling.example",
            "1234 W Broadway #200",
        )
        assert snap.hours == ["Mo 09:00-17:00", "We 09:00-12:00", "We 13:00-20:00"]
        check = s.exec(select(ListingCheck)).one()
        assert check.status == "unavailable" and check.message == UNAVAILABLE_WORDS
        problem = s.exec(select(CrawlProblem)).one()
        assert problem.kind == "unavailable" and problem.message == UNAVAILABLE_WORDS
        run = s.exec(select(CrawlRun)).one()
        assert run.status == "ok" and run.errors == 0
        assert listing.last_status == "unavailable"


@pytest.mark.shared
@pytest.mark.slow
def test_the_three_real_rating_items_crawled_through_a_ratings_page(
    httpserver, tmp_path: Path, db_url: str, engine
) -> None:
    """The real items in a documented /ratings page, on a Graph version that still answers:
    a 2016 five-star rating, and a 2018 recommendation captured twice (the same story id,
    once without and once with a star rating): served in two crawls, it is one review whose
    rating was added, the first content kept as a version."""
    names = (
        "graph_rating_v2_5_page-rating-example1.json",
        "graph_rating_v3_1_opengraphrating-real-recommendation.json",
        "graph_rating_v3_1_opengraphrating-recommendation.json",
    )
    star, plain, rated = (
        json.loads(shared_fixture(f"facebook_graph/{n}").read_text()) for n in names
    )
    auth = {"Authorization": f"Bearer {TOKEN}"}
    node = f"/{V}/104729811234567"
    env = {
        "FACEBOOK_PAGE_TOKEN": TOKEN,
        "QUIETWATCH_FACEBOOK_GRAPH_API_BASE": httpserver.url_for(""),
    }
    for items in ([star, plain], [star, rated]):
        httpserver.clear()
        httpserver.expect_request(node, headers=auth).respond_with_json({**PAGE, "rating_count": 2})
        httpserver.expect_request(f"{node}/ratings", headers=auth).respond_with_json(
            {"data": items, "paging": {"cursors": {"before": "b", "after": "a"}}}
        )
        crawl(tmp_path, db_url, _page_source(), env, sweep="full")
    with Session(engine) as s:
        reviews = {r.site_review_id: r for r in s.exec(select(Review))}
        # Read from the items: their open_graph_story ids, dates and ratings.
        assert set(reviews) == {"10205863986386268", "10150030749305470"}
        old = reviews["10205863986386268"]
        assert old.rating == 5.0 and old.title is None and old.author is None
        assert old.published_at == datetime(2016, 3, 11, 23, 14, 30, tzinfo=UTC)
        rec = reviews["10150030749305470"]
        assert rec.title == "Recommends" and rec.rating == 5.0 and rec.version_count == 2
        assert rec.published_at == datetime(2018, 7, 7, 4, 35, 18, tzinfo=UTC)
        assert [v.rating for v in s.exec(select(ReviewVersion))] == [None]
        assert all(r.removed_at is None for r in reviews.values())
        checks = s.exec(select(ListingCheck)).all()
        assert [(c.status, c.reviews_seen, c.shortfall) for c in checks] == [("ok", 2, None)] * 2
    assert "Taylor Lynn Rudd" not in db_text(tmp_path / "quietwatch.db")  # reviewer never kept
