"""Google Business Profile API, the clinic's own profile: no recorded response exists (see the
shared fixtures' README), so a local server answers in Google's documented ``reviews.list``
shape, written out by hand (an anonymous reviewer, a review with the owner's reply, paging
with ``nextPageToken``, a page that misses a review, quota and 401/403 errors).  A second
local server stands in for Google's OAuth token endpoint: google-auth POSTs the refresh
token there, so no test reaches the internet, and the API server sees only what the
client's gate let through."""

import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from sqlmodel import Session, select
from werkzeug import Request, Response

from crawlers import google_business
from crawlers.items import PageStatus
from crawlers.pages import google_business as page
from store.models import CrawlProblem, CrawlRun, Finding, ListingCheck, ListingSnapshot, Review
from tests.crawlers.api_crawl import crawl, db_text

ACCESS = "ya29.test-access-token-7f3e"
REFRESH = "1//test-refresh-token-c41d"
LOCATION = "accounts/108234567890123456789/locations/4567890123456789012"
URL = "https://www.google.com/maps/place/?q=place_id:ChIJharbour1"
NOT_AUTHORISED = "Google no longer accepts QuietWatch's authorisation; run quietwatch auth google"


def _review(n: int) -> dict:
    """Review ``n`` of the fixture location, in the documented Review shape."""
    created = f"2026-{1 + n // 28:02d}-{1 + n % 28:02d}T10:{n % 60:02d}:00.123456789Z"
    data = {
        "name": f"{LOCATION}/reviews/AbFvOq{n:04d}",
        "reviewId": f"AbFvOq{n:04d}",
        "reviewer": {
            "profilePhotoUrl": f"https://lh3.googleusercontent.com/a-/photo-{n}",
            "displayName": f"Reviewer {n}",
            "isAnonymous": False,
        },
        "starRating": ["ONE", "TWO", "THREE", "FOUR", "FIVE"][n % 5],
        "comment": f"Review {n}: calm office, clear about fees.",
        "createTime": created,
        "updateTime": created,
    }
    if n % 10 == 3:  # an anonymous reviewer: no name, no photo
        data["reviewer"] = {"displayName": "A Google user", "isAnonymous": True}
    if n == 7:  # replied to from the clinic's account
        data["reviewReply"] = {
            "comment": "Thank you for your kind words, we hope to see you again.",
            "updateTime": "2026-03-02T09:15:00Z",
        }
    return data


REVIEWS = sorted((_review(n) for n in range(1, 121)), key=lambda r: r["updateTime"], reverse=True)


class Profile:
    """The reviews.list endpoint of one location: pages of ``pageSize``, newest update first;
    ``miss`` leaves a review out of page 2 on the first ``miss_passes`` readings."""

    def __init__(self, reviews: list[dict], miss: str | None = None, miss_passes: int = 0):
        self.reviews, self.miss, self.miss_passes = reviews, miss, miss_passes
        self.page2_reads = 0

    def __call__(self, request: Request) -> Response:
        if request.headers.get("Authorization") != f"Bearer {ACCESS}":
            return _error(401, "UNAUTHENTICATED", "Request had invalid authentication credentials.")
        size = int(request.args["pageSize"])
        start = int(request.args.get("pageToken", "p0").removeprefix("p"))
        chunk = self.reviews[start : start + size]
        if start == size:
            self.page2_reads += 1
            if self.page2_reads <= self.miss_passes:
                chunk = [r for r in chunk if r["reviewId"] != self.miss]
        body = {"reviews": chunk, "averageRating": 3.4, "totalReviewCount": len(self.reviews)}
        if start + size < len(self.reviews):
            body["nextPageToken"] = f"p{start + size}"
        return Response(json.dumps(body), content_type="application/json")


def _error(code: int, status: str, message: str) -> Response:
    body = {"error": {"code": code, "message": message, "status": status}}
    return Response(json.dumps(body), status=code, content_type="application/json")


@pytest.fixture
def token_server() -> Iterator[HTTPServer]:
    """Google's OAuth token endpoint, locally: a refresh token gives an access token."""
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    server.expect_request("/token", method="POST").respond_with_json(
        {
            "access_token": ACCESS,
            "expires_in": 3599,
            "token_type": "Bearer",
            "scope": google_business.SCOPE,
        }
    )
    yield server
    server.clear()
    server.stop()


