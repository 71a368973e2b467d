"""Pins of the store's write side (store/crud.py), third batch: a rating read more precisely
is refined, not an edit, while a tenth of a point is; the same review twice on a page is
stored and counted once; alike id-less reviews on one page keep the keys the next crawl
finds; what a new review stores (seen times and runs, the site's flags, ids and date
precision as text); a session holding a listing reads its bookkeeping at once; and a page
for a listing that does not exist is refused."""

import hashlib
import json
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from crawlers.items import DatePrecision
from store import crud
from store.db import session_scope
from store.models import (
    FACT_FIELDS,
    Clinic,
    Listing,
    ListingSnapshot,
    ListingStatus,
    Origin,
    Review,
    ReviewVersion,
)
from tests.store.crud_writes import T0, URL
from tests.store.crud_writes import start_run as _run
from tests.store.crud_writes import utc as _utc
from tests.store.crud_writes import write as _write


def _outcome(o: crud.ReviewOutcome) -> tuple[list[int], list[int], int]:
    return o.new, o.changed, o.unchanged


# -- ratings ------------------------------------------------------------------------------
def test_a_rating_read_more_precisely_is_refined_and_a_tenth_of_a_point_is_an_edit(
    engine, listing_id
) -> None:
    """4.8 read again as 4.75 is the same rating: unchanged, no version, the precise value
    stored.  4.0 read again as 4.3 is an edit (ratings are compared to one decimal, not to
    whole stars): versioned, the old rating kept."""
    first = [
        {"site_review_id": "r1", "rating": 4.8, "text": "Fine."},
        {"site_review_id": "r2", "rating": 4.0, "text": "Good."},
    ]
    r1, r2 = _write(engine, listing_id, first, T0).new
    again = [{**first[0], "rating": 4.75}, {**first[1], "rating": 4.3}]
    out = _write(engine, listing_id, again, T0 + timedelta(days=1))
    assert _outcome(out) == ([], [r2], 1)
    with Session(engine) as s:
        stored = {r.id: (r.rating, r.version_count) for r in s.exec(select(Review))}
        hash1 = s.get(Review, r1).content_hash
        versions = [(v.review_id, v.rating, v.text) for v in s.exec(select(ReviewVersion))]
    assert stored == {r1: (4.75, 1), r2: (4.3, 2)}
    assert hash1 == crud.content_hash(first[0]) == crud.content_hash(again[0])
    assert crud.content_hash(first[1]) != crud.content_hash(again[1])
    assert versions == [(r2, 4.0, "Good.")]


# -- the same review twice ----------------------------------------------------------------
def test_the_same_review_twice_on_a_page_is_stored_and_counted_once(engine, listing_id) -> None:
    """Repeated on one page (with or without a site id), a review is one new review, and on
    the next crawl one unchanged review; the reviews after a repeat are read all the same."""
    plain = {"author": "Sam", "published_at": T0 - timedelta(days=9), "published_precision": "day"}
    page = [
        {"site_review_id": "r1", "text": "One."},
        {"site_review_id": "r1", "text": "One."},
        {**plain, "text": "No id."},
        {**plain, "text": "No id."},
        {"site_review_id": "r2", "text": "Two."},
    ]
    first = _write(engine, listing_id, page, T0)
    assert len(first.new) == 3 and len(set(first.new)) == 3
    assert (first.changed, first.unchanged) == ([], 0)
    with Session(engine) as s:
        stored = [(r.id, r.review_key, r.text) for r in s.exec(select(Review).order_by(Review.id))]
    key = crud.derived_key(URL, "Sam", plain["published_at"], None)
    assert stored == [
        (first.new[0], "id:r1", "One."),
        (first.new[1], key, "No id."),
        (first.new[2], "id:r2", "Two."),
    ]
    again = _write(engine, listing_id, page, T0 + timedelta(days=1))
    assert _outcome(again) == ([], [], 3)


