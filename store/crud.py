"""Writes.  Keyword-only functions taking the session; the caller owns the transaction.

Upserts are idempotent: writing the same listing facts or the same reviews again changes
``last_seen`` fields only, and adds no review, version or snapshot row.
"""

import hashlib
import json
import logging
import os
import socket
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import event
from sqlmodel import Session, col, select

from store.models import (
    AuditEntry,
    Clinic,
    CrawlProblem,
    CrawlRun,
    Finding,
    Listing,
    ListingCheck,
    ListingSnapshot,
    Notification,
    Review,
    ReviewVersion,
    utcnow,
)

logger = logging.getLogger(__name__)

FACT_FIELDS = (
    "name",
    "street_address",
    "locality",
    "region",
    "postal_code",
    "country",
    "phone",
    "website",
    "hours",
    "categories",
    "rating",
    "review_count",
)
CONTENT_FIELDS = ("rating", "title", "text", "owner_response")
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


def content_hash(review: Mapping[str, Any]) -> str:
    """What counts as an edit: rating, title, text or owner response (whitespace-folded)."""
    return _digest(*(_norm_text(review.get(f)) for f in CONTENT_FIELDS))


def facts_fingerprint(facts: Mapping[str, Any]) -> str:
    return _digest(*(_norm_text(facts.get(f)) for f in FACT_FIELDS))


# -- clinics and listings -----------------------------------------------------------------
def ensure_clinic(session: Session, *, key: str, name: str, **facts: Any) -> Clinic:
    """Create the clinic or bring its canonical facts up to date with the config."""
    clinic = session.exec(select(Clinic).where(Clinic.key == key)).first()
    if clinic is None:
        clinic = Clinic(key=key, name=name, **facts)
        session.add(clinic)
    else:
        clinic.name = name
        for field, value in facts.items():
            setattr(clinic, field, value)
    session.flush()
    return clinic


def ensure_listing(
    session: Session,
    *,
    clinic_id: int,
    site: str,
    url: str,
    origin: str = "configured",
    enabled: bool = True,
) -> Listing:
    """The listing for a configured source (a discovered one becomes configured)."""
    listing = session.exec(
        select(Listing).where(Listing.clinic_id == clinic_id, Listing.url == url)
    ).first()
    if listing is None:
        listing = Listing(clinic_id=clinic_id, site=site, url=url, origin=origin, enabled=enabled)
        session.add(listing)
    else:
        listing.enabled = enabled
        if origin == "configured" and listing.origin in ("discovered", "dismissed"):
            listing.origin = "configured"
    session.flush()
    return listing


def record_discovered(
    session: Session,
    *,
    clinic_id: int,
    site: str,
    url: str,
    match_reason: str | None = None,
    site_listing_id: str | None = None,
) -> Listing | None:
    """Store a listing found by a search, unless it is known already (or was dismissed)."""
    existing = session.exec(
        select(Listing).where(Listing.clinic_id == clinic_id, Listing.url == url)
    ).first()
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
        origin="discovered",
        enabled=False,
        match_reason=match_reason,
        site_listing_id=site_listing_id,
    )
    session.add(listing)
    session.flush()
    return listing


def decide_listing(session: Session, *, listing_id: int, decision: str) -> Listing:
    """Confirm a discovered listing as the clinic's, or dismiss it for good."""
    if decision not in ("confirmed", "dismissed"):
        raise ValueError("decision must be 'confirmed' or 'dismissed'")
    listing = session.get(Listing, listing_id)
    if listing is None:
        raise LookupError(f"no listing with id {listing_id}")
    listing.origin = decision
    listing.enabled = decision == "confirmed"
    listing.decided_at = utcnow()
    session.flush()
    return listing


# -- crawl runs ---------------------------------------------------------------------------
def start_run(
    session: Session,
    *,
    clinic_id: int | None,
    spider: str,
    trigger: str = "cli",
    full_sweep: bool = True,
) -> CrawlRun:
    run = CrawlRun(
        clinic_id=clinic_id,
        spider=spider,
        trigger=trigger,
        full_sweep=full_sweep,
        # Who runs it, so a later crawl can tell a run that is still going from one whose
        # process died (see mark_interrupted_runs).
        stats={"host": socket.gethostname(), "pid": os.getpid()},
    )
    session.add(run)
    session.flush()
    return run


def finish_run(session: Session, *, run: CrawlRun, status: str, **fields: Any) -> CrawlRun:
    run = session.merge(run)
    run.status = status
    run.finished_at = utcnow()
    for name, value in fields.items():
        setattr(run, name, value)
    session.flush()
    return run


