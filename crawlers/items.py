"""Site-independent items, shaped after schema.org (LocalBusiness, AggregateRating, Review).

A page parser (``crawlers.pages``) turns one fetched page into one :class:`ListingPage`;
the pipeline writes each ``ListingPage`` in one transaction.  Only identity fields are
required: everything a site may not show is optional.
"""

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from store.models import ListingStatus

# What a fetched page turned out to be: the store's listing statuses (ok, partial,
# not_modified, blocked, gone, unreadable, error, robots, ...), one definition for both.
PageStatus = ListingStatus


class DatePrecision(StrEnum):
    SECOND = "second"
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"


@dataclass
class ReviewItem:
    """One review as the site shows it.  No reviewer identity beyond the display name."""

    site_review_id: str | None = None  # the site's own id; None when the site gives none
    author: str | None = None  # display name exactly as shown
    rating: float | None = None
    best_rating: float | None = None
    published_raw: str | None = None  # the date text as the site showed it
    published_at: datetime | None = None  # parsed, timezone-aware UTC
    published_precision: DatePrecision | None = None
    text: str | None = None
    title: str | None = None
    language: str | None = None
    owner_response: str | None = None
    owner_response_raw_date: str | None = None  # the response's date text as shown
    owner_response_at: datetime | None = None  # that date parsed (UTC, day precision)
    # The site marks the review as edited ("Updated review"); the original date is the
    # first version's date where the site shows both.
    updated_on_site: bool = False
    original_published_raw: str | None = None
    original_published_at: datetime | None = None
    url: str | None = None


@dataclass
class Address:
    """One office as the listing shows it: unit or suite kept, the region as text."""

    street_address: str | None = None
    locality: str | None = None
    region: str | None = None
    postal_code: str | None = None
    country: str | None = None


@dataclass
class ListingFacts:
    """What a listing says about the business: only what it states, never a fallback.

    The first office is the listing's address; a multi-office profile's other offices are
    in ``additional_addresses``.  ``review_count`` is the number of reviews the site says it
    has; ``rating_count`` the number of ratings where the site counts them apart (e.g.
    Healthgrades' surveys, most without a written comment).
    """

    name: str | None = None
    street_address: str | None = None
    locality: str | None = None
    region: str | None = None
    postal_code: str | None = None
    country: str | None = None
    phone: str | None = None
    website: str | None = None
    hours: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    rating: float | None = None
    review_count: int | None = None
    rating_count: int | None = None
    site_listing_id: str | None = None
    additional_addresses: list[Address] = field(default_factory=list)


@dataclass
class ListingPage:
    """One fetched page of one listing: its facts (first page) and the reviews on it."""

    site: str
    listing_url: str  # the configured (canonical) listing URL this page belongs to
    page_url: str
    crawled_at: datetime
    status: PageStatus = PageStatus.OK
    page_number: int = 1
    facts: ListingFacts | None = None
    reviews: list[ReviewItem] = field(default_factory=list)
    next_url: str | None = None  # the page's own "next" link, if any
    is_last_page: bool = True  # True when no further review page will follow for this listing
    problem: str | None = None  # plain-words reason when status is not OK, or a partial parse
    notes: list[str] = field(default_factory=list)  # worth knowing, status unchanged
    http_status: int | None = None
    etag: str | None = None
    last_modified: str | None = None
    full_sweep: bool = True  # whether this listing is read in full (removals are decided then)


@dataclass
class DiscoveredListing:
    """A listing a site's search turned up that is not in the config: a candidate, not a fact.

    The pipeline stores it as a *discovered* listing (``quietwatch listings`` shows it) unless
    the clinic already knows or dismissed that URL.  ``match_reason`` says in plain words why
    it looks like the clinic (same phone, same normalised address).
    """

    site: str
    url: str
    name: str | None = None
    match_reason: str | None = None
    site_listing_id: str | None = None
    found_by: str | None = None  # the search URL or API call that found it
