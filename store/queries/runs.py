"""Reads about crawl runs: the Crawl health page, the after-crawl checks, the summary and
the digest."""

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from store.models import (
    CrawlProblem,
    CrawlRun,
    Listing,
    ListingCheck,
    ListingStatus,
    Notification,
    Origin,
    ProblemRead,
    RunRead,
    RunStatus,
    SourceHealth,
)


def _of_clinic(clinic_id: int):  # type: ignore[no-untyped-def]
    """The clinic's runs and runs tied to no clinic (a crawl that could not start)."""
    return sa.or_(col(CrawlRun.clinic_id) == clinic_id, col(CrawlRun.clinic_id).is_(None))


def runs(session: Session, *, clinic_id: int, limit: int = 200) -> list[RunRead]:
    """Recent crawl runs of the clinic (and runs tied to no clinic), newest first."""
    rows = session.exec(
        select(CrawlRun)
        .where(_of_clinic(clinic_id))
        .order_by(col(CrawlRun.started_at).desc(), col(CrawlRun.id).desc())
        .limit(limit)
    ).all()
    return [RunRead.model_validate(r, from_attributes=True) for r in rows]


def runs_by_ids(session: Session, *, run_ids: Sequence[int]) -> list[RunRead]:
    rows = session.exec(
        select(CrawlRun).where(col(CrawlRun.id).in_(list(run_ids))).order_by(col(CrawlRun.id))
    ).all()
    return [RunRead.model_validate(r, from_attributes=True) for r in rows]


def runs_to_check(session: Session, *, clinic_id: int, last: int | None = None) -> list[int]:
    """Finished runs of the clinic not yet checked by ``quietwatch check`` (or the latest
    ``last`` runs, checked or not), oldest first."""
    query = (
        select(CrawlRun)
        .where(CrawlRun.clinic_id == clinic_id, CrawlRun.status != RunStatus.RUNNING)
        .order_by(col(CrawlRun.id).desc())
    )
    rows = session.exec(query.limit(last) if last else query).all()
    return sorted(r.id for r in rows if last or "quietwatch/monitor" not in (r.stats or {}))


def last_good_run(
    session: Session, *, run: RunRead | CrawlRun, same_sweep: bool = False
) -> RunRead | None:
    """The same spider's last ``ok`` run for the same clinic before ``run``: the baseline
    for field coverage, and (``same_sweep``: a full sweep against a full sweep, an
    incremental crawl against an incremental one) for the items check."""
    query = select(CrawlRun).where(
        CrawlRun.clinic_id == run.clinic_id,
        CrawlRun.spider == run.spider,
        CrawlRun.status == RunStatus.OK,
        col(CrawlRun.id) < run.id,
    )
    if same_sweep:
        query = query.where(CrawlRun.full_sweep == run.full_sweep)
    found = session.exec(query.order_by(col(CrawlRun.id).desc())).first()
    return RunRead.model_validate(found, from_attributes=True) if found else None


def checks_of_run(session: Session, *, run_id: int) -> dict[int, ListingCheck]:
    """listing id -> how the listing fared in the run."""
    rows = session.exec(select(ListingCheck).where(ListingCheck.run_id == run_id)).all()
    return {row.listing_id: row for row in rows}


def problems(session: Session, *, clinic_id: int, limit: int = 200) -> list[ProblemRead]:
    """Recent crawl problems of the clinic's runs, newest first."""
    rows = session.exec(
        select(CrawlProblem, Listing.site)
        .join(CrawlRun, col(CrawlRun.id) == col(CrawlProblem.run_id))
        .outerjoin(Listing, col(Listing.id) == col(CrawlProblem.listing_id))
        .where(_of_clinic(clinic_id))
        .order_by(col(CrawlProblem.at).desc(), col(CrawlProblem.id).desc())
        .limit(limit)
    ).all()
    return [_problem(p, site) for p, site in rows]


