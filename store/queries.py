"""Reads for the dashboard.  The dashboard reads the store only through these functions.

Every function takes a session (on a read-only engine, in the dashboard), aggregates in
SQL where the tables are large (reviews), and returns plain frozen dataclasses so the
results can be cached and pickled.  Nothing here writes.
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from store.models import (
    AuditEntry,
    Clinic,
    CrawlProblem,
    CrawlRun,
    Finding,
    Listing,
    ListingCheck,
    ListingSnapshot,
    Review,
    ReviewVersion,
)

logger = logging.getLogger(__name__)

#: Listings that are the clinic's (discovered ones wait for a person; dismissed ones are not).
ACTIVE_ORIGINS = ("configured", "confirmed")
#: Listing-check statuses that mean the source was read.
GOOD_STATUSES = ("ok", "not_modified")


# -- clinics ------------------------------------------------------------------------------
@dataclass(frozen=True)
class ClinicFacts:
    id: int
    key: str
    name: str
    street_address: str | None
    city: str | None
    province: str | None
    postal_code: str | None
    country: str | None
    phone: str | None
    website: str | None


def clinics(session: Session) -> list[ClinicFacts]:
    """Every clinic in the store, by name."""
    rows = session.exec(select(Clinic).order_by(Clinic.name, Clinic.id)).all()
    return [
        ClinicFacts(
            id=c.id or 0,
            key=c.key,
            name=c.name,
            street_address=c.street_address,
            city=c.city,
            province=c.province,
            postal_code=c.postal_code,
            country=c.country,
            phone=c.phone,
            website=c.website,
        )
        for c in rows
    ]


# -- overview -----------------------------------------------------------------------------
@dataclass(frozen=True)
class SiteSummary:
    site: str
    listings: int
    rating: float | None  # the rating the site shows (mean over its listings)
    stated_reviews: int | None  # the review count the site states
    reviews_held: int  # visible reviews QuietWatch holds
    average_held: float | None
    new_last_crawl: int  # first seen in the latest crawl of their listing
    new_since: int  # first seen at or after the chosen date
    removed: int
    last_success_at: datetime | None
    last_crawled_at: datetime | None


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
        .where(Listing.clinic_id == clinic_id, col(Listing.origin).in_(ACTIVE_ORIGINS))
        .group_by(col(Listing.site))
    ).all()
    visible = col(Review.removed_at).is_(None)
    review_rows = session.exec(
        select(
            Review.site,
            func.sum(sa.case((visible, 1), else_=0)),
            func.avg(sa.case((visible, col(Review.rating)), else_=None)),
            func.sum(sa.case((col(Review.first_seen_at) >= since, 1), else_=0)),
            func.sum(sa.case((visible, 0), else_=1)),
        )
        .where(Review.clinic_id == clinic_id)
        .group_by(col(Review.site))
    ).all()
    latest = _latest_run_per_listing(clinic_id)
    new_rows = session.exec(
        select(Review.site, func.count(col(Review.id)))
        .join(
            latest,
            sa.and_(
                latest.c.listing_id == col(Review.listing_id),
                latest.c.run_id == col(Review.first_seen_run_id),
            ),
        )
        .where(Review.clinic_id == clinic_id)
        .group_by(col(Review.site))
    ).all()
    reviews = {r[0]: r for r in review_rows}
    new = dict(new_rows)
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
                new_last_crawl=int(new.get(site, 0)),
                new_since=int(r[3] or 0) if r else 0,
                removed=int(r[4] or 0) if r else 0,
                last_success_at=success,
                last_crawled_at=crawled,
            )
        )
    return sorted(out, key=lambda s: s.site)


@dataclass(frozen=True)
class RatingPoint:
    site: str
    month: str  # YYYY-MM
    average: float
    reviews: int


def _month(session: Session, column: Any) -> Any:
    if session.get_bind().dialect.name == "sqlite":
        return func.strftime("%Y-%m", column)
    return func.to_char(column, "YYYY-MM")


def rating_over_time(session: Session, *, clinic_id: int) -> list[RatingPoint]:
    """Mean review rating per site and month (published date, else first seen)."""
    when = func.coalesce(col(Review.published_at), col(Review.first_seen_at))
    month = _month(session, when).label("month")
    rows = session.exec(
        select(Review.site, month, func.avg(col(Review.rating)), func.count(col(Review.id)))
        .where(Review.clinic_id == clinic_id, col(Review.rating).is_not(None))
        .group_by(col(Review.site), month)
        .order_by(month)
    ).all()
    return [
        RatingPoint(site=s, month=str(m), average=round(float(a), 2), reviews=int(n))
        for s, m, a, n in rows
        if m is not None
    ]


# -- listings -----------------------------------------------------------------------------
@dataclass(frozen=True)
class ListingFacts:
    id: int
    site: str
    url: str
    origin: str
    enabled: bool
    last_crawled_at: datetime | None
    last_success_at: datetime | None
    last_status: str | None
    gone_at: datetime | None
    match_reason: str | None
    created_at: datetime | None
    captured_at: datetime | None = None
    name: str | None = None
    street_address: str | None = None
    locality: str | None = None
    region: str | None = None
    postal_code: str | None = None
    country: str | None = None
    phone: str | None = None
    website: str | None = None
    rating: float | None = None
    review_count: int | None = None


def listings(
    session: Session, *, clinic_id: int, origins: Sequence[str] | None = None
) -> list[ListingFacts]:
    """The clinic's listings with the facts of their latest snapshot."""
    query = (
        select(Listing, ListingSnapshot)
        .outerjoin(ListingSnapshot, col(ListingSnapshot.id) == col(Listing.latest_snapshot_id))
        .where(Listing.clinic_id == clinic_id)
        .order_by(Listing.site, Listing.id)
    )
    if origins is not None:
        query = query.where(col(Listing.origin).in_(list(origins)))
    out = []
    for listing, snap in session.exec(query).all():
        facts: dict[str, Any] = {}
        if snap is not None:
            facts = {
                "captured_at": snap.captured_at,
                "name": snap.name,
                "street_address": snap.street_address,
                "locality": snap.locality,
                "region": snap.region,
                "postal_code": snap.postal_code,
                "country": snap.country,
                "phone": snap.phone,
                "website": snap.website,
                "rating": snap.rating,
                "review_count": snap.review_count,
            }
        out.append(
            ListingFacts(
                id=listing.id or 0,
                site=listing.site,
                url=listing.url,
                origin=listing.origin,
                enabled=listing.enabled,
                last_crawled_at=listing.last_crawled_at,
                last_success_at=listing.last_success_at,
                last_status=listing.last_status,
                gone_at=listing.gone_at,
                match_reason=listing.match_reason,
                created_at=listing.created_at,
                **facts,
            )
        )
    return out


