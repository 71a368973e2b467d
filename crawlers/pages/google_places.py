"""Google Places API: decoded JSON to listing facts, reviews and problems.

Two versions are read, both with GET only:

- **Places API (New)**, ``GET /v1/places/{place_id}`` with the key in the ``X-Goog-Api-Key``
  header and the fields named in ``X-Goog-FieldMask``.  Its Text Search is POST-only, so
  QuietWatch (which only reads, GET/HEAD) cannot use it for discovery; a saved searchText
  response can still be parsed (:func:`v1_places`).
- **Places API (legacy)**, ``GET /maps/api/place/details/json`` and, for discovery,
  ``GET /maps/api/place/findplacefromtext/json?inputtype=phonenumber``.  The legacy API takes
  the key only as ``key=`` in the query: the spider masks it wherever it records a URL.

Both return at most five reviews and no way to page further; neither returns the owner's
replies.  Of a review's author only the display name is kept, never the profile link or
photo.  Pure functions: no request, no clock, no database.
"""

import re
from datetime import UTC, datetime
from typing import Any

from crawlers.dates import from_timestamp, parse_review_date
from crawlers.items import DatePrecision, ListingFacts, PageStatus, ReviewItem
from crawlers.pages.api_errors import http_problem
from crawlers.values import as_float as _float
from crawlers.values import as_int as _int

# Fields asked of Place Details (New): facts and reviews, nothing about photos or people.
V1_FIELD_MASK = ",".join(
    (
        "id",
        "displayName",
        "formattedAddress",
        "postalAddress",
        "nationalPhoneNumber",
        "internationalPhoneNumber",
        "websiteUri",
        "regularOpeningHours.weekdayDescriptions",
        "primaryTypeDisplayName",
        "types",
        "rating",
        "userRatingCount",
        "reviews",
        "googleMapsUri",
    )
)
LEGACY_FIELDS = ",".join(
    (
        "place_id",
        "name",
        "formatted_address",
        "address_components",
        "formatted_phone_number",
        "international_phone_number",
        "website",
        "opening_hours",
        "types",
        "rating",
        "user_ratings_total",
        "reviews",
        "url",
    )
)
_GENERIC_TYPES = {"point_of_interest", "establishment"}
_PLUS_CODE = re.compile(r"^[23456789CFGHJMPQRVWX]{2,8}\+[23456789CFGHJMPQRVWX]{0,3}(?:\s|$)", re.I)

# v1 errors are Google's standard {"error": {"code", "message", "status"}}
_V1_ERRORS: dict[str, tuple[PageStatus, str]] = {
    "RESOURCE_EXHAUSTED": (
        PageStatus.BLOCKED,
        "the Google Places API quota for this key is used up",
    ),
    "PERMISSION_DENIED": (
        PageStatus.ERROR,
        "Google refused the key in GOOGLE_PLACES_API_KEY (or the Places API (New) is not enabled for it)",
    ),
    "UNAUTHENTICATED": (PageStatus.ERROR, "Google refused the key in GOOGLE_PLACES_API_KEY"),
    "NOT_FOUND": (
        PageStatus.GONE,
        "Google has no place with this place_id (closed, merged or moved)",
    ),
    "INVALID_ARGUMENT": (
        PageStatus.ERROR,
        "Google rejected the request (invalid place_id or field mask)",
    ),
}
# legacy responses carry a "status" field even on HTTP 200
_LEGACY_ERRORS: dict[str, tuple[PageStatus, str]] = {
    "OVER_QUERY_LIMIT": (PageStatus.BLOCKED, "the Google Places API quota for this key is used up"),
    "OVER_DAILY_LIMIT": (
        PageStatus.BLOCKED,
        "the Google Places API daily limit is reached (or billing is not enabled)",
    ),
    "REQUEST_DENIED": (PageStatus.ERROR, "Google refused the key in GOOGLE_PLACES_API_KEY"),
    "INVALID_REQUEST": (PageStatus.ERROR, "Google rejected the request (invalid place_id?)"),
    "NOT_FOUND": (
        PageStatus.GONE,
        "Google has no place with this place_id (closed, merged or moved)",
    ),
    "ZERO_RESULTS": (PageStatus.GONE, "Google returned nothing for this place_id"),
    "UNKNOWN_ERROR": (
        PageStatus.ERROR,
        "Google's server failed (UNKNOWN_ERROR); a retry may succeed",
    ),
}


