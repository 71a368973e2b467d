"""Reading the audit log (writing is :func:`guardrail.enforce.block`'s job only)."""

import logging
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from store.models import AuditEntry

logger = logging.getLogger(__name__)

AUDIT_FIELDS = (
    "id",
    "at",
    "action_id",
    "rule_set",
    "rule_version",
    "origin",
    "user",
    "clinic_id",
    "target",
    "detail",
)


def list_entries(
    engine: Engine,
    *,
    limit: int | None = None,
    action_id: str | None = None,
    since: datetime | None = None,
) -> list[dict[str, Any]]:
    """Audit rows, oldest first, as plain dicts (``at`` stays a datetime)."""
    query = select(AuditEntry).order_by(col(AuditEntry.at), col(AuditEntry.id))
    if action_id:
        query = query.where(AuditEntry.action_id == action_id)
    if since is not None:
        query = query.where(col(AuditEntry.at) >= since)
    with Session(engine) as session:
        rows = list(session.exec(query))
    if limit is not None:
        rows = rows[-limit:] if limit > 0 else []
    return [{name: getattr(row, name) for name in AUDIT_FIELDS} for row in rows]
