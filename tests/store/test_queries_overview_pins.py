"""The Overview's reads, called directly: each site's figures (listings, shown rating and
count, reviews held, new reviews, removals, last crawl times), which reviews count as new
(and new in the latest crawl), and the rating by month, on stores built with fixed dates
through store.crud and store.runs, with a second clinic that must never leak in."""

from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
from sqlmodel import Session

from store import crud, queries, runs
from store.db import make_engine, session_scope
from store.models import ListingStatus

# Three crawls, fixed dates (mid-month, so no time zone moves one into another month).
D1 = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)
D2 = datetime(2026, 2, 14, 12, 0, tzinfo=UTC)
D3 = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)


def _reviews(*pairs: tuple[str, float | None]) -> list[dict]:
    return [
        {"site_review_id": rid, "author": "A. B.", "rating": r, "text": rid} for rid, r in pairs
    ]


@dataclass
class Store:
    clinic: int  # the clinic the figures are read for
    other: int  # a second clinic with a single listing
    ids: dict[str, int] = field(default_factory=dict)


def _crawl(s, run, listing, at, *, status="ok", reviews=None, check=True, remove=False):
    """One run's pass over one listing: its reviews, its check, its status."""
    if reviews is not None:
        crud.upsert_reviews(s, listing_id=listing, seen_at=at, run_id=run, reviews=reviews)
    if remove:
        crud.mark_removed(s, listing_id=listing, run_id=run, seen_at=at)
    if check:
        runs.record_check(s, run_id=run, listing_id=listing, status=status, checked_at=at)
    crud.close_listing(s, listing_id=listing, status=ListingStatus(status), at=at)


def _overview_store(url: str) -> Store:
    """Clinic "north", crawled at D1, D2 and D3:
    - yelp: two listings (shown 4.25 of 10 and 4.0 of 5); Y1 gains a3 in run 2 and a4 in
      run 3; Y2 gains b2 in run 2, which run 3 no longer shows (removed);
    - google: g2 is new in run 2; run 3's check is a 304 (not modified: nothing touched);
    - facebook: f2 is new in run 2, whose check of the listing was never recorded;
    - ratemds: shown 3.5 without a count; both its reviews removed in run 2;
    - healthgrades: never read (blocked in run 3), no facts, no reviews;
    - zocdoc: blocked in run 1, first read in run 2 (z1: there before, not new).
    Clinic "south", one yelp listing: s2 new in its run 2, its run 3 a 304."""
    engine = make_engine(url)
    try:
        with session_scope(engine) as s:
            north = crud.ensure_clinic(s, key="north", name="North Clinic")
            south = crud.ensure_clinic(s, key="south", name="South Clinic")
            out = Store(clinic=north, other=south)
            for key, clinic, site in [
                ("Y1", north, "yelp"),
                ("Y2", north, "yelp"),
                ("G", north, "google"),
                ("F", north, "facebook"),
                ("R", north, "ratemds"),
                ("H", north, "healthgrades"),
                ("Z", north, "zocdoc"),
                ("S", south, "yelp"),
            ]:
                out.ids[key] = crud.ensure_listing(
                    s, clinic_id=clinic, site=site, url=f"https://{site}.example/{key}"
                )
            for key, facts in [
                ("Y1", {"rating": 4.25, "review_count": 10}),
                ("Y2", {"rating": 4.0, "review_count": 5}),
                ("G", {"rating": 5.0, "review_count": 2}),
                ("F", {"rating": 3.0, "review_count": 2}),
                ("R", {"rating": 3.5}),
                ("S", {"rating": 2.0, "review_count": 7}),
            ]:
                crud.record_facts(s, listing_id=out.ids[key], facts=facts, seen_at=D1)
        ids = out.ids
        with session_scope(engine) as s:  # run 1
            run, other = (runs.start_run(s, clinic_id=c, spider="t") for c in (north, south))
            _crawl(s, run, ids["Y1"], D1, reviews=_reviews(("a1", 5), ("a2", 1)))
            _crawl(s, run, ids["Y2"], D1, reviews=_reviews(("b1", 4), ("b3", 5)))
            _crawl(s, run, ids["G"], D1, reviews=_reviews(("g1", 5)))
            _crawl(s, run, ids["F"], D1, reviews=_reviews(("f1", 3)))
            _crawl(s, run, ids["R"], D1, reviews=_reviews(("r1", 2), ("r2", 4)))
            _crawl(s, run, ids["Z"], D1, status="blocked")
            _crawl(s, other, ids["S"], D1, reviews=_reviews(("s1", 1)))
        with session_scope(engine) as s:  # run 2
            run, other = (runs.start_run(s, clinic_id=c, spider="t") for c in (north, south))
            _crawl(s, run, ids["Y1"], D2, reviews=_reviews(("a1", 5), ("a2", 1), ("a3", 2)))
            _crawl(s, run, ids["Y2"], D2, reviews=_reviews(("b1", 4), ("b3", 5), ("b2", 3)))
            _crawl(s, run, ids["G"], D2, reviews=_reviews(("g1", 5), ("g2", 4)))
            _crawl(s, run, ids["F"], D2, reviews=_reviews(("f1", 3), ("f2", 5)), check=False)
            _crawl(s, run, ids["R"], D2, reviews=[], remove=True)
            _crawl(s, run, ids["Z"], D2, reviews=_reviews(("z1", 5)))
            _crawl(s, other, ids["S"], D2, reviews=_reviews(("s1", 1), ("s2", 1)))
        with session_scope(engine) as s:  # run 3
            run, other = (runs.start_run(s, clinic_id=c, spider="t") for c in (north, south))
            y1 = _reviews(("a1", 5), ("a2", 1), ("a3", 2), ("a4", 5))
            _crawl(s, run, ids["Y1"], D3, reviews=y1)
            _crawl(s, run, ids["Y2"], D3, reviews=_reviews(("b1", 4), ("b3", 5)), remove=True)
            _crawl(s, run, ids["G"], D3, status="not_modified")
            _crawl(s, run, ids["H"], D3, status="blocked")
            _crawl(s, other, ids["S"], D3, status="not_modified")
    finally:
        engine.dispose()
    return out