def mark_interrupted_runs(
    session: Session,
    *,
    older_than: datetime | None = None,
    stale_after: timedelta = timedelta(days=2),
) -> int:
    """Runs still 'running' that no process finishes any more (killed, crashed).

    A run started on this host whose process is gone is interrupted; so is a run from
    another host (a Scrapyd node) that has been 'running' longer than ``stale_after``.
    A run whose process is still alive (another spider of the same crawl, a parallel
    Scrapyd job) is left alone.  ``older_than`` marks every running run started before it.
    """
    host, now = socket.gethostname(), utcnow()
    runs = session.exec(select(CrawlRun).where(col(CrawlRun.status) == "running")).all()
    dead = []
    for run in runs:
        info = run.stats or {}
        started = run.started_at if run.started_at.tzinfo else run.started_at.replace(tzinfo=UTC)
        if older_than is not None:
            if started < older_than:
                dead.append(run)
        elif info.get("host") == host and info.get("pid") is not None:
            if not _alive(int(info["pid"])):
                dead.append(run)
        elif now - started > stale_after:
            dead.append(run)
    for run in dead:
        run.status = "interrupted"
        run.finished_at = now
        run.message = "the run never finished (killed or crashed); what it wrote before is kept"
    session.flush()
    return len(dead)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def record_problem(
    session: Session,
    *,
    run_id: int,
    kind: str,
    message: str,
    listing_id: int | None = None,
    url: str | None = None,
) -> CrawlProblem:
    problem = CrawlProblem(
        run_id=run_id, listing_id=listing_id, url=url, kind=kind, message=message
    )
    session.add(problem)
    return problem


def record_check(session: Session, *, run_id: int, listing_id: int, **fields: Any) -> ListingCheck:
    """The per-listing outcome of a run (one row per run and listing)."""
    check = session.exec(
        select(ListingCheck).where(
            ListingCheck.run_id == run_id, ListingCheck.listing_id == listing_id
        )
    ).first()
    if check is None:
        check = ListingCheck(run_id=run_id, listing_id=listing_id, **fields)
        session.add(check)
    else:
        for name, value in fields.items():
            setattr(check, name, value)
    return check


# -- listing facts ------------------------------------------------------------------------
def record_facts(
    session: Session,
    *,
    listing: Listing,
    facts: Mapping[str, Any],
    seen_at: datetime,
    run_id: int | None = None,
) -> tuple[ListingSnapshot, bool]:
    """Store the facts a listing showed; a new snapshot only when one of them changed."""
    fingerprint = facts_fingerprint(facts)
    latest = (
        session.get(ListingSnapshot, listing.latest_snapshot_id)
        if listing.latest_snapshot_id
        else None
    )
    if site_id := facts.get("site_listing_id"):
        listing.site_listing_id = str(site_id)
    if latest is not None and latest.fingerprint == fingerprint:
        return latest, False
    values = {f: facts.get(f) for f in FACT_FIELDS}
    values["hours"] = list(values["hours"] or [])
    values["categories"] = list(values["categories"] or [])
    snapshot = ListingSnapshot(
        listing_id=listing.id, run_id=run_id, captured_at=seen_at, fingerprint=fingerprint, **values
    )
    session.add(snapshot)
    session.flush()
    listing.latest_snapshot_id = snapshot.id
    return snapshot, True


# -- reviews ------------------------------------------------------------------------------
def _derived_key(
    session: Session, *, listing: Listing, review: Mapping[str, Any], candidates: list[Review]
) -> str:
    """A key for a review the site gives no id to, stable across text edits.

    Built from the listing, the author's display name and the published date.  A relative
    date ("3 weeks ago") drifts between crawls, so an existing review by the same author
    whose date lies within the precision window is taken to be the same review.
    """
    author = _norm_text(review.get("author") or "")
    published = review.get("published_at")
    precision = review.get("published_precision") or "day"
    if published is not None and precision not in ("second", "day"):
        window = PRECISION_WINDOW.get(str(precision), timedelta(days=1))
        for existing in candidates:
            if (
                _norm_text(existing.author or "") == author
                and existing.published_at is not None
                and abs(existing.published_at - published) <= window
            ):
                return existing.review_key
    day = published.date().isoformat() if published is not None else review.get("published_raw")
    return "k:" + _digest(listing.url, author, day)[:40]


