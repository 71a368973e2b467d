"""Healthgrades provider profiles: the JSON the page embeds, to listing facts and reviews.

A profile page (``www.healthgrades.com/physician/dr-...``) embeds two JavaScript objects:
``profile.provider = {...};`` (the provider, office address and phones, specialties,
overall score) and ``pageState.pes = {...};`` (the patient-experience survey: overall score,
counts and every written comment).  Healthgrades has no public API; these objects are the
site's own data behind the page.  All comments are embedded at once (the real capture holds
18 of 18), so there is no review pagination.

Kept of a comment: its ``commentId``, the ``displayName`` shown, score, date and text, and a
provider response when its text is present.  Never the reviewer's location.  The stated
review count is the number of written comments (``comments.totalCommentCount``); survey
answers without a comment (``responseCount``) are not reviews anyone can read.
"""

import json
import re
from datetime import datetime
from typing import Any

from crawlers.dates import parse_review_date
from crawlers.items import ListingFacts, ListingPage, PageStatus, ReviewItem

_ASSIGN = {
    "provider": re.compile(r"profile\.provider\s*=\s*(?=\{)"),
    "pes": re.compile(r"pageState\.pes\s*=\s*(?=\{)"),
}


def embedded(html: str) -> dict[str, Any]:
    """The ``provider`` and ``pes`` objects embedded in a profile page (absent ones omitted)."""
    decoder = json.JSONDecoder()
    found: dict[str, Any] = {}
    for name, pattern in _ASSIGN.items():
        m = pattern.search(html)
        if m is None:
            continue
        try:
            value, _ = decoder.raw_decode(html, m.end())
        except json.JSONDecodeError:
            continue
        if isinstance(value, dict):
            found[name] = value
    return found


def provider_facts(provider: dict[str, Any]) -> ListingFacts:
    office = provider.get("primaryOffice") or {}
    address = office.get("address") or {}
    location = address.get("location") or {}
    region = location.get("region") or {}
    micro = (provider.get("microdata") or {}).get("address") or {}
    phones = sorted(office.get("phoneNumbers") or [], key=lambda p: p.get("phoneType") or 99)
    street = ", ".join(p for p in (address.get("address1"), address.get("address2")) if p)
    websites = [
        u
        for practice in [provider.get("primaryPractice") or {}]
        for u in practice.get("webSiteUrls") or []
    ]
    return ListingFacts(
        name=provider.get("displayFullName") or (provider.get("microdata") or {}).get("name"),
        street_address=street or micro.get("streetAddress") or None,
        locality=location.get("cityName") or micro.get("addressLocality") or None,
        region=location.get("regionAbbreviation")
        or region.get("regionAbbreviation")
        or micro.get("addressRegion")
        or None,
        postal_code=region.get("zip") or micro.get("postalCode") or None,
        country=_country(region.get("nation")),
        phone=phones[0].get("number") if phones else None,
        website=str(websites[0]) if websites else None,
        hours=[str(h) for h in office.get("officeHours") or [] if isinstance(h, str)],
        categories=[s["name"] for s in provider.get("specialties") or [] if s.get("name")],
        rating=_float(provider.get("surveyOverallRatingScore")),
        review_count=None,  # set from the comments (pes), see module docstring
        site_listing_id=provider.get("id") or None,
    )


def pes_facts(pes: dict[str, Any]) -> ListingFacts:
    """Facts the patient-experience object alone gives (when the provider object is absent)."""
    model = pes.get("model") or {}
    overall = model.get("overall") or {}
    return ListingFacts(
        name=model.get("providerName") or None,
        categories=[model["specialty"]] if model.get("specialty") else [],
        rating=_float(overall.get("actualScore")),
        site_listing_id=model.get("providerCode") or None,
    )


def comment(data: dict[str, Any], *, now: datetime) -> ReviewItem:
    raw = data.get("submittedDate")
    published, precision = parse_review_date(raw, now=now)
    response = data.get("providerResponse") or {}
    response_text = response.get("commentText") or None
    return ReviewItem(
        site_review_id=data.get("commentId") or None,
        author=data.get("displayName") or None,  # never the reviewer's location
        rating=_float(data.get("overallScore")),
        best_rating=5.0,
        published_raw=raw,
        published_at=published,
        published_precision=precision,
        text=data.get("commentText") or None,
        owner_response=response_text,
        owner_response_raw_date=response.get("insertedOn") if response_text else None,
    )


def pes_reviews(pes: dict[str, Any], *, now: datetime) -> tuple[list[ReviewItem], int | None, bool]:
    """(comments, stated comment count, suppressed) of a ``pageState.pes`` object."""
    model = pes.get("model") or {}
    comments = model.get("comments") or {}
    reviews = [comment(c, now=now) for c in comments.get("results") or []]
    stated = comments.get("totalCommentCount")
    if stated is None:
        stated = (model.get("overall") or {}).get("reviewCount")
    suppressed = bool(
        model.get("commentsSuppressed") or comments.get("suppressed") or comments.get("serverError")
    )
    return reviews, (int(stated) if stated is not None else None), suppressed


def parse(
    html: str, *, page_url: str, listing_url: str, crawled_at: datetime, page_number: int = 1
) -> ListingPage:
    """One profile page as a ListingPage; UNREADABLE (with the reason) when nothing is found."""
    found = embedded(html)
    page = ListingPage(
        site="healthgrades",
        listing_url=listing_url,
        page_url=page_url,
        crawled_at=crawled_at,
        page_number=page_number,
    )
    if not found:
        page.status = PageStatus.UNREADABLE
        page.problem = (
            "the Healthgrades page carried neither of the objects QuietWatch reads "
            "(profile.provider, pageState.pes): the layout may have changed"
        )
        return page
    provider, pes = found.get("provider"), found.get("pes")
    facts = provider_facts(provider) if provider else pes_facts(pes or {})
    problems = []
    if pes:
        page.reviews, facts.review_count, suppressed = pes_reviews(pes, now=crawled_at)
        overall = ((pes.get("model") or {}).get("overall") or {}).get("actualScore")
        facts.rating = facts.rating if facts.rating is not None else _float(overall)
        if suppressed:
            problems.append(
                "Healthgrades marked this provider's comments as suppressed or failed to serve them"
            )
    else:
        problems.append(
            "the page carried no patient-experience object (pageState.pes): reviews not read"
        )
    page.facts = facts
    page.problem = "; ".join(problems) or None
    return page


def _country(nation: Any) -> str | None:
    return {"USA": "US", "CAN": "CA", "CANADA": "CA"}.get(str(nation).upper()) if nation else None


def _float(value: Any) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None
