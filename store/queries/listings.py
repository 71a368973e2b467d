"""Reads about listings: their latest facts, their history, and what a crawl needs to know."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, col, select

from store.models import (
    FACT_FIELDS,
    Clinic,
    Listing,
    ListingRead,
    ListingSnapshot,
    Origin,
    Review,
    SnapshotRead,
)

_SNAPSHOT_FACTS = (*FACT_FIELDS, "captured_at")  # captured_at last


def listings(
    session: Session, *, clinic_id: int, origins: Sequence[str] | None = None
) -> list[ListingRead]:
    """The clinic's listings with the facts of their latest snapshot."""
    listing, snap = Listing.__table__, ListingSnapshot.__table__
    facts = [snap.c[name] for name in _SNAPSHOT_FACTS]
    query = (
        select(*listing.c, *facts)
        .select_from(listing)
        .outerjoin(snap, snap.c.id == listing.c.latest_snapshot_id)
        .where(listing.c.clinic_id == clinic_id)
        .order_by(listing.c.site, listing.c.id)
    )
    if origins is not None:
        query = query.where(listing.c.origin.in_(list(origins)))
    # Plain rows, not ORM objects: the Overview reads every listing of the clinic.
    names, width = listing.c.keys(), len(listing.c)
    out = []
    for row in session.exec(query).all():
        values = dict(zip(names, row[:width], strict=True))
        if row[-1] is not None:  # captured_at: the listing has a snapshot
            values.update(zip(_SNAPSHOT_FACTS, row[width:], strict=True))
        out.append(ListingRead.model_validate(values))
    return out


def listing_read(listing: Listing) -> ListingRead:
    """The listing without its facts (``listings`` joins each listing's latest facts)."""
    return ListingRead.model_validate(listing.model_dump())


def listing_of_clinic(session: Session, *, clinic_id: int, listing_id: int) -> ListingRead | None:
    """One listing of the clinic (None when the id is another clinic's or unknown)."""
    listing = session.get(Listing, listing_id)
    if listing is None or listing.clinic_id != clinic_id:
        return None
    return listing_read(listing)


def listing_history(session: Session, *, listing_id: int) -> list[SnapshotRead]:
    """Every set of facts the listing showed, newest first."""
    rows = session.exec(
        select(ListingSnapshot)
        .where(ListingSnapshot.listing_id == listing_id)
        .order_by(col(ListingSnapshot.captured_at).desc(), col(ListingSnapshot.id).desc())
    ).all()
    return [SnapshotRead.model_validate(s, from_attributes=True) for s in rows]


def listing_changes(
    session: Session, *, run_ids: Sequence[int]
) -> list[tuple[ListingRead, list[str]]]:
    """Listings whose facts changed in these runs, with the facts that changed (a listing's
    first snapshot is not a change)."""
    changes = []
    snapshots = session.exec(
        select(ListingSnapshot)
        .where(col(ListingSnapshot.run_id).in_(list(run_ids)))
        .order_by(col(ListingSnapshot.id))
    ).all()
    for snap in snapshots:
        before = session.exec(
            select(ListingSnapshot)
            .where(ListingSnapshot.listing_id == snap.listing_id, col(ListingSnapshot.id) < snap.id)
            .order_by(col(ListingSnapshot.id).desc())
        ).first()
        if before is None:
            continue
        fields = [f for f in FACT_FIELDS if getattr(before, f) != getattr(snap, f)]
        if fields:
            listing = session.get(Listing, snap.listing_id)
            changes.append((listing_read(listing), fields))
    return changes


def confirmed_listings(session: Session, *, clinic_key: str) -> list[tuple[str, str]]:
    """(site, url) of the listings a person confirmed: crawled like configured sources."""
    rows = session.exec(
        select(Listing.site, Listing.url)
        .join(Clinic, col(Clinic.id) == col(Listing.clinic_id))
        .where(
            Clinic.key == clinic_key,
            Listing.origin == Origin.CONFIRMED,
            col(Listing.enabled).is_(True),
        )
        .order_by(col(Listing.id))
    ).all()
    return [(site, url) for site, url in rows]


def active_listings(session: Session, *, clinic_id: int) -> list[ListingRead]:
    """The clinic's enabled listings that are its own (configured or confirmed)."""
    rows = session.exec(
        select(Listing)
        .where(
            Listing.clinic_id == clinic_id,
            col(Listing.enabled).is_(True),
            col(Listing.origin).in_(Origin.active()),
        )
        .order_by(col(Listing.id))
    ).all()
    return [listing_read(r) for r in rows]


@dataclass
class ListingMemory:
    """What the store already knows of one listing: enough to crawl it incrementally."""

    etag: str | None = None
    last_modified: str | None = None
    last_full_sweep_at: datetime | None = None
    review_ids: set[str] = field(default_factory=set)
    content_hashes: set[str] = field(default_factory=set)


def crawl_memory(
    session: Session, *, clinic_key: str, urls: Sequence[str]
) -> dict[str, ListingMemory]:
    """For each of these listing URLs of the clinic: its validators, its last full sweep,
    and the ids and content of the reviews it shows (never another clinic's listings)."""
    listings = session.exec(
        select(Listing)
        .join(Clinic, col(Clinic.id) == col(Listing.clinic_id))
        .where(Clinic.key == clinic_key, col(Listing.url).in_(list(urls)))
    ).all()
    memory: dict[str, ListingMemory] = {}
    for listing in listings:
        rows = session.exec(
            select(Review.site_review_id, Review.content_hash).where(
                Review.listing_id == listing.id, col(Review.removed_at).is_(None)
            )
        ).all()
        memory[listing.url] = ListingMemory(
            etag=listing.etag,
            last_modified=listing.last_modified,
            last_full_sweep_at=listing.last_full_sweep_at,
            review_ids={rid for rid, _ in rows if rid},
            content_hashes={h for _, h in rows if h},
        )
    return memory
