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
answers without a comment (``responseCount``, the provider's ``surveyUserCount``) are not
reviews anyone can read: they are the rating count.  A page with the provider but no
``pageState.pes`` is *partial*: its facts are read, its reviews are not.  Every office of the
primary practice is kept, the primary office first.
"""

import json
import re
from datetime import datetime
from typing import Any

from crawlers.dates import parse_review_date
from crawlers.items import Address, ListingFacts, ListingPage, PageStatus, ReviewItem
from crawlers.pages.base import HtmlPage
from crawlers.values import as_float, as_int

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


def office_address(office: dict[str, Any]) -> Address:
    """One office's address as Healthgrades shows it (suite kept, state as its code)."""
    address = office.get("address") or {}
    location = address.get("location") or {}
    region = location.get("region") or {}
    street = ", ".join(p for p in (address.get("address1"), address.get("address2")) if p)
    return Address(
        street_address=street or None,
        locality=location.get("cityName") or None,
        region=location.get("regionAbbreviation") or region.get("regionAbbreviation") or None,
        postal_code=region.get("zip") or None,
        country=_country(region.get("nation")),
    )


def provider_facts(provider: dict[str, Any]) -> ListingFacts:
    office = provider.get("primaryOffice") or {}
    main = office_address(office)
    micro = (provider.get("microdata") or {}).get("address") or {}
    phones = sorted(office.get("phoneNumbers") or [], key=lambda p: p.get("phoneType") or 99)
    practice = provider.get("primaryPractice") or {}
    websites = [str(u) for u in practice.get("webSiteUrls") or [] if u]
    others = [
        office_address(o)
        for o in practice.get("offices") or []
        if o.get("officeGuid") != office.get("officeGuid")
    ]
    return ListingFacts(
        name=provider.get("displayFullName") or (provider.get("microdata") or {}).get("name"),
        street_address=main.street_address or micro.get("streetAddress") or None,
        locality=main.locality or micro.get("addressLocality") or None,
        region=main.region or micro.get("addressRegion") or None,
        postal_code=main.postal_code or micro.get("postalCode") or None,
        country=main.country,
        phone=phones[0].get("number") if phones else None,
        website=websites[0] if websites else None,
        hours=[str(h) for h in office.get("officeHours") or [] if isinstance(h, str)],
        categories=[s["name"] for s in provider.get("specialties") or [] if s.get("name")],
        rating=as_float(provider.get("surveyOverallRatingScore")),
        review_count=None,  # set from the comments (pes), see module docstring
        rating_count=as_int(provider.get("surveyUserCount")),
        site_listing_id=provider.get("id") or None,
        additional_addresses=[a for a in others if a != main],
    )


def pes_facts(pes: dict[str, Any]) -> ListingFacts:
    """Facts the patient-experience object alone gives (when the provider object is absent)."""
    model = pes.get("model") or {}
    overall = model.get("overall") or {}
    return ListingFacts(
        name=model.get("providerName") or None,
        categories=[model["specialty"]] if model.get("specialty") else [],
        rating=as_float(overall.get("actualScore")),
        rating_count=as_int(overall.get("responseCount")),
        site_listing_id=model.get("providerCode") or None,
    )


def comment(data: dict[str, Any], *, now: datetime) -> ReviewItem:
    raw = data.get("submittedDate")
    published, precision = parse_review_date(raw, now=now)
    response = data.get("providerResponse") or {}
    response_text = response.get("commentText") or None
    response_date = response.get("insertedOn") if response_text else None
    return ReviewItem(
        site_review_id=data.get("commentId") or None,
        author=data.get("displayName") or None,  # never the reviewer's location
        rating=as_float(data.get("overallScore")),
        best_rating=5.0,
        published_raw=raw,
        published_at=published,
        published_precision=precision,
        text=data.get("commentText") or None,
        owner_response=response_text,
        owner_response_raw_date=response_date,
        owner_response_at=parse_review_date(response_date, now=now)[0],
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


class HealthgradesProfilePage(HtmlPage):
    """A provider profile page: the site's own objects embedded in it."""

    site = "healthgrades"

    def read(self, page: ListingPage) -> None:
        found = embedded(self.response.text)
        if not found:
            page.status = PageStatus.UNREADABLE
            page.problem = (
                "the Healthgrades page carried neither of the objects QuietWatch reads "
                "(profile.provider, pageState.pes): the layout may have changed"
            )
            return
        provider, pes = found.get("provider"), found.get("pes")
        facts = provider_facts(provider) if provider else pes_facts(pes or {})
        problems = []
        if pes:
            page.reviews, facts.review_count, suppressed = pes_reviews(pes, now=self.crawled_at)
            overall = (pes.get("model") or {}).get("overall") or {}
            if facts.rating is None:
                facts.rating = as_float(overall.get("actualScore"))
            if facts.rating_count is None:
                facts.rating_count = as_int(overall.get("responseCount"))
            if suppressed:
                problems.append(
                    "Healthgrades marked this provider's comments as suppressed or failed to "
                    "serve them"
                )
        else:
            page.status = PageStatus.PARTIAL
            problems.append(
                "the page carried the provider's facts but no patient-experience data "
                "(pageState.pes): its reviews were not read"
            )
        page.facts = facts
        page.problem = "; ".join(problems) or None


def _country(nation: Any) -> str | None:
    return {"USA": "US", "CAN": "CA", "CANADA": "CA"}.get(str(nation).upper()) if nation else None
