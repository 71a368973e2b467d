"""Pinned from mutation testing: a Core write through ``statements.run`` is seen by the ORM
objects the session already holds, and a secret inside a longer secret is never left half
masked in a log line."""

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from store import secrets, statements
from store.db import make_engine, session_scope
from store.models import Clinic


def test_a_core_write_through_run_is_read_again_by_the_objects_the_session_holds(db_url):
    engine = make_engine(db_url)
    try:
        with session_scope(engine) as s:
            s.add(Clinic(key="north", name="North Shore Counselling"))
        with Session(engine) as s:
            clinic = s.exec(select(Clinic)).one()
            assert clinic.name == "North Shore Counselling"
            table = Clinic.__table__  # a Core statement, as the store's bulk writes are
            statements.run(
                s,
                sa.update(table).where(table.c.id == clinic.id).values(name="Renamed"),
                writes=Clinic,
            )
            assert clinic.name == "Renamed"  # expired by run(), read again
            statements.run(s, sa.update(table).values(name="Renamed again"))
            assert clinic.name == "Renamed"  # writes= not given: the session keeps its copy
            s.rollback()
    finally:
        engine.dispose()


@pytest.fixture
def registered():
    saved = set(secrets._registered)
    yield secrets.register
    secrets._registered.clear()
    secrets._registered.update(saved)


def test_a_secret_that_holds_a_shorter_one_is_masked_whole(registered):
    # The shorter secret comes first in reverse alphabetical order and in ascending length,
    # so only the longest-first order masks the longer one whole instead of leaving its ends
    # in the log.
    registered("zz-client-secret", "aa-zz-client-secret-99")
    assert secrets.scrub("token aa-zz-client-secret-99 sent") == f"token {secrets.MASK} sent"
    assert secrets.scrub("only zz-client-secret here") == f"only {secrets.MASK} here"
