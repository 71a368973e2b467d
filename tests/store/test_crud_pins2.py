"""Pins of the store's write side (store/crud.py), second batch: which discovered listing is
already known (per clinic, site and site id) and what a proposal keeps, a listing read again
is no longer gone, facts without a site id keep the listing's, what an edit writes (names as
the privacy setting allows, the first date, its new content hash), removals the session
reads at once, and findings kept per clinic."""

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from store import crud
from store.db import session_scope
from store.models import Finding, Listing, ListingStatus, Origin, Review, ReviewVersion
from tests.store.crud_writes import T0
from tests.store.crud_writes import start_run as _run
from tests.store.crud_writes import utc as _utc
from tests.store.crud_writes import write as _write


# -- discovered listings ------------------------------------------------------------------
def test_a_discovered_listing_is_known_by_its_site_id_within_its_clinic_and_site(engine) -> None:
    """A search result under a new URL whose site id the clinic already has on that site is
    not proposed again; the same id on another site, another id on the same site, or the
    same id for another clinic is a new proposal.  A proposal keeps why it matched and its
    site id, and waits, disabled, for a decision."""
    with session_scope(engine) as s:
        a = crud.ensure_clinic(s, key="clinic-a", name="A")
        b = crud.ensure_clinic(s, key="clinic-b", name="B")

        def found(clinic: int, site: str, url: str, sid: str, why: str) -> int | None:
            return crud.record_discovered(
                s, clinic_id=clinic, site=site, url=url, match_reason=why, site_listing_id=sid
            )

        first = found(a, "yelp", "http://yelp.example/biz/a", "123", "phone matches")
        assert first is not None
        again = found(a, "yelp", "http://yelp.example/biz/a?osq=x", "123", "name matches")
        assert again is None  # the same listing under another URL
        other_site = found(a, "google", "http://maps.example/a", "123", "address matches")
        other_id = found(a, "yelp", "http://yelp.example/biz/a-2", "456", "name matches")
        other_clinic = found(b, "yelp", "http://yelp.example/biz/a?osq=x", "123", "phone")
        assert None not in (other_site, other_id, other_clinic)
        assert len({first, other_site, other_id, other_clinic}) == 4
    with Session(engine) as s:
        rows = [
            (r.id, r.clinic_id, r.site, r.url, r.site_listing_id, r.match_reason)
            for r in s.exec(select(Listing).order_by(Listing.id))
        ]
        assert {(r.origin, r.enabled) for r in s.exec(select(Listing))} == {
            (Origin.DISCOVERED, False)
        }
    assert rows == [
        (first, a, "yelp", "http://yelp.example/biz/a", "123", "phone matches"),
        (other_site, a, "google", "http://maps.example/a", "123", "address matches"),
        (other_id, a, "yelp", "http://yelp.example/biz/a-2", "456", "name matches"),
        (other_clinic, b, "yelp", "http://yelp.example/biz/a?osq=x", "123", "phone"),
    ]


# -- listing bookkeeping ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("status", "back"),
    [
        (ListingStatus.OK, True),
        (ListingStatus.PARTIAL, True),
        (ListingStatus.NOT_MODIFIED, True),
        (ListingStatus.GONE, False),
        (ListingStatus.BLOCKED, False),
        (ListingStatus.ERROR, False),
    ],
)
def test_a_gone_listing_read_again_is_no_longer_gone(engine, listing_id, status, back) -> None:
    """A listing the site said was gone, then read (in full or in part) by a later run, is
    back: its gone date is cleared and its last success set; any other outcome keeps the
    date it went."""
    gone, later = T0, T0 + timedelta(days=2)
    with session_scope(engine) as s:
        crud.mark_gone(s, listing_id=listing_id, at=gone)
    with session_scope(engine) as s:
        crud.close_listing(s, listing_id=listing_id, status=status, at=later)
    with Session(engine) as s:
        listing = s.get(Listing, listing_id)
        got = (_utc(listing.gone_at), _utc(listing.last_success_at), listing.last_status)
        assert _utc(listing.last_crawled_at) == later
    assert got == ((None, later, status) if back else (gone, None, status))


def test_facts_without_a_site_id_keep_the_listings_site_id(engine, listing_id) -> None:
    """A page whose facts give no site id leaves the one the listing has (or its lack) as it
    was; a page that gives one sets it."""
    with session_scope(engine) as s:
        assert crud.record_facts(s, listing_id=listing_id, facts={"name": "A"}, seen_at=T0)
    with Session(engine) as s:
        assert s.get(Listing, listing_id).site_listing_id is None
    with session_scope(engine) as s:
        facts = {"name": "A", "site_listing_id": 123}
        crud.record_facts(s, listing_id=listing_id, facts=facts, seen_at=T0)
    with session_scope(engine) as s:
        facts = {"name": "A, renamed", "site_listing_id": None}
        assert crud.record_facts(s, listing_id=listing_id, facts=facts, seen_at=T0)
        crud.record_facts(s, listing_id=listing_id, facts={"phone": "555"}, seen_at=T0)
    with Session(engine) as s:
        assert s.get(Listing, listing_id).site_listing_id == "123"


