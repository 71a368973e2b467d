"""Yelp Fusion API (api.yelp.com/v3): decoded JSON to listing facts, reviews and problems.

Endpoints read (all GET, key in the ``Authorization: Bearer`` header, never in the URL):

- ``/v3/businesses/{id}``: the listing facts (no reviews);
- ``/v3/businesses/{id}/reviews?offset=&limit=``: reviews, ``total`` and, by Yelp's plan,
  only a few of them (the shortfall against ``review_count`` is recorded by the store);
- ``/v3/businesses/search/phone?phone=+1...``: discovery by the clinic's phone number.

Of a review's ``user`` only ``name`` (the display name) is kept: never its id, profile URL
or photo.  Fusion does not return the business owner's replies.  ``time_created`` is in
Pacific time, as Yelp documents.  Pure functions: no request, no clock, no database.
"""

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from crawlers.items import DatePrecision, ListingFacts, PageStatus, ReviewItem
from crawlers.pages.api_errors import http_problem
from crawlers.values import as_float as _float
from crawlers.values import as_int as _int

PACIFIC = ZoneInfo("America/Los_Angeles")
DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")  # Yelp: day 0 is Monday

# Yelp's documented error codes -> (status, plain words)
_ERRORS: dict[str, tuple[PageStatus, str]] = {
    "ACCESS_LIMIT_REACHED": (
        PageStatus.BLOCKED,
        "the Yelp API daily quota for this key is used up",
    ),
    "TOO_MANY_REQUESTS_PER_SECOND": (
        PageStatus.BLOCKED,
        "the Yelp API refused: too many requests per second",
    ),
    "TOKEN_INVALID": (PageStatus.ERROR, "the Yelp API refused the key in YELP_API_KEY (invalid)"),
    "UNAUTHORIZED_ACCESS_TOKEN": (PageStatus.ERROR, "the Yelp API refused the key in YELP_API_KEY"),
    "TOKEN_MISSING": (PageStatus.ERROR, "the Yelp API received no key"),
    "BUSINESS_NOT_FOUND": (
        PageStatus.GONE,
        "Yelp has no business with this id (removed or merged)",
    ),
    "BUSINESS_UNAVAILABLE": (
        PageStatus.GONE,
        "Yelp no longer serves this business through its API",
    ),
    "NOT_FOUND": (PageStatus.GONE, "Yelp has no business with this id"),
    "VALIDATION_ERROR": (PageStatus.ERROR, "the Yelp API rejected the request (validation error)"),
}


def error_of(data: Any, http_status: int) -> tuple[PageStatus, str] | None:
    """(status, plain words) when the response is a Yelp error or an HTTP failure."""
    error = data.get("error") if isinstance(data, dict) else None
    if isinstance(error, dict):
        code = str(error.get("code") or "")
        status, words = _ERRORS.get(
            code,
            (
                PageStatus.BLOCKED if http_status == 429 else PageStatus.ERROR,
                "the Yelp API answered with an error",
            ),
        )
        detail = error.get("description")
        return status, f"{words} ({code}{': ' + str(detail) if detail else ''}; HTTP {http_status})"
    return http_problem(
        http_status, api="the Yelp API", key_env="YELP_API_KEY", thing="business with this id"
    )


def hours(data: dict[str, Any]) -> list[str]:
    """Regular opening hours as ``Mo 08:00-18:00`` lines."""
    out: list[str] = []
    for block in data.get("hours") or []:
        if block.get("hours_type") not in (None, "REGULAR"):
            continue
        for slot in block.get("open") or []:
            day = slot.get("day")
            start, end = str(slot.get("start") or ""), str(slot.get("end") or "")
            if not isinstance(day, int) or not 0 <= day < 7 or len(start) != 4 or len(end) != 4:
                continue
            out.append(f"{DAYS[day]} {start[:2]}:{start[2:]}-{end[:2]}:{end[2:]}")
    return out


def business_facts(data: dict[str, Any]) -> ListingFacts:
    """Listing facts from ``GET /v3/businesses/{id}`` (or one business of a search)."""
    location = data.get("location") or {}
    street = ", ".join(
        p
        for p in (location.get("address1"), location.get("address2"), location.get("address3"))
        if p
    )
    return ListingFacts(
        name=data.get("name"),
        street_address=street or None,
        locality=location.get("city") or None,
        region=location.get("state") or None,
        postal_code=location.get("zip_code") or None,
        country=location.get("country") or None,
        phone=data.get("phone") or data.get("display_phone") or None,
        website=None,  # Fusion gives the Yelp page (url), not the business's own website
        hours=hours(data),
        categories=[c["title"] for c in data.get("categories") or [] if c.get("title")],
        rating=_float(data.get("rating")),
        review_count=_int(data.get("review_count")),
        site_listing_id=data.get("id") or None,
    )


def page_url(data: dict[str, Any]) -> str | None:
    """The business's Yelp page, without Yelp's tracking parameters."""
    url = data.get("url")
    return str(url).split("?", 1)[0] if url else None


def review(data: dict[str, Any]) -> ReviewItem:
    raw = data.get("time_created")
    published, precision = _pacific(raw)
    user = data.get("user") or {}
    return ReviewItem(
        site_review_id=data.get("id") or None,
        author=user.get("name") or None,  # the display name only
        rating=_float(data.get("rating")),
        best_rating=5.0,
        published_raw=raw,
        published_at=published,
        published_precision=precision,
        text=data.get("text") or None,
        url=page_url(data),
    )


def reviews_page(data: dict[str, Any]) -> tuple[list[ReviewItem], int | None]:
    """Reviews from ``GET /v3/businesses/{id}/reviews`` and the stated total."""
    return [review(r) for r in data.get("reviews") or []], _int(data.get("total"))


def next_offset(offset: int, got: int, total: int | None, limit: int) -> int | None:
    """The offset of the next reviews page, or None when this was the last."""
    if got <= 0:
        return None
    following = offset + got
    if total is not None and following >= total:
        return None
    if total is None and got < limit:
        return None
    return following


def search_candidates(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Businesses from ``/v3/businesses/search/phone``: facts, Yelp URL, id."""
    return [
        {"facts": business_facts(b), "url": page_url(b), "id": b.get("id"), "alias": b.get("alias")}
        for b in data.get("businesses") or []
    ]


def _pacific(raw: Any) -> tuple[datetime | None, DatePrecision | None]:
    if not raw:
        return None, None
    try:
        local = datetime.strptime(str(raw).strip(), "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return None, None
    return local.replace(tzinfo=PACIFIC).astimezone(UTC), DatePrecision.SECOND
