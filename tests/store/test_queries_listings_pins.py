"""Pinned from mutation testing: the listing reads a crawl, the monitor and the notifier make
(``active_listings``, ``confirmed_listings``, ``crawl_memory``, ``listing_changes``) and the
Listings page's ``listing_of_clinic`` and ``listing_history``, on a store of two clinics
built with the store's own writes: what each returns, in which order, and never another
clinic's rows."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session

from store import crud, queries, runs
from store.db import session_scope
from store.queries.listings import ListingMemory

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)  # fixed dates: nothing depends on today

NORTH = {"key": "north", "name": "North Shore Counselling"}
SOUTH = {"key": "south", "name": "South Side Counselling"}


@pytest.fixture
def write(engine):
    """A unit of work on the test's store."""
    return lambda: session_scope(engine)


@pytest.fixture
def read(engine):
    with Session(engine) as s:
        yield s


def _review(rid: str | None, text: str, rating: float = 5) -> dict:
    return {
        "site_review_id": rid,
        "author": "A. Reviewer",
        "rating": rating,
        "published_at": T0 - timedelta(days=10),
        "published_precision": "day",
        "text": text,
    }


# -- listing_of_clinic / listing_read ------------------------------------------------------
def test_a_listing_is_read_by_its_own_clinic_only_and_without_its_facts(write, engine):
    with write() as s:
        north = crud.ensure_clinic(s, **NORTH)
        south = crud.ensure_clinic(s, **SOUTH)
        mine = crud.ensure_listing(s, clinic_id=north, site="yelp", url="https://yelp.example/n")
        theirs = crud.ensure_listing(
            s, clinic_id=south, site="google", url="https://maps.example/s"
        )
        crud.record_facts(s, listing_id=mine, facts={"phone": "604 555 0100"}, seen_at=T0)
    with Session(engine) as s:
        found = queries.listing_of_clinic(s, clinic_id=north, listing_id=mine)
        assert (found.id, found.site, found.url, found.origin) == (
            mine,
            "yelp",
            "https://yelp.example/n",
            "configured",
        )
        # listing_read: the listing alone, not the facts of its snapshot.
        assert (found.phone, found.captured_at) == (None, None)
        other = queries.listing_of_clinic(s, clinic_id=south, listing_id=theirs)
        assert (other.id, other.url) == (theirs, "https://maps.example/s")
        assert queries.listing_of_clinic(s, clinic_id=north, listing_id=theirs) is None
        assert queries.listing_of_clinic(s, clinic_id=south, listing_id=mine) is None
        assert queries.listing_of_clinic(s, clinic_id=north, listing_id=mine + theirs) is None


# -- listing_history -----------------------------------------------------------------------
def test_history_is_newest_captured_first_and_newest_written_first_within_one_time(write, engine):
    """Ordered by when the facts were captured, not by when they were written; facts
    captured at the same time come newest written first; another listing's are not shown."""
    with write() as s:
        north = crud.ensure_clinic(s, **NORTH)
        lid = crud.ensure_listing(s, clinic_id=north, site="yelp", url="https://yelp.example/n")
        other = crud.ensure_listing(s, clinic_id=north, site="google", url="https://g.example")
        late = T0 + timedelta(days=3)
        for phone, at in [
            ("604 555 0001", T0 + timedelta(days=2)),
            ("604 555 0002", T0 + timedelta(days=1)),  # written later, captured earlier
            ("604 555 0003", late),
            ("604 555 0004", late),  # the same capture time: written last, shown first
        ]:
            crud.record_facts(s, listing_id=lid, facts={"phone": phone}, seen_at=at)
        crud.record_facts(s, listing_id=other, facts={"phone": "604 555 0999"}, seen_at=late)
    with Session(engine) as s:
        history = queries.listing_history(s, listing_id=lid)
    assert [(h.phone, h.captured_at) for h in history] == [
        ("604 555 0004", late),
        ("604 555 0003", late),
        ("604 555 0001", T0 + timedelta(days=2)),
        ("604 555 0002", T0 + timedelta(days=1)),
    ]
    assert [h.id for h in history[:2]] == sorted((h.id for h in history[:2]), reverse=True)


