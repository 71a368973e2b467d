"""The crawl's write path in SQLAlchemy Core: statements built once, run in a session.

A crawl writes every page in its own transaction, thousands of times a run; building an ORM
statement or flushing ORM objects for each costs more than SQLite's own work.  These are
built once (per dialect or per set of columns where they differ) and run through
:func:`run`, which keeps the ORM objects a caller's session holds coherent with what they
wrote.  Used by :mod:`store.crud` and :mod:`store.runs`.
"""

from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, SQLModel

from store.models import (
    CONTENT_FIELDS,
    REVIEW_FIELDS,
    CrawlRun,
    Listing,
    ListingCheck,
    ListingSnapshot,
    Review,
    ReviewVersion,
    UTCDateTime,
)

REVIEW, LISTING = Review.__table__, Listing.__table__
SNAPSHOT, CHECK, RUN = ListingSnapshot.__table__, ListingCheck.__table__, CrawlRun.__table__
_r, _l, _s = REVIEW.c, LISTING.c, SNAPSHOT.c


def run(
    session: Session,
    statement: Any,
    params: Any = None,
    *,
    writes: type[SQLModel] | None = None,
) -> sa.Result:
    """Execute ``statement`` in the session's transaction.  The session's pending ORM
    changes are flushed first (as a query would), and when it ``writes`` a model, the
    objects of that model the session holds are expired, to be read again when used."""
    session.flush()
    result = session.execute(statement, params)
    if writes is not None:
        for obj in list(session.identity_map.values()):
            if isinstance(obj, writes):
                session.expire(obj)
    return result


def insert_on_conflict(dialect: str, table: sa.Table) -> Any:
    """An INSERT into ``table`` that takes ``ON CONFLICT`` clauses (SQLite or PostgreSQL)."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)


def dialect(session: Session) -> str:
    return session.get_bind().dialect.name


# -- reviews ------------------------------------------------------------------------------
#: What upsert_reviews reads of the reviews a listing already holds.
KNOWN_COLUMNS = (
    "id",
    "review_key",
    "site_review_id",
    "content_hash",
    "first_seen_at",
    "edited_at",
    "published_raw",
    "published_at",
    "author",
    "last_seen_run_id",
    *CONTENT_FIELDS,
)


@cache
def known_reviews(unkeyed: bool) -> sa.Select:
    """The listing (clinic, site, url) and those of its reviews with the keys ``:keys`` (and
    with ``unkeyed`` every id-less one), oldest first, in one query."""
    which = _r.review_key.in_(sa.bindparam("keys", expanding=True))
    if unkeyed:
        which = sa.or_(which, _r.site_review_id.is_(None))
    return (
        sa.select(_l.clinic_id, _l.site, _l.url, *(_r[c] for c in KNOWN_COLUMNS))
        .select_from(LISTING.outerjoin(REVIEW, sa.and_(_r.listing_id == _l.id, which)))
        .where(_l.id == sa.bindparam("listing_id"))
        .order_by(_r.id)
    )


@cache
def insert_reviews(dialect: str) -> Any:
    """New reviews, their ids and keys back; one another writer added meanwhile is touched."""
    insert = insert_on_conflict(dialect, REVIEW)
    return insert.on_conflict_do_update(
        index_elements=[_r.listing_id, _r.review_key],
        set_={
            "last_seen_at": insert.excluded.last_seen_at,
            "last_seen_run_id": insert.excluded.last_seen_run_id,
            "removed_at": None,
        },
    ).returning(_r.id, _r.review_key)


TOUCH_REVIEWS = (
    sa.update(REVIEW)
    .where(_r.id.in_(sa.bindparam("ids", expanding=True)))
    .values(
        last_seen_at=sa.bindparam("seen_at", type_=UTCDateTime),
        last_seen_run_id=sa.bindparam("run_id"),
        removed_at=None,
    )
)
EDIT_REVIEW = (
    sa.update(REVIEW)
    .where(_r.id == sa.bindparam("review_id"))
    .values(version_count=_r.version_count + 1)
)
INSERT_VERSION = sa.insert(ReviewVersion.__table__)
REFINE_RATING = (
    sa.update(REVIEW)
    .where(_r.id == sa.bindparam("review_id"))
    .values(rating=sa.bindparam("rating"))
)
REMOVE_UNSEEN = (
    sa.update(REVIEW)
    .where(
        _r.listing_id == sa.bindparam("lid"),
        _r.removed_at.is_(None),
        (_r.last_seen_run_id != sa.bindparam("run_id")) | _r.last_seen_run_id.is_(None),
    )
    .values(removed_at=sa.bindparam("seen_at", type_=UTCDateTime))
)
VISIBLE_COUNT = sa.select(sa.func.count()).where(
    _r.listing_id == sa.bindparam("listing_id"), _r.removed_at.is_(None)
)
UNCHECKED = (
    sa.select(_l.clinic_id, _l.url.label("listing_url"))
    .add_columns(*(_r[f] for f in REVIEW_FIELDS), _r.id, _r.review_key, _r.content_hash, _r.site)
    .join_from(LISTING, REVIEW, _r.listing_id == _l.id)
    .where(
        _l.id == sa.bindparam("listing_id"),
        _r.checked_hash.is_(None) | (_r.checked_hash != _r.content_hash),
    )
    .order_by(_r.id)
)
MARK_CHECKED = (
    sa.update(REVIEW)
    .where(_r.id == sa.bindparam("checked_id"))
    .values(checked_hash=sa.bindparam("checked"))
)


# -- listings -----------------------------------------------------------------------------
#: Set the columns named by the parameters' keys (besides ``listing_id``) of one listing.
UPDATE_LISTING = sa.update(LISTING).where(_l.id == sa.bindparam("listing_id"))
FACTS_KNOWN = (
    sa.select(_l.site_listing_id, _s.fingerprint)
    .select_from(LISTING.outerjoin(SNAPSHOT, _s.id == _l.latest_snapshot_id))
    .where(_l.id == sa.bindparam("listing_id"))
)
INSERT_SNAPSHOT = sa.insert(SNAPSHOT).returning(_s.id)


# -- runs ---------------------------------------------------------------------------------
@cache
def add_counts(names: tuple[str, ...]) -> sa.Update:
    """Add ``:add_<name>`` to each of these counts of run ``:run_id``, in the database."""
    return (
        sa.update(RUN)
        .where(RUN.c.id == sa.bindparam("run_id"))
        .values({name: RUN.c[name] + sa.bindparam(f"add_{name}") for name in names})
    )


@cache
def upsert_check(dialect: str, names: tuple[str, ...]) -> Any:
    """A listing's check for a run: inserted, or these fields of the one there replaced."""
    insert = insert_on_conflict(dialect, CHECK)
    return insert.on_conflict_do_update(
        index_elements=[CHECK.c.run_id, CHECK.c.listing_id],
        set_={name: insert.excluded[name] for name in names},
    )
