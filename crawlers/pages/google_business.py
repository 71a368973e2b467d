"""Google Business Profile API, the clinic's own profile: decoded JSON to reviews, facts, problems.

Read with the owner's authorisation (``quietwatch auth google``), GET only, through
:mod:`crawlers.google_business`:

- ``GET /v4/accounts/{account}/locations/{location}/reviews?pageSize=50&orderBy=updateTime desc``
  (``&pageToken=`` for the next page) answers ``{"reviews": [...], "averageRating",
  "totalReviewCount", "nextPageToken"}``.

Of a review: ``reviewId``, ``reviewer.displayName`` / ``isAnonymous`` (an anonymous reviewer
has no name here; the profile photo is never kept), ``starRating`` (``ONE`` to ``FIVE``),
``comment``, ``createTime``, ``updateTime``, and the owner's ``reviewReply`` (``comment``,
``updateTime``), which becomes the review's owner response: someone replied from the clinic's
account, a critical finding.  Errors are Google's standard ``{"error": {"code", "message",
"status"}}``.  Pure functions: no request, no clock, no database.
"""

from typing import Any

from crawlers.items import DatePrecision, ListingFacts, PageStatus, ReviewItem
from crawlers.pages.api_errors import http_problem
from crawlers.pages.google_places import iso_time
from crawlers.values import as_float, as_int

STARS = {"ONE": 1.0, "TWO": 2.0, "THREE": 3.0, "FOUR": 4.0, "FIVE": 5.0}
# What the crawl says when Google refuses the authorisation (an expired or revoked token).
NOT_AUTHORISED = "Google no longer accepts QuietWatch's authorisation; run quietwatch auth google"

_ERRORS: dict[str, tuple[PageStatus, str]] = {
    "UNAUTHENTICATED": (PageStatus.ERROR, NOT_AUTHORISED),
    "PERMISSION_DENIED": (
        PageStatus.ERROR,
        "Google refused this location's reviews to the authorised account (it must own or "
        "manage the profile, and the Cloud project needs Business Profile API access)",
    ),
    "RESOURCE_EXHAUSTED": (
        PageStatus.BLOCKED,
        "the Business Profile API quota of the Cloud project is used up; the next crawl tries again",
    ),
    "NOT_FOUND": (
        PageStatus.GONE,
        "Google has no such location for this account (see quietwatch auth google "
        "--list-locations)",
    ),
    "FAILED_PRECONDITION": (
        PageStatus.ERROR,
        "Google gives reviews only for a verified location: verify the profile first",
    ),
}


def error_of(data: Any, http_status: int) -> tuple[PageStatus, str] | None:
    """(status, plain words) for an error answer, or None for a reviews page."""
    error = data.get("error") if isinstance(data, dict) else None
    if isinstance(error, dict):
        code = str(error.get("status") or "")
        if code == "UNAUTHENTICATED" or http_status == 401:
            return _ERRORS["UNAUTHENTICATED"]
        status, words = _ERRORS.get(
            code,
            (
                PageStatus.BLOCKED if http_status == 429 else PageStatus.ERROR,
                "the Business Profile API answered with an error",
            ),
        )
        message = error.get("message")
        detail = f"{code or error.get('code')}{': ' + str(message) if message else ''}"
        return status, f"{words} ({detail}; HTTP {http_status})"
    if http_status == 401:
        return _ERRORS["UNAUTHENTICATED"]
    return http_problem(
        http_status,
        api="the Business Profile API",
        key_env="the authorisation of quietwatch auth google",
        thing="location with this id",
    )


def review(data: dict[str, Any]) -> ReviewItem:
    reviewer = data.get("reviewer") or {}
    created = iso_time(data.get("createTime"))
    reply = data.get("reviewReply") or {}
    return ReviewItem(
        site_review_id=data.get("reviewId") or None,
        # An anonymous reviewer is shown without a name; QuietWatch never looks further.
        author=None if reviewer.get("isAnonymous") else reviewer.get("displayName") or None,
        rating=STARS.get(str(data.get("starRating") or "")),
        best_rating=5.0,
        published_raw=data.get("createTime") or None,
        published_at=created,
        published_precision=DatePrecision.SECOND if created else None,
        text=data.get("comment") or None,
        owner_response=reply.get("comment") or None,
        owner_response_raw_date=reply.get("updateTime") or None,
        owner_response_at=iso_time(reply.get("updateTime")),
    )


def reviews_page(data: dict[str, Any]) -> tuple[ListingFacts, list[ReviewItem], str | None]:
    """The facts a reviews page states (the average and the count), its reviews, and the
    token of the next page (None on the last)."""
    facts = ListingFacts(
        rating=as_float(data.get("averageRating")),
        review_count=as_int(data.get("totalReviewCount")),
    )
    return facts, [review(r) for r in data.get("reviews") or []], data.get("nextPageToken") or None
