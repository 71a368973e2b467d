"""The audit log: append-only, hash-chained, and checked.

What is prevented, and by what:
- the application cannot change or delete an entry (an ORM guard refuses it at flush);
- the database refuses UPDATE and DELETE (triggers), an INSERT that reuses or goes below
  the last id (``INSERT OR REPLACE``) or that is dated before the last entry (backdating),
  and on PostgreSQL TRUNCATE (a statement trigger) — and the migration revokes UPDATE,
  DELETE and TRUNCATE on the table from the role that created it.

What is detected, because it cannot be prevented by someone who owns the database file
(dropping the triggers first, or editing the file): each entry stores the SHA-256 of the
previous entry's hash and its own canonical content, so a changed, removed or inserted
entry breaks the chain from that point; the newest entry's id and hash are also appended to
a head file beside the store (SQLite) or in the data directory (PostgreSQL), so removing
entries from the end, or emptying the table, shows too.  :func:`verify` walks the chain;
``quietwatch audit --verify``, ``init``, ``crawl`` and the dashboard's Compliance page run it.

A blocked attempt is never lost: when the database cannot take the entry (locked, down),
it goes to a pending file (JSON lines, appended) that the next ``init`` or ``audit``
imports into the chain (:func:`import_pending`).
"""

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlmodel import Session, col, func, select

from store.db import Engine, session_scope, sqlite_path
from store.models import AuditEntry, utcnow

logger = logging.getLogger(__name__)

#: The fields an entry's hash covers, in order.
CHAINED = (
    "id",
    "at",
    "action_id",
    "rule_set",
    "rule_version",
    "model_version",
    "origin",
    "user",
    "clinic_id",
    "target",
    "detail",
)
MESSAGE = "the audit log is append-only: entries cannot be changed or deleted"


def _canonical(values: dict[str, Any]) -> str:
    parts = []
    for name in CHAINED:
        value = values.get(name)
        if isinstance(value, datetime):
            value = value.astimezone(UTC).isoformat()
        parts.append(value)
    return json.dumps(parts, ensure_ascii=False, separators=(",", ":"))


def entry_hash(prev_hash: str | None, values: dict[str, Any]) -> str:
    """SHA-256 of the previous entry's hash and this entry's canonical content."""
    return hashlib.sha256(((prev_hash or "") + _canonical(values)).encode("utf-8")).hexdigest()


# -- where its files live --------------------------------------------------------------
def files_dir(engine: Engine, data_dir: Path | None = None) -> Path | None:
    """Beside a SQLite store; for a server store, the data directory given."""
    database = sqlite_path(engine)
    if database is not None:
        return database.parent
    return Path(data_dir) if data_dir is not None else None


def _stem(engine: Engine) -> str:
    database = sqlite_path(engine)
    return database.name if database is not None else f"{engine.url.database or 'store'}"


def head_path(engine: Engine, data_dir: Path | None = None) -> Path | None:
    where = files_dir(engine, data_dir)
    return where / f"{_stem(engine)}.audit-head" if where is not None else None


def pending_path(engine: Engine, data_dir: Path | None = None) -> Path | None:
    where = files_dir(engine, data_dir)
    return where / f"{_stem(engine)}.audit-pending.jsonl" if where is not None else None


# -- appending --------------------------------------------------------------------------
def append(session: Session, *, head_file: Path | None = None, **fields: Any) -> int:
    """Append one entry at the end of the chain, in the caller's transaction; its id.

    The newest entry's id and hash go to ``head_file`` once the transaction commits."""
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":  # one appender at a time: the chain is a sequence
        session.execute(sa.text("LOCK TABLE auditentry IN SHARE ROW EXCLUSIVE MODE"))
    last = session.exec(select(AuditEntry).order_by(col(AuditEntry.id).desc()).limit(1)).first()
    now = utcnow()
    at = max(now, last.at) if last is not None else now  # never before the last entry
    values = {**fields, "id": (last.id if last else 0) + 1, "at": at}
    prev = last.entry_hash if last is not None else None
    entry = AuditEntry(**values, prev_hash=prev, entry_hash=entry_hash(prev, values))
    session.add(entry)
    session.flush()
    if head_file is not None:
        session.info.setdefault("audit_heads", []).append((head_file, entry.id, entry.entry_hash))
    return entry.id


