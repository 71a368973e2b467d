"""Facebook Graph API, the clinic's own Page: decoded JSON to facts, recommendations, problems.

Read with the Page's own access token (``FACEBOOK_PAGE_TOKEN``, sent in the
``Authorization`` header), GET only:

- ``/{page-id}?fields=`` :data:`PAGE_FIELDS` -- the Page's facts and its overall rating;
- ``/{page-id}/ratings?fields=`` :data:`RATING_FIELDS` -- its ratings and recommendations,
  paged with ``paging.cursors.after`` while ``paging.next`` is present.

Never asked for: ``reviewer`` (who wrote it) or anything about followers or likes.  So a
recommendation has no author here.  Facebook replaced star ratings with recommendations: a
recommendation is positive or negative, so its ``rating`` is None (unless an old star
rating is present) and the title says "Recommends" or "Does not recommend".  Its id is the
``open_graph_story`` id; without one, its ``created_time`` stands in.

Meta retired recommendations from the Graph API in v22.0 (released January 21, 2025): asked
of v22.0 or later, ``/ratings`` answers error code 12.  That is no failure to retry but a
source that no longer gives the data (:data:`UNAVAILABLE`); the Page's facts are still read.
Pure functions.
"""

from datetime import UTC, datetime
from typing import Any

from crawlers.items import DatePrecision, ListingFacts, PageStatus, ReviewItem
from crawlers.pages.api_errors import http_problem
from crawlers.values import as_float as _float
from crawlers.values import as_int as _int

# The last version before Meta retired recommendations (v22.0, released January 21, 2025).
GRAPH_VERSION = "v21.0"
# The Page's own facts, which the Graph API still gives the Page's token in every version.
BASIC_PAGE_FIELDS = (
    "id,name,phone,website,single_line_address,"
    "location{street,city,state,zip,country},hours,category_list{name},link"
)
PAGE_FIELDS = BASIC_PAGE_FIELDS + ",overall_star_rating,rating_count"
RATING_FIELDS = (
    "created_time,recommendation_type,review_text,rating,has_rating,has_review,open_graph_story{id}"
)
DAYS = (
    ("mon", "Mo"),
    ("tue", "Tu"),
    ("wed", "We"),
    ("thu", "Th"),
    ("fri", "Fr"),
    ("sat", "Sa"),
    ("sun", "Su"),
)
RATE_LIMIT_CODES = {4, 17, 32, 613, 80001}
# Graph error code 12: a deprecated field or edge, as recommendations are from v22.0 on.
DEPRECATED_CODE = 12
UNAVAILABLE = (
    "Facebook no longer gives recommendations through its API (Graph API v22.0 and later). "
    "QuietWatch cannot read them; check the Page by hand."
)
TITLES = {"positive": "Recommends", "negative": "Does not recommend"}


def error_of(data: Any, http_status: int) -> tuple[PageStatus, str] | None:
    """(status, plain words) for a Graph error (``{"error": {"code", "message", ...}}``)."""
    error = data.get("error") if isinstance(data, dict) else None
    if isinstance(error, dict):
        code = _int(error.get("code"))
        subcode = _int(error.get("error_subcode"))
        message = error.get("message")
        if code == DEPRECATED_CODE or "deprecated" in str(message or "").lower():
            return PageStatus.UNAVAILABLE, UNAVAILABLE
        if code in RATE_LIMIT_CODES:
            status, words = (
                PageStatus.BLOCKED,
                "Facebook's rate limit for this Page or app is reached",
            )
        elif code == 190:
            status, words = (
                PageStatus.ERROR,
                "Facebook refused the token in FACEBOOK_PAGE_TOKEN (expired, revoked or not a Page token)",
            )
        elif code in (10, 200) or (code is not None and 200 <= code < 300):
            status, words = (
                PageStatus.ERROR,
                "the token in FACEBOOK_PAGE_TOKEN lacks the permission to read the Page's ratings (pages_read_user_content)",
            )
        elif code == 100 and subcode == 33:
            status, words = (
                PageStatus.GONE,
                "Facebook has no Page with this id (or the token cannot see it)",
            )
        else:
            status, words = (
                (PageStatus.BLOCKED if http_status == 429 else PageStatus.ERROR),
                "the Graph API answered with an error",
            )
        detail = f"code {code}" + (f"/{subcode}" if subcode else "")
        return (
            status,
            f"{words} ({detail}{': ' + str(message) if message else ''}; HTTP {http_status})",
        )
    return http_problem(
        http_status, api="the Graph API", key_env="FACEBOOK_PAGE_TOKEN", thing="Page with this id"
    )


def hours(data: dict[str, Any]) -> list[str]:
    """The Page's ``hours`` (``{"mon_1_open": "09:00", "mon_1_close": "17:00"}``) as lines."""
    raw = data.get("hours") or {}
    out = []
    for key, label in DAYS:
        for slot in (1, 2, 3):
            start, end = raw.get(f"{key}_{slot}_open"), raw.get(f"{key}_{slot}_close")
            if start and end:
                out.append(f"{label} {start}-{end}")
    return out


def page_facts(data: dict[str, Any]) -> ListingFacts:
    location = data.get("location") or {}
    street = location.get("street")
    if not street and data.get("single_line_address"):
        street = str(data["single_line_address"]).split(",")[0].strip()
    return ListingFacts(
        name=data.get("name"),
        street_address=street or None,
        locality=location.get("city") or None,
        region=location.get("state") or None,
        postal_code=location.get("zip") or None,
        country=location.get("country") or None,
        phone=data.get("phone") or None,
        website=data.get("website") or None,
        hours=hours(data),
        categories=[c["name"] for c in data.get("category_list") or [] if c.get("name")],
        rating=_float(data.get("overall_star_rating")),
        review_count=_int(data.get("rating_count")),
        site_listing_id=str(data["id"]) if data.get("id") else None,
    )


def rating(data: dict[str, Any]) -> ReviewItem:
    raw = data.get("created_time")
    published = _time(raw)
    story = data.get("open_graph_story") or {}
    kind = str(data.get("recommendation_type") or "").lower()
    return ReviewItem(
        site_review_id=story.get("id") or (f"created:{raw}" if raw else None),
        author=None,  # the reviewer is never requested
        rating=_float(data.get("rating")) if data.get("rating") is not None else None,
        best_rating=5.0 if data.get("rating") is not None else None,
        published_raw=raw,
        published_at=published,
        published_precision=DatePrecision.SECOND if published else None,
        title=TITLES.get(kind),
        text=data.get("review_text") or None,
    )


def ratings_page(data: dict[str, Any]) -> tuple[list[ReviewItem], str | None]:
    """Recommendations of one ``/ratings`` page and the cursor of the next, if any."""
    paging = data.get("paging") or {}
    after = (paging.get("cursors") or {}).get("after") if paging.get("next") else None
    return [rating(r) for r in data.get("data") or []], after


def _time(raw: Any) -> datetime | None:
    if not raw:
        return None
    text = str(raw)
    if len(text) > 5 and text[-5] in "+-" and text[-3] != ":":  # 2019-01-01T10:00:00+0000
        text = text[:-2] + ":" + text[-2:]
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