@pytest.fixture
def overview(db_url):
    store = _overview_store(db_url)
    engine = make_engine(db_url, read_only=True)
    with Session(engine) as session:
        yield store, session
    engine.dispose()


def _figures(session, clinic_id, since, *names):
    rows = queries.site_summaries(session, clinic_id=clinic_id, since=since)
    return {r.site: tuple(getattr(r, n) for n in names) for r in rows}


def test_each_site_summary_has_its_own_listings_figures_in_site_order(overview):
    """Every field of every site, exactly: a site with several listings (their shown ratings
    averaged, their counts summed), one with no facts or reviews (None and zeros, not an
    error), one whose reviews are all removed (nothing held, no average), ratings rounded
    to two places, and the last success and last crawl kept apart."""
    store, s = overview
    rows = queries.site_summaries(s, clinic_id=store.clinic, since=D3)
    assert [r.model_dump() for r in rows] == [
        dict(site="facebook", listings=1, rating=3.0, stated_reviews=2, reviews_held=2,
             average_held=4.0, new_last_crawl=1, new_since=0, removed=0,
             last_success_at=D2, last_crawled_at=D2),
        dict(site="google", listings=1, rating=5.0, stated_reviews=2, reviews_held=2,
             average_held=4.5, new_last_crawl=0, new_since=0, removed=0,
             last_success_at=D3, last_crawled_at=D3),
        dict(site="healthgrades", listings=1, rating=None, stated_reviews=None, reviews_held=0,
             average_held=None, new_last_crawl=0, new_since=0, removed=0,
             last_success_at=None, last_crawled_at=D3),
        dict(site="ratemds", listings=1, rating=3.5, stated_reviews=None, reviews_held=0,
             average_held=None, new_last_crawl=0, new_since=0, removed=2,
             last_success_at=D2, last_crawled_at=D2),
        # (4.25 + 4.0) / 2 = 4.125 shown; held (5 + 1 + 2 + 5 + 4 + 5) / 6 = 3.666…
        dict(site="yelp", listings=2, rating=4.12, stated_reviews=15, reviews_held=6,
             average_held=3.67, new_last_crawl=1, new_since=1, removed=1,
             last_success_at=D3, last_crawled_at=D3),
        dict(site="zocdoc", listings=1, rating=None, stated_reviews=None, reviews_held=1,
             average_held=5.0, new_last_crawl=0, new_since=0, removed=0,
             last_success_at=D2, last_crawled_at=D2),
    ]  # fmt: skip


def test_new_since_counts_new_held_reviews_first_seen_at_or_after_the_date(overview):
    """``since`` is inclusive (a4 was first seen exactly at D3); a new review first seen
    before it is not counted (a3, D2); a new review since removed (b2) never is."""
    store, s = overview
    assert _figures(s, store.clinic, D3, "new_since") == {
        "facebook": (0,),
        "google": (0,),
        "healthgrades": (0,),
        "ratemds": (0,),
        "yelp": (1,),  # a4
        "zocdoc": (0,),
    }
    assert _figures(s, store.clinic, D2, "new_since") == {
        "facebook": (1,),  # f2
        "google": (1,),  # g2
        "healthgrades": (0,),
        "ratemds": (0,),
        "yelp": (2,),  # a3, a4 (not b2: removed)
        "zocdoc": (0,),  # z1: the listing's first read, after a blocked try
    }


def test_new_in_the_latest_crawl_is_new_in_each_listings_own_latest_run(overview):
    """Each listing's latest run is the latest that checked it (google's 304 in run 3: g2,
    found in run 2, is no longer new in the latest crawl), or a later run that saw its
    reviews without a check (facebook: f2, found by run 2); a new review found by an
    earlier run (a3) is not counted; nor is a listing's first read after a blocked try."""
    store, s = overview
    assert _figures(s, store.clinic, D1, "new_last_crawl") == {
        "facebook": (1,),
        "google": (0,),
        "healthgrades": (0,),
        "ratemds": (0,),
        "yelp": (1,),  # a4 only
        "zocdoc": (0,),
    }


