"""Reads about reviews: the Overview's per-site figures, the Reviews page, one review's
history, and the reviews a crawl still has to check for findings."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, SQLModel, col, func, select

from store.models import (
    Listing,
    ListingCheck,
    ListingSnapshot,
    ListingStatus,
    Origin,
    Review,
    ReviewDetail,
    ReviewRead,
    ReviewVersion,
    VersionRead,
)


class SiteSummary(SQLModel):
    site: str
    listings: int
    rating: float | None = None  # the rating the site shows (mean over its listings)
    stated_reviews: int | None = None  # the review count the site states
    reviews_held: int = 0  # visible reviews QuietWatch holds
    average_held: float | None = None
    # New: a review held now that a crawl found after the first crawl of its listing (what a
    # first crawl finds was there before: it is not new).  Never more than reviews_held.
    new_last_crawl: int = 0  # new, and found by the latest crawl of its listing
    new_since: int = 0  # new, and first seen at or after the chosen date
    removed: int = 0
    last_success_at: datetime | None = None
    last_crawled_at: datetime | None = None


#: Check statuses that mean a crawl read the listing (a blocked first try is no baseline).
READ_STATUSES = [s.value for s in ListingStatus if s.read]


class RatingPoint(SQLModel):
    site: str
    month: str  # YYYY-MM
    average: float
    reviews: int


def _latest_run_per_listing(clinic_id: int) -> Any:
    """(listing_id, run_id): the latest run that checked each listing of the clinic, or,
    for a listing no run checked explicitly, the run that last saw one of its reviews."""
    checked = (
        select(ListingCheck.listing_id, func.max(ListingCheck.run_id).label("run_id"))
        .join(Listing, col(Listing.id) == col(ListingCheck.listing_id))
        .where(Listing.clinic_id == clinic_id)
        .group_by(col(ListingCheck.listing_id))
    )
    seen = (
        select(Review.listing_id, func.max(Review.last_seen_run_id).label("run_id"))
        .where(Review.clinic_id == clinic_id)
        .group_by(col(Review.listing_id))
    )
    both = sa.union_all(checked, seen).subquery()
    return (
        select(both.c.listing_id, func.max(both.c.run_id).label("run_id"))
        .group_by(both.c.listing_id)
        .subquery("latest_run")
    )


def _new() -> Any:
    """A held review that a crawl found after an earlier crawl had read its listing: what a
    listing's first crawl finds was there before, and is not new.  (A correlated EXISTS on
    the listing's checks: one index seek per review, fast at 100,000 reviews.)"""
    earlier = (
        select(ListingCheck.id)
        .where(
            col(ListingCheck.listing_id) == col(Review.listing_id),
            col(ListingCheck.run_id) < col(Review.first_seen_run_id),
            col(ListingCheck.status).in_(READ_STATUSES),
        )
        .exists()
    )
    return sa.and_(col(Review.removed_at).is_(None), earlier)


def site_summaries(session: Session, *, clinic_id: int, since: datetime) -> list[SiteSummary]:
    """Per site: shown rating and count, reviews held, new reviews, last successful crawl."""
    snap = ListingSnapshot.__table__.alias("snap")
    listing_rows = session.exec(
        select(
            Listing.site,
            func.count(col(Listing.id)),
            func.avg(snap.c.rating),
            func.sum(snap.c.review_count),
            func.count(snap.c.review_count),
            func.max(Listing.last_success_at),
            func.max(Listing.last_crawled_at),
        )
        .select_from(Listing)
        .outerjoin(snap, snap.c.id == col(Listing.latest_snapshot_id))
        .where(Listing.clinic_id == clinic_id, col(Listing.origin).in_(Origin.active()))
        .group_by(col(Listing.site))
    ).all()
    visible = col(Review.removed_at).is_(None)
    new = _new()
    latest = _latest_run_per_listing(clinic_id)
    # One pass over the clinic's reviews for every per-site figure.  The cheap tests come
    # first in each CASE: SQLite stops at the first false one.
    review_rows = session.exec(
        select(
            Review.site,
            func.sum(sa.case((visible, 1), else_=0)),
            func.avg(sa.case((visible, col(Review.rating)), else_=None)),
            func.sum(sa.case((sa.and_(col(Review.first_seen_at) >= since, new), 1), else_=0)),
            func.sum(sa.case((visible, 0), else_=1)),
            func.sum(
                sa.case(
                    (sa.and_(latest.c.run_id == col(Review.first_seen_run_id), new), 1), else_=0
                )
            ),
        )
        .outerjoin(latest, latest.c.listing_id == col(Review.listing_id))
        .where(Review.clinic_id == clinic_id)
        .group_by(col(Review.site))
    ).all()
    reviews = {r[0]: r for r in review_rows}
    out = []
    for site, n, rating, stated, stated_n, success, crawled in listing_rows:
        r = reviews.get(site)
        out.append(
            SiteSummary(
                site=site,
                listings=int(n),
                rating=round(float(rating), 2) if rating is not None else None,
                stated_reviews=int(stated) if stated_n else None,
                reviews_held=int(r[1] or 0) if r else 0,
                average_held=round(float(r[2]), 2) if r and r[2] is not None else None,
                new_last_crawl=int(r[5] or 0) if r else 0,
                new_since=int(r[3] or 0) if r else 0,
                removed=int(r[4] or 0) if r else 0,
                last_success_at=success,
                last_crawled_at=crawled,
            )
        )
    return sorted(out, key=lambda s: s.site)