def upsert_reviews(
    session: Session,
    *,
    listing: Listing,
    reviews: Iterable[Mapping[str, Any]],
    seen_at: datetime,
    run_id: int | None = None,
) -> dict[str, list[Review]]:
    """Insert new reviews, version edited ones, touch unchanged ones.

    Returns the reviews by outcome: ``new``, ``changed`` (text, rating, title or owner
    response edited; the old content is kept in ReviewVersion), ``unchanged``.
    """
    reviews = list(reviews)
    outcome: dict[str, list[Review]] = {"new": [], "changed": [], "unchanged": []}
    if not reviews:
        return outcome
    ids = [f"id:{r['site_review_id']}" for r in reviews if r.get("site_review_id")]
    existing = (
        {
            r.review_key: r
            for r in session.exec(
                select(Review).where(Review.site == listing.site, col(Review.review_key).in_(ids))
            )
        }
        if ids
        else {}
    )
    unkeyed_candidates: list[Review] | None = None
    seen_keys: set[str] = set()
    for data in reviews:
        if data.get("site_review_id"):
            key = f"id:{data['site_review_id']}"
        else:
            if unkeyed_candidates is None:
                unkeyed_candidates = list(
                    session.exec(
                        select(Review).where(
                            Review.listing_id == listing.id, col(Review.site_review_id).is_(None)
                        )
                    )
                )
                existing.update({r.review_key: r for r in unkeyed_candidates})
            key = _derived_key(session, listing=listing, review=data, candidates=unkeyed_candidates)
        if key in seen_keys:  # the same review twice on one page or in one call
            continue
        seen_keys.add(key)
        digest = content_hash(data)
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
                **_review_values(data),
            )
            session.add(review)
            existing[key] = review
            if unkeyed_candidates is not None and not data.get("site_review_id"):
                unkeyed_candidates.append(review)
            outcome["new"].append(review)
            continue
        review.last_seen_at = seen_at
        review.last_seen_run_id = run_id
        if review.removed_at is not None:
            review.removed_at = None  # it is back
        if review.content_hash == digest:
            outcome["unchanged"].append(review)
            continue
        session.add(
            ReviewVersion(
                review_id=review.id,
                run_id=run_id,
                valid_from=review.edited_at or review.first_seen_at,
                valid_to=seen_at,
                rating=review.rating,
                title=review.title,
                text=review.text,
                owner_response=review.owner_response,
                published_raw=review.published_raw,
                content_hash=review.content_hash,
            )
        )
        values = _review_values(data)
        if review.published_at is not None:
            # Keep the first, most precise date; relative dates drift between crawls.
            for field in ("published_at", "published_precision", "published_raw"):
                values.pop(field, None)
        for field, value in values.items():
            setattr(review, field, value)
        review.content_hash = digest
        review.edited_at = seen_at
        review.version_count += 1
        outcome["changed"].append(review)
    session.flush()
    return outcome


def _review_values(data: Mapping[str, Any]) -> dict[str, Any]:
    fields = (
        "site_review_id",
        "author",
        "rating",
        "best_rating",
        "published_raw",
        "published_at",
        "published_precision",
        "title",
        "text",
        "language",
        "owner_response",
        "owner_response_raw_date",
        "url",
    )
    values = {f: data.get(f) for f in fields}
    if values["site_review_id"] is not None:
        values["site_review_id"] = str(values["site_review_id"])
    if values["published_precision"] is not None:
        values["published_precision"] = str(values["published_precision"])
    return values


def mark_removed(
    session: Session, *, listing: Listing, run_id: int, seen_at: datetime
) -> list[Review]:
    """After a complete full sweep of a listing: reviews it no longer shows are removed.

    Never deleted: ``removed_at`` is set and the row stays.
    """
    gone = list(
        session.exec(
            select(Review).where(
                Review.listing_id == listing.id,
                col(Review.removed_at).is_(None),
                (col(Review.last_seen_run_id) != run_id) | col(Review.last_seen_run_id).is_(None),
            )
        )
    )
    for review in gone:
        review.removed_at = seen_at
    session.flush()
    return gone


def visible_review_count(session: Session, *, listing_id: int) -> int:
    from sqlalchemy import func

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
) -> tuple[Finding, bool]:
    """Insert a compliance finding, or touch it when already known; returns (row, is_new)."""
    seen_at = seen_at or utcnow()
    finding = session.exec(
        select(Finding).where(Finding.clinic_id == clinic_id, Finding.dedupe_key == dedupe_key)
    ).first()
    if finding is not None:
        finding.last_seen_at = seen_at
        return finding, False
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
    return finding, True


def append_audit(
    session: Session,
    *,
    action_id: str,
    rule_set: str,
    rule_version: str,
    origin: str,
    user: str | None = None,
    clinic_id: int | None = None,
    target: str | None = None,
    detail: str | None = None,
) -> AuditEntry:
    """Append a blocked attempt to the audit log (the only way rows get there)."""
    entry = AuditEntry(
        action_id=action_id,
        rule_set=rule_set,
        rule_version=rule_version,
        origin=origin,
        user=user,
        clinic_id=clinic_id,
        target=target,
        detail=detail,
    )
    session.add(entry)
    session.flush()
    return entry


def record_notification(
    session: Session, *, kind: str, title: str, ok: bool, error: str | None = None, **fields: Any
) -> Notification:
    note = Notification(kind=kind, title=title, ok=ok, error=error, **fields)
    session.add(note)
    return note


class AppendOnlyError(RuntimeError):
    """Raised when code tries to change or delete an audit row."""


@event.listens_for(Session, "before_flush")
def _audit_is_append_only(session: Session, _ctx: Any, _instances: Any) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEntry) and (obj in session.deleted or session.is_modified(obj)):
            raise AppendOnlyError("the audit log is append-only: entries cannot be changed")
