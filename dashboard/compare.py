"""Normalise listing facts before comparing them with the clinic's canonical facts.

Each normaliser is memoised: a clinic's listings repeat the same few spellings, and the
Overview compares every listing on its first load.

For display only: the dashboard shows each fact as the site states it and as the
clinic states it, side by side, and calls it a mismatch only when the normalised forms
differ ("#200-1234 Main St." and "1234 Main Street, Suite 200" are the same address).
"""

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

from store import normalize
from store.models import ClinicRead, ListingRead

_PROVINCES = {
    "british columbia": "bc",
    "alberta": "ab",
    "saskatchewan": "sk",
    "manitoba": "mb",
    "ontario": "on",
    "quebec": "qc",
    "new brunswick": "nb",
    "nova scotia": "ns",
    "prince edward island": "pe",
    "newfoundland and labrador": "nl",
    "yukon": "yt",
    "northwest territories": "nt",
    "nunavut": "nu",
}


def _fold(value: str) -> str:
    value = unicodedata.normalize("NFKD", value)
    value = "".join(c for c in value if not unicodedata.combining(c))
    return " ".join(value.casefold().split())


@lru_cache(maxsize=4096)
def name(value: str | None) -> str | None:
    if not value or not value.strip():
        return None
    folded = _fold(value).replace("&", " and ")
    return " ".join(re.sub(r"[^\w\s]", " ", folded).split()) or None


@lru_cache(maxsize=4096)
def street(value: str | None) -> str | None:
    """'#200-1234 Main St.' and '1234 Main Street, Suite 200' both become '1234 main st unit 200'.

    The same normalisation discovery uses to match candidate listings (store.normalize), so
    the dashboard and discovery never disagree about what "the same address" is.
    """
    if not value or not value.strip():
        return None
    return normalize.normalize_address(_fold(value))


@lru_cache(maxsize=4096)
def region(value: str | None) -> str | None:
    if not value or not value.strip():
        return None
    folded = name(value) or ""
    return _PROVINCES.get(folded, folded)


@lru_cache(maxsize=4096)
def postal_code(value: str | None) -> str | None:
    if not value or not value.strip():
        return None
    return re.sub(r"[^0-9A-Z]", "", value.upper()) or None


@lru_cache(maxsize=4096)
def phone(value: str | None, default_region: str = "CA") -> str | None:
    """E.164 form when the number parses (as discovery matches it), else its digits."""
    if not value or not value.strip():
        return None
    return normalize.normalize_phone(value, default_region) or re.sub(r"\D", "", value) or None


@lru_cache(maxsize=4096)
def website(value: str | None) -> str | None:
    """Host without www and path without trailing slash; scheme, query and fragment ignored."""
    if not value or not value.strip():
        return None
    text = value.strip()
    if "://" not in text:
        text = "http://" + text
    parts = urlsplit(text)
    host = (parts.hostname or "").casefold().removeprefix("www.")
    path = parts.path.rstrip("/")
    return f"{host}{path}" or None


@dataclass(frozen=True)
class FactComparison:
    fact: str  # name, address, phone, website
    canonical: str | None  # as the clinic states it
    listed: str | None  # as the site states it
    canonical_normalised: str | None
    listed_normalised: str | None

    @property
    def stated(self) -> bool:
        return self.listed_normalised is not None

    @property
    def mismatch(self) -> bool:
        """The site states the fact and it differs from the clinic's (after normalising)."""
        return self.stated and self.listed_normalised != self.canonical_normalised


def _join(*parts: str | None) -> str | None:
    text = ", ".join(p.strip() for p in parts if p and p.strip())
    return text or None


def _address(
    street_: str | None,
    city: str | None,
    prov: str | None,
    postal: str | None,
    *,
    only: tuple[bool, bool, bool, bool] | None = None,
) -> str | None:
    parts = [street(street_), name(city), region(prov), postal_code(postal)]
    if only is not None:
        parts = [p if keep else None for p, keep in zip(parts, only, strict=True)]
    if not any(parts):
        return None
    return " | ".join(p or "-" for p in parts)


def _own_website(listing: ListingRead) -> str | None:
    """The website the listing gives for the clinic; a link back to the listing's own page
    or to a review site is the site's link to itself, not the clinic's website."""
    given = website(listing.website)
    if given is None:
        return None
    host = given.split("/", 1)[0]
    own_page = website(listing.url)
    if given == own_page or (own_page and host == own_page.split("/", 1)[0]):
        return None
    if _review_site_host(host):
        return None
    return listing.website


@lru_cache(maxsize=4096)
def _review_site_host(host: str) -> bool:
    """The host is a review site's own, or a subdomain of one (worked out once a host: the
    Overview compares every listing on its first load)."""
    from crawlers.sites import review_site_hosts

    return any(host == h or host.endswith("." + h) for h in review_site_hosts())


def compare(clinic: ClinicRead, listing: ListingRead) -> list[FactComparison]:
    """Name, address, phone and website, as stated by the clinic and by the listing.

    The address is compared on the parts the listing states (a listing that gives a
    street and city but no postal code is not called wrong for the postal code)."""
    stated = (
        bool(listing.street_address),
        bool(listing.locality),
        bool(listing.region),
        bool(listing.postal_code),
    )
    return [
        FactComparison("name", clinic.name, listing.name, name(clinic.name), name(listing.name)),
        FactComparison(
            "address",
            _join(clinic.street_address, clinic.city, clinic.province, clinic.postal_code),
            _join(listing.street_address, listing.locality, listing.region, listing.postal_code),
            _address(
                clinic.street_address, clinic.city, clinic.province, clinic.postal_code, only=stated
            ),
            _address(listing.street_address, listing.locality, listing.region, listing.postal_code),
        ),
        FactComparison(
            "phone", clinic.phone, listing.phone, phone(clinic.phone), phone(listing.phone)
        ),
        FactComparison(
            "website",
            clinic.website,
            _own_website(listing),
            website(clinic.website),
            website(_own_website(listing)),
        ),
    ]


def mismatches(clinic: ClinicRead, listing: ListingRead) -> list[FactComparison]:
    return [c for c in compare(clinic, listing) if c.mismatch]