# -- listing_changes -----------------------------------------------------------------------
def test_listing_changes_name_the_facts_each_asked_run_changed(write, engine):
    """Each snapshot of the asked runs against the same listing's previous one (not the
    first one, not another listing's); a listing's first snapshot is no change, and does
    not end the list; snapshots of runs not asked are left out."""
    with write() as s:
        north = crud.ensure_clinic(s, **NORTH)
        one = crud.ensure_listing(s, clinic_id=north, site="yelp", url="https://yelp.example/n")
        two = crud.ensure_listing(s, clinic_id=north, site="google", url="https://g.example")
        three = crud.ensure_listing(s, clinic_id=north, site="bing", url="https://bing.example")
        r1, r2, r3 = (runs.start_run(s, clinic_id=north, spider="schema_org") for _ in range(3))

        def facts(listing, run, day, **values):
            at = T0 + timedelta(days=day)
            crud.record_facts(s, listing_id=listing, facts=values, seen_at=at, run_id=run)

        facts(one, r1, 0, phone="604 555 0001", rating=4.0)
        facts(three, r1, 0, name="Bing Name", phone="604 555 0003")
        facts(one, r2, 1, phone="604 555 0002", rating=4.0)  # phone changed
        facts(two, r3, 2, name="First Seen")  # a first snapshot: no change
        facts(one, r3, 2, phone="604 555 0002", rating=4.5)  # rating changed (not the phone)
        facts(three, r3, 2, name="Bing Renamed", phone="604 555 0003")  # name changed

    def changes(run_ids):
        with Session(engine) as s:
            found = queries.listing_changes(s, run_ids=run_ids)
        return [(listing.id, listing.url, fields) for listing, fields in found]

    assert changes([r2, r3]) == [
        (one, "https://yelp.example/n", ["phone"]),
        (one, "https://yelp.example/n", ["rating"]),
        (three, "https://bing.example", ["name"]),
    ]
    assert changes([r3]) == [
        (one, "https://yelp.example/n", ["rating"]),
        (three, "https://bing.example", ["name"]),
    ]
    assert changes([r1]) == []  # first snapshots only
    assert changes([]) == []


# -- confirmed_listings --------------------------------------------------------------------
def test_confirmed_listings_are_the_clinics_enabled_confirmed_ones_in_id_order(write, engine):
    """Not configured, discovered, dismissed or disabled ones, and never another clinic's;
    in the order they were found, whichever was confirmed first."""
    with write() as s:
        north = crud.ensure_clinic(s, **NORTH)
        south = crud.ensure_clinic(s, **SOUTH)
        crud.ensure_listing(s, clinic_id=north, site="yelp", url="https://yelp.example/n")

        def found(clinic, site, url):
            return crud.record_discovered(s, clinic_id=clinic, site=site, url=url)

        first = found(north, "google", "https://maps.example/n")
        second = found(north, "zocdoc", "https://zocdoc.example/n")
        found(north, "ratemds", "https://ratemds.example/n")  # left undecided
        dismissed = found(north, "yahoo", "https://yahoo.example/n")
        disabled = found(north, "healthgrades", "https://hg.example/n")
        theirs = found(south, "google", "https://maps.example/s")
        for listing in (second, first, disabled):  # the first found is confirmed last
            crud.decide_listing(s, clinic_id=north, listing_id=listing, decision="confirmed")
        crud.decide_listing(s, clinic_id=north, listing_id=dismissed, decision="dismissed")
        crud.decide_listing(s, clinic_id=south, listing_id=theirs, decision="confirmed")
        crud.update_listing(s, disabled, enabled=False)
    with Session(engine) as s:
        assert queries.confirmed_listings(s, clinic_key="north") == [
            ("google", "https://maps.example/n"),
            ("zocdoc", "https://zocdoc.example/n"),
        ]
        assert queries.confirmed_listings(s, clinic_key="south") == [
            ("google", "https://maps.example/s")
        ]
        assert queries.confirmed_listings(s, clinic_key="nobody") == []


