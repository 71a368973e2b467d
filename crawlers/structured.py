"""Shared schema.org extraction: one place that turns embedded structured data into items.

Every site parser starts here (as alltheplaces' structured-data helpers do): ``extruct``
pulls JSON-LD, microdata and RDFa out of the page in one uniform shape, and the helpers
below pick the business entity, its facts, its aggregate rating and its reviews.  A site
parser then only adds what its structured data lacks (review ids, owner responses, the
next-page link) from the page's HTML.
"""

import json
import logging
import re
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

import extruct

from crawlers.dates import parse_review_date
from crawlers.items import ListingFacts, ReviewItem

logger = logging.getLogger(__name__)

# schema.org types that describe the listed business (LocalBusiness and its kin).
BUSINESS_TYPES = {
    "LocalBusiness",
    "MedicalBusiness",
    "MedicalClinic",
    "MedicalOrganization",
    "Physician",
    "Psychologist",
    "ProfessionalService",
    "HealthAndBeautyBusiness",
    "Organization",
    "Dentist",
    "Hospital",
    "Optician",
    "Pharmacy",
    "Person",  # directory profiles of individual clinicians (Psychology Today)
}
# Preference when a page carries several: the most specific business type first.
_PREFERENCE = [
    "Physician",
    "Psychologist",
    "MedicalClinic",
    "MedicalBusiness",
    "ProfessionalService",
    "HealthAndBeautyBusiness",
    "MedicalOrganization",
    "LocalBusiness",
    "Organization",
    "Person",
]
SYNTAXES = ["json-ld", "microdata", "rdfa"]
_RDFA_TYPED = re.compile(r"""\stypeof\s*=\s*["'][^"']""", re.IGNORECASE)


def extract(html: str, url: str) -> list[dict[str, Any]]:
    """All typed schema.org entities in the page, JSON-LD first, in one uniform shape.

    A broken JSON-LD block or odd markup is logged and skipped, never fatal: the other
    syntaxes may still carry the data.
    """
    # RDFa costs more than the other two together (rdflib); read it only where the page has
    # typed RDFa resources at all (Open Graph <meta property> tags alone carry no business).
    syntaxes = SYNTAXES if _RDFA_TYPED.search(html) else [s for s in SYNTAXES if s != "rdfa"]
    try:
        data = extruct.extract(html, base_url=url, syntaxes=syntaxes, uniform=True, errors="log")
    except Exception as exc:  # extruct raises on some malformed documents
        logger.warning("structured data could not be extracted from %s: %s", url, exc)
        data = {}
    entities: list[dict[str, Any]] = []
    for syntax in SYNTAXES:
        if syntax == "rdfa":
            entities.extend(_from_rdfa_graph(data.get("rdfa", []) or []))
            continue
        for entity in data.get(syntax, []) or []:
            entities.extend(_flatten_graph(entity, syntax))
    return [e for e in entities if e.get("@type")]


def _flatten_graph(entity: Any, syntax: str) -> Iterator[dict[str, Any]]:
    if isinstance(entity, list):
        for e in entity:
            yield from _flatten_graph(e, syntax)
        return
    if not isinstance(entity, dict):
        return
    if "@graph" in entity:
        yield from _flatten_graph(entity["@graph"], syntax)
        return
    entity = dict(entity)
    entity["@syntax"] = syntax
    yield entity


_SCHEMA = ("http://schema.org/", "https://schema.org/")


