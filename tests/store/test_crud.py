"""Store writes on a real SQLite file: idempotent upserts, versions, removals, audit."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import Session, func, select

from store import audit, crud, queries, runs
from store.db import make_engine, session_scope
from store.models import (
    AppendOnlyError,
    AuditEntry,
    CrawlRun,
    Listing,
    ListingSnapshot,
    Review,
    ReviewVersion,
)

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def _count(session: Session, model: type) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


@pytest.fixture
def listing(engine):
    with session_scope(engine) as session:
        clinic_id = crud.ensure_clinic(session, key="harbourview", name="Harbourview Counselling")
        listing_id = crud.ensure_listing(
            session, clinic_id=clinic_id, site="yelp", url="http://127.0.0.1/yelp/biz/harbourview"
        )
        return session.get(Listing, listing_id)


def _review(i: int, **over):
    data = {
        "site_review_id": f"r{i}",
        "author": f"Person {i}.",
        "rating": 5.0,
        "published_at": T0 - timedelta(days=i),
        "published_precision": "day",
        "published_raw": (T0 - timedelta(days=i)).date().isoformat(),
        "text": f"Review number {i}.",
    }
    data.update(over)
    return data


def _crawl(engine, listing, reviews, facts, at, *, complete=True):
    with session_scope(engine) as session:
        run_id = runs.start_run(session, clinic_id=listing.clinic_id, spider="yelp")
        crud.record_facts(session, listing_id=listing.id, facts=facts, seen_at=at, run_id=run_id)
        outcome = crud.upsert_reviews(
            session, listing_id=listing.id, reviews=reviews, seen_at=at, run_id=run_id
        )
        removed = (
            crud.mark_removed(session, listing_id=listing.id, run_id=run_id, seen_at=at)
            if complete
            else 0
        )
        counts = {"new": len(outcome.new), "changed": len(outcome.changed)}
        return {**counts, "unchanged": outcome.unchanged}, removed


FACTS = {
    "name": "Harbourview Counselling",
    "phone": "(604) 555-0142",
    "rating": 4.5,
    "review_count": 3,
}


def test_second_crawl_of_unchanged_pages_adds_no_rows(engine, listing) -> None:
    reviews = [_review(i) for i in range(3)]
    first, _ = _crawl(engine, listing, reviews, FACTS, T0)
    assert first == {"new": 3, "changed": 0, "unchanged": 0}
    with Session(engine) as s:
        before = (_count(s, Review), _count(s, ReviewVersion), _count(s, ListingSnapshot))
    second, removed = _crawl(engine, listing, reviews, FACTS, T0 + timedelta(hours=6))
    assert second == {"new": 0, "changed": 0, "unchanged": 3}
    assert removed == 0
    with Session(engine) as s:
        assert (
            (_count(s, Review), _count(s, ReviewVersion), _count(s, ListingSnapshot))
            == before
            == (3, 0, 1)
        )
        assert all(r.last_seen_at == T0 + timedelta(hours=6) for r in s.exec(select(Review)))


def test_edit_keeps_old_text_and_removal_keeps_row(engine, listing) -> None:
    _crawl(engine, listing, [_review(i) for i in range(3)], FACTS, T0)
    edited = [_review(0, text="Review number 0, updated.", rating=3.0), _review(1)]
    outcome, removed = _crawl(
        engine, listing, edited, {**FACTS, "review_count": 2}, T0 + timedelta(days=1)
    )
    assert outcome == {"new": 0, "changed": 1, "unchanged": 1}
    assert removed == 1
    with Session(engine) as s:
        review = s.exec(select(Review).where(Review.site_review_id == "r0")).one()
        assert (review.text, review.rating, review.version_count) == (
            "Review number 0, updated.",
            3.0,
            2,
        )
        version = s.exec(select(ReviewVersion)).one()
        assert (version.text, version.rating, version.review_id) == (
            "Review number 0.",
            5.0,
            review.id,
        )
        gone = s.exec(select(Review).where(Review.site_review_id == "r2")).one()
        assert gone.removed_at == T0 + timedelta(days=1)
        assert _count(s, ListingSnapshot) == 2  # review_count changed


def test_incomplete_crawl_marks_nothing_removed(engine, listing) -> None:
    _crawl(engine, listing, [_review(i) for i in range(3)], FACTS, T0)
    _, removed = _crawl(
        engine, listing, [_review(0)], FACTS, T0 + timedelta(days=1), complete=False
    )
    assert removed == 0
    with Session(engine) as s:
        assert (
            s.exec(
                select(func.count()).select_from(Review).where(Review.removed_at.is_not(None))
            ).one()
            == 0
        )


def test_review_without_site_id_keeps_its_key_across_text_edit_and_relative_date_drift(
    engine, listing
) -> None:
    first = _review(
        0,
        site_review_id=None,
        published_precision="week",
        published_raw="3 weeks ago",
        published_at=T0 - timedelta(weeks=3),
    )
    _crawl(engine, listing, [first], FACTS, T0)
    later = dict(
        first, text="Edited text.", published_at=T0 + timedelta(days=4) - timedelta(weeks=3, days=2)
    )
    outcome, removed = _crawl(engine, listing, [later], FACTS, T0 + timedelta(days=4))
    assert outcome == {"new": 0, "changed": 1, "unchanged": 0}
    assert removed == 0
    with Session(engine) as s:
        review = s.exec(select(Review)).one()
        assert review.text == "Edited text."
        assert review.published_at == T0 - timedelta(weeks=3)  # the first, most precise date stays
        assert review.published_precision == "week"


def test_a_month_precise_relative_date_keeps_one_review_across_crawls(engine, listing) -> None:
    """A review with no id, dated "2 months ago"; the next day the site says "3 months ago"
    (the dates parse a month apart).  It is the same review, not a second one."""
    from crawlers.dates import parse_review_date

    def dated(raw: str, now: datetime) -> dict:
        published, precision = parse_review_date(raw, now=now)
        assert precision == "month"
        return _review(
            0,
            site_review_id=None,
            published_raw=raw,
            published_at=published,
            published_precision=precision,
        )

    _crawl(engine, listing, [dated("2 months ago", T0)], FACTS, T0)
    later = T0 + timedelta(days=1)
    outcome, removed = _crawl(engine, listing, [dated("3 months ago", later)], FACTS, later)
    assert outcome == {"new": 0, "changed": 0, "unchanged": 1}
    assert removed == 0
    with engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT published_raw, removed_at FROM review")).all()
    assert [tuple(r) for r in stored] == [("2 months ago", None)]


def test_audit_log_is_append_only_in_orm_and_database(engine) -> None:
    with session_scope(engine) as session:
        entry_id = audit.append(
            session, action_id="reply-publicly", rule_set="bcacc", rule_version="1", origin="cli"
        )
    with Session(engine) as session:
        row = session.get(AuditEntry, entry_id)
        row.detail = "tampered"
        with pytest.raises(AppendOnlyError):
            session.commit()
    with Session(engine) as session:
        session.delete(session.get(AuditEntry, entry_id))
        with pytest.raises(AppendOnlyError):
            session.commit()
    with engine.begin() as conn, pytest.raises(sa.exc.DatabaseError, match="append-only"):
        conn.execute(sa.text("UPDATE auditentry SET detail='x'"))
    with engine.begin() as conn, pytest.raises(sa.exc.DatabaseError, match="append-only"):
        conn.execute(sa.text("DELETE FROM auditentry"))
    with Session(engine) as session:
        assert session.get(AuditEntry, entry_id).detail is None


def test_runs_left_running_are_marked_interrupted(engine) -> None:
    import subprocess
    import sys

    finished = subprocess.Popen([sys.executable, "-c", "pass"])
    finished.wait()  # a process that has ended: its run can never finish
    with session_scope(engine) as session:
        dead_id = runs.start_run(session, clinic_id=None, spider="yelp")
        runs.annotate_run(session, run_id=dead_id, key="pid", value=finished.pid)
        alive_id = runs.start_run(session, clinic_id=None, spider="ratemds")  # this process
    with session_scope(engine) as session:
        assert runs.mark_interrupted_runs(session) == 1
    with Session(engine) as session:
        assert session.get(CrawlRun, dead_id).status == "interrupted"
        assert session.get(CrawlRun, alive_id).status == "running"  # a live crawl is left alone


def test_dismissed_listing_is_never_proposed_again(engine, listing) -> None:
    other = "http://127.0.0.1/yelp/biz/other"

    def proposed() -> list[str]:
        with Session(engine) as session:
            found = queries.listings(session, clinic_id=listing.clinic_id, origins=["discovered"])
            return [f.url for f in found]

    with session_scope(engine) as session:
        found = crud.record_discovered(session, clinic_id=listing.clinic_id, site="yelp", url=other)
    assert proposed() == [other]
    with session_scope(engine) as session:
        crud.decide_listing(
            session, clinic_id=listing.clinic_id, listing_id=found, decision="dismissed"
        )
    assert proposed() == []
    with session_scope(engine) as session:
        again = crud.record_discovered(session, clinic_id=listing.clinic_id, site="yelp", url=other)
        assert again is None
    assert proposed() == []
    with engine.connect() as conn:
        origin, enabled = conn.execute(
            sa.text("SELECT origin, enabled FROM listing WHERE url = :url"), {"url": other}
        ).one()
    assert (origin, bool(enabled)) == ("dismissed", False)


def test_read_only_engine_cannot_write(db_url: str) -> None:
    ro = make_engine(db_url, read_only=True)
    try:
        with (
            ro.begin() as conn,
            pytest.raises(
                (sa.exc.OperationalError, sa.exc.InternalError),  # SQLite / PostgreSQL
                match="readonly|read-only",
            ),
        ):
            conn.execute(
                sa.text(
                    "INSERT INTO clinic (key, name, created_at) VALUES ('x', 'y', '2026-01-01')"
                )
            )
    finally:
        ro.dispose()


def test_deciding_a_proposed_listing_confirms_or_dismisses_it_and_nothing_else(
    engine, listing
) -> None:
    with session_scope(engine) as session:
        other_clinic = crud.ensure_clinic(session, key="other", name="Other Clinic")
        found = [
            crud.record_discovered(
                session, clinic_id=listing.clinic_id, site="yelp", url=f"http://127.0.0.1/yelp/{i}"
            )
            for i in range(2)
        ]
    before = datetime.now(UTC).replace(microsecond=0)
    with session_scope(engine) as session:
        url = crud.decide_listing(
            session, clinic_id=listing.clinic_id, listing_id=found[0], decision="confirmed"
        )
        crud.decide_listing(
            session, clinic_id=listing.clinic_id, listing_id=found[1], decision="dismissed"
        )
    assert url == "http://127.0.0.1/yelp/0"
    with Session(engine) as session:
        confirmed, dismissed = (session.get(Listing, i) for i in found)
        assert (confirmed.origin, confirmed.enabled) == ("confirmed", True)
        assert (dismissed.origin, dismissed.enabled) == ("dismissed", False)
        for decided in (confirmed, dismissed):
            assert decided.decided_at is not None
            assert decided.decided_at.replace(tzinfo=UTC) >= before
    with session_scope(engine) as session:
        with pytest.raises(ValueError, match="in the config file; remove it there"):
            crud.decide_listing(
                session, clinic_id=listing.clinic_id, listing_id=listing.id, decision="dismissed"
            )
        with pytest.raises(LookupError, match=f"no listing {found[0]} for this clinic"):
            crud.decide_listing(
                session, clinic_id=other_clinic, listing_id=found[0], decision="dismissed"
            )
        with pytest.raises(ValueError, match="must be 'confirmed' or 'dismissed'"):
            crud.decide_listing(
                session, clinic_id=listing.clinic_id, listing_id=found[0], decision="configured"
            )
    with Session(engine) as session:
        assert session.get(Listing, listing.id).origin == "configured"  # untouched
        assert session.get(Listing, found[0]).enabled  # the refused calls changed nothing


def test_a_case_entry_belongs_to_its_findings_clinic_and_keeps_what_it_was_given(
    engine, listing
) -> None:
    from store.models import CaseEntry

    at = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
    with session_scope(engine) as session:
        crud.ensure_clinic(session, key="other", name="Other Clinic")  # a second clinic
        finding_id, _ = crud.record_finding(
            session,
            clinic_id=listing.clinic_id,
            kind="owner_response",
            dedupe_key="k1",
            category="owner_response",
            rule_id="reply_to_review",
            severity="critical",
            excerpt="Thanks!",
            explanation="An owner response.",
            guidance="Report it.",
        )
        first = crud.append_case_entry(
            session, finding_id=finding_id, status="acknowledged", note="  seen it  ", user="pat"
        )
        second = crud.append_case_entry(
            session, finding_id=finding_id, status="resolved", note="   ", origin="cli", at=at
        )
        with pytest.raises(LookupError, match="no finding 999"):
            crud.append_case_entry(session, finding_id=999, status="resolved")
        with pytest.raises(ValueError):
            crud.append_case_entry(session, finding_id=finding_id, status="ignored")
    with Session(engine) as session:
        one, two = session.get(CaseEntry, first), session.get(CaseEntry, second)
        assert (one.clinic_id, one.status, one.note, one.user, one.origin) == (
            listing.clinic_id,
            "acknowledged",
            "seen it",
            "pat",
            "dashboard",
        )
        assert one.at is not None
        assert (two.note, two.user, two.origin, two.at.replace(tzinfo=UTC)) == (
            None,
            None,
            "cli",
            at,
        )
        assert _count(session, CaseEntry) == 2  # the refused entries left nothing


def test_a_crawl_that_could_not_run_leaves_a_failed_run_saying_why(engine) -> None:
    from store.secrets import MASK, register

    register("sk-test-0123456789abcdef")
    with session_scope(engine) as session:
        clinic_id = crud.ensure_clinic(session, key="harbourview", name="Harbourview")
        run_id = runs.record_failed_run(
            session,
            clinic_id=clinic_id,
            spider="yelp",
            trigger="schedule",
            message="could not start: key sk-test-0123456789abcdef refused",
        )
    with Session(engine) as session:
        run = session.get(CrawlRun, run_id)
        assert (run.clinic_id, run.spider, run.trigger, run.status) == (
            clinic_id,
            "yelp",
            "schedule",
            "failed",
        )
        assert run.message == f"could not start: key {MASK} refused"
        assert run.finished_at is not None and run.finished_at >= run.started_at


def test_interrupting_a_run_closes_it_with_why_and_leaves_a_finished_one_alone(engine) -> None:
    from store.secrets import MASK, register

    register("sk-test-interrupt-987654")
    with session_scope(engine) as session:
        going = runs.start_run(session, clinic_id=None, spider="yelp")
        done = runs.start_run(session, clinic_id=None, spider="ratemds")
        runs.finish_run(session, run_id=done, status="ok", message="all read")
    with session_scope(engine) as session:
        runs.interrupt_run(session, run_id=going, message="stopped (sk-test-interrupt-987654)")
        runs.interrupt_run(session, run_id=done, message="too late")
        runs.interrupt_run(session, run_id=9999, message="no such run")  # nothing to do
    with Session(engine) as session:
        stopped, finished = session.get(CrawlRun, going), session.get(CrawlRun, done)
        assert (stopped.status, stopped.message) == ("interrupted", f"stopped ({MASK})")
        assert stopped.finished_at is not None
        assert (finished.status, finished.message) == ("ok", "all read")


def test_bulk_insert_returns_ids_in_the_order_given_and_fills_missing_keys_with_null(
    engine, listing
) -> None:
    rows = [
        {"listing_id": listing.id, "fingerprint": f"f{i}", "captured_at": T0 + timedelta(hours=i)}
        | ({"name": f"Clinic {i}", "rating": 4.5} if i % 2 else {})
        for i in range(5)
    ]
    with session_scope(engine) as session:
        ids = crud.insert_rows(session, ListingSnapshot, rows)
    assert len(ids) == 5 and len(set(ids)) == 5
    with Session(engine) as session:
        got = [session.get(ListingSnapshot, i) for i in ids]
        assert [(s.name, s.rating) for s in got] == [
            (None, None),
            ("Clinic 1", 4.5),
            (None, None),
            ("Clinic 3", 4.5),
            (None, None),
        ]
        assert [s.fingerprint for s in got] == ["f0", "f1", "f2", "f3", "f4"]
        assert got[4].captured_at.replace(tzinfo=UTC) == T0 + timedelta(hours=4)


def test_relinking_points_each_listing_at_its_own_newest_snapshot(engine, listing) -> None:
    with session_scope(engine) as session:
        other = crud.ensure_listing(
            session, clinic_id=listing.clinic_id, site="yelp", url="http://127.0.0.1/yelp/biz/b"
        )
        bare = crud.ensure_listing(
            session, clinic_id=listing.clinic_id, site="yelp", url="http://127.0.0.1/yelp/biz/c"
        )
        ids = crud.insert_rows(
            session,
            ListingSnapshot,
            [
                {
                    "listing_id": lid,
                    "fingerprint": f"{lid}-{d}",
                    "captured_at": T0 + timedelta(days=d),
                }
                for lid, d in (
                    (listing.id, 0),
                    (other, 0),
                    (listing.id, 1),
                    (other, 1),
                    (listing.id, 2),
                )
            ],
        )
        crud.relink_latest_snapshots(session)
    with Session(engine) as session:
        assert session.get(Listing, listing.id).latest_snapshot_id == ids[4]
        assert session.get(Listing, other).latest_snapshot_id == ids[3]
        assert session.get(Listing, bare).latest_snapshot_id is None


def test_a_bulk_load_larger_than_one_batch_returns_every_id(engine, listing) -> None:
    rows = [
        {"listing_id": listing.id, "fingerprint": f"f{i}", "captured_at": T0}
        for i in range(20_005)  # one batch is 20,000 rows
    ]
    with session_scope(engine) as session:
        ids = crud.insert_rows(session, ListingSnapshot, rows)
    assert len(ids) == 20_005 and ids == sorted(ids)
    with Session(engine) as session:
        assert _count(session, ListingSnapshot) == 20_005
        assert session.get(ListingSnapshot, ids[-1]).fingerprint == "f20004"
