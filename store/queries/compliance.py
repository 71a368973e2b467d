"""Reads about compliance: findings (with their case), the case log and the audit log."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from store.models import (
    AuditEntry,
    AuditRead,
    CaseEntry,
    CaseEntryRead,
    CaseStatus,
    Finding,
    FindingRead,
    Listing,
    Review,
)


def _findings_query():  # type: ignore[no-untyped-def]
    latest = (
        select(CaseEntry.finding_id, func.max(CaseEntry.id).label("entry_id"))
        .group_by(col(CaseEntry.finding_id))
        .subquery("latest_case")
    )
    return (
        select(Finding, Listing.site, CaseEntry.status, CaseEntry.at, CaseEntry.user)
        .outerjoin(Review, col(Review.id) == col(Finding.review_id))
        .outerjoin(
            Listing,
            col(Listing.id) == func.coalesce(col(Finding.listing_id), col(Review.listing_id)),
        )
        .outerjoin(latest, latest.c.finding_id == col(Finding.id))
        .outerjoin(CaseEntry, col(CaseEntry.id) == latest.c.entry_id)
    )


def _finding(row: Any) -> FindingRead:
    finding, site, status, at, user = row
    return FindingRead.model_validate(
        {
            **finding.model_dump(),
            "site": site,
            "case_status": status,
            "case_at": at,
            "case_user": user,
        }
    )


def findings(
    session: Session, *, clinic_id: int, kinds: Sequence[str] | None = None
) -> list[FindingRead]:
    """Compliance findings, newest first."""
    query = (
        _findings_query()
        .where(Finding.clinic_id == clinic_id)
        .order_by(col(Finding.last_seen_at).desc(), col(Finding.id).desc())
    )
    if kinds is not None:
        query = query.where(col(Finding.kind).in_(list(kinds)))
    return [_finding(row) for row in session.exec(query).all()]


def findings_of_runs(session: Session, *, run_ids: Sequence[int]) -> list[FindingRead]:
    """Findings first recorded in these runs, oldest first."""
    query = (
        _findings_query().where(col(Finding.run_id).in_(list(run_ids))).order_by(col(Finding.id))
    )
    return [_finding(row) for row in session.exec(query).all()]


def audit_log(session: Session, *, clinic_id: int | None, limit: int = 1000) -> list[AuditRead]:
    """Blocked attempts, newest first: the clinic's and those tied to no clinic."""
    query = select(AuditEntry).order_by(col(AuditEntry.at).desc(), col(AuditEntry.id).desc())
    if clinic_id is not None:
        query = query.where(
            sa.or_(col(AuditEntry.clinic_id) == clinic_id, col(AuditEntry.clinic_id).is_(None))
        )
    rows = session.exec(query.limit(limit)).all()
    return [AuditRead.model_validate(a, from_attributes=True) for a in rows]


def audit_entries(
    session: Session,
    *,
    limit: int | None = None,
    action_id: str | None = None,
    since: datetime | None = None,
) -> list[AuditRead]:
    """The whole audit log (every clinic), oldest first; ``limit`` keeps the newest N."""
    query = select(AuditEntry)
    if action_id:
        query = query.where(AuditEntry.action_id == action_id)
    if since is not None:
        query = query.where(col(AuditEntry.at) >= since)
    if limit is not None:
        newest = query.order_by(col(AuditEntry.at).desc(), col(AuditEntry.id).desc()).limit(limit)
        rows = list(reversed(session.exec(newest).all()))
    else:
        rows = list(session.exec(query.order_by(col(AuditEntry.at), col(AuditEntry.id))).all())
    return [AuditRead.model_validate(a, from_attributes=True) for a in rows]


def case_log(
    session: Session, *, clinic_id: int, finding_ids: Sequence[int] | None = None
) -> list[CaseEntryRead]:
    """The clinic's case-log entries (of these findings), oldest first."""
    query = select(CaseEntry).where(CaseEntry.clinic_id == clinic_id)
    if finding_ids is not None:
        query = query.where(col(CaseEntry.finding_id).in_(list(finding_ids)))
    rows = session.exec(query.order_by(col(CaseEntry.at), col(CaseEntry.id))).all()
    return [CaseEntryRead.model_validate(e, from_attributes=True) for e in rows]


def findings_of_review(session: Session, *, clinic_id: int, review_id: int) -> list[FindingRead]:
    """The findings about one review of the clinic, oldest first."""
    query = (
        _findings_query()
        .where(Finding.clinic_id == clinic_id, Finding.review_id == review_id)
        .order_by(col(Finding.id))
    )
    return [_finding(row) for row in session.exec(query).all()]


def open_finding_counts(session: Session, *, clinic_id: int) -> dict[str, int]:
    """kind -> findings whose case is still open (no entry, or no closing one last)."""
    latest = (
        select(CaseEntry.finding_id, func.max(CaseEntry.id).label("entry_id"))
        .where(CaseEntry.clinic_id == clinic_id)
        .group_by(col(CaseEntry.finding_id))
        .subquery("latest_case")
    )
    closing = [s.value for s in CaseStatus if s.closes]
    rows = session.exec(
        select(Finding.kind, func.count(col(Finding.id)))
        .outerjoin(latest, latest.c.finding_id == col(Finding.id))
        .outerjoin(CaseEntry, col(CaseEntry.id) == latest.c.entry_id)
        .where(
            Finding.clinic_id == clinic_id,
            sa.or_(col(CaseEntry.status).is_(None), col(CaseEntry.status).not_in(closing)),
        )
        .group_by(col(Finding.kind))
    ).all()
    return {kind: int(n) for kind, n in rows}