# -- edits --------------------------------------------------------------------------------
@pytest.mark.parametrize(("names", "kept"), [("initials", "J. D."), ("none", None)])
def test_an_edit_keeps_the_reviewer_name_only_as_the_privacy_setting_allows(
    engine, listing_id, names, kept
) -> None:
    """A full name that may not be kept is not written by an edit either."""
    review = {"site_review_id": "r1", "author": "Jane Doe", "text": "Before."}
    (rid,) = _write(engine, listing_id, [review], T0, names=names).new
    later = _write(engine, listing_id, [{**review, "text": "After."}], T0, names=names)
    assert later.changed == [rid]
    with Session(engine) as s:
        stored = s.get(Review, rid)
        assert (stored.author, stored.text) == (kept, "After.")


def test_an_edit_keeps_the_first_date_its_precision_and_as_shown(engine, listing_id) -> None:
    """A review dated when first read keeps that date, its precision and how it was shown
    through an edit (a relative date drifts); the rest of the edit is written."""
    d = T0 - timedelta(days=10)
    review = {
        "site_review_id": "r1",
        "published_at": d,
        "published_precision": "day",
        "published_raw": "Oct 22, 2026",
        "text": "Before.",
        "language": "en",
    }
    (rid,) = _write(engine, listing_id, [review], T0).new
    edit = {
        **review,
        "published_at": d - timedelta(days=4),
        "published_precision": "week",
        "published_raw": "2 weeks ago",
        "text": "After.",
        "language": "fr",
    }
    assert _write(engine, listing_id, [edit], T0 + timedelta(days=3)).changed == [rid]
    with Session(engine) as s:
        r = s.get(Review, rid)
        got = (_utc(r.published_at), r.published_precision, r.published_raw, r.text, r.language)
    assert got == (d, "day", "Oct 22, 2026", "After.", "fr")


def test_an_edited_review_read_again_unchanged_is_not_another_edit(engine, listing_id) -> None:
    """The edit stores the new content's hash: the next crawl showing the same edited
    content reads it unchanged, and one version (the first content) is all there is."""
    review = {"site_review_id": "r1", "text": "Before.", "rating": 2}
    (rid,) = _write(engine, listing_id, [review], T0).new
    edited = {**review, "text": "After.", "rating": 4}
    assert _write(engine, listing_id, [edited], T0 + timedelta(days=1)).changed == [rid]
    again = _write(engine, listing_id, [edited], T0 + timedelta(days=2))
    assert (again.new, again.changed, again.unchanged) == ([], [], 1)
    with Session(engine) as s:
        r = s.get(Review, rid)
        assert (r.content_hash, r.version_count, r.text) == (crud.content_hash(edited), 2, "After.")
        versions = [(v.review_id, v.text, v.rating) for v in s.exec(select(ReviewVersion))]
    assert versions == [(rid, "Before.", 2)]


# -- removals -----------------------------------------------------------------------------
def test_a_removal_is_read_at_once_by_the_session_that_made_it(engine, listing_id) -> None:
    """Reviews a complete sweep no longer shows are removed, counted, and a review the
    session already holds reads its removal date at once (not a stale "visible")."""
    first = [{"site_review_id": f"r{i}", "text": f"Review {i}."} for i in range(3)]
    ids = _write(engine, listing_id, first, T0).new
    later = T0 + timedelta(days=1)
    with session_scope(engine) as s:
        run = _run(s, listing_id)
        crud.upsert_reviews(s, listing_id=listing_id, reviews=first[:1], seen_at=later, run_id=run)
        held = [s.get(Review, i) for i in ids]
        assert [r.removed_at for r in held] == [None, None, None]
        assert crud.mark_removed(s, listing_id=listing_id, run_id=run, seen_at=later) == 2
        assert [_utc(r.removed_at) for r in held] == [None, later, later]
        assert crud.visible_review_count(s, listing_id=listing_id) == 1


# -- findings -----------------------------------------------------------------------------
def test_a_finding_key_is_kept_per_clinic(engine) -> None:
    """Two clinics whose findings share a dedupe key keep a finding each; seeing one again
    touches that clinic's finding only."""
    later = T0 + timedelta(days=5)
    with session_scope(engine) as s:
        a = crud.ensure_clinic(s, key="clinic-a", name="A")
        b = crud.ensure_clinic(s, key="clinic-b", name="B")
        fa = crud.record_finding(s, clinic_id=a, kind="disclosure", dedupe_key="k", seen_at=T0)
        fb = crud.record_finding(s, clinic_id=b, kind="disclosure", dedupe_key="k", seen_at=T0)
        again = crud.record_finding(
            s, clinic_id=a, kind="disclosure", dedupe_key="k", seen_at=later
        )
    assert fa[1] and fb[1] and fa[0] != fb[0]
    assert again == (fa[0], False)
    with Session(engine) as s:
        got = [
            (f.id, f.clinic_id, _utc(f.first_seen_at), _utc(f.last_seen_at))
            for f in s.exec(select(Finding).order_by(Finding.id))
        ]
    assert got == [(fa[0], a, T0, later), (fb[0], b, T0, T0)]
