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

from store import statements as sql
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
    session: Session, *, clinic_id: int, site: str, url: str, enabled: bool = True
) -> int:
    """The listing for a configured source (a discovered one becomes configured); its id."""
    return ensure_listings(session, clinic_id=clinic_id, sources=[(site, url, enabled)])[url]


def ensure_listings(
    session: Session, *, clinic_id: int, sources: Iterable[tuple[str, str, bool]]
) -> dict[str, int]:
    """The listings for configured sources (site, url, enabled), url -> id: the known ones
    read in one query a batch (a discovered or dismissed one becomes configured), the new
    ones written in one flush."""
    sources = list(sources)
    known: dict[str, Listing] = {}
    urls = list(dict.fromkeys(url for _, url, _ in sources))
    for start in range(0, len(urls), 500):
        batch = urls[start : start + 500]
        known.update(
            (listing.url, listing)
            for listing in session.exec(
                select(Listing).where(Listing.clinic_id == clinic_id, col(Listing.url).in_(batch))
            )
        )
    for site, url, enabled in sources:
        listing = known.get(url)
        if listing is None:
            known[url] = Listing(clinic_id=clinic_id, site=site, url=url, enabled=enabled)
            session.add(known[url])
            continue
        listing.enabled = enabled
        if listing.origin in (Origin.DISCOVERED, Origin.DISMISSED):
            listing.origin = Origin.CONFIGURED
    session.flush()
    return {url: known[url].id for url in urls}


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
    sql.run(session, sql.UPDATE_LISTING, {"listing_id": listing_id, **fields}, writes=Listing)


def mark_gone(session: Session, *, listing_id: int, at: datetime) -> None:
    """The site says the listing no longer exists (kept: since when)."""
    listing = session.get(Listing, listing_id)
    if listing.gone_at is None:
        listing.gone_at = at


def close_listing(
    session: Session, *, listing_id: int, status: ListingStatus, at: datetime
) -> None:
    """A run is done with the listing: its last status, and when it was last read."""
    fields: dict[str, Any] = {"last_crawled_at": at, "last_status": status}
    if status.read:
        fields.update(last_success_at=at, gone_at=None)  # it is back, if it was gone
    update_listing(session, listing_id, **fields)


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
    fingerprint = facts_fingerprint(facts)
    known = sql.run(session, sql.FACTS_KNOWN, {"listing_id": listing_id}).one()
    fields: dict[str, Any] = {}
    if (site_id := facts.get("site_listing_id")) and str(site_id) != known.site_listing_id:
        fields["site_listing_id"] = str(site_id)
    written = known.fingerprint != fingerprint
    if written:
        values = {f: facts.get(f) for f in FACT_FIELDS}
        for name in ("hours", "categories", "additional_addresses"):
            values[name] = list(values[name] or [])
        snapshot = {"listing_id": listing_id, "run_id": run_id, "captured_at": seen_at}
        fields["latest_snapshot_id"] = sql.run(
            session, sql.INSERT_SNAPSHOT, {**snapshot, "fingerprint": fingerprint, **values}
        ).scalar_one()
    if fields:
        update_listing(session, listing_id, **fields)
    return written


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


def _derived_key(listing_url: str, review: Mapping[str, Any], candidates: list[Any]) -> str:
    """A key for a review the site gives no id to, stable across text edits.

    A relative date ("3 weeks ago") drifts between crawls, so an existing review by the same
    author (by initials) whose date lies within the precision window is taken to be the
    same review.  ``candidates``: the listing's id-less reviews (``review_key``, ``author``,
    ``published_at``), oldest first."""
    author = initials(review.get("author"))
    published = review.get("published_at")
    precision = review.get("published_precision") or "day"
    if published is not None and precision not in ("second", "day"):
        window = PRECISION_WINDOW.get(str(precision), timedelta(days=1))
        for existing in candidates:
            if (
                existing.published_at is not None
                and abs(existing.published_at - published) <= window
                and _same_author(listing_url, review.get("author"), author, existing)
            ):
                return existing.review_key
    return derived_key(listing_url, review.get("author"), published, review.get("published_raw"))


