"""The retention purge in the details the other tests leave open: the exact end of the
retention period, every expired review erased past the held and already erased ones (and
recorded as a retention erasure at the purge's time), which erased reviews count as brought
back, a case's latest entry, and a shared store where a purge touches one clinic only."""

from datetime import timedelta

from sqlmodel import Session, select

from store import crud, privacy, runs
from store.db import session_scope
from store.models import CaseEntry, Finding, Review, ReviewErasure, ReviewVersion
from tests.dashboard.seed import NOW, RUN2_AT

DAYS = 90
# The day the seed's removed review (y3, removed at RUN2_AT) reaches the end of its period.
PERIOD_END = RUN2_AT + timedelta(days=DAYS)


def _purge(engine, clinic_id, *, now, names="as_shown"):
    with session_scope(engine) as s:
        return privacy.purge(
            s, clinic_id=clinic_id, keep_removed_days=DAYS, keep_reviewer_names=names, now=now
        )


def _review(engine, review_id) -> Review:
    with Session(engine) as s:
        return s.get(Review, review_id)


def _erasures(engine) -> dict[int, tuple]:
    with Session(engine) as s:
        return {e.review_id: (e.at, e.reason, e.user) for e in s.exec(select(ReviewErasure))}


def _close_case(s, review_id):
    finding = s.exec(select(Finding).where(Finding.review_id == review_id)).one()
    crud.append_case_entry(s, finding_id=finding.id, status="resolved", user="pat")
    return finding.id


def test_a_removed_review_is_erased_on_the_day_its_period_ends_and_not_before(engine, seeded):
    """Removed exactly ``keep_removed_days`` ago: erased; a second less: kept untouched."""
    y3 = seeded.reviews["y3"]
    with session_scope(engine) as s:
        _close_case(s, y3)  # nothing holds it: only the period decides
    for now in (RUN2_AT, RUN2_AT + timedelta(days=DAYS - 1), PERIOD_END - timedelta(seconds=1)):
        early = _purge(engine, seeded.clinic_id, now=now)
        assert (early.expired, early.held, early.changed) == ([], 0, False)
        assert _review(engine, y3).text == "This one will be removed."
        assert _erasures(engine) == {}
    result = _purge(engine, seeded.clinic_id, now=PERIOD_END)
    assert [e.review_id for e in result.expired] == [y3]
    assert _review(engine, y3).text is None


def test_every_expired_review_is_erased_past_held_and_already_erased_ones(engine, seeded):
    """Held reviews are each counted and kept, already erased ones skipped, and the
    purge goes on to erase the rest, each recorded as a retention erasure at its time."""
    y1, y2, y3 = (seeded.reviews[k] for k in ("y1", "y2", "y3"))
    with session_scope(engine) as s:
        # A later crawl shows only y4 on yelp and nothing on healthgrades: y1, y2 and h1 are
        # removed too (y1 and y3 have open findings; y2 was erased on request).
        h1 = s.exec(select(Review.id).where(Review.site_review_id == "h1")).one()
        run3 = runs.start_run(s, clinic_id=seeded.clinic_id, spider="schema_org")
        crud.upsert_reviews(
            s,
            listing_id=seeded.listings["yelp"],
            seen_at=RUN2_AT,
            run_id=run3,
            reviews=[{"site_review_id": "y4", "author": "Evil", "rating": 1, "text": "x"}],
        )
        for listing in ("yelp", "healthgrades"):
            crud.mark_removed(s, listing_id=seeded.listings[listing], run_id=run3, seen_at=RUN2_AT)
        privacy.erase_review(s, review_id=y2, reason="erase", at=NOW, user="pat")
    assert [id_ for id_ in (y1, y2, y3) if id_ > h1] == []  # h1 comes last by id
    result = _purge(engine, seeded.clinic_id, now=PERIOD_END)
    assert result.held == 2  # y1 and y3
    assert [e.review_id for e in result.expired] == [h1]
    assert (result.expired[0].fields, result.again) == (["author", "title", "text"], [])
    assert _review(engine, h1).text is None
    assert _review(engine, y1).text == "Kind and professional."
    assert _review(engine, y3).text == "This one will be removed."
    assert _erasures(engine) == {
        y2: (NOW, "erase", "pat"),  # the request's record stays as it was
        h1: (PERIOD_END, "retention", None),
    }