# -- active_listings -----------------------------------------------------------------------
def test_active_listings_are_the_clinics_enabled_configured_or_confirmed_ones(write, engine):
    """Not disabled ones, not discovered or dismissed ones even when enabled, never another
    clinic's; in id order, whichever was written last."""
    with write() as s:
        north = crud.ensure_clinic(s, **NORTH)
        south = crud.ensure_clinic(s, **SOUTH)
        configured = crud.ensure_listing(
            s, clinic_id=north, site="yelp", url="https://yelp.example/n"
        )
        crud.ensure_listing(
            s, clinic_id=north, site="bing", url="https://bing.example/n", enabled=False
        )
        confirmed = crud.record_discovered(
            s, clinic_id=north, site="google", url="https://maps.example/n"
        )
        crud.decide_listing(s, clinic_id=north, listing_id=confirmed, decision="confirmed")
        # Discovered and dismissed listings are not the clinic's, even if enabled.
        discovered = crud.record_discovered(
            s, clinic_id=north, site="ratemds", url="https://ratemds.example/n"
        )
        dismissed = crud.record_discovered(
            s, clinic_id=north, site="yahoo", url="https://yahoo.example/n"
        )
        crud.decide_listing(s, clinic_id=north, listing_id=dismissed, decision="dismissed")
        for listing in (discovered, dismissed):
            crud.update_listing(s, listing, enabled=True)
        theirs = crud.ensure_listing(s, clinic_id=south, site="yelp", url="https://yelp.example/s")
        # The lowest id written last (a new latest snapshot: PostgreSQL moves the row).
        crud.update_listing(s, configured, last_crawled_at=T0)
        crud.record_facts(s, listing_id=configured, facts={"phone": "604 555 0100"}, seen_at=T0)
    with Session(engine) as s:
        mine = queries.active_listings(s, clinic_id=north)
        assert [(r.id, r.site, r.origin, r.enabled, r.last_crawled_at) for r in mine] == [
            (configured, "yelp", "configured", True, T0),
            (confirmed, "google", "confirmed", True, None),
        ]
        assert [r.id for r in queries.active_listings(s, clinic_id=south)] == [theirs]
        assert queries.active_listings(s, clinic_id=north + south + 1) == []


