"""The store's schema: SQLModel tables, the models readers get, and the statuses.

Every row belongs to a clinic, directly or through its listing.  History is kept, never
rewritten: listing facts are snapshots (a new row only when a fact changed), review edits
keep the superseded content in ``ReviewVersion``, removed reviews get a ``removed_at`` and
stay, and the guardrail's audit log is append-only.

Following SQLModel's pattern, the fields of a thing are declared once in a base model; the
``table=True`` model adds the keys and bookkeeping, and a ``*Read`` model is what readers
(the dashboard, the CLI, the notifier) get back from ``store.queries``.
"""

from datetime import UTC, datetime
from enum import Enum, StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.types import TypeDecorator
from sqlmodel import JSON, Field, Session, SQLModel


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


class EnumValue(TypeDecorator):
    """A StrEnum member stored as its plain string value (no database enum type), so that
    every driver writes ``"ok"`` and never the member's name."""

    impl = sa.String(20)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        return None if value is None else str(value.value if isinstance(value, Enum) else value)


def _status(default: Any = None, **kw: Any) -> Any:
    return Field(default=default, sa_type=EnumValue, **kw)


# -- statuses -----------------------------------------------------------------------------
class RunStatus(StrEnum):
    """How a crawl run ended (``running`` until it does)."""

    RUNNING = "running"
    OK = "ok"
    PARTIAL = "partial"  # some listings could not be read
    DEGRADED = "degraded"  # fields most listings gave last time vanished (layout change?)
    FAILED = "failed"  # nothing usable
    INTERRUPTED = "interrupted"  # never finished: stopped early, killed or crashed

    @property
    def failed(self) -> bool:
        """The run failed outright or never finished (the crawl command exits 1)."""
        return self in (RunStatus.FAILED, RunStatus.INTERRUPTED, RunStatus.RUNNING)


class ListingStatus(StrEnum):
    """What one listing (or one fetched page of it) turned out to be in a run."""

    OK = "ok"  # read; facts and/or reviews may be present
    PARTIAL = "partial"  # read, but something the site normally shows could not be read
    NOT_MODIFIED = "not_modified"  # 304 on a conditional request
    BLOCKED = "blocked"  # block page, CAPTCHA, consent wall, 401/403/429, quota
    GONE = "gone"  # 404 / 410: the listing no longer exists
    UNREADABLE = "unreadable"  # fetched, but nothing we know how to read (changed layout?)
    ERROR = "error"  # network error, timeout, 5xx after retries, refused key
    ROBOTS = "robots"  # robots.txt forbids it; we obeyed
    NOT_SET_UP = "not_set_up"  # an API source without its key or token: nothing was asked
    UNAVAILABLE = "unavailable"  # the source no longer gives this data (a retired API)

    @property
    def good(self) -> bool:
        """The one definition of "the source was read" (health, checks, error rates)."""
        return self in (ListingStatus.OK, ListingStatus.NOT_MODIFIED)

    @property
    def read(self) -> bool:
        """The listing was reached and read (in full or in part): it is not stale."""
        return self.good or self is ListingStatus.PARTIAL

    @property
    def dormant(self) -> bool:
        """Nothing to read, by the source's nature rather than a failure: an API without its
        key or token (not set up), or one that no longer gives the data (unavailable).
        Neither failing nor stale; no error in a run's counts, status or error rate."""
        return self in (ListingStatus.NOT_SET_UP, ListingStatus.UNAVAILABLE)

    @property
    def problem(self) -> bool:
        """Counts as a failed listing in a run's status and error rate."""
        return self in (
            ListingStatus.BLOCKED,
            ListingStatus.GONE,
            ListingStatus.UNREADABLE,
            ListingStatus.ERROR,
            ListingStatus.ROBOTS,
        )


class Origin(StrEnum):
    """Where a listing came from."""

    CONFIGURED = "configured"  # in the config file
    DISCOVERED = "discovered"  # found by a search, not confirmed
    CONFIRMED = "confirmed"  # a person confirmed a discovered listing
    DISMISSED = "dismissed"  # a person said it is not the clinic's; never proposed again

    @classmethod
    def active(cls) -> tuple["Origin", ...]:
        """Listings that are the clinic's."""
        return (cls.CONFIGURED, cls.CONFIRMED)


# -- clinics ------------------------------------------------------------------------------
class ClinicBase(SQLModel):
    key: str = Field(index=True, unique=True, max_length=100)
    name: str
    street_address: str | None = None
    city: str | None = None
    province: str | None = None
    postal_code: str | None = None
    country: str | None = None
    phone: str | None = None
    website: str | None = None


