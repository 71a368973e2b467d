"""SQLModel tables.  Every row belongs to a clinic, directly or through its listing.

History is kept, never rewritten: listing facts are snapshots (a new row only when a fact
changed), review edits keep the superseded text in ``ReviewVersion``, removed reviews get a
``removed_at`` and stay, and the guardrail's audit log is append-only.
"""

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator
from sqlmodel import JSON, Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite stores them naive)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use timezone-aware UTC")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _ts(**kw: Any) -> Any:
    return Field(sa_type=UTCDateTime, **kw)


class Clinic(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(index=True, unique=True, max_length=100)
    name: str
    street_address: str | None = None
    city: str | None = None
    province: str | None = None
    postal_code: str | None = None
    country: str | None = None
    phone: str | None = None
    website: str | None = None
    created_at: datetime = _ts(default_factory=utcnow)


class Listing(SQLModel, table=True):
    """One page about the clinic on one site (configured, or discovered by a search)."""

    __table_args__ = (sa.UniqueConstraint("clinic_id", "url", name="uq_listing_clinic_url"),)

    id: int | None = Field(default=None, primary_key=True)
    clinic_id: int = Field(foreign_key="clinic.id", index=True)
    site: str = Field(index=True, max_length=40)
    url: str = Field(max_length=2000)
    # configured: in the config; discovered: found by a search, not confirmed;
    # confirmed / dismissed: a person decided (dismissed ones are never proposed again).
    origin: str = Field(default="configured", max_length=20, index=True)
    site_listing_id: str | None = Field(default=None, max_length=200)
    enabled: bool = True
    created_at: datetime = _ts(default_factory=utcnow)
    last_crawled_at: datetime | None = _ts(default=None)
    last_success_at: datetime | None = _ts(default=None)
    last_full_sweep_at: datetime | None = _ts(default=None)
    last_status: str | None = Field(default=None, max_length=20)
    gone_at: datetime | None = _ts(default=None)
    etag: str | None = Field(default=None, max_length=500)
    last_modified: str | None = Field(default=None, max_length=100)
    latest_snapshot_id: int | None = Field(default=None, index=True)
    match_reason: str | None = None  # for discovered listings: why we think it is the clinic
    decided_at: datetime | None = _ts(default=None)


class ListingSnapshot(SQLModel, table=True):
    """The facts a listing showed; a new row only when one of them changed."""

    id: int | None = Field(default=None, primary_key=True)
    listing_id: int = Field(foreign_key="listing.id", index=True)
    run_id: int | None = Field(default=None, foreign_key="crawlrun.id")
    captured_at: datetime = _ts(default_factory=utcnow, index=True)
    name: str | None = None
    street_address: str | None = None
    locality: str | None = None
    region: str | None = None
    postal_code: str | None = None
    country: str | None = None
    phone: str | None = None
    website: str | None = None
    hours: list[str] = Field(default_factory=list, sa_type=JSON)
    categories: list[str] = Field(default_factory=list, sa_type=JSON)
    rating: float | None = None
    review_count: int | None = None
    fingerprint: str = Field(max_length=64)


class Review(SQLModel, table=True):
    """A review as the site shows it now; superseded content lives in ReviewVersion."""

    __table_args__ = (
        sa.UniqueConstraint("site", "review_key", name="uq_review_site_key"),
        sa.Index("ix_review_listing_published", "listing_id", "published_at"),
        sa.Index("ix_review_clinic_first_seen", "clinic_id", "first_seen_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    clinic_id: int = Field(foreign_key="clinic.id")
    listing_id: int = Field(foreign_key="listing.id")
    site: str = Field(max_length=40)
    # The site's own id when it gives one; otherwise a key derived from the listing, the
    # author's display name and the published date, so that it survives a text edit.
    review_key: str = Field(max_length=300)
    site_review_id: str | None = Field(default=None, max_length=300)
    author: str | None = None
    rating: float | None = None
    best_rating: float | None = None
    published_raw: str | None = None
    published_at: datetime | None = _ts(default=None)
    published_precision: str | None = Field(default=None, max_length=10)
    title: str | None = None
    text: str | None = None
    language: str | None = Field(default=None, max_length=20)
    owner_response: str | None = None
    owner_response_raw_date: str | None = None
    url: str | None = None
    content_hash: str = Field(max_length=64)
    first_seen_at: datetime = _ts(default_factory=utcnow)
    last_seen_at: datetime = _ts(default_factory=utcnow)
    first_seen_run_id: int | None = Field(default=None, foreign_key="crawlrun.id")
    last_seen_run_id: int | None = Field(default=None, foreign_key="crawlrun.id")
    edited_at: datetime | None = _ts(default=None)
    removed_at: datetime | None = _ts(default=None, index=True)
    version_count: int = 1


class ReviewVersion(SQLModel, table=True):
    """Content a review had before an edit (the review row holds the current content)."""

    id: int | None = Field(default=None, primary_key=True)
    review_id: int = Field(foreign_key="review.id", index=True)
    run_id: int | None = Field(default=None, foreign_key="crawlrun.id")
    valid_from: datetime = _ts()
    valid_to: datetime = _ts()
    rating: float | None = None
    title: str | None = None
    text: str | None = None
    owner_response: str | None = None
    published_raw: str | None = None
    content_hash: str = Field(max_length=64)


class CrawlRun(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    clinic_id: int | None = Field(default=None, foreign_key="clinic.id", index=True)
    spider: str = Field(max_length=100)
    trigger: str = Field(default="cli", max_length=20)
    started_at: datetime = _ts(default_factory=utcnow, index=True)
    finished_at: datetime | None = _ts(default=None)
    # running, ok, partial (some listings failed), degraded (coverage dropped),
    # failed (nothing usable), interrupted (never finished: killed or crashed)
    status: str = Field(default="running", max_length=20, index=True)
    full_sweep: bool = True
    pages: int = 0
    items: int = 0
    listings_checked: int = 0
    new_reviews: int = 0
    changed_reviews: int = 0
    removed_reviews: int = 0
    errors: int = 0
    blocked: int = 0
    requests: int = 0
    message: str | None = None
    stats: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    coverage: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    degraded_fields: list[str] = Field(default_factory=list, sa_type=JSON)


class ListingCheck(SQLModel, table=True):
    """How one listing fared in one run."""

    __table_args__ = (sa.UniqueConstraint("run_id", "listing_id", name="uq_check_run_listing"),)

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="crawlrun.id", index=True)
    listing_id: int = Field(foreign_key="listing.id", index=True)
    status: str = Field(max_length=20)  # crawlers.items.PageStatus values
    pages: int = 0
    reviews_seen: int = 0
    new_reviews: int = 0
    changed_reviews: int = 0
    removed_reviews: int = 0
    stated_review_count: int | None = None
    shortfall: int | None = None  # stated count minus reviews held (visible), if positive
    complete: bool = False  # every review page was read
    http_status: int | None = None
    message: str | None = None
    checked_at: datetime = _ts(default_factory=utcnow)


class CrawlProblem(SQLModel, table=True):
    """Something that went wrong in a run, in plain words, with where."""

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="crawlrun.id", index=True)
    listing_id: int | None = Field(default=None, foreign_key="listing.id")
    url: str | None = None
    kind: str = Field(max_length=40)  # blocked, gone, unreadable, error, robots, shortfall, ...
    message: str
    at: datetime = _ts(default_factory=utcnow)


class Finding(SQLModel, table=True):
    """A compliance finding: an owner response, solicitation in own content, a disclosure."""

    __table_args__ = (sa.UniqueConstraint("clinic_id", "dedupe_key", name="uq_finding_key"),)

    id: int | None = Field(default=None, primary_key=True)
    clinic_id: int = Field(foreign_key="clinic.id", index=True)
    # owner_response, solicitation, write_review_link, disclosure, review_markup
    kind: str = Field(max_length=40, index=True)
    category: str | None = Field(default=None, max_length=60)
    rule_id: str | None = Field(default=None, max_length=100)
    severity: str = Field(default="warning", max_length=20)
    source_url: str | None = None
    listing_id: int | None = Field(default=None, foreign_key="listing.id")
    review_id: int | None = Field(default=None, foreign_key="review.id")
    excerpt: str | None = None
    explanation: str | None = None
    guidance: str | None = None
    dedupe_key: str = Field(max_length=64)
    first_seen_at: datetime = _ts(default_factory=utcnow)
    last_seen_at: datetime = _ts(default_factory=utcnow)
    run_id: int | None = Field(default=None, foreign_key="crawlrun.id")


class AuditEntry(SQLModel, table=True):
    """A blocked attempt.  Append-only: nothing updates or deletes these rows."""

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _ts(default_factory=utcnow, index=True)
    action_id: str = Field(max_length=100)
    rule_set: str = Field(max_length=100)
    rule_version: str = Field(max_length=40)
    origin: str = Field(max_length=40)  # dashboard, cli, crawler, ...
    user: str | None = Field(default=None, max_length=200)
    clinic_id: int | None = Field(default=None, foreign_key="clinic.id")
    target: str | None = None  # e.g. "review 42" (never the reviewer's identity)
    detail: str | None = None


class Notification(SQLModel, table=True):
    """A notification QuietWatch sent (or failed to send) after a run."""

    id: int | None = Field(default=None, primary_key=True)
    run_id: int | None = Field(default=None, foreign_key="crawlrun.id")
    clinic_id: int | None = Field(default=None, foreign_key="clinic.id")
    at: datetime = _ts(default_factory=utcnow)
    kind: str = Field(max_length=40)  # digest, alert
    title: str
    ok: bool = False
    error: str | None = None
