"""The audit log's writing paths, in process, on each backend: where ``record`` puts the
head file and, when the database cannot take an entry, the pending file (and what it logs);
an entry never dated before the last one; appenders one at a time; the files in UTF-8
whatever the locale.  Also the store's small helpers the audit paths stand on:
``insert_on_conflict``, ``is_sqlite`` and ``safe_url``."""

import hashlib
import json
import locale
import logging
import sqlite3
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import Session, col, select

from store import audit
from store.db import init_db, is_sqlite, make_engine, safe_url, session_scope
from store.models import AuditEntry, Clinic, utcnow
from store.statements import insert_on_conflict
from tests.conftest import migrate
from tests.pg import free_port

FIELDS = {
    "action_id": "reply_to_review",
    "rule_set": "bcacc",
    "rule_version": "1.0.0",
    "origin": "dashboard",
    "user": "réception",
    "target": "review 7",
    "detail": "Québec",
}


@pytest.fixture
def store(db_url: str):
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


def _entries(engine) -> list[AuditEntry]:
    with Session(engine) as session:
        return list(session.exec(select(AuditEntry).order_by(col(AuditEntry.id))))


@pytest.fixture
def ascii_locale():
    """The process's locale encoding is ASCII (as under a C locale without UTF-8 mode)."""
    before = locale.setlocale(locale.LC_CTYPE)
    locale.setlocale(locale.LC_CTYPE, "C")
    try:
        assert locale.getencoding().lower() in {"ansi_x3.4-1968", "ascii", "us-ascii"}
        yield
    finally:
        locale.setlocale(locale.LC_CTYPE, before)


# -- record: the head file ----------------------------------------------------------------
def test_record_appends_each_entry_to_the_head_file_beside_the_store_or_in_the_data_dir(
    store, tmp_path: Path
) -> None:
    """SQLite: beside the database file; PostgreSQL: in the data directory given.  Ids run
    1, 2, ... and each head line is the entry's id and hash."""
    data_dir = tmp_path / "data"
    assert audit.record(store, data_dir=data_dir, **FIELDS) == (1, None)
    assert audit.record(store, data_dir=data_dir, **{**FIELDS, "target": "review 8"}) == (2, None)
    head = audit.head_path(store, data_dir)
    if is_sqlite(store):
        assert head.parent == tmp_path
    else:
        assert head.parent == data_dir
    entries = _entries(store)
    assert [e.id for e in entries] == [1, 2]
    assert entries[1].prev_hash == entries[0].entry_hash
    assert head.read_text(encoding="utf-8").splitlines() == [
        f"{e.id} {e.entry_hash}" for e in entries
    ]
    with Session(store) as session:
        assert audit.count(session) == 2
    assert audit.check(store, data_dir).ok


def test_an_entry_is_never_dated_before_the_last_one(store, tmp_path: Path) -> None:
    """When the clock reads earlier than the last entry (set back, or the last one came from
    a machine ahead), the new entry takes the last one's time instead of being refused."""
    ahead = utcnow() + timedelta(days=1)
    values = {**FIELDS, "id": 1, "at": ahead}
    with session_scope(store) as session:
        session.add(AuditEntry(**values, prev_hash=None, entry_hash=audit.entry_hash(None, values)))
    assert audit.record(store, data_dir=tmp_path / "data", **FIELDS) == (2, None)
    first, second = _entries(store)
    assert second.at == first.at == ahead
    assert audit.check(store, tmp_path / "data").ok


def _wait_for_a_lock_wait(engine) -> None:
    """Until another connection waits for a lock (PostgreSQL); SQLite cannot tell: a moment."""
    if is_sqlite(engine):
        time.sleep(0.1)
        return
    deadline = time.monotonic() + 10
    with engine.connect() as conn:
        while time.monotonic() < deadline:
            waiting = conn.execute(
                sa.text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            ).scalar()
            conn.rollback()
            if waiting:
                return
            time.sleep(0.01)
    raise AssertionError("the second appender never waited")


