"""Writes.  Keyword-only functions taking the session; the caller owns the transaction.

Upserts are idempotent: writing the same listing facts or the same reviews again changes
``last_seen`` fields only, and adds no review, version or snapshot row.  Run bookkeeping
(runs, checks, problems) is in :mod:`store.runs`.
"""

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, SQLModel, col, func, select

from store.models import (
    CONTENT_FIELDS,
    FACT_FIELDS,
    REVIEW_FIELDS,
    CaseEntry,
    CaseStatus,
    Clinic,
    Finding,
    Listing,
    ListingSnapshot,
    ListingStatus,
    Notification,
    Origin,
    Review,
    ReviewVersion,
    utcnow,
)
from store.privacy import NameMode, initials, reduce_name
from store.secrets import scrub

PRECISION_WINDOW = {
    "second": timedelta(days=1),
    "day": timedelta(days=1),
    "week": timedelta(days=8),
    "month": timedelta(days=32),
    "year": timedelta(days=366),
}


def _digest(*parts: Any) -> str:
    blob = json.dumps(parts, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _norm_text(value: Any) -> Any:
    return " ".join(value.split()) if isinstance(value, str) else value


def _as_compared(field: str, value: Any) -> Any:
    """A content field as an edit is judged: text whitespace-folded; a rating to one decimal
    (a site that shows 4.75 where its markup said 4.8 has not been edited)."""
    if field == "rating" and isinstance(value, int | float):
        return round(float(value), 1)
    return _norm_text(value)


def content_hash(review: Mapping[str, Any]) -> str:
    """What counts as an edit: rating, title, text or owner response."""
    return _digest(*(_as_compared(f, review.get(f)) for f in CONTENT_FIELDS))


def facts_fingerprint(facts: Mapping[str, Any]) -> str:
    return _digest(*(_norm_text(facts.get(f)) for f in FACT_FIELDS))


# -- clinics and listings -----------------------------------------------------------------
def ensure_clinic(session: Session, *, key: str, name: str, **facts: Any) -> int:
    """Create the clinic or bring its canonical facts up to date; return its id."""
    clinic = session.exec(select(Clinic).where(Clinic.key == key)).first()
    if clinic is None:
        clinic = Clinic(key=key, name=name, **facts)
        session.add(clinic)
    else:
        clinic.name = name
        for name_, value in facts.items():
            setattr(clinic, name_, value)
    session.flush()
    return clinic.id


def _listing_by_url(session: Session, clinic_id: int, url: str) -> Listing | None:
    return session.exec(
        select(Listing).where(Listing.clinic_id == clinic_id, Listing.url == url)
    ).first()


def ensure_listing(
    session: Session,
    *,
    clinic_id: int,
    site: str,
    url: str,
    origin: str = Origin.CONFIGURED,
    enabled: bool = True,
) -> int:
    """The listing for a configured source (a discovered one becomes configured); its id."""
    listing = _listing_by_url(session, clinic_id, url)
    if listing is None:
        listing = Listing(clinic_id=clinic_id, site=site, url=url, origin=origin, enabled=enabled)
        session.add(listing)
    else:
        listing.enabled = enabled
        if origin == Origin.CONFIGURED and listing.origin in (Origin.DISCOVERED, Origin.DISMISSED):
            listing.origin = Origin.CONFIGURED
    session.flush()
    return listing.id


def record_discovered(
    session: Session,
    *,
    clinic_id: int,
    site: str,
    url: str,
    match_reason: str | None = None,
    site_listing_id: str | None = None,
) -> int | None:
    """Store a listing found by a search, unless it is known already (or was dismissed)."""
    existing = _listing_by_url(session, clinic_id, url)
    if existing is None and site_listing_id:
        existing = session.exec(
            select(Listing).where(
                Listing.clinic_id == clinic_id,
                Listing.site == site,
                Listing.site_listing_id == site_listing_id,
            )
        ).first()
    if existing is not None:
        return None
    listing = Listing(
        clinic_id=clinic_id,
        site=site,
        url=url,
        origin=Origin.DISCOVERED,
        enabled=False,
        match_reason=match_reason,
        site_listing_id=site_listing_id,
    )
    session.add(listing)
    session.flush()
    return listing.id


def decide_listing(session: Session, *, clinic_id: int, listing_id: int, decision: str) -> str:
    """Confirm a discovered listing as the clinic's, or dismiss it for good; its URL.

    Raises LookupError for a listing that is not the clinic's and ValueError for one that
    is in the config file (it is removed there, not here)."""
    if decision not in (Origin.CONFIRMED, Origin.DISMISSED):
        raise ValueError("decision must be 'confirmed' or 'dismissed'")
    listing = session.get(Listing, listing_id)
    if listing is None or listing.clinic_id != clinic_id:
        raise LookupError(f"no listing {listing_id} for this clinic")
    if listing.origin == Origin.CONFIGURED:
        raise ValueError(f"listing {listing_id} is in the config file; remove it there instead")
    listing.origin = decision
    listing.enabled = decision == Origin.CONFIRMED
    listing.decided_at = utcnow()
    session.flush()
    return listing.url


def update_listing(session: Session, listing_id: int, **fields: Any) -> None:
    """Set bookkeeping fields of a listing (validators, the last full sweep)."""
    listing = session.get(Listing, listing_id)
    for name, value in fields.items():
        setattr(listing, name, value)


def mark_gone(session: Session, *, listing_id: int, at: datetime) -> None:
    """The site says the listing no longer exists (kept: since when)."""
    listing = session.get(Listing, listing_id)
    if listing.gone_at is None:
        listing.gone_at = at


def close_listing(
    session: Session, *, listing_id: int, status: ListingStatus, at: datetime
) -> None:
    """A run is done with the listing: its last status, and when it was last read."""
    listing = session.get(Listing, listing_id)
    listing.last_crawled_at = at
    listing.last_status = status
    if status.read:
        listing.last_success_at = at
        listing.gone_at = None  # it is back, if it was gone


# -- listing facts ------------------------------------------------------------------------
def record_facts(
    session: Session,
    *,
    listing_id: int,
    facts: Mapping[str, Any],
    seen_at: datetime,
    run_id: int | None = None,
) -> bool:
    """Store the facts a listing showed; a new snapshot only when one of them changed.
    Returns whether a snapshot was written."""
    listing = session.get(Listing, listing_id)
    fingerprint = facts_fingerprint(facts)
    if site_id := facts.get("site_listing_id"):
        listing.site_listing_id = str(site_id)
    if listing.latest_snapshot_id:
        latest = session.get(ListingSnapshot, listing.latest_snapshot_id)
        if latest is not None and latest.fingerprint == fingerprint:
            return False
    values = {f: facts.get(f) for f in FACT_FIELDS}
    for name in ("hours", "categories", "additional_addresses"):
        values[name] = list(values[name] or [])
    snapshot = ListingSnapshot(
        listing_id=listing_id, run_id=run_id, captured_at=seen_at, fingerprint=fingerprint, **values
    )
    session.add(snapshot)
    session.flush()
    listing.latest_snapshot_id = snapshot.id
    return True


# -- reviews ------------------------------------------------------------------------------
@dataclass
class ReviewOutcome:
    """What one batch of reviews did to the store."""

    new: list[int] = field(default_factory=list)  # review ids first seen now
    changed: list[int] = field(default_factory=list)  # edited: the old content is kept
    unchanged: int = 0


def derived_key(
    listing_url: str, author: str | None, published_at: datetime | None, published_raw: str | None
) -> str:
    """The key of a review the site gives no id to: its listing, its author's initials (what
    is kept of a name whatever ``[privacy] keep_reviewer_names`` says, so the key does not
    change when the setting does) and the day it was published."""
    day = published_at.date().isoformat() if published_at is not None else published_raw
    return "k:" + _digest(listing_url, initials(author), day)[:40]


def _derived_key(listing: Listing, review: Mapping[str, Any], candidates: list[Review]) -> str:
    """A key for a review the site gives no id to, stable across text edits.

    A relative date ("3 weeks ago") drifts between crawls, so an existing review by the same
    author (by initials) whose date lies within the precision window is taken to be the
    same review."""
    author = initials(review.get("author"))
    published = review.get("published_at")
    precision = review.get("published_precision") or "day"
    if published is not None and precision not in ("second", "day"):
        window = PRECISION_WINDOW.get(str(precision), timedelta(days=1))
        for existing in candidates:
            if (
                initials(existing.author) == author
                and existing.published_at is not None
                and abs(existing.published_at - published) <= window
            ):
                return existing.review_key
    return derived_key(listing.url, review.get("author"), published, review.get("published_raw"))


def _free_key(
    key: str, digest: str, existing: dict[str, Review], seen: set[str], run_id: int | None
) -> str | None:
    """The derived key for this review among the reviews that share its base key.

    Two different reviews by one display name on one day of a listing (no site id) share a
    derived key; the second is ``key#2`` and so on, not an edit of the first.  A stored one
    with the same content is the same review, whichever order the page shows them in;
    otherwise the first key not already read in this crawl.  None: the very same review,
    read twice in this crawl."""

    def taken(k: str) -> bool:
        other = existing.get(k)
        return k in seen or (
            other is not None and run_id is not None and other.last_seen_run_id == run_id
        )

    family = [key]
    while f"{key}#{len(family) + 1}" in existing:  # suffixes are given in order
        family.append(f"{key}#{len(family) + 1}")
    for k in family:
        if existing.get(k) is not None and existing[k].content_hash == digest:
            return None if taken(k) else k
    for k in family:
        if not taken(k):
            return k
    return f"{key}#{len(family) + 1}"


def upsert_reviews(
    session: Session,
    *,
    listing_id: int,
    reviews: Iterable[Mapping[str, Any]],
    seen_at: datetime,
    run_id: int | None = None,
    names: NameMode = "as_shown",
) -> ReviewOutcome:
    """Insert new reviews, version edited ones, touch unchanged ones.  Reviewer names are
    kept only as ``names`` allows (``[privacy] keep_reviewer_names``): a full name that
    may not be kept is never written."""
    reviews = list(reviews)
    outcome = ReviewOutcome()
    if not reviews:
        return outcome
    listing = session.get(Listing, listing_id)
    ids = [f"id:{r['site_review_id']}" for r in reviews if r.get("site_review_id")]
    existing: dict[str, Review] = {}
    if ids:
        existing = {
            r.review_key: r
            for r in session.exec(
                select(Review).where(
                    Review.listing_id == listing.id, col(Review.review_key).in_(ids)
                )
            )
        }
    unkeyed: list[Review] | None = None
    seen_keys: set[str] = set()
    added: list[Review] = []
    for data in reviews:
        if data.get("site_review_id"):
            key = f"id:{data['site_review_id']}"
        else:
            if unkeyed is None:
                unkeyed = list(
                    session.exec(
                        select(Review).where(
                            Review.listing_id == listing.id, col(Review.site_review_id).is_(None)
                        )
                    )
                )
                existing.update({r.review_key: r for r in unkeyed})
            key = _derived_key(listing, data, unkeyed)
        digest = content_hash(data)
        if not data.get("site_review_id"):
            key = _free_key(key, digest, existing, seen_keys, run_id)
        if key is None or key in seen_keys:  # the same review twice on a page or in a run
            continue
        seen_keys.add(key)
        review = existing.get(key)
        if review is None:
            review = Review(
                clinic_id=listing.clinic_id,
                listing_id=listing.id,
                site=listing.site,
                review_key=key,
                content_hash=digest,
                first_seen_at=seen_at,
                last_seen_at=seen_at,
                first_seen_run_id=run_id,
                last_seen_run_id=run_id,
                **_review_values(data, names),
            )
            session.add(review)
            existing[key] = review
            added.append(review)
            if unkeyed is not None and not data.get("site_review_id"):
                unkeyed.append(review)
            continue
        review.last_seen_at = seen_at
        review.last_seen_run_id = run_id
        review.removed_at = None  # seen again: it is back, if it was gone
        if review.content_hash == digest:
            if data.get("rating") is not None and review.rating != data.get("rating"):
                review.rating = data["rating"]  # the same rating, read more precisely
            outcome.unchanged += 1
            continue
        session.add(
            ReviewVersion(
                review_id=review.id,
                run_id=run_id,
                valid_from=review.edited_at or review.first_seen_at,
                valid_to=seen_at,
                published_raw=review.published_raw,
                content_hash=review.content_hash,
                **{f: getattr(review, f) for f in CONTENT_FIELDS},
            )
        )
        values = _review_values(data, names)
        if review.published_at is not None:
            # Keep the first, most precise date; relative dates drift between crawls.
            for name in ("published_at", "published_precision", "published_raw"):
                values.pop(name, None)
        for name, value in values.items():
            setattr(review, name, value)
        review.content_hash = digest
        review.edited_at = seen_at
        review.version_count += 1
        outcome.changed.append(review.id)
    session.flush()
    outcome.new = [r.id for r in added]
    return outcome


def _review_values(data: Mapping[str, Any], names: NameMode = "as_shown") -> dict[str, Any]:
    values = {f: data.get(f) for f in REVIEW_FIELDS}
    values["author"] = reduce_name(values["author"], names)
    values["updated_on_site"] = bool(values["updated_on_site"])
    if values["site_review_id"] is not None:
        values["site_review_id"] = str(values["site_review_id"])
    if values["published_precision"] is not None:
        values["published_precision"] = str(values["published_precision"])
    return values


def mark_removed(session: Session, *, listing_id: int, run_id: int, seen_at: datetime) -> int:
    """After a complete full sweep of a listing: reviews it no longer shows are removed.

    Never deleted: ``removed_at`` is set and the row stays.  Returns how many."""
    gone = session.exec(
        select(Review).where(
            Review.listing_id == listing_id,
            col(Review.removed_at).is_(None),
            (col(Review.last_seen_run_id) != run_id) | col(Review.last_seen_run_id).is_(None),
        )
    ).all()
    for review in gone:
        review.removed_at = seen_at
    session.flush()
    return len(gone)


def visible_review_count(session: Session, *, listing_id: int) -> int:
    return session.exec(
        select(func.count())
        .select_from(Review)
        .where(Review.listing_id == listing_id, col(Review.removed_at).is_(None))
    ).one()


# -- compliance ---------------------------------------------------------------------------
def record_finding(
    session: Session,
    *,
    clinic_id: int,
    kind: str,
    dedupe_key: str,
    seen_at: datetime | None = None,
    **fields: Any,
) -> tuple[int, bool]:
    """Insert a compliance finding, or touch it when already known; (id, is_new)."""
    seen_at = seen_at or utcnow()
    finding = session.exec(
        select(Finding).where(Finding.clinic_id == clinic_id, Finding.dedupe_key == dedupe_key)
    ).first()
    if finding is not None:
        finding.last_seen_at = seen_at
        return finding.id, False
    finding = Finding(
        clinic_id=clinic_id,
        kind=kind,
        dedupe_key=dedupe_key,
        first_seen_at=seen_at,
        last_seen_at=seen_at,
        **fields,
    )
    session.add(finding)
    session.flush()
    return finding.id, True


ReviewChecker = Callable[[Mapping[str, Any]], Iterable[Mapping[str, Any]]]


def check_reviews(
    session: Session,
    *,
    listing_id: int,
    checker: ReviewChecker,
    seen_at: datetime,
    run_id: int | None = None,
) -> int:
    """Work out the compliance findings of every review of the listing whose current
    content was not checked yet (new, edited, or left unchecked by a crawl that died),
    record them, and mark the reviews checked.  ``checker`` maps a review's fields to
    finding records (``kind``, ``dedupe_key`` and the Finding's other fields).
    Returns the number of new findings."""
    listing = session.get(Listing, listing_id)
    unchecked = session.exec(
        select(Review).where(
            Review.listing_id == listing_id,
            (col(Review.checked_hash).is_(None))
            | (col(Review.checked_hash) != Review.content_hash),
        )
    ).all()
    new = 0
    for review in unchecked:
        data = review.model_dump(include={*REVIEW_FIELDS, "site"})
        data["review_key"] = f"{listing.url} {review.review_key}"  # unique within the clinic
        data["listing_url"] = listing.url
        for record in checker(data):
            _id, is_new = record_finding(
                session,
                clinic_id=listing.clinic_id,
                seen_at=seen_at,
                review_id=review.id,
                listing_id=listing_id,
                source_url=review.url or listing.url,
                run_id=run_id,
                **record,
            )
            new += int(is_new)
        review.checked_hash = review.content_hash
    return new


def record_notification(
    session: Session, *, kind: str, title: str, ok: bool, error: str | None = None, **fields: Any
) -> None:
    session.add(Notification(kind=kind, title=scrub(title), ok=ok, error=scrub(error), **fields))


# -- the compliance case log --------------------------------------------------------------
def append_case_entry(
    session: Session,
    *,
    finding_id: int,
    status: CaseStatus | str,
    note: str | None = None,
    user: str | None = None,
    origin: str = "dashboard",
    at: datetime | None = None,
) -> int:
    """Append a step to a finding's case (the only way rows get there); its id.

    Raises LookupError for an unknown finding and ValueError for an unknown status.  The
    clinic is the finding's own, so a case entry can never land on another clinic."""
    status = CaseStatus(status)
    finding = session.get(Finding, finding_id)
    if finding is None:
        raise LookupError(f"no finding {finding_id}")
    entry = CaseEntry(
        finding_id=finding_id,
        clinic_id=finding.clinic_id,
        status=status,
        note=(note or "").strip() or None,
        user=user,
        origin=origin,
        at=at or utcnow(),
    )
    session.add(entry)
    session.flush()
    return entry.id


# -- bulk loading -------------------------------------------------------------------------
def insert_rows(session: Session, model: type[SQLModel], rows: list[dict[str, Any]]) -> list[int]:
    """Insert many rows of one table at once (SQLAlchemy Core, in batches); their ids, in
    the order given.  Rows are plain column values; missing keys are NULL."""
    table = model.__table__
    keys = sorted({k for row in rows for k in row})
    statement = sa.insert(table).returning(table.c.id, sort_by_parameter_order=True)
    ids: list[int] = []
    for start in range(0, len(rows), 20_000):
        batch = [{k: row.get(k) for k in keys} for row in rows[start : start + 20_000]]
        ids += session.execute(statement, batch).scalars().all()
    return ids


def relink_latest_snapshots(session: Session) -> None:
    """Point every listing at its newest snapshot (after snapshots were bulk-loaded)."""
    newest = (
        select(func.max(ListingSnapshot.id))
        .where(ListingSnapshot.listing_id == Listing.id)
        .scalar_subquery()
    )
    session.execute(sa.update(Listing).values(latest_snapshot_id=newest))