INFO = {
    "refresh_token": REFRESH,
    "client_id": "1234-test.apps.googleusercontent.com",
    "client_secret": "GOCSPX-test-secret",
    "scopes": [google_business.SCOPE],
}


def _authorise(tmp_path: Path) -> dict:
    """What `quietwatch auth google` keeps, in an owner-only token file; the config section."""
    path = tmp_path / "secrets" / "google-token.json"
    google_business.TokenStore(clinic_key="harbour", token_file=path).save(INFO)
    return {"google": {"token_file": str(path)}}


def _source(location: str = LOCATION, url: str = URL) -> dict:
    return {"site": "google", "url": url, "api": "business_profile", "location": location}


def _env(httpserver: HTTPServer, token_server: HTTPServer) -> dict[str, str]:
    return {
        "QUIETWATCH_GOOGLE_BUSINESS_API_BASE": httpserver.url_for(""),
        "QUIETWATCH_GOOGLE_OAUTH_TOKEN_URI": token_server.url_for("/token"),
    }


# -- the documented shapes ------------------------------------------------------------------
def test_anonymous_reviewer_and_owner_reply() -> None:
    anonymous = page.review(_review(3))
    assert anonymous.author is None and anonymous.site_review_id == "AbFvOq0003"
    assert anonymous.rating == 4.0 and anonymous.best_rating == 5.0
    replied = page.review(_review(7))
    assert replied.author == "Reviewer 7" and replied.rating == 3.0
    assert replied.owner_response == "Thank you for your kind words, we hope to see you again."
    assert replied.owner_response_raw_date == "2026-03-02T09:15:00Z"
    assert replied.owner_response_at.isoformat() == "2026-03-02T09:15:00+00:00"
    assert replied.published_at.isoformat() == "2026-01-08T10:07:00.123456+00:00"
    assert "photo-7" not in repr(replied)  # the profile photo is never kept
    facts, reviews, token = page.reviews_page(
        {
            "reviews": [_review(1)],
            "averageRating": 4.5,
            "totalReviewCount": 51,
            "nextPageToken": "x",
        }
    )
    assert (facts.rating, facts.review_count, len(reviews), token) == (4.5, 51, 1, "x")
    assert page.reviews_page({"totalReviewCount": 0})[1:] == ([], None)


@pytest.mark.parametrize(
    ("http", "status", "code", "expected", "words"),
    [
        (401, "UNAUTHENTICATED", 401, PageStatus.ERROR, NOT_AUTHORISED),
        (403, "PERMISSION_DENIED", 403, PageStatus.ERROR, "own or manage the profile"),
        (429, "RESOURCE_EXHAUSTED", 429, PageStatus.BLOCKED, "quota"),
        (404, "NOT_FOUND", 404, PageStatus.GONE, "--list-locations"),
    ],
)
def test_errors_in_plain_words(http, status, code, expected, words) -> None:
    body = {"error": {"code": code, "message": "Google's own words.", "status": status}}
    found = page.error_of(body, http)
    assert found is not None and found[0] == expected and words in found[1]
    assert page.error_of(None, 401) == (PageStatus.ERROR, NOT_AUTHORISED)


# -- the gate -------------------------------------------------------------------------------
def test_gate_refuses_writes_and_other_paths_before_sending(
    httpserver: HTTPServer, token_server: HTTPServer, tmp_path: Path, caplog
) -> None:
    _authorise(tmp_path)
    info = google_business.TokenStore("harbour", tmp_path / "secrets" / "google-token.json").load()
    bases = google_business.Bases.of(httpserver.url_for(""), token_server.url_for("/token"))
    client = google_business.Client(info, bases)
    base = httpserver.url_for("").rstrip("/")
    review = f"{base}/v4/{LOCATION}/reviews/AbFvOq0007"
    attempts = [
        ("PUT", f"{review}/reply"),
        ("DELETE", f"{review}/reply"),
        ("DELETE", review),
        ("POST", f"{base}/v4/{LOCATION}/reviews"),
        ("GET", f"{review}/reply"),  # a read, but not one QuietWatch makes with the token
        ("GET", f"{base}/v4/{LOCATION}/localPosts"),
        ("GET", f"{base}/v4/accounts/1/locations/../reviews"),
        ("GET", f"https://elsewhere.example/v4/{LOCATION}/reviews"),
    ]
    with caplog.at_level(logging.ERROR, logger="crawlers.google_business"):
        for method, url in attempts:
            with pytest.raises(google_business.Refused):
                client.request(method, url)
    assert httpserver.log == [] and token_server.log == []  # refused before anything was sent
    assert client.gate.refused == {"PUT": 1, "DELETE": 2, "POST": 1, "GET": 4}
    logged = [r.getMessage() for r in caplog.records]
    assert len(logged) == len(attempts)
    assert logged[0].startswith(f"refused PUT {review}/reply: PUT is never sent")
    assert logged[1].startswith(f"refused DELETE {review}/reply: DELETE is never sent")
    # What is allowed goes out: the reviews, the account and the location listing.
    for url in (
        f"{base}/v4/{LOCATION}/reviews?pageSize=50",
        f"{base}/v1/accounts",
        f"{base}/v1/accounts/108234567890123456789/locations?readMask=name",
    ):
        assert client.gate.allows(url)


