"""Pins of the store's write side (store/crud.py): the key of a review the site gives no id
to (a stored datum: migration 0004 computes the same keys), which stored review an edit
lands on when two id-less reviews are alike, versions, findings checks and notifications."""

import hashlib
import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from store import crud
from store.db import session_scope
from store.models import Finding, Notification, Review, ReviewVersion
from tests.store.crud_writes import T0, URL
from tests.store.crud_writes import start_run as _run
from tests.store.crud_writes import write as _write


def _recipe(listing_url: str, author_initials: str, day: str | None) -> str:
    """The documented key recipe, written out independently of store.crud."""
    blob = json.dumps([listing_url, author_initials, day], ensure_ascii=False)
    return "k:" + hashlib.sha256(blob.encode("utf-8")).hexdigest()[:40]


def _texts(engine) -> dict[int, str]:
    with Session(engine) as s:
        return {r.id: r.text for r in s.exec(select(Review))}


def _versions(engine) -> list[tuple[int, str]]:
    with Session(engine) as s:
        return [(v.review_id, v.text) for v in s.exec(select(ReviewVersion))]


# -- the derived key: a stored datum ------------------------------------------------------
def test_the_derived_key_is_the_documented_recipe() -> None:
    """listing URL, the author's initials and the UTC day published (else the date as shown),
    sha256 of their JSON list, 40 hex digits after "k:"."""
    late = datetime(2026, 10, 11, 23, 30, tzinfo=UTC)
    assert crud.derived_key(URL, "Jane Q. Doe", late, "3 weeks ago") == _recipe(
        URL, "J. Q. D.", "2026-10-11"
    )
    assert crud.derived_key(URL, "Sam", None, "March 2019") == _recipe(URL, "S.", "March 2019")
    assert crud.derived_key(URL, None, None, None) == _recipe(URL, "", None)
    key = crud.derived_key(URL, "Jane Q. Doe", late, None)
    assert key == _recipe(URL, "J. Q. D.", "2026-10-11")
    assert key == "k:e00a7d95b5fe5749bf03162236de48072dde8cd7"  # a stored key: never changes
    assert len(key) == 42 and key.startswith("k:")
    assert crud.derived_key("http://x.example/b", "Jane Q. Doe", late, None) != key


def test_the_key_a_crawl_stores_is_the_key_the_migration_computes(engine, listing_id) -> None:
    """Migration 0004 recomputes id-less keys with derived_key(listing url, author, published_at,
    published_raw): a crawl must store exactly that key, for every shape of date, including
    one author's reviews on consecutive days (day, second or no precision) and reviews dated
    only as shown."""
    d = T0 - timedelta(days=30)
    reviews = [
        {"author": "Sam", "published_at": d, "published_precision": "day", "published_raw": "x"},
        {"author": "Sam", "published_at": d + timedelta(days=1), "published_precision": "day"},
        {
            "author": "Sam",
            "published_at": d + timedelta(days=2, hours=10),
            "published_precision": "second",
        },
        {
            "author": "Sam",
            "published_at": d + timedelta(days=3, hours=9),
            "published_precision": "second",
        },
        {"author": "Sam", "published_at": d + timedelta(days=5)},
        {"author": "Sam", "published_at": d + timedelta(days=6)},
        {"author": "Sam", "published_raw": "March 2019"},
        {"author": "Sam", "published_raw": "June 2020"},
        {"author": "Kim", "published_at": d, "published_precision": "day"},
        {"published_raw": "last year"},
    ]
    reviews = [{**r, "text": f"Review {i}."} for i, r in enumerate(reviews)]
    outcome = _write(engine, listing_id, reviews, T0)
    assert len(outcome.new) == len(reviews)
    with Session(engine) as s:
        stored = [s.get(Review, i).review_key for i in outcome.new]
    expected = [
        crud.derived_key(URL, r.get("author"), r.get("published_at"), r.get("published_raw"))
        for r in reviews
    ]
    assert stored == expected
    assert expected[6] == _recipe(URL, "S.", "March 2019")
    assert expected[1] == _recipe(URL, "S.", (d + timedelta(days=1)).date().isoformat())


# -- which review an edit lands on --------------------------------------------------------
D = T0 - timedelta(days=60)
PAIRS = {
    "one author, two days, no date as shown": (
        {"author": "Sam", "published_at": D, "published_precision": "day"},
        {"author": "Sam", "published_at": D + timedelta(days=3), "published_precision": "day"},
    ),
    "one day, two authors": (
        {"author": "Sam", "published_at": D, "published_precision": "day", "published_raw": "r"},
        {"author": "Kim", "published_at": D, "published_precision": "day", "published_raw": "r"},
    ),
    "dated only as shown": (
        {"author": "Sam", "published_raw": "March 2019"},
        {"author": "Sam", "published_raw": "June 2020"},
    ),
    "no precision given, a day apart": (
        {"author": "Sam", "published_at": D},
        {"author": "Sam", "published_at": D + timedelta(days=1)},
    ),
    "day precision, a day apart": (
        {"author": "Sam", "published_at": D, "published_precision": "day"},
        {"author": "Sam", "published_at": D + timedelta(days=1), "published_precision": "day"},
    ),
    "second precision, consecutive days under 24 hours apart": (
        {"author": "Sam", "published_at": D + timedelta(hours=10), "published_precision": "second"},
        {
            "author": "Sam",
            "published_at": D + timedelta(days=1, hours=9),
            "published_precision": "second",
        },
    ),
    "month precision, beyond the window": (
        {"author": "Sam", "published_at": D, "published_precision": "month"},
        {"author": "Sam", "published_at": D + timedelta(days=40), "published_precision": "month"},
    ),
    "week precision, one day, two authors": (
        {"author": "Sam", "published_at": D, "published_precision": "week"},
        {"author": "Kim", "published_at": D, "published_precision": "week"},
    ),
}