# -- crawl_memory --------------------------------------------------------------------------
def test_crawl_memory_is_what_the_clinic_knows_of_each_asked_url(write, engine):
    """Per asked URL of the clinic: its validators, its last full sweep, the site ids and
    content hashes of the reviews it still shows (not removed ones, not another listing's);
    never another clinic's listing, even at the same URL; unasked or unknown URLs left out."""
    shared_url = "https://yelp.example/biz/shared"
    kept = _review("a1", "Kept and shown.")
    unkeyed = _review(None, "A review the site gives no id.", rating=4)
    removed = _review("a2", "Taken down by the site.", rating=1)
    theirs = _review("b1", "Another clinic's review.")
    other = _review("c1", "A review of the clinic's other listing.")
    with write() as s:
        north = crud.ensure_clinic(s, **NORTH)
        south = crud.ensure_clinic(s, **SOUTH)
        known = crud.ensure_listing(s, clinic_id=north, site="yelp", url=shared_url)
        crud.ensure_listing(s, clinic_id=north, site="google", url="https://g.example/n")
        unasked = crud.ensure_listing(s, clinic_id=north, site="bing", url="https://b.example")
        south_same = crud.ensure_listing(s, clinic_id=south, site="yelp", url=shared_url)
        south_only = crud.ensure_listing(s, clinic_id=south, site="yelp", url="https://s.example")
        r1 = runs.start_run(s, clinic_id=north, spider="schema_org")
        r2 = runs.start_run(s, clinic_id=north, spider="schema_org")
        crud.upsert_reviews(
            s, listing_id=known, reviews=[kept, unkeyed, removed], seen_at=T0, run_id=r1
        )
        crud.upsert_reviews(s, listing_id=known, reviews=[kept, unkeyed], seen_at=T0, run_id=r2)
        assert crud.mark_removed(s, listing_id=known, run_id=r2, seen_at=T0) == 1
        crud.upsert_reviews(s, listing_id=unasked, reviews=[other], seen_at=T0)
        crud.upsert_reviews(s, listing_id=south_same, reviews=[theirs], seen_at=T0)
        crud.update_listing(
            s, known, etag='"n1"', last_modified="Sat, 31 Oct 2026", last_full_sweep_at=T0
        )
        for listing in (south_same, south_only):
            crud.update_listing(s, listing, etag='"s1"', last_full_sweep_at=T0 + timedelta(1))
    urls = [shared_url, "https://g.example/n", "https://s.example", "https://unknown.example"]
    with Session(engine) as s:
        memory = queries.crawl_memory(s, clinic_key="north", urls=urls)
        south_memory = queries.crawl_memory(s, clinic_key="south", urls=urls)
        assert queries.crawl_memory(s, clinic_key="north", urls=[]) == {}
    assert memory == {
        shared_url: ListingMemory(
            etag='"n1"',
            last_modified="Sat, 31 Oct 2026",
            last_full_sweep_at=T0,
            review_ids={"a1"},
            content_hashes={crud.content_hash(kept), crud.content_hash(unkeyed)},
        ),
        "https://g.example/n": ListingMemory(),
    }
    south_listing = ListingMemory(
        etag='"s1"', last_full_sweep_at=T0 + timedelta(1), review_ids=set(), content_hashes=set()
    )
    assert south_memory == {
        shared_url: ListingMemory(
            etag='"s1"',
            last_full_sweep_at=T0 + timedelta(1),
            review_ids={"b1"},
            content_hashes={crud.content_hash(theirs)},
        ),
        "https://s.example": south_listing,
    }


# -- listings (the Overview's and the Listings page's read) --------------------------------
def test_listings_are_the_clinics_own_by_site_then_id_each_once_with_its_latest_facts(
    write, engine
):
    with write() as s:
        north = crud.ensure_clinic(s, **NORTH)
        south = crud.ensure_clinic(s, **SOUTH)
        yelp_1 = crud.ensure_listing(s, clinic_id=north, site="yelp", url="https://yelp.example/1")
        google = crud.ensure_listing(s, clinic_id=north, site="google", url="https://g.example/n")
        yelp_2 = crud.ensure_listing(s, clinic_id=north, site="yelp", url="https://yelp.example/2")
        crud.ensure_listing(s, clinic_id=south, site="bing", url="https://bing.example/s")
        # Two snapshots of one listing: only the latest facts, and the listing once.
        crud.record_facts(s, listing_id=yelp_1, facts={"phone": "604 555 0100"}, seen_at=T0)
        later = T0 + timedelta(days=3)
        crud.record_facts(s, listing_id=yelp_1, facts={"phone": "604 555 0199"}, seen_at=later)
    with write() as s:
        # On PostgreSQL an updated row moves to the end of the table: the id must order it.
        crud.update_listing(s, yelp_1, last_crawled_at=later)
    with Session(engine) as s:
        rows = queries.listings(s, clinic_id=north)
    assert [(r.site, r.id) for r in rows] == [
        ("google", google),
        ("yelp", yelp_1),
        ("yelp", yelp_2),
    ]
    by_id = {r.id: r for r in rows}
    assert (by_id[yelp_1].phone, by_id[yelp_1].captured_at) == ("604 555 0199", later)
    assert (by_id[google].phone, by_id[google].captured_at) == (None, None)
