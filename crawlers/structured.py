"""Shared schema.org extraction: one place that turns embedded structured data into items.

Every site parser starts here (as alltheplaces' structured-data helpers do): ``extruct``
pulls JSON-LD, microdata and RDFa out of the page in one uniform shape, and the helpers
below pick the business entity, its facts, its aggregate rating and its reviews.  A site
parser then only adds what its structured data lacks (review ids, owner responses, the
next-page link) from the page's HTML.
"""

import logging
import re
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import extruct
import lxml.html
from extruct.jsonld import JsonLdExtractor
from extruct.utils import parse_xmldom_html
from lxml import etree

from crawlers.dates import parse_review_date
from crawlers.items import Address, ListingFacts, ReviewItem
from crawlers.values import as_list as _as_list
from crawlers.values import first_text, integer, number

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
_RDFA_TYPED = etree.XPath("boolean(//*[@typeof and normalize-space(@typeof) != ''])")


def parse_html(body: bytes | str, encoding: str = "utf-8") -> lxml.html.HtmlElement:
    """The page parsed once with lxml; every reader of the page shares this tree."""
    if isinstance(body, str):
        body = body.encode(encoding, errors="replace")
    parser = lxml.html.HTMLParser(encoding=encoding)
    try:
        tree = lxml.html.document_fromstring(body or b"<html></html>", parser=parser)
    except etree.ParserError:  # an empty or whitespace-only document
        tree = lxml.html.document_fromstring(b"<html></html>", parser=parser)
    return tree


_JSONLD = JsonLdExtractor()
_JSONLD_SCRIPTS = etree.XPath('//script[@type="application/ld+json"]')
UNREADABLE_JSONLD = "the page's JSON-LD is not valid JSON; QuietWatch read the rest"


def extract(
    tree: lxml.html.HtmlElement,
    url: str,
    *,
    body: bytes | None = None,
    notes: list[str] | None = None,
) -> list[dict[str, Any]]:
    """All typed schema.org entities in the page, JSON-LD first, in one uniform shape.

    JSON-LD and microdata are read from the shared tree.  RDFa needs extruct's DOM-flavoured
    tree, so only a page with typed RDFa resources (``typeof``) is parsed for it, from
    ``body`` (Open Graph ``<meta property>`` tags alone carry no business).  Each JSON-LD
    block is read on its own: a broken one (invalid JSON, nested too deep) is skipped and
    said in ``notes`` in plain words, never printed as a traceback; the other blocks and
    syntaxes are still read.
    """
    notes = notes if notes is not None else []
    data: dict[str, Any] = {"json-ld": []}
    for script in _JSONLD_SCRIPTS(tree):
        try:
            data["json-ld"].extend(_JSONLD.extract_items(script))
        except (ValueError, RecursionError):
            if UNREADABLE_JSONLD not in notes:
                notes.append(UNREADABLE_JSONLD)
    for syntax, source in (("microdata", tree), ("rdfa", None)):
        if syntax == "rdfa":
            if body is None or not _RDFA_TYPED(tree):
                continue
            source = parse_xmldom_html(body, encoding="utf-8")
        try:
            data.update(
                extruct.extract(
                    source, base_url=url, syntaxes=[syntax], uniform=True, errors="strict"
                )
            )
        except Exception:  # extruct raises on some malformed documents
            logger.debug("%s could not be read on %s", syntax, url, exc_info=True)
            notes.append(f"the page's {syntax} could not be read; QuietWatch read the rest")
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


def address_from(value: Any) -> Address | None:
    """A PostalAddress entity (or a one-line address) as shown; None when it says nothing.

    A purely numeric region is a site's internal code (RateMDs' "21"), not a region the
    listing states, so it is left out rather than shown as if it were one."""
    if isinstance(value, str):
        return Address(street_address=first_text(value)) if first_text(value) else None
    if not isinstance(value, dict):
        return None
    region = first_text(value.get("addressRegion"))
    address = Address(
        street_address=first_text(value.get("streetAddress")),
        locality=first_text(value.get("addressLocality")),
        region=None if region and region.isdigit() else region,
        postal_code=first_text(value.get("postalCode") or value.get("postalcode")),
        country=first_text(value.get("addressCountry")),
    )
    return address if any(vars(address).values()) else None