@event.listens_for(Session, "after_commit")
def _write_heads(session: Session) -> None:
    for path, entry_id, digest in session.info.pop("audit_heads", []):
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "a", encoding="utf-8") as handle:
                handle.write(f"{entry_id} {digest}\n")
        except OSError as exc:  # the chain in the database still holds the entry
            logger.warning("could not write the audit head file %s: %s", path, exc)


@event.listens_for(Session, "after_rollback")
def _forget_heads(session: Session) -> None:
    session.info.pop("audit_heads", None)


def write_pending(path: Path, **fields: Any) -> None:
    """Keep an attempt the database could not take, for the next import."""
    record = {**fields, "attempted_at": utcnow().isoformat()}
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(record, ensure_ascii=False) + "\n")


def import_pending(engine: Engine, data_dir: Path | None = None) -> int:
    """Append the attempts kept in the pending file to the chain (their original time in
    the detail), then keep the file under another name.  Returns how many."""
    path = pending_path(engine, data_dir)
    if path is None or not path.exists():
        return 0
    records = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            records.append(json.loads(line))
        except ValueError:
            logger.warning("skipped an unreadable line in %s", path)
    head = head_path(engine, data_dir)
    with session_scope(engine) as session:
        for record in records:
            attempted = record.pop("attempted_at", None)
            note = f"attempted at {attempted}; written from the pending file later"
            record["detail"] = "; ".join(p for p in (record.get("detail"), note) if p)
            append(session, head_file=head, **{k: record.get(k) for k in CHAINED[2:]})
    path.rename(path.with_name(f"{path.name}.imported-{utcnow():%Y%m%dT%H%M%S}"))
    return len(records)


# -- checking ---------------------------------------------------------------------------
@dataclass(frozen=True)
class ChainReport:
    ok: bool
    entries: int
    head: str | None  # the newest entry's hash
    broken_at: int | None = None  # the first entry that does not hold
    message: str = ""


def verify(session: Session, head_file: Path | None = None) -> ChainReport:
    """Walk the chain from the first entry; the first entry that does not hold, if any."""
    prev: str | None = None
    last_id, last_at, count = 0, None, 0
    for entry in session.exec(select(AuditEntry).order_by(col(AuditEntry.id))):
        count += 1
        values = entry.model_dump(include=set(CHAINED))
        problem = None
        if entry.prev_hash != prev:
            problem = "it does not follow the entry before it (an entry was removed or inserted)"
        elif entry.entry_hash != entry_hash(prev, values):
            problem = "its content was changed after it was written"
        elif last_at is not None and entry.at < last_at:
            problem = "it is dated before the entry before it (backdated)"
        if problem:
            return ChainReport(False, count, prev, entry.id, f"audit entry {entry.id}: {problem}")
        prev, last_id, last_at = entry.entry_hash, entry.id, entry.at
    if head_file is not None and head_file.exists():
        known = _heads(head_file)
        if known:
            newest_id = max(known)
            if newest_id > last_id:
                return ChainReport(
                    False,
                    count,
                    prev,
                    last_id + 1,
                    f"audit entries {last_id + 1}–{newest_id} were removed "
                    f"(the head file {head_file} records entry {newest_id})",
                )
            entries = {
                e.id: e.entry_hash
                for e in session.exec(select(AuditEntry).where(col(AuditEntry.id).in_(list(known))))
            }
            for entry_id in sorted(known):
                if entries.get(entry_id) != known[entry_id]:
                    return ChainReport(
                        False,
                        count,
                        prev,
                        entry_id,
                        f"audit entry {entry_id} differs from what the head file recorded",
                    )
    return ChainReport(True, count, prev, None, f"the audit log holds: {count} entries, intact")


def _heads(path: Path) -> dict[int, str]:
    heads = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0].isdigit():
            heads[int(parts[0])] = parts[1]
    return heads


def count(session: Session) -> int:
    return session.exec(select(func.count()).select_from(AuditEntry)).one()