@pytest.mark.parametrize("pair", list(PAIRS), ids=list(PAIRS))
def test_an_edit_lands_on_its_own_review_whatever_the_page_order(engine, listing_id, pair) -> None:
    """Two id-less reviews told apart by their keys: on a later crawl that lists the edited
    one first, the edit is versioned on that review and the other is read unchanged."""
    first, second = ({**r, "text": f"Visit {n}."} for n, r in enumerate(PAIRS[pair]))
    ids = _write(engine, listing_id, [first, second], T0).new
    assert len(ids) == 2
    edited = {**second, "text": "Visit 1, edited."}
    later = _write(engine, listing_id, [edited, first], T0 + timedelta(days=1))
    assert (later.new, later.changed, later.unchanged) == ([], [ids[1]], 1)
    assert _texts(engine) == {ids[0]: "Visit 0.", ids[1]: "Visit 1, edited."}
    assert _versions(engine) == [(ids[1], "Visit 1.")]


@pytest.mark.parametrize(
    ("drift", "same"),
    [
        (timedelta(days=31), True),
        (timedelta(days=32), True),  # exactly the month window: still the same review
        (timedelta(days=33), False),
    ],
)
def test_a_month_precise_date_drifting_to_the_window_edge_is_the_same_review(
    engine, listing_id, drift, same
) -> None:
    review = {"author": "Sam", "published_at": D, "published_precision": "month", "text": "Hi."}
    (first,) = _write(engine, listing_id, [review], T0).new
    again = _write(engine, listing_id, [{**review, "published_at": D + drift}], T0)
    if same:
        assert (again.new, again.changed, again.unchanged) == ([], [], 1)
    else:
        assert (len(again.new), again.changed, again.unchanged) == (1, [], 0)
        assert again.new[0] != first


@pytest.mark.parametrize(("apart", "same"), [(timedelta(days=1), True), (timedelta(days=2), False)])
def test_a_precision_the_table_does_not_know_is_judged_within_a_day(
    engine, listing_id, apart, same
) -> None:
    review = {"author": "Sam", "published_at": D, "published_precision": "hour", "text": "Hi."}
    _write(engine, listing_id, [review], T0)
    again = _write(engine, listing_id, [{**review, "published_at": D + apart}], T0)
    assert (len(again.new), again.unchanged) == ((0, 1) if same else (1, 0))


def _alike_pair(engine, listing_id) -> list[int]:
    """Two id-less reviews by one name on one day: one base key, ``key`` and ``key#2``."""
    same = {"author": "Sam", "published_at": D, "published_precision": "day"}
    ids = _write(
        engine, listing_id, [{**same, "text": "Visit 0."}, {**same, "text": "Visit 1."}], T0
    ).new
    assert len(ids) == 2
    return ids


def test_two_alike_reviews_both_edited_on_two_pages_of_one_crawl_stay_two(
    engine, listing_id
) -> None:
    """A key the crawl already read on an earlier page is not taken again by another edit."""
    ids = _alike_pair(engine, listing_id)
    same = {"author": "Sam", "published_at": D, "published_precision": "day"}
    later = T0 + timedelta(days=1)
    with session_scope(engine) as s:
        run = _run(s, listing_id)
        page1 = crud.upsert_reviews(
            s,
            listing_id=listing_id,
            reviews=[{**same, "text": "Visit 0, edited."}],
            seen_at=later,
            run_id=run,
        )
        page2 = crud.upsert_reviews(
            s,
            listing_id=listing_id,
            reviews=[{**same, "text": "Visit 1, edited."}],
            seen_at=later,
            run_id=run,
        )
    assert (page1.changed, page2.changed, page1.new + page2.new) == ([ids[0]], [ids[1]], [])
    assert _texts(engine) == {ids[0]: "Visit 0, edited.", ids[1]: "Visit 1, edited."}
    assert sorted(_versions(engine)) == [(ids[0], "Visit 0."), (ids[1], "Visit 1.")]


def test_two_alike_reviews_both_edited_on_one_page_stay_two(engine, listing_id) -> None:
    ids = _alike_pair(engine, listing_id)
    same = {"author": "Sam", "published_at": D, "published_precision": "day"}
    edits = [{**same, "text": "Visit 0, edited."}, {**same, "text": "Visit 1, edited."}]
    later = _write(engine, listing_id, edits, T0 + timedelta(days=1))
    assert (later.new, later.changed, later.unchanged) == ([], ids, 0)
    assert _texts(engine) == {ids[0]: "Visit 0, edited.", ids[1]: "Visit 1, edited."}


