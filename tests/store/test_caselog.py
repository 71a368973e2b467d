"""The compliance case log: append-only rows in the store, refused UPDATE/DELETE by the
database (SQLite and PostgreSQL) and by the ORM, read back as each finding's case."""

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from store import crud, queries
from store.db import make_engine, session_scope
from store.models import AppendOnlyError, CaseEntry
from tests.dashboard.seed import seed


def _finding_ids(url: str, clinic_id: int) -> dict[str, int]:
    engine = make_engine(url, read_only=True)
    try:
        with Session(engine) as s:
            return {f.kind: f.id for f in queries.findings(s, clinic_id=clinic_id)}
    finally:
        engine.dispose()


def _record(url: str, finding_id: int, status: str, note: str | None = None) -> int:
    engine = make_engine(url)
    try:
        with session_scope(engine) as s:
            return crud.append_case_entry(
                s, finding_id=finding_id, status=status, note=note, user="pat"
            )
    finally:
        engine.dispose()


def test_a_findings_case_is_its_latest_entry(db_url):
    seeded = seed(db_url)
    ids = _finding_ids(db_url, seeded.clinic_id)
    _record(db_url, ids["owner_response"], "acknowledged", "looking into who posted it")
    _record(db_url, ids["owner_response"], "resolved", "the response was deleted")
    _record(db_url, ids["disclosure"], "reported")
    engine = make_engine(db_url, read_only=True)
    with Session(engine) as s:
        found = {f.kind: f for f in queries.findings(s, clinic_id=seeded.clinic_id)}
        log = queries.case_log(s, clinic_id=seeded.clinic_id, finding_ids=[ids["owner_response"]])
    engine.dispose()
    assert (found["owner_response"].case_status, found["owner_response"].open) == (
        "resolved",
        False,
    )
    assert (found["disclosure"].case_status, found["disclosure"].open) == (
        "reported",
        True,
    )
    assert (found["solicitation"].case_status, found["solicitation"].open) == (None, True)
    assert [(e.status, e.note, e.user) for e in log] == [
        ("acknowledged", "looking into who posted it", "pat"),
        ("resolved", "the response was deleted", "pat"),
    ]


def test_the_database_refuses_update_and_delete(db_url):
    seeded = seed(db_url)
    entry = _record(db_url, _finding_ids(db_url, seeded.clinic_id)["disclosure"], "acknowledged")
    engine = make_engine(db_url)
    try:
        for statement in (
            f"UPDATE caseentry SET note = 'rewritten' WHERE id = {entry}",
            f"DELETE FROM caseentry WHERE id = {entry}",
        ):
            with pytest.raises(sa.exc.DatabaseError, match="append-only"), engine.begin() as c:
                c.execute(sa.text(statement))
        with engine.connect() as c:
            assert c.execute(sa.text("SELECT count(*), max(note) FROM caseentry")).one() == (
                1,
                None,
            )
    finally:
        engine.dispose()


def test_the_orm_refuses_changes_too(db_url):
    seeded = seed(db_url)
    entry = _record(db_url, _finding_ids(db_url, seeded.clinic_id)["disclosure"], "acknowledged")
    engine = make_engine(db_url)
    try:
        for change in (lambda s, e: setattr(e, "note", "rewritten"), lambda s, e: s.delete(e)):
            with pytest.raises(AppendOnlyError), session_scope(engine) as s:
                change(s, s.exec(select(CaseEntry).where(CaseEntry.id == entry)).one())
    finally:
        engine.dispose()


def test_unknown_findings_and_statuses_are_refused(db_url):
    seed(db_url)
    engine = make_engine(db_url)
    try:
        with pytest.raises(LookupError), session_scope(engine) as s:
            crud.append_case_entry(s, finding_id=999, status="acknowledged")
        with pytest.raises(ValueError), session_scope(engine) as s:
            crud.append_case_entry(s, finding_id=1, status="ignored")
    finally:
        engine.dispose()