class Clinic(ClinicBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = _ts(default_factory=utcnow)


class ClinicRead(ClinicBase):
    id: int


# -- listings -----------------------------------------------------------------------------
class ListingBase(SQLModel):
    site: str = Field(index=True, max_length=40)
    url: str = Field(max_length=2000)
    origin: str = _status(default=Origin.CONFIGURED, index=True)
    enabled: bool = True
    last_crawled_at: datetime | None = _ts(default=None)
    last_success_at: datetime | None = _ts(default=None)
    last_status: str | None = _status()
    gone_at: datetime | None = _ts(default=None)
    match_reason: str | None = None  # for discovered listings: why we think it is the clinic


class Listing(ListingBase, table=True):
    """One page about the clinic on one site (configured, or discovered by a search)."""

    __table_args__ = (sa.UniqueConstraint("clinic_id", "url", name="uq_listing_clinic_url"),)

    id: int | None = Field(default=None, primary_key=True)
    clinic_id: int = Field(foreign_key="clinic.id", index=True)
    site_listing_id: str | None = Field(default=None, max_length=200)
    created_at: datetime = _ts(default_factory=utcnow)
    last_full_sweep_at: datetime | None = _ts(default=None)
    etag: str | None = Field(default=None, max_length=500)
    last_modified: str | None = Field(default=None, max_length=100)
    latest_snapshot_id: int | None = Field(default=None, index=True)
    decided_at: datetime | None = _ts(default=None)


class FactsBase(SQLModel):
    """The facts a listing shows (what the Listings page compares with the clinic's)."""

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
    rating_count: int | None = None  # ratings, where the site counts them apart from reviews
    # A multi-office profile's other offices (the first is the address above), as shown.
    additional_addresses: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)


#: The facts compared between snapshots (a new snapshot only when one of them changed).
FACT_FIELDS: tuple[str, ...] = tuple(FactsBase.model_fields)


class ListingSnapshot(FactsBase, table=True):
    """The facts a listing showed; a new row only when one of them changed."""

    id: int | None = Field(default=None, primary_key=True)
    listing_id: int = Field(foreign_key="listing.id", index=True)
    run_id: int | None = Field(default=None, foreign_key="crawlrun.id")
    captured_at: datetime = _ts(default_factory=utcnow, index=True)
    fingerprint: str = Field(max_length=64)


class SnapshotRead(FactsBase):
    id: int
    captured_at: datetime
    run_id: int | None = None


class ListingRead(ListingBase, FactsBase):
    """A listing with the facts of its latest snapshot (empty when never read)."""

    id: int
    created_at: datetime | None = None
    captured_at: datetime | None = None


# -- reviews ------------------------------------------------------------------------------
class ReviewContent(SQLModel):
    """What counts as an edit: a new version when one of these changed."""

    rating: float | None = None
    title: str | None = None
    text: str | None = None
    owner_response: str | None = None


class ReviewBase(ReviewContent):
    """A review as the site shows it (the crawl item's fields, as stored)."""

    site_review_id: str | None = Field(default=None, max_length=300)
    author: str | None = None
    best_rating: float | None = None
    published_raw: str | None = None
    published_at: datetime | None = _ts(default=None)
    published_precision: str | None = Field(default=None, max_length=10)
    language: str | None = Field(default=None, max_length=20)
    owner_response_raw_date: str | None = None  # the response's date as shown
    owner_response_at: datetime | None = _ts(default=None)
    # The site marks the review as edited ("Updated review"), and shows the first version's
    # date beside the current one.
    updated_on_site: bool = False
    original_published_raw: str | None = None
    original_published_at: datetime | None = _ts(default=None)
    url: str | None = None


#: The item fields the store keeps for a review.
REVIEW_FIELDS: tuple[str, ...] = tuple(ReviewBase.model_fields)
#: The fields whose change is an edit.
CONTENT_FIELDS: tuple[str, ...] = tuple(ReviewContent.model_fields)