def _same_author(listing_url: str, name: str | None, author: str, existing: Any) -> bool:
    """Whether a stored id-less review was written by ``name`` (``author``: its initials).
    Its stored name says so when it was kept; when ``keep_reviewer_names`` kept none, its key
    does: the key holds the initials it was first read with."""
    if existing.author is not None or not author:
        return initials(existing.author) == author
    base = existing.review_key.split("#", 1)[0]
    return base == derived_key(listing_url, name, existing.published_at, existing.published_raw)


def _site_id(data: Mapping[str, Any]) -> str | None:
    """The site's own id of a review, or None: an empty or blank id is no id."""
    value = data.get("site_review_id")
    return (str(value).strip() or None) if value is not None else None


def _free_key(
    key: str, digest: str, existing: dict[str, Any], seen: set[str], run_id: int | None
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


@dataclass
class _Candidate:
    """A review added in this call, as a later id-less review of the call must see it."""

    review_key: str
    author: str | None
    published_at: datetime | None
    content_hash: str
    last_seen_run_id: int | None
    published_raw: str | None = None


def _known_reviews(
    session: Session, listing_id: int, keys: list[str], unkeyed: bool
) -> tuple[Any, list[Any]]:
    """In one query: the listing (clinic, site, url) and those of its reviews this page may
    hold: the ones with these keys, and with ``unkeyed`` every id-less one (oldest first)."""
    rows = sql.run(
        session, sql.known_reviews(unkeyed), {"listing_id": listing_id, "keys": keys}
    ).all()
    if not rows:
        raise LookupError(f"no listing {listing_id}")
    return rows[0], [r for r in rows if r.id is not None]


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
    may not be kept is never written.

    One query reads what the listing already holds of the page; new reviews go in with one
    ``INSERT … ON CONFLICT`` (a review another writer added meanwhile is touched, not
    doubled), and every review seen again is touched with one ``UPDATE``."""
    reviews = list(reviews)
    outcome = ReviewOutcome()
    if not reviews:
        return outcome
    ids = [f"id:{site_id}" for r in reviews if (site_id := _site_id(r))]
    listing, known = _known_reviews(session, listing_id, ids, len(ids) < len(reviews))
    existing: dict[str, Any] = {r.review_key: r for r in known}
    unkeyed: list[Any] = [r for r in known if r.site_review_id is None]
    seen_keys: set[str] = set()
    added: list[dict[str, Any]] = []
    touched: list[int] = []
    for data in reviews:
        digest = content_hash(data)
        if site_id := _site_id(data):
            key: str | None = f"id:{site_id}"
        else:
            base = _derived_key(listing.url, data, unkeyed)
            key = _free_key(base, digest, existing, seen_keys, run_id)
        if key is None or key in seen_keys:  # the same review twice on a page or in a run
            continue
        seen_keys.add(key)
        review = existing.get(key)
        if review is None:
            values = _review_values(data, names)
            added.append(
                {
                    **values,
                    "clinic_id": listing.clinic_id,
                    "listing_id": listing_id,
                    "site": listing.site,
                    "review_key": key,
                    "content_hash": digest,
                    "first_seen_at": seen_at,
                    "last_seen_at": seen_at,
                    "first_seen_run_id": run_id,
                    "last_seen_run_id": run_id,
                }
            )
            if site_id is None:
                candidate = _Candidate(
                    key,
                    values["author"],
                    values["published_at"],
                    digest,
                    run_id,
                    values["published_raw"],
                )
                unkeyed.append(candidate)
                existing[key] = candidate
            continue
        touched.append(review.id)
        if review.content_hash == digest:
            rating = data.get("rating")
            if rating is not None and review.rating != rating:
                # The same rating, read more precisely (4.8 -> 4.75): refined, not an edit.
                params = {"review_id": review.id, "rating": rating}
                sql.run(session, sql.REFINE_RATING, params, writes=Review)
            outcome.unchanged += 1
            continue
        _record_edit(session, review, data, digest, seen_at, run_id, names)
        outcome.changed.append(review.id)
    if touched:
        params = {"ids": touched, "seen_at": seen_at, "run_id": run_id}
        sql.run(session, sql.TOUCH_REVIEWS, params, writes=Review)
    if added:
        outcome.new = _insert_new(session, added)
    return outcome


def _insert_new(session: Session, rows: list[dict[str, Any]]) -> list[int]:
    """Insert new reviews (one statement); their ids, in the order given."""
    columns = {"removed_at": None, "edited_at": None, "checked_hash": None, "version_count": 1}
    rows = [{**columns, **row} for row in rows]
    statement = sql.insert_reviews(sql.dialect(session))
    ids = {key: id_ for id_, key in sql.run(session, statement, rows, writes=Review)}
    return [ids[row["review_key"]] for row in rows]


def _record_edit(
    session: Session,
    review: Any,
    data: Mapping[str, Any],
    digest: str,
    seen_at: datetime,
    run_id: int | None,
    names: NameMode,
) -> None:
    """Keep the superseded content as a version and put the new content on the review."""
    version = {
        "review_id": review.id,
        "run_id": run_id,
        "valid_from": review.edited_at or review.first_seen_at,
        "valid_to": seen_at,
        "published_raw": review.published_raw,
        "content_hash": review.content_hash,
    }
    content = {f: getattr(review, f) for f in CONTENT_FIELDS}
    sql.run(session, sql.INSERT_VERSION, {**version, **content})
    values = _review_values(data, names)
    if review.published_at is not None:
        # Keep the first, most precise date; relative dates drift between crawls.
        for name in ("published_at", "published_precision", "published_raw"):
            values.pop(name, None)
    edit = {"review_id": review.id, "content_hash": digest, "edited_at": seen_at}
    sql.run(session, sql.EDIT_REVIEW, {**values, **edit}, writes=Review)


def _review_values(data: Mapping[str, Any], names: NameMode = "as_shown") -> dict[str, Any]:
    values = {f: data.get(f) for f in REVIEW_FIELDS}
    values["author"] = reduce_name(values["author"], names)
    values["updated_on_site"] = bool(values["updated_on_site"])
    values["site_review_id"] = _site_id(data)
    if values["published_precision"] is not None:
        values["published_precision"] = str(values["published_precision"])
    return values


def mark_removed(session: Session, *, listing_id: int, run_id: int, seen_at: datetime) -> int:
    """After a complete full sweep of a listing: reviews it no longer shows are removed.

    Never deleted: ``removed_at`` is set and the row stays.  Returns how many."""
    params = {"lid": listing_id, "run_id": run_id, "seen_at": seen_at}
    return sql.run(session, sql.REMOVE_UNSEEN, params, writes=Review).rowcount


def visible_review_count(session: Session, *, listing_id: int) -> int:
    return sql.run(session, sql.VISIBLE_COUNT, {"listing_id": listing_id}).scalar_one()


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
    unchecked = sql.run(session, sql.UNCHECKED, {"listing_id": listing_id}).all()
    new = 0
    for row in unchecked:
        data = {f: getattr(row, f) for f in (*REVIEW_FIELDS, "site")}
        data["review_key"] = f"{row.listing_url} {row.review_key}"  # unique within the clinic
        data["listing_url"] = row.listing_url
        for record in checker(data):
            _id, is_new = record_finding(
                session,
                clinic_id=row.clinic_id,
                seen_at=seen_at,
                review_id=row.id,
                listing_id=listing_id,
                source_url=row.url or row.listing_url,
                run_id=run_id,
                **record,
            )
            new += int(is_new)
    if unchecked:
        checked = [{"checked_id": r.id, "checked": r.content_hash} for r in unchecked]
        sql.run(session, sql.MARK_CHECKED, checked, writes=Review)
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