# -- alike id-less reviews on one page ----------------------------------------------------
def test_alike_reviews_dated_weeks_ago_on_one_page_keep_keys_the_next_crawl_finds(
    engine, listing_id
) -> None:
    """Two id-less reviews by one author whose week-precise dates lie within a week: the
    second is taken as a review of the same base key (``#2``), as the next crawl, reading
    them from the store, will take it; so the next crawl reads both unchanged."""
    d = T0 - timedelta(weeks=3)
    page = [
        {"author": "Sam Lee", "published_at": d, "published_precision": "week", "text": "One."},
        {
            "author": "Sam Lee",
            "published_at": d + timedelta(days=3),
            "published_precision": "week",
            "text": "Two.",
        },
    ]
    first = _write(engine, listing_id, page, T0)
    assert len(first.new) == 2
    with Session(engine) as s:
        keys = [s.get(Review, i).review_key for i in first.new]
    key = crud.derived_key(URL, "Sam Lee", d, None)
    assert keys == [key, f"{key}#2"]
    again = _write(engine, listing_id, page, T0 + timedelta(days=1))
    assert _outcome(again) == ([], [], 2)


def test_an_id_less_review_beside_one_with_a_site_id_keeps_its_own_key(engine, listing_id) -> None:
    """A review with a site id is never taken as an earlier read of an id-less one: by the
    same author, dated within the same week, the id-less review still gets its own derived
    key, and the next crawl reads both unchanged."""
    d = T0 - timedelta(weeks=3)
    same = {"author": "Sam Lee", "published_precision": "week"}
    page = [
        {**same, "site_review_id": "r1", "published_at": d, "text": "One."},
        {**same, "published_at": d + timedelta(days=2), "text": "Two."},
    ]
    first = _write(engine, listing_id, page, T0)
    assert len(first.new) == 2
    with Session(engine) as s:
        keys = [s.get(Review, i).review_key for i in first.new]
    assert keys == ["id:r1", crud.derived_key(URL, "Sam Lee", d + timedelta(days=2), None)]
    again = _write(engine, listing_id, page, T0 + timedelta(days=1))
    assert _outcome(again) == ([], [], 2)


# -- what a new review stores -------------------------------------------------------------
def test_a_new_review_stores_when_and_by_which_run_it_was_seen_and_its_fields_as_text(
    engine, listing_id
) -> None:
    """First and last seen are the crawl's time and run; the site's "updated" flag is kept;
    a numeric site id and a precision given as the crawler's enum are stored as text; a
    review without a precision has none."""
    d = T0 - timedelta(days=20)
    page = [
        {
            "site_review_id": 123,
            "published_at": d,
            "published_precision": DatePrecision.WEEK,
            "updated_on_site": True,
            "text": "Updated.",
        },
        {"site_review_id": "r2", "published_raw": "a while ago", "text": "Plain."},
    ]
    with session_scope(engine) as s:
        run = _run(s, listing_id)
        ids = crud.upsert_reviews(
            s, listing_id=listing_id, reviews=page, seen_at=T0, run_id=run
        ).new
    with Session(engine) as s:
        got = [
            (
                r.review_key,
                r.site_review_id,
                r.published_precision,
                r.updated_on_site,
                _utc(r.first_seen_at),
                _utc(r.last_seen_at),
                r.first_seen_run_id,
                r.last_seen_run_id,
                r.removed_at,
                r.edited_at,
                r.checked_hash,
                r.version_count,
            )
            for r in (s.get(Review, i) for i in ids)
        ]
    assert got == [
        ("id:123", "123", "week", True, T0, T0, run, run, None, None, None, 1),
        ("id:r2", "r2", None, False, T0, T0, run, run, None, None, None, 1),
    ]
    with session_scope(engine) as s:  # read again by a later run: last seen moves, first stays
        later_run = _run(s, listing_id)
        later = T0 + timedelta(days=2)
        out = crud.upsert_reviews(
            s, listing_id=listing_id, reviews=page, seen_at=later, run_id=later_run
        )
    assert _outcome(out) == ([], [], 2)
    with Session(engine) as s:
        seen = [
            (_utc(r.first_seen_at), _utc(r.last_seen_at), r.first_seen_run_id, r.last_seen_run_id)
            for r in (s.get(Review, i) for i in ids)
        ]
    assert seen == [(T0, later, run, later_run)] * 2