def test_an_erased_review_counts_as_brought_back_by_its_own_fields_or_versions(engine, seeded):
    """Another review's earlier versions do not bring an erased one back; a crawl that
    brings back only an earlier version (a star-only edit) does, and it is deleted again."""
    y1, y2 = seeded.reviews["y1"], seeded.reviews["y2"]  # y2 has an earlier version
    with session_scope(engine) as s:
        privacy.erase_review(s, review_id=y1, reason="erase", at=NOW, user="pat")
    quiet = _purge(engine, seeded.clinic_id, now=NOW)
    assert (quiet.again, quiet.changed) == ([], False)
    with session_scope(engine) as s:  # the site shows it again: stars only, changed
        crud.upsert_reviews(
            s,
            listing_id=seeded.listings["yelp"],
            seen_at=NOW,
            reviews=[{"site_review_id": "y1", "rating": 3}],
        )
    with Session(engine) as s:
        assert len(s.exec(select(ReviewVersion).where(ReviewVersion.review_id == y1)).all()) == 1
    result = _purge(engine, seeded.clinic_id, now=NOW)
    assert result.again == [privacy.Erased(review_id=y1, versions=1)]
    with Session(engine) as s:
        assert s.exec(select(ReviewVersion).where(ReviewVersion.review_id == y1)).all() == []
        assert len(s.exec(select(ReviewVersion).where(ReviewVersion.review_id == y2)).all()) == 1
    assert _erasures(engine) == {y1: (NOW, "erase", "pat")}  # recorded once, as requested


def test_a_cases_latest_entry_is_the_newest_by_id_however_the_rows_lie(engine, seeded):
    """A case reopened by its newest entry holds its review even when that entry's row
    lies before the closing one in the table (rows merged or written out of order)."""
    y3 = seeded.reviews["y3"]
    with session_scope(engine) as s:
        finding = s.exec(select(Finding).where(Finding.review_id == y3)).one()
        top = max(s.exec(select(CaseEntry.id)).all(), default=0)
        for id_, status in ((top + 20, "acknowledged"), (top + 10, "resolved")):
            s.add(
                CaseEntry(
                    id=id_,
                    finding_id=finding.id,
                    clinic_id=seeded.clinic_id,
                    status=status,
                    user="pat",
                    at=NOW,
                )
            )
            s.flush()  # one row at a time, in this order
    result = _purge(engine, seeded.clinic_id, now=PERIOD_END)
    assert (result.expired, result.held) == ([], 1)
    assert _review(engine, y3).text == "This one will be removed."


def test_a_purge_touches_only_its_own_clinics_reviews_in_a_shared_store(engine, seeded):
    """Another clinic's names, removed reviews and erased-then-returned reviews are left
    alone by this clinic's purge; its own purge then does its work."""
    with session_scope(engine) as s:
        other = crud.ensure_clinic(s, key="other", name="Other Clinic")
        listing = crud.ensure_listing(
            s, clinic_id=other, site="yelp", url="https://www.yelp.example/biz/other"
        )
        run = runs.start_run(s, clinic_id=other, spider="schema_org")
        first = [
            {"site_review_id": "o1", "author": "Chris Roe", "rating": 2, "text": "Gone later."},
            {"site_review_id": "o2", "author": "Dana Poe", "rating": 4, "text": "First text."},
        ]
        o1, o2 = crud.upsert_reviews(
            s, listing_id=listing, seen_at=RUN2_AT - timedelta(days=1), reviews=first
        ).new
        crud.upsert_reviews(s, listing_id=listing, seen_at=RUN2_AT, run_id=run, reviews=first[1:])
        crud.mark_removed(s, listing_id=listing, run_id=run, seen_at=RUN2_AT)  # o1 removed
        privacy.erase_review(s, review_id=o2, reason="erase", at=NOW, user="sam")
        back = {"site_review_id": "o2", "author": "Dana Poe", "rating": 1, "text": "Back."}
        crud.upsert_reviews(s, listing_id=listing, seen_at=NOW, reviews=[back])

    def others():
        return {id_: (_review(engine, id_).author, _review(engine, id_).text) for id_ in (o1, o2)}

    before = others()
    assert before == {o1: ("Chris Roe", "Gone later."), o2: ("Dana Poe", "Back.")}
    y3 = seeded.reviews["y3"]
    with session_scope(engine) as s:
        _close_case(s, y3)
    mine = _purge(engine, seeded.clinic_id, now=PERIOD_END, names="initials")
    assert mine.names == 6
    assert [e.review_id for e in mine.expired] == [y3]
    assert (mine.held, mine.again) == (0, [])
    assert others() == before
    with Session(engine) as s:
        assert len(s.exec(select(ReviewVersion).where(ReviewVersion.review_id == o2)).all()) == 1
    theirs = _purge(engine, other, now=PERIOD_END, names="initials")
    assert theirs.names == 2
    assert [e.review_id for e in theirs.expired] == [o1]
    assert [e.review_id for e in theirs.again] == [o2]
    assert others() == {o1: (None, None), o2: (None, None)}