def _clean(text: Any) -> str | None:
    """Fold the thin and narrow no-break spaces Google puts in hours into plain spaces."""
    return " ".join(str(text).split()) if text not in (None, "") else None


def iso_time(raw: Any) -> datetime | None:
    if not raw:
        return None
    text = re.sub(r"(\.\d{6})\d+", r"\1", str(raw)).replace("Z", "+00:00")
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# -- Places API (New) ---------------------------------------------------------------------
def v1_error(data: Any, http_status: int) -> tuple[PageStatus, str] | None:
    error = data.get("error") if isinstance(data, dict) else None
    if isinstance(error, dict):
        code = str(error.get("status") or "")
        status, words = _V1_ERRORS.get(
            code,
            (
                PageStatus.BLOCKED if http_status == 429 else PageStatus.ERROR,
                "the Google Places API answered with an error",
            ),
        )
        message = error.get("message")
        return (
            status,
            f"{words} ({code or error.get('code')}{': ' + str(message) if message else ''}; HTTP {http_status})",
        )
    return _http_error(http_status)


def v1_facts(place: dict[str, Any]) -> ListingFacts:
    address = place.get("postalAddress") or {}
    lines = [str(x) for x in address.get("addressLines") or [] if x]
    primary = (place.get("primaryTypeDisplayName") or {}).get("text")
    return ListingFacts(
        name=(place.get("displayName") or {}).get("text"),
        street_address=", ".join(lines) or None,
        locality=address.get("locality") or None,
        region=address.get("administrativeArea") or None,
        postal_code=address.get("postalCode") or None,
        country=address.get("regionCode") or None,
        phone=place.get("internationalPhoneNumber") or place.get("nationalPhoneNumber") or None,
        website=place.get("websiteUri") or None,
        hours=[
            h
            for h in map(
                _clean, (place.get("regularOpeningHours") or {}).get("weekdayDescriptions") or []
            )
            if h
        ],
        categories=[primary] if primary else _types(place.get("types")),
        rating=_float(place.get("rating")),
        review_count=_int(place.get("userRatingCount")),
        site_listing_id=place.get("id") or None,
    )


def v1_review(data: dict[str, Any], *, now: datetime) -> ReviewItem:
    original = data.get("originalText") or {}
    shown = data.get("text") or {}
    relative = data.get("relativePublishTimeDescription")
    published = iso_time(data.get("publishTime"))
    precision = DatePrecision.SECOND if published else None
    if published is None and relative:
        published, precision = parse_review_date(relative, now=now)
    return ReviewItem(
        site_review_id=data.get("name") or None,
        author=(data.get("authorAttribution") or {}).get("displayName") or None,
        rating=_float(data.get("rating")),
        best_rating=5.0,
        published_raw=relative or data.get("publishTime"),
        published_at=published,
        published_precision=precision,
        text=original.get("text") or shown.get("text") or None,
        language=original.get("languageCode") or shown.get("languageCode") or None,
        url=data.get("googleMapsUri") or None,
    )


def v1_place(place: dict[str, Any], *, now: datetime) -> tuple[ListingFacts, list[ReviewItem]]:
    """Facts and reviews of one Place Details (New) response."""
    return v1_facts(place), [v1_review(r, now=now) for r in place.get("reviews") or []]


def v1_places(
    data: dict[str, Any], *, now: datetime
) -> list[tuple[ListingFacts, list[ReviewItem]]]:
    """Each place of a searchText response (``{"places": [...]}``)."""
    return [v1_place(p, now=now) for p in data.get("places") or []]


