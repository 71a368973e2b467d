"""What the store's write-side pin files share (tests/store/test_crud_pins*.py): one clinic's
listing, and a crawl (its own run) writing one page of reviews."""

from datetime import UTC, datetime

from sqlmodel import Session

from store import crud, runs
from store.db import session_scope
from store.models import Listing

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
URL = "http://x.example/a"


def utc(value: datetime | None) -> datetime | None:
    """A time read back from the store, in UTC (SQLite gives it back without a zone)."""
    return value if value is None or value.tzinfo else value.replace(tzinfo=UTC)


def make_listing(engine) -> int:
    with session_scope(engine) as s:
        clinic = crud.ensure_clinic(s, key="clinic-a", name="A")
        return crud.ensure_listing(s, clinic_id=clinic, site="schema_org", url=URL)


def start_run(session: Session, listing_id: int) -> int:
    clinic = session.get(Listing, listing_id).clinic_id
    return runs.start_run(session, clinic_id=clinic, spider="schema_org")


def write(
    engine, listing_id: int, reviews: list[dict], at: datetime, names: str = "as_shown"
) -> crud.ReviewOutcome:
    """One crawl (its own run) reading ``reviews`` on one page."""
    with session_scope(engine) as s:
        run = start_run(s, listing_id)
        return crud.upsert_reviews(
            s, listing_id=listing_id, reviews=reviews, seen_at=at, run_id=run, names=names
        )
