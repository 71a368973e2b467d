"""kill -9 anywhere: a store killed in the middle of `init` or of a crawl is one the next
command uses without a traceback, and a crawl after the kill ends where a clean crawl ends.

`init`: a fresh init is killed at each statement that changes the database (the migration
is one transaction, so the file is either empty or at the newest schema).  A crawl: killed
at random moments (seeded), then crawled again."""

import os
import random
import signal
import sqlite3
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from quietwatch import demo
from store.db import init_db, make_engine, schema_is_current
from tests.conftest import REPO, migrate
from tests.ops.helpers import clean_env, quietwatch

pytestmark = pytest.mark.slow

_CHANGES = ("CREATE", "ALTER", "DROP", "INSERT", "UPDATE", "DELETE", "COMMIT", "BEGIN")


def _init_until(path: Path, stop_at: int | None, statements: list[str] | None = None) -> None:
    """Run a fresh init on ``path``; SIGKILL this process as statement ``stop_at`` starts."""
    engine = make_engine(f"sqlite:///{path}")
    count = 0

    @sa.event.listens_for(engine, "connect")
    def _trace(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        def seen(statement: str) -> None:
            nonlocal count
            count += 1
            if statements is not None:
                statements.append(statement)
            if count == stop_at:
                os.kill(os.getpid(), signal.SIGKILL)

        dbapi_connection.set_trace_callback(seen)

    init_db(engine)
    engine.dispose()


def _forked(fn, *args) -> int:  # type: ignore[no-untyped-def]
    """Run ``fn`` in a forked child (no new interpreter to start); its wait status."""
    pid = os.fork()
    if pid == 0:  # the child
        try:
            fn(*args)
        finally:
            os._exit(0)
    return os.waitpid(pid, 0)[1]


def test_a_kill_at_every_change_of_a_fresh_init_leaves_a_usable_store(tmp_path) -> None:
    statements: list[str] = []
    _init_until(tmp_path / "count.db", None, statements)
    points = [
        n for n, sql in enumerate(statements, start=1) if sql.lstrip().upper().startswith(_CHANGES)
    ]
    assert len(points) > 30  # the schema is built by many statements
    for n in points:
        path = tmp_path / f"killed-{n}.db"
        status = _forked(_init_until, path, n)
        assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, n
        with sqlite3.connect(path) as raw:
            tables = {r[0] for r in raw.execute("SELECT name FROM sqlite_master")}
            # all or nothing: never tables without the record of which schema they are
            assert not tables or "alembic_version" in tables or tables <= {"sqlite_sequence"}, (
                n,
                statements[n - 1],
                sorted(tables),
            )
        migrate(f"sqlite:///{path}")  # the next init: no traceback
        engine = make_engine(f"sqlite:///{path}")
        try:
            assert schema_is_current(engine)
            with engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        finally:
            engine.dispose()


def _store_state(url: str) -> dict:
    engine = make_engine(url)
    try:
        with engine.connect() as c:
            return {
                "reviews": sorted(
                    c.exec_driver_sql(
                        "SELECT l.url, r.review_key, r.content_hash, r.removed_at IS NULL "
                        "FROM review r JOIN listing l ON l.id = r.listing_id"
                    ).all()
                ),
                "versions": c.exec_driver_sql("SELECT count(*) FROM reviewversion").scalar(),
                "running": c.exec_driver_sql(
                    "SELECT count(*) FROM crawlrun WHERE status = 'running'"
                ).scalar(),
            }
    finally:
        engine.dispose()


def test_crawls_killed_at_random_moments_end_like_a_clean_crawl(tmp_path, sample_sites) -> None:
    server, _phase = sample_sites
    clean_dir, killed_dir = tmp_path / "clean", tmp_path / "killed"
    clean = demo.write_config(clean_dir, server.base_url)
    assert quietwatch(clean, "crawl", "--no-progress", "--full").returncode == 0
    expected = _store_state(f"sqlite:///{clean_dir / 'data' / 'quietwatch.db'}")
    assert expected["reviews"] and expected["running"] == 0

    config = demo.write_config(killed_dir, server.base_url)
    assert quietwatch(config, "init").returncode == 0
    rng = random.Random(20261129)
    import subprocess

    for _ in range(10):
        crawl = subprocess.Popen(
            [sys.executable, "-m", "quietwatch", "--config", str(config), "crawl", "--full"],
            cwd=REPO,
            env=clean_env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(rng.uniform(0.3, 4.0))
        crawl.send_signal(signal.SIGKILL)
        _out, err = crawl.communicate(timeout=60)
        assert "Traceback" not in err
    final = quietwatch(config, "crawl", "--no-progress", "--full")
    assert final.returncode == 0 and "Traceback" not in final.stderr, final.stderr[-2000:]
    state = _store_state(f"sqlite:///{killed_dir / 'data' / 'quietwatch.db'}")
    assert state["reviews"] == expected["reviews"]
    assert state["versions"] == expected["versions"] == 0
    assert state["running"] == 0  # every killed run was marked interrupted