# -- listing bookkeeping read at once -----------------------------------------------------
def test_a_session_holding_a_listing_reads_its_bookkeeping_at_once(engine, listing_id) -> None:
    """Validators, a site id and snapshot from the facts, a run's close: a listing the
    session already holds reads each at once, not a stale value."""
    with session_scope(engine) as s:
        held = s.get(Listing, listing_id)
        assert (held.etag, held.site_listing_id, held.latest_snapshot_id) == (None, None, None)
        crud.update_listing(s, listing_id, etag='"v1"', last_modified="Sun, 01 Nov 2026")
        assert (held.etag, held.last_modified) == ('"v1"', "Sun, 01 Nov 2026")
        facts = {"name": "A", "site_listing_id": 77}
        assert crud.record_facts(s, listing_id=listing_id, facts=facts, seen_at=T0)
        snapshot = s.exec(select(ListingSnapshot)).one()
        assert (held.site_listing_id, held.latest_snapshot_id) == ("77", snapshot.id)
        crud.close_listing(s, listing_id=listing_id, status=ListingStatus.OK, at=T0)
        assert (held.last_status, _utc(held.last_crawled_at)) == (ListingStatus.OK, T0)


# -- a listing that does not exist --------------------------------------------------------
def test_reviews_for_a_listing_that_does_not_exist_are_refused_naming_it(
    engine, listing_id
) -> None:
    missing = listing_id + 1000
    with session_scope(engine) as s, pytest.raises(LookupError, match=f"^no listing {missing}$"):
        crud.upsert_reviews(
            s, listing_id=missing, reviews=[{"site_review_id": "r1", "text": "Hi."}], seen_at=T0
        )
    with Session(engine) as s:
        assert s.exec(select(Review)).all() == []


# -- a session holding a review -----------------------------------------------------------
def test_a_session_holding_reviews_reads_their_new_last_seen_at_once(engine, listing_id) -> None:
    """Reviews read again (one the store had removed) show at once, on the objects the
    session holds, when and by which run they were last seen, and that they are back.  One
    has an empty site id: today the page's read of the store misses it and the insert
    touches it (the path of a review another writer added meanwhile); either way the held
    review must read the touch."""
    blank = {"site_review_id": "", "author": "Sam", "published_at": T0 - timedelta(days=5)}
    page = [{**blank, "published_precision": "day", "text": "Blank id."}]
    page.append({"site_review_id": "r2", "text": "Two."})
    ids = _write(engine, listing_id, page, T0)
    (blank_id, r2) = ids.new
    t1 = T0 + timedelta(days=1)
    with session_scope(engine) as s:
        run = _run(s, listing_id)
        crud.upsert_reviews(s, listing_id=listing_id, reviews=[page[1]], seen_at=t1, run_id=run)
        assert crud.mark_removed(s, listing_id=listing_id, run_id=run, seen_at=t1) == 1
    t2 = T0 + timedelta(days=2)
    with session_scope(engine) as s:
        run = _run(s, listing_id)
        held = s.get(Review, blank_id)
        assert (_utc(held.removed_at), _utc(held.last_seen_at)) == (t1, T0)
        crud.upsert_reviews(s, listing_id=listing_id, reviews=page[:1], seen_at=t2, run_id=run)
        assert (held.removed_at, _utc(held.last_seen_at), held.last_seen_run_id) == (None, t2, run)


