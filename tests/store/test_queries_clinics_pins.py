"""Pinned from mutation testing: ``clinic_by_key`` returns exactly the clinic with that key
(or None), and ``clinic_summaries`` (``quietwatch clinics``) gives each clinic its own
listing count and last crawl, by key, in a store shared by several clinics."""

from datetime import UTC, datetime

import pytest
from sqlmodel import Session

from store import crud, queries, runs
from store.db import make_engine, session_scope
from store.models import CrawlRun

NORTH_LAST = datetime(2026, 3, 5, 9, 30, tzinfo=UTC)
EAST_LAST = datetime(2026, 2, 10, 14, 0, tzinfo=UTC)


def _run(session: Session, clinic_id: int | None, started_at: datetime) -> None:
    run_id = runs.start_run(session, clinic_id=clinic_id, spider="google")
    session.get(CrawlRun, run_id).started_at = started_at
    session.flush()


@pytest.fixture
def shared_store(db_url):
    """Three clinics, inserted out of key order: north (2 listings, 2 runs), west (nothing
    yet), east (3 listings, 1 run); plus a later run that belongs to no clinic."""
    engine = make_engine(db_url)
    with session_scope(engine) as s:
        north = crud.ensure_clinic(
            s, key="north", name="North Shore Counselling", city="Vancouver", phone="604-555-0101"
        )
        west = crud.ensure_clinic(s, key="west", name="West End Therapy")
        east = crud.ensure_clinic(s, key="east", name="East Side Wellness", city="Burnaby")
        crud.ensure_listings(
            s,
            clinic_id=north,
            sources=[
                ("google", "https://example.test/north/g", True),
                ("yelp", "https://example.test/north/y", False),
            ],
        )
        crud.ensure_listings(
            s,
            clinic_id=east,
            sources=[
                ("google", "https://example.test/east/g", True),
                ("yelp", "https://example.test/east/y", True),
                ("rate", "https://example.test/east/r", True),
            ],
        )
        _run(s, north, datetime(2026, 3, 1, 8, 0, tzinfo=UTC))
        _run(s, east, EAST_LAST)
        _run(s, north, NORTH_LAST)
        _run(s, north, datetime(2026, 2, 20, 8, 0, tzinfo=UTC))
        _run(s, None, datetime(2026, 4, 1, 8, 0, tzinfo=UTC))
    yield engine, {"north": north, "west": west, "east": east}
    engine.dispose()


def test_a_clinic_is_found_by_its_own_key_and_an_unknown_key_finds_none(shared_store):
    """Each key gives that clinic, whole (id, name, facts); a key no clinic has gives None."""
    engine, ids = shared_store
    with Session(engine) as s:
        east = queries.clinic_by_key(s, "east")
        assert east is not None
        assert (east.id, east.key, east.name, east.city) == (
            ids["east"],
            "east",
            "East Side Wellness",
            "Burnaby",
        )
        north = queries.clinic_by_key(s, "north")
        assert (north.id, north.key, north.name, north.city, north.phone) == (
            ids["north"],
            "north",
            "North Shore Counselling",
            "Vancouver",
            "604-555-0101",
        )
        assert queries.clinic_by_key(s, "west").id == ids["west"]
        assert queries.clinic_by_key(s, "south") is None
        assert queries.clinic_by_key(s, "") is None


def test_each_clinic_summary_counts_only_its_own_listings_and_crawls_in_key_order(shared_store):
    """One row per clinic, by key (not insertion order): its own listing count (0, not
    missing, with none) and its latest run's start (None with none; the later run of no
    clinic counts for nobody)."""
    engine, _ = shared_store
    with Session(engine) as s:
        summaries = queries.clinic_summaries(s)
    assert summaries == [
        {"key": "east", "name": "East Side Wellness", "listings": 3, "last_crawl": EAST_LAST},
        {
            "key": "north",
            "name": "North Shore Counselling",
            "listings": 2,
            "last_crawl": NORTH_LAST,
        },
        {"key": "west", "name": "West End Therapy", "listings": 0, "last_crawl": None},
    ]


def test_every_clinic_is_listed_by_name_then_id(db_url):
    engine = make_engine(db_url)
    with session_scope(engine) as s:
        zed = crud.ensure_clinic(s, key="a-key", name="Zed Counselling")
        twin_1 = crud.ensure_clinic(s, key="b-key", name="Alder Counselling")
        twin_2 = crud.ensure_clinic(s, key="c-key", name="Alder Counselling")
    with session_scope(engine) as s:
        # On PostgreSQL an updated row moves to the end of the table: the id must order it.
        crud.ensure_clinic(s, key="b-key", name="Alder Counselling", phone="604 555 0100")
    with Session(engine) as s:
        assert [(c.name, c.id) for c in queries.clinics(s)] == [
            ("Alder Counselling", twin_1),
            ("Alder Counselling", twin_2),
            ("Zed Counselling", zed),
        ]
    engine.dispose()