def _month(session: Session, column: Any) -> Any:
    if session.get_bind().dialect.name == "sqlite":
        return func.strftime("%Y-%m", column)
    return func.to_char(column, "YYYY-MM")


def rating_over_time(
    session: Session, *, clinic_id: int, since: datetime | None = None
) -> list[RatingPoint]:
    """Mean review rating per site and month (published date, else first seen); with
    ``since``, only reviews published (else first seen) since then."""
    when = func.coalesce(col(Review.published_at), col(Review.first_seen_at))
    month = _month(session, when).label("month")
    query = select(
        Review.site, month, func.avg(col(Review.rating)), func.count(col(Review.id))
    ).where(Review.clinic_id == clinic_id, col(Review.rating).is_not(None))
    if since is not None:
        published, seen = col(Review.published_at), col(Review.first_seen_at)
        query = query.where(sa.or_(published >= since, sa.and_(published.is_(None), seen >= since)))
    rows = session.exec(query.group_by(col(Review.site), month).order_by(month)).all()
    return [
        RatingPoint(site=s, month=str(m), average=round(float(a), 2), reviews=int(n))
        for s, m, a, n in rows
        if m is not None
    ]


@dataclass(frozen=True)
class ReviewFilter:
    sites: tuple[str, ...] = ()
    min_rating: float | None = None
    max_rating: float | None = None
    published_from: datetime | None = None  # published (else first seen) on or after
    published_to: datetime | None = None  # ... and before
    # The same bounds as calendar days, for reviews the site dates to the day or coarser
    # (stored at midnight UTC of the day it states): such a review is in the range when its
    # stated day is, whatever the clinic's time zone.  None: the instants above are used.
    published_from_day: date | None = None
    published_to_day: date | None = None  # exclusive
    new_in_latest_crawl: bool = False  # new (see SiteSummary), found by the latest crawl
    new_since: datetime | None = None  # new (see SiteSummary), first seen since
    new_in_runs: tuple[int, ...] = ()  # new (see SiteSummary), first seen in these runs
    first_seen_since: datetime | None = None
    edited: bool | None = None
    removed: bool | None = None
    has_owner_response: bool | None = None


def _dated(published: Any, timed: Any, instant: datetime, day: date | None, *, after: bool) -> Any:
    """``published`` on or after (``after``) or before a bound: the instant for a review
    dated to the second, the calendar day (midnight UTC) for one dated to the day."""

    def bound(value: datetime) -> Any:
        return published >= value if after else published < value

    if day is None:
        return bound(instant)
    midnight = datetime.combine(day, time.min, tzinfo=UTC)
    return sa.or_(sa.and_(timed, bound(instant)), sa.and_(sa.not_(timed), bound(midnight)))


