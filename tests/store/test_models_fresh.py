"""The models as a fresh process defines them: what the tables are made of is decided while
``store.models`` is imported, so it is checked in a process that imports it anew (an import
that already happened, as in every other test, cannot show a change to how a column is
declared)."""

import subprocess
import sys

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.slow

CHILD = """
import sys
from datetime import datetime

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import Session, SQLModel, select

from store import runs
from store.db import make_engine, session_scope
from store.models import Clinic, CrawlRun, RunStatus

engine = make_engine(sys.argv[1])
with engine.connect() as conn:
    context = MigrationContext.configure(conn, opts={"compare_type": True})
    print("differences:", compare_metadata(context, SQLModel.metadata))
with session_scope(engine) as session:
    run_id = runs.start_run(session, clinic_id=None, spider="fresh")
    session.add(Clinic(key="fresh", name="Fresh"))
with engine.connect() as conn:
    print("stored:", conn.exec_driver_sql("SELECT status FROM crawlrun").scalar())
with Session(engine) as session:
    run = session.exec(select(CrawlRun)).one()
    print("read:", run.status == RunStatus.RUNNING, run.started_at.utcoffset())
    print("created:", session.exec(select(Clinic)).one().created_at.utcoffset())
try:
    with session_scope(engine) as session:
        session.add(Clinic(key="naive", name="Naive", created_at=datetime(2026, 11, 30, 9)))
except Exception as exc:
    print("naive:", "naive datetime" in str(exc))
else:
    print("naive: stored")
"""


def test_a_fresh_process_declares_the_tables_the_migrations_build(db_url: str) -> None:
    """Columns, types and indexes as the migrations made them; a status stored as its plain
    value with its default; a time read back in UTC, and a time without a zone refused."""
    out = subprocess.run(
        [sys.executable, "-c", CHILD, db_url],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.splitlines() == [
        "differences: []",
        "stored: running",
        "read: True 0:00:00",
        "created: 0:00:00",
        "naive: True",
    ]