def test_another_clinics_listings_runs_and_reviews_never_enter_the_summaries(overview):
    """North's yelp is its own two listings; south's only listing has south's own figures,
    and its latest crawl is south's own 304 (s2, new in run 2, is not new in it)."""
    store, s = overview
    names = ("listings", "rating", "stated_reviews", "reviews_held", "average_held")
    assert _figures(s, store.clinic, D3, *names)["yelp"] == (2, 4.12, 15, 6, 3.67)
    rows = queries.site_summaries(s, clinic_id=store.other, since=D2)
    assert [r.model_dump() for r in rows] == [
        dict(site="yelp", listings=1, rating=2.0, stated_reviews=7, reviews_held=2,
             average_held=1.0, new_last_crawl=0, new_since=1, removed=0,
             last_success_at=D3, last_crawled_at=D3),
    ]  # fmt: skip
    assert queries.site_summaries(s, clinic_id=store.other + 1, since=D1) == []


# -- rating by month --------------------------------------------------------------------
SINCE = datetime(2026, 4, 15, 0, 0, tzinfo=UTC)


def _review(rid: str, rating: float | None, published: datetime | None) -> dict:
    return {
        "site_review_id": rid,
        "author": "A. B.",
        "rating": rating,
        "text": rid,
        "published_at": published,
        "published_precision": "day" if published else None,
    }


def _day(month: int, day: int) -> datetime:
    return datetime(2026, month, day, 12, 0, tzinfo=UTC)


@pytest.fixture
def months(db_url):
    """North: yelp p1–p3 published in March (first seen in June), p4 unpublished and first
    seen exactly at SINCE, p5 unrated, p6 unpublished and first seen in February; google q1
    published exactly at SINCE, q2 in May.  South: two yelp reviews, March and July."""
    engine = make_engine(db_url)
    try:
        with session_scope(engine) as s:
            north = crud.ensure_clinic(s, key="north", name="North Clinic")
            south = crud.ensure_clinic(s, key="south", name="South Clinic")
            yelp, google, south_yelp = (
                crud.ensure_listing(s, clinic_id=c, site=site, url=f"https://{site}.example/{c}")
                for c, site in [(north, "yelp"), (north, "google"), (south, "yelp")]
            )
            batches = [
                (yelp, _day(2, 5), [_review("p6", 1, None)]),
                (yelp, SINCE, [_review("p4", 4, None)]),
                (
                    yelp,
                    _day(6, 10),
                    [
                        _review("p1", 5, _day(3, 10)),
                        _review("p2", 2, _day(3, 25)),
                        _review("p3", 1, _day(3, 28)),
                        _review("p5", None, _day(4, 20)),
                    ],
                ),
                (google, _day(6, 10), [_review("q1", 3, SINCE), _review("q2", 4, _day(5, 20))]),
                (
                    south_yelp,
                    _day(6, 10),
                    [_review("x1", 1, _day(3, 12)), _review("x2", 5, _day(7, 15))],
                ),
            ]
            for listing, seen, reviews in batches:
                crud.upsert_reviews(s, listing_id=listing, seen_at=seen, reviews=reviews)
    finally:
        engine.dispose()
    engine = make_engine(db_url, read_only=True)
    with Session(engine) as session:
        yield north, south, session
    engine.dispose()


def _points(points) -> list[tuple]:
    assert [p.month for p in points] == sorted(p.month for p in points)  # month order
    return sorted((p.site, p.month, p.average, p.reviews) for p in points)


def test_rating_over_time_is_one_point_per_site_and_month_of_rated_reviews(months):
    """Month by the published date, else the first seen; unrated reviews neither averaged
    nor counted; averages rounded to two places; in month order; the clinic's own reviews
    only."""
    north, south, s = months
    assert _points(queries.rating_over_time(s, clinic_id=north)) == [
        ("google", "2026-04", 3.0, 1),
        ("google", "2026-05", 4.0, 1),
        ("yelp", "2026-02", 1.0, 1),  # p6, unpublished: first seen in February
        ("yelp", "2026-03", 2.67, 3),  # (5 + 2 + 1) / 3, published in March, seen in June
        ("yelp", "2026-04", 4.0, 1),  # p4 (p5 is unrated)
    ]
    assert _points(queries.rating_over_time(s, clinic_id=south)) == [
        ("yelp", "2026-03", 1.0, 1),
        ("yelp", "2026-07", 5.0, 1),
    ]
    assert queries.rating_over_time(s, clinic_id=south + 1) == []


def test_rating_over_time_since_keeps_reviews_published_or_else_first_seen_since(months):
    """Both bounds inclusive (q1 published, p4 first seen, exactly at ``since``); a review
    published before ``since`` is left out however late it was first seen (p1–p3), and so
    is an unpublished one first seen before it (p6)."""
    north, _, s = months
    assert _points(queries.rating_over_time(s, clinic_id=north, since=SINCE)) == [
        ("google", "2026-04", 3.0, 1),
        ("google", "2026-05", 4.0, 1),
        ("yelp", "2026-04", 4.0, 1),
    ]
    assert _points(queries.rating_over_time(s, clinic_id=north, since=_day(7, 1))) == []