def problems_of_runs(
    session: Session, *, run_ids: Sequence[int], exclude_kinds: Sequence[str] = ()
) -> list[ProblemRead]:
    """The problems these runs recorded, in the order they were recorded."""
    query = (
        select(CrawlProblem, Listing.site)
        .outerjoin(Listing, col(Listing.id) == col(CrawlProblem.listing_id))
        .where(col(CrawlProblem.run_id).in_(list(run_ids)))
        .order_by(col(CrawlProblem.id))
    )
    if exclude_kinds:
        query = query.where(col(CrawlProblem.kind).not_in(list(exclude_kinds)))
    return [_problem(p, site) for p, site in session.exec(query).all()]


def _problem(problem: CrawlProblem, site: str | None) -> ProblemRead:
    return ProblemRead.model_validate({**problem.model_dump(), "site": site})


def site_counts_of_runs(session: Session, *, run_ids: Sequence[int]) -> dict[str, dict[str, int]]:
    """site -> new, changed and removed reviews in these runs."""
    per_site: dict[str, dict[str, int]] = defaultdict(
        lambda: {"new": 0, "changed": 0, "removed": 0}
    )
    rows = session.exec(
        select(
            Listing.site,
            func.sum(ListingCheck.new_reviews),
            func.sum(ListingCheck.changed_reviews),
            func.sum(ListingCheck.removed_reviews),
        )
        .join(Listing, col(Listing.id) == col(ListingCheck.listing_id))
        .where(col(ListingCheck.run_id).in_(list(run_ids)))
        .group_by(col(Listing.site))
    ).all()
    for site, new, changed, removed in rows:
        per_site[site] = {
            "new": int(new or 0),
            "changed": int(changed or 0),
            "removed": int(removed or 0),
        }
    return dict(per_site)


def source_health(
    session: Session, *, clinic_id: int, stale_before: datetime
) -> list[SourceHealth]:
    """Each active listing with its latest check, flagged stale or failing."""
    latest = (
        select(ListingCheck.listing_id, func.max(ListingCheck.id).label("check_id"))
        .join(Listing, col(Listing.id) == col(ListingCheck.listing_id))
        .where(Listing.clinic_id == clinic_id)
        .group_by(col(ListingCheck.listing_id))
        .subquery("latest_check")
    )
    rows = session.exec(
        select(Listing, ListingCheck)
        .outerjoin(latest, latest.c.listing_id == col(Listing.id))
        .outerjoin(ListingCheck, col(ListingCheck.id) == latest.c.check_id)
        .where(
            Listing.clinic_id == clinic_id,
            col(Listing.origin).in_(Origin.active()),
            col(Listing.enabled).is_(True),
        )
        .order_by(Listing.site, Listing.id)
    ).all()
    out = []
    for listing, check in rows:
        status = check.status if check is not None else listing.last_status
        dormant = status is not None and ListingStatus(status).dormant  # not set up, unavailable
        out.append(
            SourceHealth(
                listing_id=listing.id,
                site=listing.site,
                url=listing.url,
                last_success_at=listing.last_success_at,
                last_crawled_at=listing.last_crawled_at,
                last_status=listing.last_status,
                last_check_status=check.status if check is not None else None,
                last_check_message=check.message if check is not None else None,
                shortfall=check.shortfall if check is not None else None,
                stale=not dormant
                and (listing.last_success_at is None or listing.last_success_at < stale_before),
                failing=status is not None and not dormant and not ListingStatus(status).good,
            )
        )
    return out


def last_notified(session: Session, *, clinic_id: int | None, kind: str) -> datetime | None:
    """When a notification of this kind last went out for the clinic (delivered)."""
    return session.exec(
        select(func.max(Notification.at)).where(
            Notification.kind == kind,
            Notification.clinic_id == clinic_id,
            col(Notification.ok).is_(True),
        )
    ).one()


def runs_since(session: Session, *, clinic_id: int, since: datetime) -> list[RunRead]:
    """The clinic's runs started at or after ``since``, oldest first."""
    rows = session.exec(
        select(CrawlRun)
        .where(CrawlRun.clinic_id == clinic_id, col(CrawlRun.started_at) >= since)
        .order_by(col(CrawlRun.id))
    ).all()
    return [RunRead.model_validate(r, from_attributes=True) for r in rows]