def test_a_second_appender_waits_for_the_first_and_follows_it(store) -> None:
    """Two transactions appending at once: the second waits until the first commits, then
    chains after it (on PostgreSQL, a table lock; without it both would take id 1)."""
    outcome: dict = {}

    def second() -> None:
        try:
            outcome["id"] = audit.record(store, **{**FIELDS, "target": "review 8"})[0]
        except Exception as exc:  # handed to the test's thread
            outcome["error"] = exc

    with session_scope(store) as session:
        assert audit.append(session, **FIELDS) == 1
        thread = threading.Thread(target=second)
        thread.start()
        _wait_for_a_lock_wait(store)
    thread.join(timeout=30)
    assert "error" not in outcome, outcome.get("error")
    assert outcome["id"] == 2
    first, then = _entries(store)
    assert (first.target, then.target) == ("review 7", "review 8")
    assert then.prev_hash == first.entry_hash


# -- record: the pending file -------------------------------------------------------------
def _locked_sqlite(tmp_path: Path):
    """A SQLite store whose write lock another connection holds; the engine gives up fast."""
    url = f"sqlite:///{tmp_path / 'quietwatch.db'}"
    migrate(url)
    engine = make_engine(url)
    sa.event.listen(engine, "connect", lambda c, _r: c.execute("PRAGMA busy_timeout=50"))
    holder = sqlite3.connect(tmp_path / "quietwatch.db", isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    return (
        engine,
        None,
        tmp_path / "quietwatch.db.audit-pending.jsonl",
        "database is locked",
        holder,
    )


def _unreachable_postgres(tmp_path: Path):
    """A PostgreSQL URL nobody listens on, and a data directory not made yet."""
    engine = make_engine(f"postgresql+psycopg://quietwatch@127.0.0.1:{free_port()}/clinic")
    data_dir = tmp_path / "srv" / "quietwatch"
    return engine, data_dir, data_dir / "clinic.audit-pending.jsonl", "refused", None


@pytest.mark.parametrize("down", [_locked_sqlite, _unreachable_postgres])
def test_an_entry_the_database_cannot_take_is_kept_in_the_pending_file_and_logged(
    down, tmp_path: Path, caplog
) -> None:
    """record() returns (None, the pending file); the file, beside the SQLite store or in
    the data directory (made if missing), holds the attempt's fields; a warning names the
    database's reason and the file."""
    engine, data_dir, pending, reason, holder = down(tmp_path)
    try:
        with caplog.at_level(logging.WARNING, logger="store.audit"):
            assert audit.record(engine, data_dir=data_dir, **FIELDS) == (None, pending)
    finally:
        if holder is not None:
            holder.execute("ROLLBACK")
            holder.close()
        engine.dispose()
    [line] = pending.read_text(encoding="utf-8").splitlines()
    kept = json.loads(line)
    assert kept.pop("attempted_at")
    assert kept == FIELDS
    [warning] = [r for r in caplog.records if r.name == "store.audit"]
    message = warning.getMessage()
    assert message.startswith("the audit log could not be written (")
    assert reason in message
    assert message.endswith(f"); kept in {pending}")


def test_a_server_store_without_a_data_directory_raises_rather_than_losing_it(tmp_path) -> None:
    """No data directory: nowhere to keep the attempt, so the database's error reaches the
    caller (who then reports it) instead of the attempt vanishing."""
    engine = make_engine(f"postgresql+psycopg://quietwatch@127.0.0.1:{free_port()}/clinic")
    try:
        with pytest.raises(sa.exc.OperationalError):
            audit.record(engine, **FIELDS)
    finally:
        engine.dispose()


def test_the_pending_file_is_utf8_with_letters_kept_as_is_whatever_the_locale(
    tmp_path: Path, ascii_locale
) -> None:
    """Written in UTF-8 under an ASCII locale too, other scripts' letters as they are (the
    file is for people to read as well as for the import)."""
    path = tmp_path / "quietwatch.db.audit-pending.jsonl"
    audit.write_pending(path, **FIELDS)
    text = path.read_bytes().decode("utf-8")
    assert '"user": "réception"' in text and '"detail": "Québec"' in text
    assert {k: v for k, v in json.loads(text).items() if k != "attempted_at"} == FIELDS


def test_a_note_in_other_letters_in_the_head_file_does_not_break_the_check(
    tmp_path: Path, ascii_locale
) -> None:
    """The head file is read as UTF-8 under an ASCII locale too: a note someone added by
    hand in French is skipped, not a crash."""
    engine = make_engine(f"sqlite:///{tmp_path / 'quietwatch.db'}")
    init_db(engine)
    try:
        assert audit.record(engine, **FIELDS) == (1, None)
        with open(audit.head_path(engine), "a", encoding="utf-8") as handle:
            handle.write("vérifié à la main, 29 novembre\n")
        report = audit.check(engine)
        assert report.ok and report.entries == 1, report.message
    finally:
        engine.dispose()


# -- the store's helpers --------------------------------------------------------------------
def test_insert_on_conflict_upserts_on_the_stores_own_backend(store) -> None:
    """The INSERT built for the engine's dialect runs there, and its ON CONFLICT clause
    updates the row already there (PostgreSQL cannot compile SQLite's)."""
    table = Clinic.__table__
    insert = insert_on_conflict(store.dialect.name, table)
    upsert = insert.on_conflict_do_update(
        index_elements=[table.c.key], set_={"name": insert.excluded.name}
    ).returning(table.c.id)
    with store.begin() as conn:
        first = conn.execute(upsert, [{"key": "harbourview", "name": "Harbourview"}]).scalar()
        again = conn.execute(upsert, [{"key": "harbourview", "name": "Harbour View"}]).scalar()
        names = conn.execute(sa.select(table.c.name)).scalars().all()
    assert first == again
    assert names == ["Harbour View"]


def test_is_sqlite_tells_the_backends_apart(store, db_url: str) -> None:
    assert is_sqlite(store) is db_url.startswith("sqlite")


def test_safe_url_hides_the_password() -> None:
    shown = safe_url("postgresql+psycopg://quietwatch:s3cret-pw@db.example:5432/clinic")
    assert "s3cret-pw" not in shown
    assert shown == "postgresql+psycopg://quietwatch:***@db.example:5432/clinic"


def test_the_pending_file_is_imported_from_where_it_is_kept_and_a_bad_line_is_named(
    store, tmp_path: Path, caplog, ascii_locale
) -> None:
    """The import reads the pending file where ``record`` keeps it (beside a SQLite file, in
    the data directory for a server store) as UTF-8 whatever the locale; a line it cannot
    read is skipped and logged with the file's name; a line without its attempt time is
    still chained; and the head file is written in the same place, so the check holds."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    path = audit.pending_path(store, data_dir)
    audit.write_pending(path, **FIELDS)
    with path.open("a", encoding="utf-8") as handle:
        handle.write("{not json\n")
        handle.write(json.dumps({**FIELDS, "target": "review 9"}) + "\n")
    with caplog.at_level(logging.WARNING, logger="store.audit"):
        assert audit.import_pending(store, data_dir) == 2
    assert [r.getMessage() for r in caplog.records if r.name == "store.audit"] == [
        f"skipped an unreadable line in {path}"
    ]
    entries = _entries(store)
    assert [(e.target, e.user) for e in entries] == [
        ("review 7", "réception"),
        ("review 9", "réception"),
    ]
    assert entries[1].detail.startswith("Québec; attempted at ")
    head = audit.head_path(store, data_dir)
    assert head.read_text(encoding="utf-8").splitlines()[-1] == (
        f"{entries[-1].id} {entries[-1].entry_hash}"
    )
    assert audit.check(store, data_dir).ok


def _unguarded(store, statement) -> None:
    """What someone with the database's own rights can do: drop the guards, then write
    (``statement``: SQL text, or a SQLAlchemy statement)."""
    with store.begin() as conn:
        if is_sqlite(store):
            for name in audit.SQLITE_GUARDS:
                conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
        else:
            conn.exec_driver_sql("ALTER TABLE auditentry DISABLE TRIGGER USER")
        if isinstance(statement, str):
            conn.exec_driver_sql(statement)
        else:
            conn.execute(statement)


def test_the_check_names_the_first_entry_that_does_not_hold_and_why(store, tmp_path: Path) -> None:
    """An entry edited in place: that entry, "changed after it was written" (on PostgreSQL
    the edited row moves to the end of the table, so the check must walk the chain by id,
    not as stored).  An entry taken out of the middle: the one after it, "does not follow"."""
    for n in range(4):
        audit.record(store, data_dir=tmp_path, **{**FIELDS, "target": f"review {n}"})
    _unguarded(store, "UPDATE auditentry SET target = 'review 9' WHERE id = 2")
    with Session(store) as session:
        edited = audit.verify(session)
    assert (edited.ok, edited.entries, edited.broken_at) == (False, 2, 2)
    assert edited.head == _entries(store)[0].entry_hash  # the last entry that held
    assert edited.message == "audit entry 2: its content was changed after it was written"
    _unguarded(store, "DELETE FROM auditentry WHERE id = 3")
    _unguarded(store, "UPDATE auditentry SET target = 'review 1' WHERE id = 2")
    with Session(store) as session:
        removed = audit.verify(session)
    assert (removed.ok, removed.broken_at) == (False, 4)
    assert removed.message == (
        "audit entry 4: it does not follow the entry before it (an entry was removed or inserted)"
    )


def test_an_entry_chained_right_but_dated_before_the_last_is_named_as_backdated(
    store, tmp_path: Path
) -> None:
    """A forged entry whose hashes follow the chain but whose time is earlier than the entry
    before it (the one thing a hash cannot refuse) is named as backdated."""
    audit.record(store, data_dir=tmp_path, **FIELDS)
    audit.record(store, data_dir=tmp_path, **{**FIELDS, "target": "review 8"})
    last = _entries(store)[-1]
    forged = {**FIELDS, "id": 3, "target": "review 9", "at": last.at - timedelta(hours=1)}
    values = {name: forged.get(name) for name in audit.CHAINED}
    digest = audit.entry_hash(last.entry_hash, values)
    _unguarded(
        store,
        sa.insert(AuditEntry.__table__).values(
            prev_hash=last.entry_hash, entry_hash=digest, **values
        ),
    )
    with Session(store) as session:
        report = audit.verify(session)
    assert (report.ok, report.entries, report.broken_at) == (False, 3, 3)
    assert report.message == "audit entry 3: it is dated before the entry before it (backdated)"


def test_the_head_file_shows_entries_cut_from_the_end_and_a_chain_rehashed_after_an_edit(
    store, tmp_path: Path
) -> None:
    """Two tamperings the chain alone cannot see: the newest entries removed (the head file
    records a later one), and an entry edited with every hash after it recomputed (the chain
    holds, but the head file recorded other hashes)."""
    for n in range(4):
        audit.record(store, data_dir=tmp_path, **{**FIELDS, "target": f"review {n}"})
    head = audit.head_path(store, tmp_path)
    _unguarded(store, "DELETE FROM auditentry WHERE id > 2")
    kept = _entries(store)
    with Session(store) as session:
        cut = audit.verify(session, head)
    assert (cut.ok, cut.entries, cut.head, cut.broken_at) == (False, 2, kept[-1].entry_hash, 3)
    assert cut.message == f"audit entries 3–4 were removed (the head file {head} records entry 4)"

    # Entry 2 edited and every hash from it recomputed; the head file trimmed to the two
    # entries left, so only its record of entry 2's hash can tell.
    values = {name: getattr(kept[1], name) for name in audit.CHAINED}
    values["target"] = "review 9"
    rehashed = audit.entry_hash(kept[0].entry_hash, values)
    _unguarded(
        store, f"UPDATE auditentry SET target = 'review 9', entry_hash = '{rehashed}' WHERE id = 2"
    )
    head.write_text(
        "".join(head.read_text(encoding="utf-8").splitlines(True)[:2]), encoding="utf-8"
    )
    with Session(store) as session:
        differs = audit.verify(session, head)
    assert (differs.ok, differs.entries, differs.head, differs.broken_at) == (
        False,
        2,
        rehashed,
        2,
    )
    assert differs.message == "audit entry 2 differs from what the head file recorded"


# -- the chain's format: what an earlier release stored must verify -----------------------
def test_an_entry_hash_is_sha256_of_the_previous_hash_and_compact_json_in_utc(
    monkeypatch,
) -> None:
    """The hash is SHA-256 of the previous entry's hash followed by the chained fields as
    compact JSON (no spaces, letters kept as they are), each time in UTC ISO form — the same
    on any machine whatever its time zone, so a log written in Vancouver verifies anywhere."""
    vancouver = timezone(timedelta(hours=-8))
    values = {**FIELDS, "id": 3, "at": datetime(2026, 11, 30, 1, 30, tzinfo=vancouver)}
    parts = [values.get(name) for name in audit.CHAINED]
    parts[audit.CHAINED.index("at")] = "2026-11-30T09:30:00+00:00"
    canonical = json.dumps(parts, ensure_ascii=False, separators=(",", ":"))
    assert '"Québec"' in canonical and ", " not in canonical
    expected = hashlib.sha256(("ab" * 32 + canonical).encode("utf-8")).hexdigest()
    assert audit.entry_hash("ab" * 32, values) == expected
    monkeypatch.setenv("TZ", "America/Vancouver")
    time.tzset()
    try:
        assert audit.entry_hash("ab" * 32, values) == expected
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


def test_an_intact_chain_reports_its_newest_hash(store, tmp_path: Path) -> None:
    """``quietwatch audit --verify`` and the notifier print the newest entry's hash of an
    intact log (what a copy kept elsewhere is compared with)."""
    audit.record(store, data_dir=tmp_path / "data", **FIELDS)
    audit.record(store, data_dir=tmp_path / "data", **{**FIELDS, "target": "review 8"})
    report = audit.check(store, tmp_path / "data")
    assert (report.ok, report.entries, report.head) == (True, 2, _entries(store)[-1].entry_hash)


def test_the_head_file_of_a_relative_sqlite_path_is_beside_the_database(
    tmp_path: Path, monkeypatch
) -> None:
    """``sqlite:///data/q.db`` run from the project folder: the head and pending files are
    data/q.db.audit-head and data/q.db.audit-pending.jsonl, beside the database (not a
    data/data/... path made from the URL's relative path)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    engine = sa.create_engine("sqlite:///data/q.db")
    try:
        assert audit.head_path(engine).resolve() == tmp_path / "data" / "q.db.audit-head"
        assert audit.pending_path(engine).resolve() == (
            tmp_path / "data" / "q.db.audit-pending.jsonl"
        )
    finally:
        engine.dispose()


def test_a_server_url_without_a_database_name_keeps_its_files_as_store(tmp_path: Path) -> None:
    """A server store named by no database (the server's default) keeps store.audit-head
    in the data directory; a named one, <name>.audit-head."""
    unnamed = sa.create_engine("postgresql+psycopg://quietwatch@127.0.0.1:1/")
    named = sa.create_engine("postgresql+psycopg://quietwatch@127.0.0.1:1/clinic")
    assert audit.head_path(unnamed, tmp_path) == tmp_path / "store.audit-head"
    assert audit.pending_path(unnamed, tmp_path) == tmp_path / "store.audit-pending.jsonl"
    assert audit.head_path(named, tmp_path) == tmp_path / "clinic.audit-head"


# -- the guards: re-created when someone dropped them -------------------------------------
def test_dropped_guards_are_named_and_re_created_and_refuse_again(store, tmp_path: Path) -> None:
    """``quietwatch init`` calls ``restore_guards``: it re-creates exactly the triggers that
    are missing (on PostgreSQL with the functions they run, dropped with them), names them,
    and the log refuses edits and deletes again; with every guard in place it does nothing."""
    audit.record(store, data_dir=tmp_path, **FIELDS)
    assert audit.restore_guards(store) == []
    with store.begin() as conn:
        if is_sqlite(store):
            conn.exec_driver_sql("DROP TRIGGER auditentry_no_delete")
            conn.exec_driver_sql("DROP TRIGGER auditentry_append_only")
            dropped = ["auditentry_no_delete", "auditentry_append_only"]
        else:  # the functions, and with them every trigger that runs them
            conn.exec_driver_sql("DROP FUNCTION auditentry_append_only() CASCADE")
            conn.exec_driver_sql("DROP FUNCTION auditentry_insert_in_order() CASCADE")
            dropped = list(audit.POSTGRES_GUARDS)
    assert audit.restore_guards(store) == dropped
    assert audit.restore_guards(store) == []
    for statement in ("DELETE FROM auditentry", "UPDATE auditentry SET target = 'x'"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), store.begin() as conn:
            conn.exec_driver_sql(statement)
    if not is_sqlite(store):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), store.begin() as conn:
            conn.exec_driver_sql("TRUNCATE auditentry")
    old_id = sa.insert(AuditEntry).values(
        **FIELDS, id=1, at=utcnow(), prev_hash=None, entry_hash="0" * 64
    )
    with pytest.raises(sa.exc.DBAPIError, match="append-only"), store.begin() as conn:
        conn.execute(old_id)  # no entry at an old id
    assert len(_entries(store)) == 1
