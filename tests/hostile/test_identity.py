"""A review's identity is (listing, the site's review id): reviews of different listings or
clinics never merge, two reviews that share a derived key are two reviews, and a store made
by the previous schema is migrated without losing its history."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from alembic import command
from sqlmodel import Session, func, select

from store import audit, crud, runs
from store.db import alembic_config, init_db, make_engine, session_scope
from store.models import Listing, Review, ReviewVersion

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def _two_listings(engine, *, clinics: int = 1) -> tuple[int, int]:
    with session_scope(engine) as s:
        a = crud.ensure_clinic(s, key="clinic-a", name="A")
        b = crud.ensure_clinic(s, key="clinic-b", name="B") if clinics == 2 else a
        first = crud.ensure_listing(s, clinic_id=a, site="schema_org", url="http://x.example/a")
        second = crud.ensure_listing(s, clinic_id=b, site="schema_org", url="http://x.example/b")
    return first, second


def _write(engine, listing_id: int, reviews: list[dict], at: datetime) -> crud.ReviewOutcome:
    with session_scope(engine) as s:
        clinic = s.get(Listing, listing_id).clinic_id
        run = runs.start_run(s, clinic_id=clinic, spider="schema_org")
        return crud.upsert_reviews(
            s, listing_id=listing_id, reviews=reviews, seen_at=at, run_id=run
        )


@pytest.mark.parametrize("clinics", [1, 2])
def test_the_same_site_id_on_two_listings_is_two_reviews(engine, clinics) -> None:
    a, b = _two_listings(engine, clinics=clinics)
    assert _write(engine, a, [{"site_review_id": "r0", "text": "A's review"}], T0).new
    assert _write(engine, b, [{"site_review_id": "r0", "text": "B's review"}], T0).new
    assert _write(engine, a, [{"site_review_id": "r0", "text": "A's review"}], T0).unchanged == 1
    with Session(engine) as s:
        texts = {s.get(Listing, r.listing_id).url: r.text for r in s.exec(select(Review))}
        assert texts == {"http://x.example/a": "A's review", "http://x.example/b": "B's review"}
        assert s.exec(select(func.count()).select_from(ReviewVersion)).one() == 0


def test_two_reviews_by_one_name_on_one_day_are_two_reviews(engine) -> None:
    a, _ = _two_listings(engine)
    same_day = {"author": "Sam", "published_at": T0, "published_precision": "day"}
    first = [{**same_day, "text": "First visit was good."}]
    second = [{**same_day, "text": "Second visit, different."}]
    # on one page, and on two pages of one crawl
    assert len(_write(engine, a, first + second, T0).new) == 2
    with session_scope(engine) as s:
        run = runs.start_run(s, clinic_id=1, spider="schema_org")
        later = T0 + timedelta(days=1)
        page1 = crud.upsert_reviews(s, listing_id=a, reviews=second, seen_at=later, run_id=run)
        page2 = crud.upsert_reviews(s, listing_id=a, reviews=first, seen_at=later, run_id=run)
        # the next crawl, in the other order: the same two, unchanged, no false edit
        assert (page1.unchanged, page2.unchanged, page1.new + page2.new) == (1, 1, [])
    with Session(engine) as s:
        assert s.exec(select(func.count()).select_from(Review)).one() == 2
        assert s.exec(select(func.count()).select_from(ReviewVersion)).one() == 0


def test_a_store_of_the_previous_schema_keeps_its_history(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    try:
        cfg = alembic_config(engine)
        with engine.begin() as connection:
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, "0003")
        with engine.begin() as c:  # what revision 0003's code wrote: no chain, site-wide keys
            c.execute(
                sa.text(
                    "INSERT INTO clinic (id, key, name, created_at) VALUES (1, 'a', 'A', '2026-01-01')"
                )
            )
            c.execute(
                sa.text(
                    "INSERT INTO listing (id, clinic_id, site, url, origin, enabled, created_at) "
                    "VALUES (1, 1, 'yelp', 'http://y/1', 'configured', 1, '2026-01-01')"
                )
            )
            c.execute(
                sa.text(
                    "INSERT INTO review (id, clinic_id, listing_id, site, review_key, text, "
                    "content_hash, checked_hash, first_seen_at, last_seen_at, version_count, "
                    "updated_on_site) VALUES (1, 1, 1, 'yelp', 'id:r1', 'now', 'h2', 'h2', "
                    "'2026-01-01', '2026-02-01', 2, 0)"
                )
            )
            c.execute(
                sa.text(
                    "INSERT INTO reviewversion (review_id, valid_from, valid_to, text, "
                    "content_hash) VALUES (1, '2026-01-01', '2026-02-01', 'before', 'h1')"
                )
            )
            for n in (1, 2):
                c.execute(
                    sa.text(
                        "INSERT INTO auditentry (at, action_id, rule_set, rule_version, origin) "
                        f"VALUES ('2026-01-0{n} 10:00:00.000000', 'reply_to_review', 'bcacc', "
                        "'1.0.0', 'cli')"
                    )
                )
        assert init_db(engine) == "0005"
        with Session(engine) as s:
            review = s.get(Review, 1)
            assert (review.text, review.version_count) == ("now", 2)
            assert s.exec(select(ReviewVersion.text)).all() == ["before"]
            report = audit.verify(s)
            assert report.ok and report.entries == 2  # the old entries, chained in id order
        with session_scope(engine) as s:  # the same site id on another listing: its own row
            other = crud.ensure_listing(s, clinic_id=1, site="yelp", url="http://y/2")
            crud.upsert_reviews(
                s, listing_id=other, reviews=[{"site_review_id": "r1", "text": "x"}], seen_at=T0
            )
        with Session(engine) as s:
            assert s.exec(select(func.count()).select_from(Review)).one() == 2
    finally:
        engine.dispose()


def test_initials_only_keep_no_full_name_and_no_duplicate(engine) -> None:
    """With names kept as initials, no full name is ever written, and a review with a
    relative date is recognised on the next crawl (no duplicate, no false edit)."""
    a, _ = _two_listings(engine)
    review = {
        "author": "Jane Q. Doe",
        "published_at": T0 - timedelta(weeks=3),
        "published_precision": "week",
        "published_raw": "3 weeks ago",
        "text": "Helpful.",
    }
    with session_scope(engine) as s:
        run = runs.start_run(s, clinic_id=1, spider="schema_org")
        crud.upsert_reviews(
            s, listing_id=a, reviews=[review], seen_at=T0, run_id=run, names="initials"
        )
    drifted = {**review, "published_at": T0 + timedelta(days=2) - timedelta(weeks=3)}
    with session_scope(engine) as s:
        run = runs.start_run(s, clinic_id=1, spider="schema_org")
        again = crud.upsert_reviews(
            s,
            listing_id=a,
            reviews=[drifted],
            seen_at=T0 + timedelta(days=2),
            run_id=run,
            names="initials",
        )
        assert (again.new, again.changed, again.unchanged) == ([], [], 1)
    with Session(engine) as s:
        assert [r.author for r in s.exec(select(Review))] == ["J. Q. D."]


def test_a_rating_read_more_precisely_is_not_an_edit(engine) -> None:
    """RateMDs' markup rounds a review's rating (4.8); its stars show 4.75."""
    a, _ = _two_listings(engine)
    _write(engine, a, [{"site_review_id": "r1", "rating": 4.8, "text": "Fine."}], T0)
    again = _write(engine, a, [{"site_review_id": "r1", "rating": 4.75, "text": "Fine."}], T0)
    assert (again.changed, again.unchanged) == ([], 1)
    edited = _write(engine, a, [{"site_review_id": "r1", "rating": 3.0, "text": "Fine."}], T0)
    assert len(edited.changed) == 1  # a real change of rating still is one
    with Session(engine) as s:
        assert s.exec(select(func.count()).select_from(ReviewVersion)).one() == 1
        assert s.exec(select(Review.rating)).one() == 3.0