@dataclass(frozen=True)
class Snapshot:
    id: int
    captured_at: datetime
    run_id: int | None
    name: str | None
    street_address: str | None
    locality: str | None
    region: str | None
    postal_code: str | None
    country: str | None
    phone: str | None
    website: str | None
    hours: tuple[str, ...]
    categories: tuple[str, ...]
    rating: float | None
    review_count: int | None


def listing_history(session: Session, *, listing_id: int) -> list[Snapshot]:
    """Every set of facts the listing showed, newest first."""
    rows = session.exec(
        select(ListingSnapshot)
        .where(ListingSnapshot.listing_id == listing_id)
        .order_by(col(ListingSnapshot.captured_at).desc(), col(ListingSnapshot.id).desc())
    ).all()
    return [
        Snapshot(
            id=s.id or 0,
            captured_at=s.captured_at,
            run_id=s.run_id,
            name=s.name,
            street_address=s.street_address,
            locality=s.locality,
            region=s.region,
            postal_code=s.postal_code,
            country=s.country,
            phone=s.phone,
            website=s.website,
            hours=tuple(s.hours or ()),
            categories=tuple(s.categories or ()),
            rating=s.rating,
            review_count=s.review_count,
        )
        for s in rows
    ]


# -- reviews ------------------------------------------------------------------------------
@dataclass(frozen=True)
class ReviewFilter:
    sites: tuple[str, ...] = ()
    min_rating: float | None = None
    max_rating: float | None = None
    published_from: datetime | None = None  # published (else first seen) on or after
    published_to: datetime | None = None  # ... and before
    new_in_latest_crawl: bool = False
    first_seen_since: datetime | None = None
    edited: bool | None = None
    removed: bool | None = None
    has_owner_response: bool | None = None


@dataclass(frozen=True)
class ReviewRow:
    id: int
    site: str
    listing_id: int
    author: str | None
    rating: float | None
    best_rating: float | None
    published_at: datetime | None
    published_raw: str | None
    published_precision: str | None
    title: str | None
    text: str | None
    owner_response: str | None
    first_seen_at: datetime
    edited_at: datetime | None
    removed_at: datetime | None
    version_count: int
    url: str | None


def _review_row(r: Review) -> ReviewRow:
    return ReviewRow(
        id=r.id or 0,
        site=r.site,
        listing_id=r.listing_id,
        author=r.author,
        rating=r.rating,
        best_rating=r.best_rating,
        published_at=r.published_at,
        published_raw=r.published_raw,
        published_precision=r.published_precision,
        title=r.title,
        text=r.text,
        owner_response=r.owner_response,
        first_seen_at=r.first_seen_at,
        edited_at=r.edited_at,
        removed_at=r.removed_at,
        version_count=r.version_count,
        url=r.url,
    )