class Review(ReviewBase, table=True):
    """A review as the site shows it now; superseded content lives in ReviewVersion."""

    __table_args__ = (
        # A review is identified within its listing: two listings (or clinics) whose pages
        # give the same id ("#r0") keep two reviews.
        sa.UniqueConstraint("listing_id", "review_key", name="uq_review_listing_key"),
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
    content_hash: str = Field(max_length=64)
    # The content hash the compliance findings were last worked out for (None: not yet).
    checked_hash: str | None = Field(default=None, max_length=64)
    first_seen_at: datetime = _ts(default_factory=utcnow)
    last_seen_at: datetime = _ts(default_factory=utcnow)
    first_seen_run_id: int | None = Field(default=None, foreign_key="crawlrun.id")
    last_seen_run_id: int | None = Field(default=None, foreign_key="crawlrun.id")
    edited_at: datetime | None = _ts(default=None)
    removed_at: datetime | None = _ts(default=None, index=True)
    version_count: int = 1


class ReviewRead(ReviewBase):
    id: int
    site: str
    listing_id: int
    first_seen_at: datetime
    edited_at: datetime | None = None
    removed_at: datetime | None = None
    version_count: int = 1


class VersionBase(ReviewContent):
    published_raw: str | None = None
    valid_from: datetime = _ts()
    valid_to: datetime = _ts()


class ReviewVersion(VersionBase, table=True):
    """Content a review had before an edit (the review row holds the current content)."""

    id: int | None = Field(default=None, primary_key=True)
    review_id: int = Field(foreign_key="review.id", index=True)
    run_id: int | None = Field(default=None, foreign_key="crawlrun.id")
    content_hash: str = Field(max_length=64)


class VersionRead(VersionBase):
    pass


class ReviewDetail(SQLModel):
    review: ReviewRead
    versions: list[VersionRead] = Field(default_factory=list)  # oldest first


# -- crawl runs ---------------------------------------------------------------------------
class RunCounts(SQLModel):
    """A run's counts, kept current as each page commits."""

    pages: int = 0
    items: int = 0
    listings_checked: int = 0
    new_reviews: int = 0
    changed_reviews: int = 0
    removed_reviews: int = 0
    errors: int = 0
    blocked: int = 0
    requests: int = 0


class RunBase(RunCounts):
    spider: str = Field(max_length=100)
    trigger: str = Field(default="cli", max_length=20)
    started_at: datetime = _ts(default_factory=utcnow, index=True)
    finished_at: datetime | None = _ts(default=None)
    status: str = _status(default=RunStatus.RUNNING, index=True)
    full_sweep: bool = True
    message: str | None = None
    coverage: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    degraded_fields: list[str] = Field(default_factory=list, sa_type=JSON)


class CrawlRun(RunBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    clinic_id: int | None = Field(default=None, foreign_key="clinic.id", index=True)
    stats: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)


class RunRead(RunBase):
    id: int
    clinic_id: int | None = None

    @property
    def duration_s(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


class ListingCheck(SQLModel, table=True):
    """How one listing fared in one run."""

    __table_args__ = (
        sa.UniqueConstraint("run_id", "listing_id", name="uq_check_run_listing"),
        # "Had the listing been read before this run?" in one index seek (new reviews).
        sa.Index("ix_listingcheck_listing_run_status", "listing_id", "run_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="crawlrun.id", index=True)
    listing_id: int = Field(foreign_key="listing.id", index=True)
    status: str = _status()
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
    # Which fields the listing gave in this run (crawlers/coverage.py: the layout watch).
    fields: list[str] = Field(default_factory=list, sa_type=JSON)
    checked_at: datetime = _ts(default_factory=utcnow)


class ProblemBase(SQLModel):
    run_id: int = Field(foreign_key="crawlrun.id", index=True)
    listing_id: int | None = Field(default=None, foreign_key="listing.id")
    url: str | None = None
    kind: str = Field(max_length=40)  # blocked, gone, unreadable, error, robots, shortfall, ...
    message: str
    at: datetime = _ts(default_factory=utcnow)


class CrawlProblem(ProblemBase, table=True):
    """Something that went wrong in a run, in plain words, with where."""

    id: int | None = Field(default=None, primary_key=True)


class ProblemRead(ProblemBase):
    site: str | None = None


class SourceHealth(SQLModel):
    """An active listing with its latest check, flagged stale or failing."""

    listing_id: int
    site: str
    url: str
    last_success_at: datetime | None = None
    last_crawled_at: datetime | None = None
    last_status: str | None = None  # the listing's own last status
    last_check_status: str | None = None  # the status of its latest listing check
    last_check_message: str | None = None
    shortfall: int | None = None
    stale: bool = False  # not crawled successfully for longer than the schedule allows
    failing: bool = False  # the latest attempt did not read it


# -- compliance ---------------------------------------------------------------------------
class FindingBase(SQLModel):
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
    first_seen_at: datetime = _ts(default_factory=utcnow)
    last_seen_at: datetime = _ts(default_factory=utcnow)


class Finding(FindingBase, table=True):
    """A compliance finding: an owner response, solicitation in own content, a disclosure."""

    __table_args__ = (sa.UniqueConstraint("clinic_id", "dedupe_key", name="uq_finding_key"),)

    id: int | None = Field(default=None, primary_key=True)
    clinic_id: int = Field(foreign_key="clinic.id", index=True)
    dedupe_key: str = Field(max_length=64)
    run_id: int | None = Field(default=None, foreign_key="crawlrun.id")


class FindingRead(FindingBase):
    id: int
    site: str | None = None
    # The finding's case: its latest case-log entry (None: nobody has recorded anything).
    case_status: str | None = None
    case_at: datetime | None = None
    case_user: str | None = None

    @property
    def open(self) -> bool:
        """Still needs attention: no case entry yet, or none that closes it."""
        return self.case_status is None or not CaseStatus(self.case_status).closes


class AuditBase(SQLModel):
    at: datetime = _ts(default_factory=utcnow, index=True)
    action_id: str = Field(max_length=100)
    rule_set: str = Field(max_length=100)
    rule_version: str = Field(max_length=40)
    model_version: str | None = Field(default=None, max_length=40)  # the checker's model
    origin: str = Field(max_length=40)  # dashboard, cli, crawler, ...
    user: str | None = Field(default=None, max_length=200)
    clinic_id: int | None = Field(default=None, foreign_key="clinic.id")
    target: str | None = None  # e.g. "review 42" (never the reviewer's identity)
    detail: str | None = None


class AuditEntry(AuditBase, table=True):
    """A blocked attempt.  Append-only and hash-chained (see store/audit.py)."""

    id: int | None = Field(default=None, primary_key=True)
    prev_hash: str | None = Field(default=None, max_length=64)  # the entry before's hash
    entry_hash: str = Field(max_length=64)  # SHA-256 of prev_hash + this entry's content


class AppendOnlyError(RuntimeError):
    """Raised when code tries to change or delete an audit row."""


class AuditRead(AuditBase):
    id: int


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


# -- the compliance case log --------------------------------------------------------------
class CaseStatus(StrEnum):
    """What someone recorded about a finding (the case log's verbs, in order of a case)."""

    ACKNOWLEDGED = "acknowledged"  # seen; someone is looking into it
    REPORTED = "reported"  # reported through the site's own reporting route
    NOT_A_BREACH = "not_a_breach"  # looked into: nothing to do
    RESOLVED = "resolved"  # dealt with

    @property
    def closes(self) -> bool:
        """The finding needs no more attention after this entry."""
        return self in (CaseStatus.NOT_A_BREACH, CaseStatus.RESOLVED)


class CaseEntryBase(SQLModel):
    finding_id: int = Field(foreign_key="finding.id", index=True)
    clinic_id: int = Field(foreign_key="clinic.id", index=True)
    at: datetime = _ts(default_factory=utcnow)
    status: str = _status()
    note: str | None = None
    user: str | None = Field(default=None, max_length=200)  # the signed-in or OS user
    origin: str = Field(default="dashboard", max_length=40)


class CaseEntry(CaseEntryBase, table=True):
    """One step of a finding's case.  Append-only: the history is never rewritten."""

    id: int | None = Field(default=None, primary_key=True)


class CaseEntryRead(CaseEntryBase):
    id: int


# -- privacy ------------------------------------------------------------------------------
class ErasureBase(SQLModel):
    review_id: int = Field(foreign_key="review.id", unique=True)
    at: datetime = _ts(default_factory=utcnow)
    reason: str = Field(max_length=20)  # "erase" (a person's request) or "retention"
    user: str | None = Field(default=None, max_length=200)


class ReviewErasure(ErasureBase, table=True):
    """A review whose reviewer-written content was erased; it stays erased (the purge after
    each crawl erases again whatever a later crawl brings back)."""

    id: int | None = Field(default=None, primary_key=True)


@event.listens_for(Session, "before_flush")
def _logs_are_append_only(session: Session, _ctx: Any, _instances: Any) -> None:
    """The ORM refuses to change or delete an audit or case-log row, wherever the models
    are used (the databases refuse it too: see the migrations' triggers)."""
    for obj in list(session.dirty) + list(session.deleted):
        if obj in session.deleted or session.is_modified(obj):
            if isinstance(obj, AuditEntry):
                raise AppendOnlyError("the audit log is append-only: entries cannot be changed")
            if isinstance(obj, CaseEntry):
                raise AppendOnlyError("the case log is append-only: entries cannot be changed")