def addresses_of(business: dict[str, Any]) -> list[Address]:
    """Every office the entity states, its own address first, then its places' (a
    profile's ``workLocation`` / ``location`` offices), each once."""
    found: list[Address] = []
    values = list(_as_list(business.get("address")))
    for key in ("workLocation", "location"):
        values += [p.get("address") for p in _as_list(business.get(key)) if isinstance(p, dict)]
    for value in values:
        address = address_from(value)
        if address is not None and address not in found:
            found.append(address)
    return found


def website_from(business: dict[str, Any], page_url: str) -> str | None:
    """The business's own website: a ``sameAs``/``url`` link off the site that lists it.

    A directory's schema.org ``url`` is usually the listing page itself; a link back to the
    listing site is never the business's website."""
    host = _host(page_url)
    for key in ("sameAs", "url"):
        for candidate in _as_list(business.get(key)):
            text = first_text(candidate)
            if text and text.startswith("http") and _host(text) != host:
                return text
    return None


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").removeprefix("www.")


def facts_from(business: dict[str, Any], page_url: str) -> ListingFacts:
    """Listing facts from the business entity alone; what it does not state stays None."""
    addresses = addresses_of(business)
    main = addresses[0] if addresses else Address()
    rating = business.get("aggregateRating") or {}
    rating = rating[0] if isinstance(rating, list) and rating else rating
    rating = rating if isinstance(rating, dict) else {}
    hours = [h for h in (first_text(v) for v in _as_list(business.get("openingHours"))) if h]
    for spec in _as_list(business.get("openingHoursSpecification")):
        if isinstance(spec, dict):
            days = ",".join(str(d).rsplit("/", 1)[-1] for d in _as_list(spec.get("dayOfWeek")))
            span = f"{first_text(spec.get('opens')) or ''}-{first_text(spec.get('closes')) or ''}"
            hours.append(f"{days} {span}".strip())
    specialties = business.get("medicalSpecialty") or business.get("knowsAbout")
    review_count = integer(rating.get("reviewCount"))
    return ListingFacts(
        name=first_text(business.get("name")),
        street_address=main.street_address,
        locality=main.locality,
        region=main.region,
        postal_code=main.postal_code,
        country=main.country,
        phone=first_text(business.get("telephone")),
        website=website_from(business, page_url),
        hours=hours,
        categories=[c for c in (first_text(v) for v in _as_list(specialties)) if c],
        rating=number(rating.get("ratingValue")),
        review_count=review_count
        if review_count is not None
        else integer(rating.get("ratingCount")),
        rating_count=integer(rating.get("ratingCount")),
        additional_addresses=addresses[1:],
    )


def review_from(
    entity: dict[str, Any],
    *,
    now: datetime,
    page_url: str | None = None,
    listing_url: str | None = None,
) -> ReviewItem:
    """One schema.org Review as a ReviewItem.  Its ``@id`` (or identifier) is the review's id;
    a page-relative one (``#r0``, ``./r0``) is resolved against the listing's URL, so that
    two listings' ``#r0`` are two reviews."""
    rating = entity.get("reviewRating") or {}
    rating = rating[0] if isinstance(rating, list) and rating else rating
    rating = rating if isinstance(rating, dict) else {"ratingValue": rating}
    raw_date = first_text(entity.get("datePublished") or entity.get("dateCreated"))
    published_at, precision = parse_review_date(raw_date, now=now)
    review_id = None
    rid = first_text(entity.get("@id") or entity.get("identifier"))
    if rid and not rid.startswith("_:"):
        # Kept whole: a JSON-LD @id is a URL (unique across listings); its fragment alone
        # ("#review-3") is not, so it is resolved against the listing.
        relative = rid.startswith(("#", "./", "../", "/"))
        review_id = urljoin(listing_url, rid) if relative and listing_url else rid
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