def _review_conditions(clinic_id: int, flt: ReviewFilter) -> list[Any]:
    cond: list[Any] = [col(Review.clinic_id) == clinic_id]
    if flt.sites:
        cond.append(col(Review.site).in_(list(flt.sites)))
    if flt.min_rating is not None:
        cond.append(col(Review.rating) >= flt.min_rating)
    if flt.max_rating is not None:
        cond.append(col(Review.rating) <= flt.max_rating)
    if flt.published_from is not None or flt.published_to is not None:
        # Compare on the column itself so the bound value goes through its UTC type.
        published, seen = col(Review.published_at), col(Review.first_seen_at)
        if flt.published_from is not None:
            cond.append(
                sa.or_(
                    published >= flt.published_from,
                    sa.and_(published.is_(None), seen >= flt.published_from),
                )
            )
        if flt.published_to is not None:
            cond.append(
                sa.or_(
                    published < flt.published_to,
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
) -> list[ReviewRow]:
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
    return [_review_row(r) for r in rows]


def review_sites(session: Session, *, clinic_id: int) -> list[str]:
    rows = session.exec(
        select(Listing.site).where(Listing.clinic_id == clinic_id).distinct().order_by(Listing.site)
    ).all()
    return list(rows)


@dataclass(frozen=True)
class Version:
    valid_from: datetime
    valid_to: datetime
    rating: float | None
    title: str | None
    text: str | None
    owner_response: str | None
    published_raw: str | None


@dataclass(frozen=True)
class ReviewDetail:
    review: ReviewRow
    versions: tuple[Version, ...] = field(default_factory=tuple)  # oldest first


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
        review=_review_row(review),
        versions=tuple(
            Version(
                valid_from=v.valid_from,
                valid_to=v.valid_to,
                rating=v.rating,
                title=v.title,
                text=v.text,
                owner_response=v.owner_response,
                published_raw=v.published_raw,
            )
            for v in versions
        ),
    )


# -- compliance ---------------------------------------------------------------------------
@dataclass(frozen=True)
class FindingRow:
    id: int
    kind: str
    category: str | None
    rule_id: str | None
    severity: str
    source_url: str | None
    listing_id: int | None
    review_id: int | None
    site: str | None
    excerpt: str | None
    explanation: str | None
    guidance: str | None
    first_seen_at: datetime
    last_seen_at: datetime


def findings(
    session: Session, *, clinic_id: int, kinds: Sequence[str] | None = None
) -> list[FindingRow]:
    """Compliance findings, newest first."""
    query = (
        select(Finding, Listing.site)
        .outerjoin(Review, col(Review.id) == col(Finding.review_id))
        .outerjoin(
            Listing,
            col(Listing.id) == func.coalesce(col(Finding.listing_id), col(Review.listing_id)),
        )
        .where(Finding.clinic_id == clinic_id)
        .order_by(col(Finding.last_seen_at).desc(), col(Finding.id).desc())
    )
    if kinds is not None:
        query = query.where(col(Finding.kind).in_(list(kinds)))
    return [
        FindingRow(
            id=f.id or 0,
            kind=f.kind,
            category=f.category,
            rule_id=f.rule_id,
            severity=f.severity,
            source_url=f.source_url,
            listing_id=f.listing_id,
            review_id=f.review_id,
            site=site,
            excerpt=f.excerpt,
            explanation=f.explanation,
            guidance=f.guidance,
            first_seen_at=f.first_seen_at,
            last_seen_at=f.last_seen_at,
        )
        for f, site in session.exec(query).all()
    ]


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: datetime
    action_id: str
    rule_set: str
    rule_version: str
    origin: str
    user: str | None
    clinic_id: int | None
    target: str | None
    detail: str | None


def audit_log(session: Session, *, clinic_id: int | None, limit: int = 1000) -> list[AuditRow]:
    """Blocked attempts, newest first: the clinic's and those tied to no clinic."""
    query = select(AuditEntry).order_by(col(AuditEntry.at).desc(), col(AuditEntry.id).desc())
    if clinic_id is not None:
        query = query.where(
            sa.or_(col(AuditEntry.clinic_id) == clinic_id, col(AuditEntry.clinic_id).is_(None))
        )
    return [
        AuditRow(
            id=a.id or 0,
            at=a.at,
            action_id=a.action_id,
            rule_set=a.rule_set,
            rule_version=a.rule_version,
            origin=a.origin,
            user=a.user,
            clinic_id=a.clinic_id,
            target=a.target,
            detail=a.detail,
        )
        for a in session.exec(query.limit(limit)).all()
    ]