# -- Places API (legacy) ------------------------------------------------------------------
def legacy_error(data: Any, http_status: int) -> tuple[PageStatus, str] | None:
    if isinstance(data, dict) and data.get("status") not in (None, "OK"):
        code = str(data["status"])
        status, words = _LEGACY_ERRORS.get(
            code, (PageStatus.ERROR, "the Google Places API answered with an error")
        )
        message = data.get("error_message")
        return status, f"{words} ({code}{': ' + str(message) if message else ''})"
    return _http_error(http_status)


def _component(components: list[dict[str, Any]], kind: str, short: bool = False) -> str | None:
    for c in components:
        if kind in (c.get("types") or []):
            return c.get("short_name" if short else "long_name") or None
    return None


def legacy_facts(result: dict[str, Any]) -> ListingFacts:
    components = result.get("address_components") or []
    number, route = _component(components, "street_number"), _component(components, "route")
    unit = _component(components, "subpremise")
    street = " ".join(p for p in (number, route) if p) or None
    if street and unit:
        street = f"{unit}-{street}"
    if street is None and result.get("formatted_address"):
        line = str(result["formatted_address"]).split(",")[0].strip()
        # A place without a street address is formatted from its plus code ("P77R+X52,
        # Town"): a plus code is a map reference, never a street.
        street = None if _PLUS_CODE.match(line) else line or None
    return ListingFacts(
        name=result.get("name"),
        street_address=street,
        locality=_component(components, "locality") or _component(components, "postal_town"),
        region=_component(components, "administrative_area_level_1", short=True),
        postal_code=_component(components, "postal_code"),
        country=_component(components, "country", short=True),
        phone=result.get("international_phone_number")
        or result.get("formatted_phone_number")
        or None,
        website=result.get("website") or None,
        hours=[
            h
            for h in map(_clean, (result.get("opening_hours") or {}).get("weekday_text") or [])
            if h
        ],
        categories=_types(result.get("types")),
        rating=_float(result.get("rating")),
        review_count=_int(result.get("user_ratings_total")),
        site_listing_id=result.get("place_id") or None,
    )


def legacy_review(data: dict[str, Any], *, now: datetime) -> ReviewItem:
    published = from_timestamp(data.get("time"))
    precision = DatePrecision.SECOND if published else None
    relative = data.get("relative_time_description")
    if published is None and relative:
        published, precision = parse_review_date(relative, now=now)
    return ReviewItem(
        site_review_id=None,  # the legacy API gives reviews no id; the store derives a key
        author=data.get("author_name") or None,
        rating=_float(data.get("rating")),
        best_rating=5.0,
        published_raw=relative or (str(data["time"]) if data.get("time") else None),
        published_at=published,
        published_precision=precision,
        text=data.get("text") or None,
        language=data.get("language") or None,
    )


def legacy_place(data: dict[str, Any], *, now: datetime) -> tuple[ListingFacts, list[ReviewItem]]:
    """Facts and reviews of one legacy Place Details response (``{"result": ..., "status"}``)."""
    result = data.get("result") or {}
    return legacy_facts(result), [legacy_review(r, now=now) for r in result.get("reviews") or []]


def legacy_candidates(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Candidates of a findplacefromtext response: place_id, name, formatted_address."""
    return [
        {
            "place_id": c.get("place_id"),
            "name": c.get("name"),
            "formatted_address": c.get("formatted_address"),
        }
        for c in data.get("candidates") or []
        if c.get("place_id")
    ]


def place_url(place_id: str) -> str:
    """Google's documented link to a place by its id."""
    return f"https://www.google.com/maps/place/?q=place_id:{place_id}"


# -- shared -------------------------------------------------------------------------------
def _http_error(http_status: int) -> tuple[PageStatus, str] | None:
    return http_problem(
        http_status,
        api="the Google Places API",
        key_env="GOOGLE_PLACES_API_KEY",
        thing="place with this place_id",
    )


def _types(types: Any) -> list[str]:
    return [str(t).replace("_", " ") for t in types or [] if t not in _GENERIC_TYPES]