def test_a_review_read_again_on_a_later_page_of_one_crawl_is_not_counted_twice(
    engine, listing_id
) -> None:
    ids = _alike_pair(engine, listing_id)
    same = {"author": "Sam", "published_at": D, "published_precision": "day"}
    pages = [
        [{**same, "text": "Visit 0."}, {**same, "text": "Visit 1."}],
        [{**same, "text": "Visit 1."}],
    ]
    with session_scope(engine) as s:
        run = _run(s, listing_id)
        outcomes = [
            crud.upsert_reviews(s, listing_id=listing_id, reviews=p, seen_at=T0, run_id=run)
            for p in pages
        ]
    assert [(o.new, o.changed, o.unchanged) for o in outcomes] == [([], [], 2), ([], [], 0)]
    assert sorted(_texts(engine)) == ids


# -- versions -----------------------------------------------------------------------------
def test_a_version_keeps_the_run_that_saw_the_edit_and_the_date_shown_before(
    engine, listing_id
) -> None:
    review = {"site_review_id": "r1", "published_raw": "last spring", "text": "Before."}
    _write(engine, listing_id, [review], T0)
    with session_scope(engine) as s:
        run = _run(s, listing_id)
        edit = {**review, "published_raw": "last summer", "text": "After."}
        later = T0 + timedelta(days=3)
        out = crud.upsert_reviews(
            s, listing_id=listing_id, reviews=[edit], seen_at=later, run_id=run
        )
    assert len(out.changed) == 1
    with Session(engine) as s:
        version = s.exec(select(ReviewVersion)).one()
        assert (version.run_id, version.published_raw, version.text) == (
            run,
            "last spring",
            "Before.",
        )
        assert version.valid_to.replace(tzinfo=UTC) == later
        assert s.get(Review, out.changed[0]).published_raw == "last summer"


# -- findings checks ----------------------------------------------------------------------
def test_checking_reviews_records_each_finding_on_its_review_listing_and_source(
    engine, listing_id
) -> None:
    """The checker sees a key unique within the clinic and the listing's URL; each finding
    names its review, its listing and its source (the review's own URL, else the
    listing's); the count is of all new findings; the session then reads them checked."""
    reviews = [
        {"site_review_id": "r1", "text": "One.", "url": "http://x.example/a/r1"},
        {"site_review_id": "r2", "text": "Two."},
    ]
    ids = _write(engine, listing_id, reviews, T0).new
    seen: list[dict] = []

    def checker(data):
        seen.append(dict(data))
        return [
            {"kind": "owner_response", "dedupe_key": f"{data['review_key']}/{n}"} for n in (1, 2)
        ]

    with session_scope(engine) as s:
        run = _run(s, listing_id)
        held = [s.get(Review, i) for i in ids]
        assert [r.checked_hash for r in held] == [None, None]
        new = crud.check_reviews(s, listing_id=listing_id, checker=checker, seen_at=T0, run_id=run)
        assert new == 4
        assert [r.checked_hash for r in held] == [r.content_hash for r in held]
    assert [(d["review_key"], d["listing_url"], d["text"]) for d in seen] == [
        (f"{URL} id:r1", URL, "One."),
        (f"{URL} id:r2", URL, "Two."),
    ]
    with Session(engine) as s:
        found = [
            (f.dedupe_key, f.review_id, f.listing_id, f.source_url, f.run_id)
            for f in s.exec(select(Finding).order_by(Finding.id))
        ]
    assert found == [
        (f"{URL} id:r1/1", ids[0], listing_id, "http://x.example/a/r1", run),
        (f"{URL} id:r1/2", ids[0], listing_id, "http://x.example/a/r1", run),
        (f"{URL} id:r2/1", ids[1], listing_id, URL, run),
        (f"{URL} id:r2/2", ids[1], listing_id, URL, run),
    ]
    with session_scope(engine) as s:  # checked: nothing is looked at again
        assert crud.check_reviews(s, listing_id=listing_id, checker=checker, seen_at=T0) == 0
    assert len(seen) == 2


# -- notifications ------------------------------------------------------------------------
def test_a_notification_keeps_its_error_without_secrets(engine) -> None:
    from store.secrets import MASK, register

    register("sk-test-notify-24680")
    with session_scope(engine) as s:
        crud.record_notification(
            s,
            kind="digest",
            title="t sk-test-notify-24680",
            ok=False,
            error="refused sk-test-notify-24680",
        )
        crud.record_notification(s, kind="alert", title="u", ok=False, error="timed out")
        crud.record_notification(s, kind="alert", title="v", ok=True)
    with Session(engine) as s:
        got = [
            (n.title, n.ok, n.error) for n in s.exec(select(Notification).order_by(Notification.id))
        ]
    assert got == [
        (f"t {MASK}", False, f"refused {MASK}"),
        ("u", False, "timed out"),
        ("v", True, None),
    ]