# -- crawl health -------------------------------------------------------------------------
@dataclass(frozen=True)
class RunRow:
    id: int
    spider: str
    trigger: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    duration_s: float | None
    full_sweep: bool
    pages: int
    items: int
    listings_checked: int
    new_reviews: int
    changed_reviews: int
    removed_reviews: int
    errors: int
    blocked: int
    message: str | None
    degraded_fields: tuple[str, ...]
    coverage: dict[str, Any]


def runs(session: Session, *, clinic_id: int, limit: int = 200) -> list[RunRow]:
    """Recent crawl runs of the clinic (and runs tied to no clinic), newest first."""
    rows = session.exec(
        select(CrawlRun)
        .where(sa.or_(col(CrawlRun.clinic_id) == clinic_id, col(CrawlRun.clinic_id).is_(None)))
        .order_by(col(CrawlRun.started_at).desc(), col(CrawlRun.id).desc())
        .limit(limit)
    ).all()
    return [
        RunRow(
            id=r.id or 0,
            spider=r.spider,
            trigger=r.trigger,
            status=r.status,
            started_at=r.started_at,
            finished_at=r.finished_at,
            duration_s=(r.finished_at - r.started_at).total_seconds() if r.finished_at else None,
            full_sweep=r.full_sweep,
            pages=r.pages,
            items=r.items,
            listings_checked=r.listings_checked,
            new_reviews=r.new_reviews,
            changed_reviews=r.changed_reviews,
            removed_reviews=r.removed_reviews,
            errors=r.errors,
            blocked=r.blocked,
            message=r.message,
            degraded_fields=tuple(r.degraded_fields or ()),
            coverage=dict(r.coverage or {}),
        )
        for r in rows
    ]


@dataclass(frozen=True)
class ProblemRow:
    run_id: int
    listing_id: int | None
    site: str | None
    url: str | None
    kind: str
    message: str
    at: datetime


def problems(session: Session, *, clinic_id: int, limit: int = 200) -> list[ProblemRow]:
    """Recent crawl problems of the clinic's runs, newest first."""
    rows = session.exec(
        select(CrawlProblem, Listing.site)
        .join(CrawlRun, col(CrawlRun.id) == col(CrawlProblem.run_id))
        .outerjoin(Listing, col(Listing.id) == col(CrawlProblem.listing_id))
        .where(sa.or_(col(CrawlRun.clinic_id) == clinic_id, col(CrawlRun.clinic_id).is_(None)))
        .order_by(col(CrawlProblem.at).desc(), col(CrawlProblem.id).desc())
        .limit(limit)
    ).all()
    return [
        ProblemRow(
            run_id=p.run_id,
            listing_id=p.listing_id,
            site=site,
            url=p.url,
            kind=p.kind,
            message=p.message,
            at=p.at,
        )
        for p, site in rows
    ]


@dataclass(frozen=True)
class SourceHealth:
    listing_id: int
    site: str
    url: str
    last_success_at: datetime | None
    last_crawled_at: datetime | None
    last_status: str | None  # the listing's own last status
    last_check_status: str | None  # the status of its latest listing check
    last_check_message: str | None
    shortfall: int | None
    stale: bool  # not crawled successfully for longer than the schedule allows
    failing: bool  # the latest attempt did not read it


def source_health(
    session: Session, *, clinic_id: int, stale_before: datetime
) -> list[SourceHealth]:
    """Each active listing with its latest check, flagged stale or failing."""
    latest = (
        select(ListingCheck.listing_id, func.max(ListingCheck.id).label("check_id"))
        .group_by(col(ListingCheck.listing_id))
        .subquery("latest_check")
    )
    rows = session.exec(
        select(Listing, ListingCheck)
        .outerjoin(latest, latest.c.listing_id == col(Listing.id))
        .outerjoin(ListingCheck, col(ListingCheck.id) == latest.c.check_id)
        .where(
            Listing.clinic_id == clinic_id,
            col(Listing.origin).in_(ACTIVE_ORIGINS),
            col(Listing.enabled).is_(True),
        )
        .order_by(Listing.site, Listing.id)
    ).all()
    out = []
    for listing, check in rows:
        status = check.status if check is not None else listing.last_status
        failing = status is not None and status not in GOOD_STATUSES
        out.append(
            SourceHealth(
                listing_id=listing.id or 0,
                site=listing.site,
                url=listing.url,
                last_success_at=listing.last_success_at,
                last_crawled_at=listing.last_crawled_at,
                last_status=listing.last_status,
                last_check_status=check.status if check is not None else None,
                last_check_message=check.message if check is not None else None,
                shortfall=check.shortfall if check is not None else None,
                stale=listing.last_success_at is None or listing.last_success_at < stale_before,
                failing=failing,
            )
        )
    return out