# -- two faults this pass found (mended in store/crud.py) ---------------------------------
@pytest.mark.parametrize("blank", ["", "   "])
def test_an_empty_site_id_is_no_id_and_the_review_is_found_again(engine, listing_id, blank):
    """A page whose review carries an empty id attribute: the review is keyed and stored as
    id-less, so the next crawl finds it (unchanged, then edited), instead of storing ""
    and taking it for new on every crawl while its edits were lost."""
    review = {"site_review_id": blank, "author": "Sam", "published_at": T0, "text": "Hi."}
    (rid,) = _write(engine, listing_id, [review], T0).new
    assert _outcome(_write(engine, listing_id, [review], T0 + timedelta(days=1))) == ([], [], 1)
    edited = {**review, "text": "Hi again."}
    assert _write(engine, listing_id, [edited], T0 + timedelta(days=2)).changed == [rid]
    with Session(engine) as s:
        (stored,) = s.exec(select(Review)).all()
        assert (stored.id, stored.site_review_id, stored.text) == (rid, None, "Hi again.")
        assert stored.review_key.startswith("k:")
        assert [v.text for v in s.exec(select(ReviewVersion))] == ["Hi."]


@pytest.mark.parametrize("names", ["none", "initials", "as_shown"])
def test_a_drifting_relative_date_is_one_review_whatever_names_are_kept(
    engine, listing_id, names
) -> None:
    """ "3 weeks ago" read again two days later as "3 weeks ago" (a date two days on) is the
    same review under every ``keep_reviewer_names``: with no name kept, the stored key still
    holds the initials it was first read with.  Another author's review in that window
    stays another review."""

    d = T0 - timedelta(days=21)
    sam = {"author": "Sam Lee", "published_at": d, "published_precision": "week", "text": "A."}
    kim = {**sam, "author": "Kim Park", "text": "B."}
    first = _write(engine, listing_id, [sam, kim], T0, names).new
    assert len(first) == 2
    drifted = [{**r, "published_at": d + timedelta(days=2)} for r in (kim, sam)]
    assert _outcome(_write(engine, listing_id, drifted, T0 + timedelta(days=2), names)) == (
        [],
        [],
        2,
    )
    with Session(engine) as s:
        assert sorted(r.id for r in s.exec(select(Review))) == sorted(first)