def _from_rdfa_graph(nodes: list[Any]) -> list[dict[str, Any]]:
    """RDFa comes back as a flat graph of expanded IRIs: keep the schema.org terms in short
    form, and put the nodes an entity points to (its address, rating, reviews) back inside
    it, as JSON-LD and microdata have them."""
    index = {n["@id"]: n for n in nodes if isinstance(n, dict) and "@id" in n}
    referenced = {
        v["@id"]
        for n in index.values()
        for key, values in n.items()
        if key.startswith(_SCHEMA)
        for v in _as_list(values)
        if isinstance(v, dict) and "@id" in v
    }

    def convert(node: dict[str, Any], depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {"@syntax": "rdfa"}
        for key, value in node.items():
            if key == "@type":
                types = [t for t in (_short(t) for t in _as_list(value)) if t]
                if types:
                    out["@type"] = types[0] if len(types) == 1 else types
            elif key.startswith(_SCHEMA):
                values = []
                for v in _as_list(value):
                    if isinstance(v, dict) and "@value" in v:
                        values.append(v["@value"])
                    elif isinstance(v, dict) and "@id" in v:
                        target = index.get(v["@id"])
                        nested = target is not None and depth < 4
                        values.append(convert(target, depth + 1) if nested else v["@id"])
                    else:
                        values.append(v)
                out[_short(key)] = values[0] if len(values) == 1 else values
        return out

    # Top-level entities only: the nested ones are inside them now.
    return [convert(n, 0) for node_id, n in index.items() if node_id not in referenced]


def _short(iri: str) -> str | None:
    m = re.match(r"https?://schema\.org/(\w+)$", str(iri))
    return m.group(1) if m else None


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def types_of(entity: dict[str, Any]) -> set[str]:
    return {str(t).rsplit("/", 1)[-1] for t in _as_list(entity.get("@type"))}


def find_business(entities: Iterable[dict[str, Any]]) -> dict[str, Any] | None:
    """The entity that describes the listed business, the most specific type first.

    JSON-LD and microdata often both describe it (Yelp carries both); the first one of the
    preferred type wins and the other fills the gaps it leaves.
    """
    candidates = [e for e in entities if types_of(e) & BUSINESS_TYPES]
    if not candidates:
        return None

    def rank(e: dict[str, Any]) -> tuple[int, int]:
        best = min((_PREFERENCE.index(t) for t in types_of(e) if t in _PREFERENCE), default=99)
        richness = -sum(
            1 for k in ("aggregateRating", "review", "address", "telephone") if e.get(k)
        )
        return (richness, best)

    candidates.sort(key=rank)
    primary = dict(candidates[0])
    for other in candidates[1:]:
        if _same_business(primary, other):
            for key, value in other.items():
                if key not in primary or primary[key] in (None, "", []):
                    primary[key] = value
    return primary


def _same_business(a: dict[str, Any], b: dict[str, Any]) -> bool:
    name_a, name_b = first_text(a.get("name")), first_text(b.get("name"))
    return bool(name_a and name_b and name_a.casefold() == name_b.casefold())


def reviews_in(
    entities: Iterable[dict[str, Any]], business: dict[str, Any] | None
) -> list[dict[str, Any]]:
    """Review entities: nested in the business, or top-level ones (RateMDs puts them apart)."""
    nested = [
        r
        for r in _as_list((business or {}).get("review") or (business or {}).get("reviews"))
        if isinstance(r, dict)
    ]
    loose = [e for e in entities if "Review" in types_of(e)]
    if nested and loose:
        # The same reviews in two syntaxes: keep the fuller set (microdata often has more).
        return nested if len(nested) >= len(loose) else loose
    return nested or loose


# -- values ---------------------------------------------------------------------------------
def first_text(value: Any) -> str | None:
    """A single clean string from a value that may be a list, a dict with name/@value, etc."""
    for v in _as_list(value):
        if isinstance(v, dict):
            v = v.get("name") or v.get("@value") or v.get("text")
            if isinstance(v, list | dict):
                v = first_text(v)
        if v is None:
            continue
        text = " ".join(str(v).split())
        if text:
            return text
    return None


def number(value: Any) -> float | None:
    text = first_text(value)
    if text is None:
        return None
    m = re.search(r"-?\d+(?:[.,]\d+)?", text)
    if not m:
        return None
    try:
        return float(m.group(0).replace(",", "."))
    except ValueError:
        return None


def integer(value: Any) -> int | None:
    text = first_text(value)
    if text is None:
        return None
    digits = re.sub(r"[^\d]", "", text)
    return int(digits) if digits else None


def facts_from(business: dict[str, Any]) -> ListingFacts:
    """Listing facts from a business entity; missing values stay None."""
    address = business.get("address")
    address = address[0] if isinstance(address, list) and address else address
    if not isinstance(address, dict):
        # Some profiles put the address on a workLocation / location Place.
        for key in ("location", "workLocation", "containedInPlace"):
            place = _as_list(business.get(key))
            place = place[0] if place else None
            if isinstance(place, dict) and isinstance(place.get("address"), dict):
                address = place["address"]
                break
    street = locality = region = postal = country = None
    if isinstance(address, dict):
        street = first_text(address.get("streetAddress"))
        locality = first_text(address.get("addressLocality"))
        region = first_text(address.get("addressRegion"))
        postal = first_text(address.get("postalCode") or address.get("postalcode"))
        country = first_text(address.get("addressCountry"))
    elif isinstance(address, str):
        street = first_text(address)
    rating = business.get("aggregateRating") or {}
    rating = rating[0] if isinstance(rating, list) and rating else rating
    rating = rating if isinstance(rating, dict) else {}
    phone = first_text(business.get("telephone"))
    if phone is None:
        for key in ("containedInPlace", "location", "workLocation"):
            for place in _as_list(business.get(key)):
                if isinstance(place, dict) and place.get("telephone"):
                    phone = first_text(place["telephone"])
                    break
            if phone:
                break
    website = None
    for key in ("sameAs", "url"):
        for candidate in _as_list(business.get(key)):
            text = first_text(candidate)
            if text and text.startswith("http"):
                website = text
                break
        if website:
            break
    hours = [h for h in (first_text(v) for v in _as_list(business.get("openingHours"))) if h]
    for spec in _as_list(business.get("openingHoursSpecification")):
        if isinstance(spec, dict):
            days = ",".join(str(d).rsplit("/", 1)[-1] for d in _as_list(spec.get("dayOfWeek")))
            hours.append(
                f"{days} {first_text(spec.get('opens')) or ''}-{first_text(spec.get('closes')) or ''}".strip()
            )
    categories = [
        c
        for c in (
            first_text(v)
            for v in _as_list(business.get("medicalSpecialty") or business.get("knowsAbout"))
        )
        if c
    ]
    return ListingFacts(
        name=first_text(business.get("name")),
        street_address=street,
        locality=locality,
        region=region,
        postal_code=postal,
        country=country,
        phone=phone,
        website=website,
        hours=hours,
        categories=categories,
        rating=number(rating.get("ratingValue")),
        review_count=integer(
            rating.get("reviewCount")
            if rating.get("reviewCount") is not None
            else rating.get("ratingCount")
        ),
    )


def review_from(
    entity: dict[str, Any], *, now: datetime, page_url: str | None = None
) -> ReviewItem:
    """One schema.org Review as a ReviewItem (no id: the site parser adds it if it has one)."""
    rating = entity.get("reviewRating") or {}
    rating = rating[0] if isinstance(rating, list) and rating else rating
    rating = rating if isinstance(rating, dict) else {"ratingValue": rating}
    raw_date = first_text(entity.get("datePublished") or entity.get("dateCreated"))
    published_at, precision = parse_review_date(raw_date, now=now)
    review_id = None
    rid = first_text(entity.get("@id") or entity.get("identifier"))
    if rid and not rid.startswith("_:"):
        # Kept whole: a JSON-LD @id is a URL (unique across listings); its fragment alone
        # ("#review-3") is not.
        review_id = rid
    return ReviewItem(
        site_review_id=review_id,
        author=first_text(entity.get("author")),
        rating=number(rating.get("ratingValue")),
        best_rating=number(rating.get("bestRating")),
        published_raw=raw_date,
        published_at=published_at,
        published_precision=precision,
        text=_body(entity),
        title=first_text(entity.get("name") or entity.get("headline")),
        language=first_text(entity.get("inLanguage")),
        url=page_url,
    )


def _body(entity: dict[str, Any]) -> str | None:
    for key in ("reviewBody", "description", "text"):
        value = entity.get(key)
        if value:
            texts = [str(v).strip() for v in _as_list(value) if str(v).strip()]
            if texts:
                return max(texts, key=len)  # JSON-LD keeps line breaks; microdata may not
    return None


def embedded_json(html: str, pattern: str) -> Any | None:
    """The JSON object assigned in a script, e.g. ``window.__INITIAL_STATE__ = {...};``.

    ``pattern`` is a regex that ends right before the opening brace.  Returns None when the
    page carries no such state or it is not valid JSON (a changed layout).
    """
    m = re.search(pattern + r"\s*(\{)", html)
    if not m:
        return None
    try:
        value, _ = json.JSONDecoder().raw_decode(html, m.start(1))
    except ValueError:
        return None
    return value