# -- the database's guards --------------------------------------------------------------
SQLITE_GUARDS = {
    "auditentry_no_update": (
        f"CREATE TRIGGER auditentry_no_update BEFORE UPDATE ON auditentry "
        f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
    ),
    "auditentry_no_delete": (
        f"CREATE TRIGGER auditentry_no_delete BEFORE DELETE ON auditentry "
        f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
    ),
    # INSERT OR REPLACE deletes the row it replaces without firing delete triggers: refuse
    # any insert at or below the last id, and any insert dated before the last entry.
    "auditentry_append_only": (
        "CREATE TRIGGER auditentry_append_only BEFORE INSERT ON auditentry "
        "WHEN NEW.id <= (SELECT coalesce(max(id), 0) FROM auditentry) "
        "OR NEW.at < (SELECT max(at) FROM auditentry) "
        "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: an entry cannot replace "
        "another or be dated before the last one'); END"
    ),
}
POSTGRES_FUNCTIONS = (
    "CREATE OR REPLACE FUNCTION auditentry_append_only() RETURNS trigger AS $$ "
    f"BEGIN RAISE EXCEPTION '{MESSAGE}'; END; $$ LANGUAGE plpgsql",
    "CREATE OR REPLACE FUNCTION auditentry_insert_in_order() RETURNS trigger AS $$ "
    "BEGIN IF NEW.id <= (SELECT coalesce(max(id), 0) FROM auditentry) "
    "OR NEW.at < (SELECT max(at) FROM auditentry) THEN RAISE EXCEPTION "
    "'the audit log is append-only: an entry cannot replace another or be dated before the "
    "last one'; END IF; RETURN NEW; END; $$ LANGUAGE plpgsql",
)
POSTGRES_GUARDS = {
    "auditentry_append_only": (
        "CREATE TRIGGER auditentry_append_only BEFORE UPDATE OR DELETE ON auditentry "
        "FOR EACH ROW EXECUTE FUNCTION auditentry_append_only()"
    ),
    "auditentry_no_truncate": (
        "CREATE TRIGGER auditentry_no_truncate BEFORE TRUNCATE ON auditentry "
        "FOR EACH STATEMENT EXECUTE FUNCTION auditentry_append_only()"
    ),
    "auditentry_insert_in_order": (
        "CREATE TRIGGER auditentry_insert_in_order BEFORE INSERT ON auditentry "
        "FOR EACH ROW EXECUTE FUNCTION auditentry_insert_in_order()"
    ),
}


def _present(connection: sa.Connection) -> set[str]:
    if connection.dialect.name == "sqlite":
        rows = connection.execute(
            sa.text("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        ).scalars()
    else:
        rows = connection.execute(
            sa.text(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = 'auditentry'::regclass "
                "AND NOT tgisinternal"
            )
        ).scalars()
    return set(rows)


def ensure_guards(connection: sa.Connection) -> list[str]:
    """Create the audit log's triggers that are missing (someone dropped them); the names
    of those re-created."""
    guards = SQLITE_GUARDS if connection.dialect.name == "sqlite" else POSTGRES_GUARDS
    missing = [name for name in guards if name not in _present(connection)]
    if missing and connection.dialect.name != "sqlite":
        for statement in POSTGRES_FUNCTIONS:
            connection.execute(sa.text(statement))
    for name in missing:
        connection.execute(sa.text(guards[name]))
    return missing


def record(
    engine: Engine, *, data_dir: Path | None = None, **fields: Any
) -> tuple[int | None, Path | None]:
    """Append an entry in its own transaction; when the database cannot take it (locked,
    down), keep it in the pending file instead.  (audit id, None) or (None, pending file)."""
    try:
        with session_scope(engine) as session:
            return append(session, head_file=head_path(engine, data_dir), **fields), None
    except sa.exc.DBAPIError as exc:
        path = pending_path(engine, data_dir)
        if path is None:
            raise
        logger.warning("the audit log could not be written (%s); kept in %s", exc.orig, path)
        write_pending(path, **fields)
        return None, path


def restore_guards(engine: Engine) -> list[str]:
    """Re-create the audit log's triggers someone dropped; the names of those re-created."""
    with engine.begin() as connection:
        return ensure_guards(connection)


def check(engine: Engine, data_dir: Path | None = None) -> ChainReport:
    """Walk the chain of the store at ``engine`` against its head file."""
    with Session(engine) as session:
        return verify(session, head_path(engine, data_dir))