# -- stored hashes: what an earlier release stored must still match -----------------------
def _sha(parts: list) -> str:
    """The documented recipe, written out independently of store.crud: SHA-256 of the JSON
    list (letters as they are, keys sorted), UTF-8."""
    blob = json.dumps(parts, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def test_a_reviews_content_hash_is_the_documented_recipe() -> None:
    """Rating to one decimal, then title, text and owner response with their whitespace
    folded.  Stored with every review: a different recipe would make every stored review
    with an accent, a long space or a line break read as edited after an upgrade."""
    review = {
        "rating": 4.75,
        "title": "  Très   bien ",
        "text": "Merci à l'équipe.\n\nÀ bientôt\u00a0!",
        "owner_response": None,
        "author": "not content",
    }
    expected = _sha([4.8, "Très bien", "Merci à l'équipe. À bientôt !", None])
    assert crud.content_hash(review) == expected


def test_a_review_read_again_with_other_spacing_is_unchanged(engine, listing_id) -> None:
    review = {"site_review_id": "r1", "text": "Kind, calm and clear.", "title": "Good"}
    _write(engine, listing_id, [review], T0)
    again = {**review, "text": "Kind,  calm\nand clear. ", "title": " Good"}
    assert _outcome(_write(engine, listing_id, [again], T0 + timedelta(days=1))) == ([], [], 1)


def test_a_listings_facts_fingerprint_is_the_documented_recipe() -> None:
    facts = {"name": "Clinique  Ève", "phone": "+1 604 555 0100", "unknown": "ignored"}
    expected = _sha([" ".join(facts[f].split()) if f in facts else None for f in FACT_FIELDS])
    assert crud.facts_fingerprint(facts) == expected


def test_a_discovered_or_dismissed_listing_put_in_the_configuration_becomes_configured(
    engine,
) -> None:
    """``quietwatch init`` with a source a search had found (or a person had dismissed):
    the listing is the configured one from then on, enabled as configured; a configured
    listing stays configured."""
    with session_scope(engine) as s:
        clinic = crud.ensure_clinic(s, key="clinic-a", name="A")
        found = crud.record_discovered(s, clinic_id=clinic, site="yelp", url="http://y.example/1")
        gone = crud.record_discovered(s, clinic_id=clinic, site="yelp", url="http://y.example/2")
        s.get(Listing, gone).origin = Origin.DISMISSED
        mine = crud.ensure_listing(s, clinic_id=clinic, site="yelp", url="http://y.example/3")
    with session_scope(engine) as s:
        urls = [f"http://y.example/{n}" for n in (1, 2, 3)]
        ids = crud.ensure_listings(s, clinic_id=clinic, sources=[("yelp", u, True) for u in urls])
        assert ids == dict(zip(urls, [found, gone, mine], strict=True))
    with Session(engine) as s:
        got = [(s.get(Listing, i).origin, s.get(Listing, i).enabled) for i in (found, gone, mine)]
    assert got == [(Origin.CONFIGURED, True)] * 3


def test_an_other_office_read_with_its_keys_in_another_order_is_not_a_change() -> None:
    """A site that sends a multi-office profile's other offices with their keys in another
    order has not changed the listing: the same fingerprint, so no new snapshot."""
    office = {"street_address": "1 Main St", "locality": "Burnaby", "postal_code": "V5H 1A1"}
    flipped = dict(reversed(list(office.items())))
    assert list(flipped) != list(office)
    one = crud.facts_fingerprint({"name": "A", "additional_addresses": [office]})
    assert one == crud.facts_fingerprint({"name": "A", "additional_addresses": [flipped]})
    assert one != crud.facts_fingerprint({"name": "A", "additional_addresses": []})


def test_a_session_holding_reviews_reads_a_refined_rating_and_the_new_sighting_at_once(
    engine, listing_id
) -> None:
    """A review read again is touched with one statement (and a rating read more precisely
    refined with another); a review the session already holds is read fresh afterwards,
    not with its old rating and sighting."""
    reviews = [
        {"site_review_id": "r1", "rating": 4.8, "text": "Fine."},
        {"site_review_id": "r2", "rating": 3.0, "text": "Plain."},
    ]
    refined, plain = _write(engine, listing_id, reviews, T0).new
    later = T0 + timedelta(days=1)
    with session_scope(engine) as s:
        run = _run(s, listing_id)
        held = [s.get(Review, refined), s.get(Review, plain)]
        assert [(r.rating, _utc(r.last_seen_at)) for r in held] == [(4.8, T0), (3.0, T0)]
        out = crud.upsert_reviews(  # the plain one alone: touched, nothing refined
            s, listing_id=listing_id, reviews=reviews[1:], seen_at=later, run_id=run
        )
        assert _outcome(out) == ([], [], 1)
        assert (_utc(held[1].last_seen_at), held[1].last_seen_run_id) == (later, run)
        out = crud.upsert_reviews(
            s,
            listing_id=listing_id,
            reviews=[{**reviews[0], "rating": 4.75}],
            seen_at=later,
            run_id=run,
        )
        assert _outcome(out) == ([], [], 1)
        assert (held[0].rating, _utc(held[0].last_seen_at)) == (4.75, later)


def test_a_clinics_facts_are_brought_up_to_date_on_the_next_init(engine) -> None:
    """``quietwatch init`` after the configuration's canonical facts changed: the clinic's
    stored facts are the new ones (what every listing is compared with)."""
    with session_scope(engine) as s:
        first = crud.ensure_clinic(s, key="clinic-a", name="A", phone="+1 604 555 0100")
    with session_scope(engine) as s:
        again = crud.ensure_clinic(
            s, key="clinic-a", name="A Counselling", phone="+1 604 555 0199", city="Burnaby"
        )
    assert again == first
    with Session(engine) as s:
        clinic = s.get(Clinic, first)
        assert (clinic.name, clinic.phone, clinic.city) == (
            "A Counselling",
            "+1 604 555 0199",
            "Burnaby",
        )