def _review_conditions(clinic_id: int, flt: ReviewFilter) -> list[Any]:
    cond: list[Any] = [col(Review.clinic_id) == clinic_id]
    if flt.sites:
        cond.append(col(Review.site).in_(list(flt.sites)))
    if flt.min_rating is not None:
        cond.append(col(Review.rating) >= flt.min_rating)
    if flt.max_rating is not None:
        cond.append(col(Review.rating) <= flt.max_rating)
    # Compare on the column itself so the bound value goes through its UTC type.
    published, seen = col(Review.published_at), col(Review.first_seen_at)
    timed = sa.func.coalesce(col(Review.published_precision), "") == "second"
    if flt.published_from is not None:
        cond.append(
            sa.or_(
                _dated(published, timed, flt.published_from, flt.published_from_day, after=True),
                sa.and_(published.is_(None), seen >= flt.published_from),
            )
        )
    if flt.published_to is not None:
        cond.append(
            sa.or_(
                _dated(published, timed, flt.published_to, flt.published_to_day, after=False),
                sa.and_(published.is_(None), seen < flt.published_to),
            )
        )
    if flt.first_seen_since is not None:
        cond.append(col(Review.first_seen_at) >= flt.first_seen_since)
    if flt.edited is not None:
        cond.append(col(Review.version_count) > 1 if flt.edited else col(Review.version_count) <= 1)
    if flt.removed is not None:
        removed = col(Review.removed_at)
        cond.append(removed.is_not(None) if flt.removed else removed.is_(None))
    if flt.has_owner_response is not None:
        response = col(Review.owner_response)
        has = sa.and_(response.is_not(None), response != "")
        cond.append(has if flt.has_owner_response else sa.not_(has))
    if flt.new_in_runs:
        cond.append(col(Review.first_seen_run_id).in_(list(flt.new_in_runs)))
    if flt.new_since is not None:
        cond.append(col(Review.first_seen_at) >= flt.new_since)
    if flt.new_in_latest_crawl or flt.new_since is not None or flt.new_in_runs:
        cond.append(_new())
    if flt.new_in_latest_crawl:
        latest = _latest_run_per_listing(clinic_id)
        cond.append(
            sa.exists().where(
                latest.c.listing_id == col(Review.listing_id),
                latest.c.run_id == col(Review.first_seen_run_id),
            )
        )
    return cond


def count_reviews(session: Session, *, clinic_id: int, flt: ReviewFilter) -> int:
    return int(
        session.exec(
            select(func.count(col(Review.id))).where(*_review_conditions(clinic_id, flt))
        ).one()
    )


def review_page(
    session: Session, *, clinic_id: int, flt: ReviewFilter, offset: int = 0, limit: int = 50
) -> list[ReviewRead]:
    """One page of reviews matching ``flt``, newest first (published, else first seen)."""
    rows = session.exec(
        select(Review)
        .where(*_review_conditions(clinic_id, flt))
        .order_by(
            col(Review.published_at).desc().nulls_last(),
            col(Review.first_seen_at).desc(),
            col(Review.id).desc(),
        )
        .offset(max(offset, 0))
        .limit(max(limit, 1))
    ).all()
    return [ReviewRead.model_validate(r, from_attributes=True) for r in rows]


def review_sites(session: Session, *, clinic_id: int) -> list[str]:
    rows = session.exec(
        select(Listing.site).where(Listing.clinic_id == clinic_id).distinct().order_by(Listing.site)
    ).all()
    return list(rows)


def review_detail(session: Session, *, clinic_id: int, review_id: int) -> ReviewDetail | None:
    """One review of the clinic with the content it had before each edit."""
    review = session.get(Review, review_id)
    if review is None or review.clinic_id != clinic_id:
        return None
    versions = session.exec(
        select(ReviewVersion)
        .where(ReviewVersion.review_id == review_id)
        .order_by(col(ReviewVersion.valid_from), col(ReviewVersion.id))
    ).all()
    return ReviewDetail(
        review=ReviewRead.model_validate(review, from_attributes=True),
        versions=[VersionRead.model_validate(v, from_attributes=True) for v in versions],
    )


def reviews_of_runs(session: Session, *, run_ids: Sequence[int]) -> list[ReviewRead]:
    """Reviews first seen, or seen edited, in these runs (the digest's optional text)."""
    ids = list(run_ids)
    rows = session.exec(
        select(Review)
        .where(
            col(Review.first_seen_run_id).in_(ids)
            | (col(Review.last_seen_run_id).in_(ids) & col(Review.edited_at).is_not(None))
        )
        .order_by(col(Review.id))
    ).all()
    return [ReviewRead.model_validate(r, from_attributes=True) for r in rows]