# -- real crawls ----------------------------------------------------------------------------
@pytest.mark.slow
def test_120_reviews_all_pages_reply_critical_and_nothing_but_get(
    httpserver: HTTPServer, token_server: HTTPServer, tmp_path: Path, db_url: str, engine
) -> None:
    profile = Profile(REVIEWS)
    httpserver.expect_request(f"/v4/{LOCATION}/reviews").respond_with_handler(profile)
    config = _authorise(tmp_path)
    result = crawl(tmp_path, db_url, [_source()], _env(httpserver, token_server), extra=config)

    requests = [r for r, _ in httpserver.log]
    assert [r.method for r in requests] == ["GET", "GET", "GET"]  # nothing but GET, 3 pages
    assert [r.args.get("pageToken") for r in requests] == [None, "p50", "p100"]
    assert {(r.args["pageSize"], r.args["orderBy"]) for r in requests} == {
        ("50", "updateTime desc")
    }
    # The one non-GET request: google-auth renewing the access token at the token endpoint.
    assert [(r.method, r.form["grant_type"]) for r, _ in token_server.log] == [
        ("POST", "refresh_token")
    ]
    with Session(engine) as s:
        reviews = s.exec(select(Review)).all()
        assert len(reviews) == 120
        assert len({r.site_review_id for r in reviews}) == 120
        assert sum(1 for r in reviews if r.author is None) == 12  # the anonymous ones
        finding = s.exec(select(Finding)).one()
        replied = s.get(Review, finding.review_id)
        assert replied.site_review_id == "AbFvOq0007"
        assert (finding.kind, finding.severity) == ("owner_response", "critical")
        check = s.exec(select(ListingCheck)).one()
        assert (check.status, check.pages, check.stated_review_count, check.shortfall) == (
            "ok",
            3,
            120,
            None,
        )
        snap = s.exec(select(ListingSnapshot)).one()
        assert (snap.rating, snap.review_count) == (3.4, 120)
        assert s.exec(select(CrawlRun)).one().status == "ok"
    stored = db_text(tmp_path / "quietwatch.db")
    for secret in (ACCESS, REFRESH, "GOCSPX-test-secret", "photo-"):
        assert secret not in stored
    assert ACCESS not in result.stderr and REFRESH not in result.stderr


@pytest.mark.slow
def test_a_page_that_misses_a_review_is_read_again_and_never_taken_for_a_removal(
    httpserver: HTTPServer, token_server: HTTPServer, tmp_path: Path, db_url: str, engine
) -> None:
    missing = REVIEWS[60]["reviewId"]  # on page 2
    config = _authorise(tmp_path)
    # First sweep: page 2 misses it once; read again from page 1, it is there.
    profile = Profile(REVIEWS, miss=missing, miss_passes=1)
    httpserver.expect_request(f"/v4/{LOCATION}/reviews").respond_with_handler(profile)
    crawl(tmp_path, db_url, [_source()], _env(httpserver, token_server), extra=config, sweep="full")
    tokens = [r.args.get("pageToken") for r, _ in httpserver.log]
    assert tokens == [None, "p50", "p100", None, "p50", "p100"]
    with Session(engine) as s:
        assert len(s.exec(select(Review)).all()) == 120
        assert s.exec(select(ListingCheck)).one().status == "ok"

    # Second sweep: page 2 misses it both times: read in part, and the review stays.
    httpserver.clear()
    profile = Profile(REVIEWS, miss=missing, miss_passes=2)
    httpserver.expect_request(f"/v4/{LOCATION}/reviews").respond_with_handler(profile)
    crawl(tmp_path, db_url, [_source()], _env(httpserver, token_server), extra=config, sweep="full")
    assert len(httpserver.log) == 6
    with Session(engine) as s:
        review = s.exec(select(Review).where(Review.site_review_id == missing)).one()
        assert review.removed_at is None
        last = s.exec(select(ListingCheck).order_by(ListingCheck.id.desc())).first()
        assert last.status == "partial" and last.removed_reviews == 0
        problem = s.exec(select(CrawlProblem).where(CrawlProblem.kind == "partial")).one()
        assert problem.message.startswith(
            "Google counts 120 review(s) but its pages gave 119, even read again from page 1"
        )


