"""The audit log is tamper-evident, not just guarded: what the database refuses, what the
chain and its head file detect, what `init` restores, and that no blocked attempt is lost."""

import sqlite3
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from guardrail.enforce import block
from quietwatch.cli import main
from store import audit
from store.db import make_engine, session_scope
from tests.ops.helpers import clean_env, minimal_config, quietwatch


@pytest.fixture
def store(tmp_path: Path):
    """A clinic's config and its SQLite store with three blocked attempts in the log."""
    config = minimal_config(tmp_path)
    assert quietwatch(config, "init").returncode == 0
    url = f"sqlite:///{tmp_path / 'data' / 'quietwatch.db'}"
    engine = make_engine(url)
    for action in ("reply_to_review", "contact_reviewer", "review_request"):
        block(action, origin="cli", engine_or_session=engine, target="review 7")
    yield config, url, engine
    engine.dispose()


def _raw(url: str) -> sqlite3.Connection:
    return sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)


def _verify(config: Path) -> tuple[int, str]:
    result = quietwatch(config, "audit", "--verify")
    return result.returncode, result.stdout + result.stderr


def test_an_intact_log_verifies_and_the_head_file_follows_it(store) -> None:
    config, url, engine = store
    code, out = _verify(config)
    assert code == 0 and "Intact" in out and "3 entries" in out
    head = audit.head_path(engine)
    assert [line.split()[0] for line in head.read_text().splitlines()] == ["1", "2", "3"]


@pytest.mark.parametrize(
    "statement",
    [
        # INSERT OR REPLACE deletes row 1 without firing delete triggers: refused anyway.
        "INSERT OR REPLACE INTO auditentry (id, at, action_id, rule_set, rule_version, origin, "
        "entry_hash) VALUES (1, '2026-01-01 00:00:00.000000', 'x', 'x', '1', 'cli', 'h')",
        # A backdated entry after the last id.
        "INSERT INTO auditentry (id, at, action_id, rule_set, rule_version, origin, entry_hash) "
        "VALUES (99, '2001-01-01 00:00:00.000000', 'x', 'x', '1', 'cli', 'h')",
        "UPDATE auditentry SET detail = 'rewritten' WHERE id = 2",
        "DELETE FROM auditentry WHERE id = 3",
    ],
)
def test_sqlite_refuses_replacing_backdating_changing_and_deleting(store, statement) -> None:
    _config, url, _engine = store
    with _raw(url) as conn, pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute(statement)


def test_or_replace_from_sqlalchemy_is_refused_too(store) -> None:
    _config, _url, engine = store
    table = audit.AuditEntry.__table__
    with pytest.raises(sa.exc.DatabaseError, match="append-only"), engine.begin() as conn:
        conn.execute(
            table.insert()
            .prefix_with("OR REPLACE")
            .values(
                id=1,
                at=audit.utcnow(),
                action_id="x",
                rule_set="x",
                rule_version="1",
                origin="cli",
                entry_hash="h",
            )
        )


def test_dropped_triggers_then_an_edit_is_detected_and_init_restores_them(store) -> None:
    config, url, _engine = store
    with _raw(url) as conn:
        for name in audit.SQLITE_GUARDS:
            conn.execute(f"DROP TRIGGER {name}")
        conn.execute("UPDATE auditentry SET target = 'review 8' WHERE id = 2")
    code, out = _verify(config)
    assert code == 1 and "audit entry 2" in out and "changed after it was written" in out
    init = quietwatch(config, "init")
    assert init.returncode == 0
    assert "guards were missing and were re-created" in init.stderr
    assert "does not hold" in init.stderr and "audit entry 2" in init.stderr
    with _raw(url) as conn, pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("DELETE FROM auditentry")


def test_entries_removed_from_the_end_show_against_the_head_file(store) -> None:
    config, url, _engine = store
    with _raw(url) as conn:
        conn.execute("DROP TRIGGER auditentry_no_delete")
        conn.execute("DELETE FROM auditentry WHERE id = 3")
    code, out = _verify(config)
    assert code == 1 and "entries 3–3 were removed" in out


def test_an_entry_removed_from_the_middle_breaks_the_chain(store) -> None:
    config, url, _engine = store
    with _raw(url) as conn:
        conn.execute("DROP TRIGGER auditentry_no_delete")
        conn.execute("DELETE FROM auditentry WHERE id = 2")
    code, out = _verify(config)
    assert code == 1 and "audit entry 3" in out and "does not follow" in out


def test_a_locked_store_keeps_the_attempt_and_the_next_audit_adds_it(store) -> None:
    """The crawl holds SQLite's write lock; a blocked click must still be recorded."""
    config, url, _engine = store
    impatient = make_engine(url)
    sa.event.listen(impatient, "connect", lambda c, _r: c.execute("PRAGMA busy_timeout=100"))
    holder = _raw(url)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        explanation = block("reply_to_review", origin="dashboard", engine_or_session=impatient)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        impatient.dispose()
    assert explanation.audit_id is None
    assert explanation.pending_file == str(audit.pending_path(impatient))
    assert '"action_id": "reply_to_review"' in Path(explanation.pending_file).read_text()
    assert "could not be reached just now" in explanation.as_text()
    listed = quietwatch(config, "audit", "--json")
    assert listed.returncode == 0 and "Added 1 attempt(s)" in listed.stderr
    assert '"action_id": "reply_to_review"' in listed.stdout and "pending file" in listed.stdout
    assert _verify(config)[0] == 0


@pytest.mark.postgres
def test_postgres_refuses_truncate_and_detects_an_emptied_log(tmp_path, postgres_server) -> None:
    url = postgres_server.create_database()
    config = minimal_config(tmp_path, extra="")
    env = clean_env(QUIETWATCH_DATABASE_URL=url)
    assert quietwatch(config, "init", env=env).returncode == 0
    refused = quietwatch(config, "reply", "42", env=env)
    assert refused.returncode == 1 and "entry 1" in refused.stderr
    engine = make_engine(url)
    try:
        with pytest.raises(sa.exc.DatabaseError, match="append-only"), engine.begin() as conn:
            conn.execute(sa.text("TRUNCATE auditentry"))
        with engine.begin() as conn:  # someone who owns the database goes further
            conn.execute(sa.text("DROP TRIGGER auditentry_no_truncate ON auditentry"))
            conn.execute(sa.text("TRUNCATE auditentry"))
    finally:
        engine.dispose()
    verified = quietwatch(config, "audit", "--verify", env=env)
    assert verified.returncode == 1 and "were removed" in verified.stdout
    restored = quietwatch(config, "init", env=env)
    assert "auditentry_no_truncate" in restored.stderr


def test_the_cli_refusal_names_its_audit_entry(tmp_path) -> None:
    config = minimal_config(tmp_path)
    assert quietwatch(config, "init").returncode == 0
    result = CliRunner().invoke(main, ["--config", str(config), "reply", "7"], env=clean_env())
    assert result.exit_code == 1
    assert "recorded in the audit log (entry 1)" in result.output


def test_concurrent_appends_keep_one_chain(store) -> None:
    config, url, _engine = store

    def click(n: int) -> None:
        engine = make_engine(url)
        try:
            block("reply_to_review", origin="dashboard", engine_or_session=engine, target=f"r{n}")
        finally:
            engine.dispose()

    threads = [threading.Thread(target=click, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert _verify(config) == (0, _verify(config)[1])
    with session_scope(make_engine(url)) as session:
        assert audit.count(session) == 11
