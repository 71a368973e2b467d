"""Privacy: names reduced, removed reviews erased after the retention period (unless a
case is open), an erasure that stays erased, and one review's stored data exported."""

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from store import crud, privacy, queries
from store.db import make_engine, session_scope
from store.models import Finding, Review, ReviewVersion
from tests.dashboard.seed import NOW, RUN2_AT


def _purge(url, clinic_id, *, days=90, names="initials", now=NOW):
    engine = make_engine(url)
    try:
        with session_scope(engine) as s:
            return privacy.purge(
                s, clinic_id=clinic_id, keep_removed_days=days, keep_reviewer_names=names, now=now
            )
    finally:
        engine.dispose()


def _reviews(url) -> dict[int, Review]:
    engine = make_engine(url, read_only=True)
    try:
        with Session(engine) as s:
            return {r.id: r for r in s.exec(select(Review))}
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("mode", "expected"), [("initials", "J. Q. D."), ("none", None), ("as_shown", "Jane Q. Doe")]
)
def test_reviewer_names_are_kept_as_configured(db_url, seeded, mode, expected):
    result = _purge(db_url, seeded.clinic_id, names=mode)
    assert _reviews(db_url)[seeded.reviews["y1"]].author == expected
    assert result.names == (0 if mode == "as_shown" else 6)
    again = _purge(db_url, seeded.clinic_id, names=mode)
    assert again.names == 0  # idempotent: initials of initials are the same


def test_removed_reviews_are_erased_after_the_retention_period(db_url, seeded):
    y3 = seeded.reviews["y3"]  # removed at RUN2_AT, with an owner-response finding
    # Within the period: kept.
    assert _purge(db_url, seeded.clinic_id, days=90, now=RUN2_AT + timedelta(days=89)).expired == []
    # Past it, but its owner-response finding has no closing case entry: held.
    held = _purge(db_url, seeded.clinic_id, days=90, now=RUN2_AT + timedelta(days=91))
    assert (held.expired, held.held) == ([], 1)
    assert _reviews(db_url)[y3].text == "This one will be removed."
    engine = make_engine(db_url)
    with session_scope(engine) as s:
        finding = s.exec(select(Finding).where(Finding.review_id == y3)).one()
        crud.append_case_entry(s, finding_id=finding.id, status="resolved", user="pat")
    engine.dispose()
    result = _purge(db_url, seeded.clinic_id, days=90, now=RUN2_AT + timedelta(days=91))
    assert [e.review_id for e in result.expired] == [y3]
    assert result.expired[0].fields == ["author", "text", "owner_response"]
    assert result.expired[0].excerpts == 1
    review = _reviews(db_url)[y3]
    assert (review.author, review.text, review.owner_response) == (None, None, None)
    assert review.rating == 4 and review.removed_at is not None  # the counts stay right
    assert "more than 90 day(s) ago erased: review" in result.describe(
        keep_removed_days=90, keep_reviewer_names="initials"
    )


def test_an_erased_review_stays_erased_when_a_crawl_brings_it_back(db_url, seeded):
    y2 = seeded.reviews["y2"]  # edited once: one earlier version
    engine = make_engine(db_url)
    with session_scope(engine) as s:
        erased = privacy.erase_review(s, review_id=y2, reason="erase", at=NOW, user="pat")
    assert erased.fields == ["author", "text"] and erased.versions == 1
    assert "review" in erased.describe() and "1 earlier version(s)" in erased.describe()
    with session_scope(engine) as s:  # the site shows it again, edited: the crawl stores it
        crud.upsert_reviews(
            s,
            listing_id=seeded.listings["yelp"],
            seen_at=NOW,
            reviews=[{"site_review_id": "y2", "author": "Sam Smith", "rating": 1, "text": "v3"}],
        )
    assert _reviews(db_url)[y2].text == "v3"
    result = _purge(db_url, seeded.clinic_id, names="as_shown")
    assert [e.review_id for e in result.again] == [y2]
    review = _reviews(db_url)[y2]
    assert (review.author, review.text) == (None, None)
    with Session(engine) as s:
        assert s.exec(select(ReviewVersion).where(ReviewVersion.review_id == y2)).all() == []
    engine.dispose()


def test_one_reviews_stored_data_is_exported(db_url, seeded):
    y3 = seeded.reviews["y3"]
    engine = make_engine(db_url, read_only=True)
    with Session(engine) as s:
        record = privacy.review_record(s, review_id=y3)
        assert privacy.review_record(s, review_id=9999) is None
        found = queries.findings_of_review(s, clinic_id=seeded.clinic_id, review_id=y3)
    engine.dispose()
    assert record["review"]["author"] == "Alex"
    assert record["review"]["owner_response"] == "Thank you for coming in!"
    assert record["listing"]["site"] == "yelp"
    assert [f["kind"] for f in record["findings"]] == ["owner_response"]
    assert [f.kind for f in found] == ["owner_response"]
    assert record["erasure"] is None


def test_no_column_can_hold_a_reviewer_profile_or_photo():
    columns = set(Review.model_fields) | set(ReviewVersion.model_fields)
    assert not {c for c in columns if any(w in c for w in ("profile", "photo", "avatar", "image"))}
    assert not {c for c in columns if c.startswith("author_") or c.startswith("reviewer_")}