@pytest.mark.slow
def test_quota_forbidden_and_unauthenticated_answers_are_problems(
    httpserver: HTTPServer, token_server: HTTPServer, tmp_path: Path, db_url: str, engine
) -> None:
    answers = {
        "111": (429, "RESOURCE_EXHAUSTED", "Quota exceeded for quota metric 'Requests'."),
        "222": (403, "PERMISSION_DENIED", "The caller does not have permission"),
        "333": (401, "UNAUTHENTICATED", "Request had invalid authentication credentials."),
    }
    for location, (code, status, message) in answers.items():
        httpserver.expect_request(
            f"/v4/accounts/1/locations/{location}/reviews", method="GET"
        ).respond_with_response(_error(code, status, message))
    sources = [_source(f"accounts/1/locations/{n}", f"{URL}{n}") for n in answers]
    crawl(tmp_path, db_url, sources, _env(httpserver, token_server), extra=_authorise(tmp_path))
    with Session(engine) as s:
        checks = {c.listing_id: c for c in s.exec(select(ListingCheck))}
        problems = {p.listing_id: p for p in s.exec(select(CrawlProblem))}
        got = sorted(
            (p.url.split("/locations/")[1][:3], checks[i].status, p.message)
            for i, p in problems.items()
        )
    assert got[0][:2] == ("111", "blocked") and "quota" in got[0][2]
    assert got[1][:2] == ("222", "error") and "own or manage the profile" in got[1][2]
    assert got[2][1:] == ("error", NOT_AUTHORISED)


@pytest.mark.slow
def test_an_expired_or_revoked_refresh_token_is_a_plain_problem(
    httpserver: HTTPServer, tmp_path: Path, db_url: str, engine
) -> None:
    token_server = HTTPServer(host="127.0.0.1", port=0)
    token_server.start()
    try:
        token_server.expect_request("/token", method="POST").respond_with_json(
            {"error": "invalid_grant", "error_description": "Token has been expired or revoked."},
            status=400,
        )
        config = _authorise(tmp_path)
        result = crawl(tmp_path, db_url, [_source()], _env(httpserver, token_server), extra=config)
        assert len(token_server.log) == 1
    finally:
        token_server.stop()
    assert httpserver.log == []  # nothing asked of the API without an access token
    assert "Traceback" not in result.stderr
    with Session(engine) as s:
        problem = s.exec(select(CrawlProblem)).one()
        assert (problem.kind, problem.message) == ("error", NOT_AUTHORISED)
        assert s.exec(select(ListingCheck)).one().status == "error"


@pytest.mark.slow
def test_a_token_file_others_can_read_is_refused(
    httpserver: HTTPServer, token_server: HTTPServer, tmp_path: Path, db_url: str, engine
) -> None:
    config = _authorise(tmp_path)
    os.chmod(config["google"]["token_file"], 0o644)
    crawl(tmp_path, db_url, [_source()], _env(httpserver, token_server), extra=config)
    assert httpserver.log == [] and token_server.log == []
    with Session(engine) as s:
        problem = s.exec(select(CrawlProblem)).one()
        assert "can be read by other users; run chmod 600" in problem.message


@pytest.mark.slow
def test_a_token_file_that_cannot_be_read_is_a_plain_problem(
    httpserver: HTTPServer, token_server: HTTPServer, tmp_path: Path, db_url: str, engine
) -> None:
    config = _authorise(tmp_path)
    Path(config["google"]["token_file"]).write_text('{"refresh_token": "1//r"}')  # no client
    result = crawl(tmp_path, db_url, [_source()], _env(httpserver, token_server), extra=config)
    assert httpserver.log == [] and token_server.log == []
    assert "Traceback" not in result.stderr
    with Session(engine) as s:
        problem = s.exec(select(CrawlProblem)).one()
        assert problem.message.endswith("cannot be read; run quietwatch auth google")
