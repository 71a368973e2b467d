"""Pins for store/queries/reviews.py: the Reviews page's filters (rating bounds, date ranges
by instant or by stated day, undated reviews by first sighting, the "new" filters), its
count and page (order, limits), the sites list, one review's history, and the reviews a
digest lists for its runs.  Every store here is built with fixed dates (never today's) and
with a second clinic whose rows must never show up in the first one's answers."""

from datetime import UTC, date, datetime, timedelta

from sqlmodel import Session

from store import crud, queries, runs
from store.db import make_engine, session_scope
from store.models import ReviewVersion
from store.queries import ReviewFilter

T0 = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def _review(rid: str, *, rating: float = 4, published=None, precision=None, **extra) -> dict:
    return {
        "site_review_id": rid,
        "author": f"Author {rid}",
        "rating": rating,
        "published_at": published,
        "published_precision": precision,
        "text": f"Text of {rid}.",
        **extra,
    }


def _clinic(s, key: str) -> int:
    return crud.ensure_clinic(s, key=key, name=key.title())


def _listing(s, clinic_id: int, site: str, n: int = 0) -> int:
    url = f"https://{site}.example/{clinic_id}/{n}"
    return crud.ensure_listing(s, clinic_id=clinic_id, site=site, url=url)


def _put(s, listing_id: int, seen_at: datetime, *reviews: dict, run_id=None) -> list[int]:
    return crud.upsert_reviews(
        s, listing_id=listing_id, seen_at=seen_at, run_id=run_id, reviews=list(reviews)
    ).new


def _crawl(s, clinic_id: int, at: datetime, listings: list[int]) -> int:
    """A run that read ``listings`` at ``at``."""
    run = runs.start_run(s, clinic_id=clinic_id, spider="schema_org")
    for listing in listings:
        runs.record_check(s, run_id=run, listing_id=listing, status="ok", checked_at=at)
    return run


def _read(db_url: str):
    engine = make_engine(db_url, read_only=True)
    return engine, Session(engine)


def _keys(s, clinic_id: int, flt: ReviewFilter) -> list[str]:
    """The page's review keys in the page's order; the count must agree with the page."""
    page = queries.review_page(s, clinic_id=clinic_id, flt=flt, limit=200)
    assert queries.count_reviews(s, clinic_id=clinic_id, flt=flt) == len(page)
    return [r.site_review_id for r in page]


def test_rating_bounds_include_the_bound_and_another_clinics_reviews_never_count(db_url):
    """min_rating and max_rating keep a review rated exactly at the bound; the count is the
    page's length, and the other clinic's reviews (rated alike) are in neither."""
    with session_scope(make_engine(db_url)) as s:
        a, b = _clinic(s, "allura"), _clinic(s, "harbour")
        la, lb = _listing(s, a, "yelp"), _listing(s, b, "yelp")
        _put(s, la, T0, *(_review(f"a{r}", rating=r) for r in (2, 3, 4, 5)))
        _put(s, lb, T0, *(_review(f"b{r}", rating=r) for r in (2, 3, 4, 5)))
    engine, s = _read(db_url)
    with s:
        assert queries.count_reviews(s, clinic_id=a, flt=ReviewFilter()) == 4
        assert sorted(_keys(s, a, ReviewFilter(min_rating=3))) == ["a3", "a4", "a5"]
        assert sorted(_keys(s, a, ReviewFilter(max_rating=4))) == ["a2", "a3", "a4"]
        assert _keys(s, a, ReviewFilter(min_rating=3, max_rating=3)) == ["a3"]
        assert queries.count_reviews(s, clinic_id=b, flt=ReviewFilter(min_rating=5)) == 1
    engine.dispose()


def test_first_seen_since_and_new_since_include_the_instant_itself(db_url):
    """first_seen_since and new_since keep a review first seen exactly at the bound."""
    run1_at, run2_at = T0, T0 + timedelta(days=3)
    with session_scope(make_engine(db_url)) as s:
        a = _clinic(s, "allura")
        la = _listing(s, a, "yelp")
        run1 = _crawl(s, a, run1_at, [la])
        _put(s, la, run1_at, _review("old"), run_id=run1)
        run2 = _crawl(s, a, run2_at, [la])
        _put(s, la, run2_at, _review("old"), _review("fresh"), run_id=run2)
    engine, s = _read(db_url)
    with s:
        assert _keys(s, a, ReviewFilter(first_seen_since=run2_at)) == ["fresh"]
        assert _keys(s, a, ReviewFilter(new_since=run2_at)) == ["fresh"]
        assert _keys(s, a, ReviewFilter(new_since=run2_at + timedelta(seconds=1))) == []
        assert sorted(_keys(s, a, ReviewFilter(first_seen_since=run1_at))) == ["fresh", "old"]
    engine.dispose()


def test_an_undated_review_is_in_a_date_range_by_when_it_was_first_seen(db_url):
    """A review without a published date is in [from, to) when it was first seen in it (the
    start included, the end not); a dated review is judged by its date alone, even when it
    was first seen before the range ended."""
    start, end = T0, T0 + timedelta(days=2)
    with session_scope(make_engine(db_url)) as s:
        a, b = _clinic(s, "allura"), _clinic(s, "harbour")
        la, lb = _listing(s, a, "yelp"), _listing(s, b, "yelp")
        for key, seen in (
            ("before", start - timedelta(hours=1)),
            ("at-start", start),
            ("inside", end - timedelta(hours=1)),
            ("at-end", end),
            ("after", end + timedelta(hours=1)),
        ):
            _put(s, la, seen, _review(key))
            _put(s, lb, seen, _review(f"b-{key}"))
        # Dated (to the second) after the range, yet first seen inside it.
        late = _review("dated-late", published=end + timedelta(hours=5), precision="second")
        _put(s, la, start + timedelta(hours=1), late)
    engine, s = _read(db_url)
    with s:
        both = ReviewFilter(published_from=start, published_to=end)
        assert sorted(_keys(s, a, both)) == ["at-start", "inside"]
        assert sorted(_keys(s, a, ReviewFilter(published_from=start))) == [
            "after",
            "at-end",
            "at-start",
            "dated-late",
            "inside",
        ]
        assert sorted(_keys(s, a, ReviewFilter(published_to=end))) == [
            "at-start",
            "before",
            "inside",
        ]
    engine.dispose()


def test_a_day_range_takes_a_timed_review_by_its_instant_and_a_dated_one_by_its_day(db_url):
    """The Reviews page's range in the clinic's time zone (Vancouver's 20 November: 08:00
    UTC on the 20th to 08:00 UTC on the 21st): a review dated to the second is in it by its
    instant; one dated to the day (or of unknown precision), by the day it states."""

    def at(day: int, hour: int, minute: int = 0) -> datetime:
        return datetime(2026, 11, day, hour, minute, tzinfo=UTC)

    with session_scope(make_engine(db_url)) as s:
        a = _clinic(s, "allura")
        la = _listing(s, a, "google")
        _put(
            s,
            la,
            at(23, 12),
            _review("timed-inside", published=at(20, 12), precision="second"),
            _review("timed-early", published=at(20, 7, 30), precision="second"),
            _review("timed-late-utc", published=at(21, 7, 30), precision="second"),
            _review("timed-after", published=at(21, 9), precision="second"),
            _review("day-20", published=at(20, 0), precision="day"),
            _review("day-21", published=at(21, 0), precision="day"),
            _review("day-19", published=at(19, 0), precision="day"),
            _review("unknown-20", published=at(20, 0), precision=None),
            _review("unknown-21", published=at(21, 0), precision=None),
        )
    vancouver_20th = ReviewFilter(
        published_from=at(20, 8),
        published_to=at(21, 8),
        published_from_day=date(2026, 11, 20),
        published_to_day=date(2026, 11, 21),
    )
    engine, s = _read(db_url)
    with s:
        assert sorted(_keys(s, a, vancouver_20th)) == [
            "day-20",
            "timed-inside",
            "timed-late-utc",
            "unknown-20",
        ]
    engine.dispose()


def test_new_filters_keep_each_listing_to_its_own_latest_crawl_and_runs(db_url):
    """ "New in the latest crawl" is, per listing, what that listing's own latest crawl
    found: a review Google's second crawl found is no longer new there once a third crawl
    read Google, even though the second crawl is still Yelp's latest.  "New in these
    runs" is what those runs found; a first crawl's reviews are never new, and the other
    clinic's reviews never appear."""
    d1, d2, d3 = T0, T0 + timedelta(days=1), T0 + timedelta(days=2)
    with session_scope(make_engine(db_url)) as s:
        a, b = _clinic(s, "allura"), _clinic(s, "harbour")
        yelp, google = _listing(s, a, "yelp"), _listing(s, a, "google")
        other = _listing(s, b, "yelp")
        run1 = _crawl(s, a, d1, [yelp, google])
        _put(s, yelp, d1, _review("y-first"), run_id=run1)
        _put(s, google, d1, _review("g-first"), run_id=run1)
        b1 = _crawl(s, b, d1, [other])
        _put(s, other, d1, _review("b-first"), run_id=b1)
        run2 = _crawl(s, a, d2, [yelp, google])
        _put(s, yelp, d2, _review("y-first"), _review("y-run2"), run_id=run2)
        _put(s, google, d2, _review("g-first"), _review("g-run2"), run_id=run2)
        b2 = _crawl(s, b, d2, [other])
        _put(s, other, d2, _review("b-first"), _review("b-run2"), run_id=b2)
        run3 = _crawl(s, a, d3, [google])
        _put(s, google, d3, _review("g-first"), _review("g-run2"), _review("g-run3"), run_id=run3)
    engine, s = _read(db_url)
    with s:
        assert sorted(_keys(s, a, ReviewFilter(new_in_latest_crawl=True))) == ["g-run3", "y-run2"]
        assert sorted(_keys(s, a, ReviewFilter(new_in_runs=(run2,)))) == ["g-run2", "y-run2"]
        assert _keys(s, a, ReviewFilter(new_in_runs=(run3,))) == ["g-run3"]
        assert _keys(s, a, ReviewFilter(new_in_runs=(run1,))) == []
        assert _keys(s, a, ReviewFilter(new_in_runs=(b2,))) == []
        assert _keys(s, b, ReviewFilter(new_in_latest_crawl=True)) == ["b-run2"]
    engine.dispose()


def test_review_page_is_newest_first_then_latest_first_seen_then_highest_id(db_url):
    """Published date descending (undated last); on a tie, the later first sighting first;
    on a tie of both, the higher id first."""
    with session_scope(make_engine(db_url)) as s:
        a = _clinic(s, "allura")
        la = _listing(s, a, "yelp")
        _put(s, la, T0, _review("old", published=T0 - timedelta(days=9), precision="day"))
        # Three reviews dated alike, seen together: ids ascending in this order.
        same = T0 - timedelta(days=5)
        _put(s, la, T0, *(_review(k, published=same, precision="day") for k in ("t1", "t2", "t3")))
        # Undated: the one written first (lower id) was first seen later.
        _put(s, la, T0 + timedelta(days=2), _review("undated-seen-late"))
        _put(s, la, T0 + timedelta(days=1), _review("undated-seen-early"))
        _put(s, la, T0, _review("new", published=T0 - timedelta(days=1), precision="day"))
        # The same date and first sighting again, written one by one: ids ascending.
        for k in ("s1", "s2", "s3"):
            _put(s, la, T0, _review(k, published=T0 - timedelta(days=7), precision="day"))
    engine, s = _read(db_url)
    with s:
        assert _keys(s, a, ReviewFilter()) == [
            "new",
            "t3",
            "t2",
            "t1",
            "s3",
            "s2",
            "s1",
            "old",
            "undated-seen-late",
            "undated-seen-early",
        ]
    engine.dispose()


def test_review_page_gives_fifty_by_default_at_least_one_and_the_rest_by_offset(db_url):
    """Without a limit a page holds 50 reviews; a limit below one still gives one; an
    offset skips that many (a negative one none)."""
    with session_scope(make_engine(db_url)) as s:
        a = _clinic(s, "allura")
        la = _listing(s, a, "yelp")
        _put(
            s,
            la,
            T0,
            *(
                _review(f"r{i:02}", published=T0 - timedelta(days=i), precision="day")
                for i in range(52)
            ),
        )
    engine, s = _read(db_url)
    with s:

        def page(**kw) -> list[str]:
            rows = queries.review_page(s, clinic_id=a, flt=ReviewFilter(), **kw)
            return [r.site_review_id for r in rows]

        assert page() == [f"r{i:02}" for i in range(50)]
        assert page(limit=1) == ["r00"]
        assert page(limit=0) == ["r00"]
        assert page(limit=-3) == ["r00"]
        assert page(offset=50) == ["r50", "r51"]
        assert page(offset=-5, limit=2) == ["r00", "r01"]
        assert queries.count_reviews(s, clinic_id=a, flt=ReviewFilter()) == 52
    engine.dispose()


def test_review_sites_are_the_clinics_own_in_alphabetical_order_once_each(db_url):
    """The sites of the clinic's listings, each once, alphabetically; never another
    clinic's."""
    with session_scope(make_engine(db_url)) as s:
        a, b = _clinic(s, "allura"), _clinic(s, "harbour")
        for n, site in enumerate(("yelp", "healthgrades", "yelp", "google", "healthgrades")):
            _listing(s, a, site, n)
        _listing(s, b, "ratemds")
        _listing(s, b, "facebook")
    engine, s = _read(db_url)
    with s:
        assert queries.review_sites(s, clinic_id=a) == ["google", "healthgrades", "yelp"]
        assert queries.review_sites(s, clinic_id=b) == ["facebook", "ratemds"]
    engine.dispose()


def test_review_detail_lists_versions_oldest_first_then_by_id(db_url):
    """One review's earlier content, oldest (valid_from) first whatever order it was
    written in, and in id order among versions valid from the same instant; another
    clinic asking for it gets nothing."""
    with session_scope(make_engine(db_url)) as s:
        a, b = _clinic(s, "allura"), _clinic(s, "harbour")
        la = _listing(s, a, "yelp")
        (rid,) = _put(s, la, T0, _review("r", text="Now."))

        def version(text: str, valid_from: datetime, id_: int) -> dict:
            return {
                "id": id_,
                "review_id": rid,
                "text": text,
                "rating": 3.0,
                "valid_from": valid_from,
                "valid_to": T0,
                "content_hash": f"h-{text}",
            }

        # Written newest first, and the tied ones with ids descending.
        crud.insert_rows(
            s,
            ReviewVersion,
            [
                version("latest", T0 - timedelta(days=1), 900),
                version("tied-c", T0 - timedelta(days=5), 800),
                version("tied-b", T0 - timedelta(days=5), 700),
                version("tied-a", T0 - timedelta(days=5), 600),
                version("oldest", T0 - timedelta(days=9), 950),
            ],
        )
    engine, s = _read(db_url)
    with s:
        detail = queries.review_detail(s, clinic_id=a, review_id=rid)
        assert detail.review.id == rid and detail.review.text == "Now."
        assert [v.text for v in detail.versions] == [
            "oldest",
            "tied-a",
            "tied-b",
            "tied-c",
            "latest",
        ]
        assert queries.review_detail(s, clinic_id=b, review_id=rid) is None
        assert queries.review_detail(s, clinic_id=a, review_id=rid + 1000) is None
    engine.dispose()


def test_reviews_of_runs_are_those_first_seen_or_seen_edited_in_them_in_id_order(db_url):
    """The digest's reviews for some runs: the ones first seen in them, and the ones last
    seen in them with an edit; not one seen unchanged in them, not one edited but last
    seen in another run, and not other runs' new ones.  In id order."""
    d1, d2, d3 = T0, T0 + timedelta(days=1), T0 + timedelta(days=2)
    with session_scope(make_engine(db_url)) as s:
        a = _clinic(s, "allura")
        yelp, google = _listing(s, a, "yelp"), _listing(s, a, "google")
        run1 = _crawl(s, a, d1, [yelp, google])
        _put(
            s,
            yelp,
            d1,
            _review("edited-in-2"),
            _review("unchanged"),
            _review("edited-in-3"),
            run_id=run1,
        )
        run2 = _crawl(s, a, d2, [yelp, google])
        _put(s, google, d2, _review("new-in-2"), run_id=run2)
        _put(
            s,
            yelp,
            d2,
            _review("edited-in-2", text="Changed in run 2."),
            _review("unchanged"),
            _review("edited-in-3"),
            run_id=run2,
        )
        run3 = _crawl(s, a, d3, [yelp])
        _put(s, yelp, d3, _review("edited-in-3", rating=1), run_id=run3)
    engine, s = _read(db_url)
    with s:

        def keys(*run_ids: int) -> list[str]:
            rows = queries.reviews_of_runs(s, run_ids=list(run_ids))
            assert [r.id for r in rows] == sorted(r.id for r in rows)
            return [r.site_review_id for r in rows]

        assert keys(run2) == ["edited-in-2", "new-in-2"]
        assert keys(run3) == ["edited-in-3"]
        assert keys(run1) == ["edited-in-2", "unchanged", "edited-in-3"]
        assert keys(run1, run2) == ["edited-in-2", "unchanged", "edited-in-3", "new-in-2"]
        assert keys() == []
        (edited,) = [r for r in queries.reviews_of_runs(s, run_ids=[run2]) if r.edited_at]
        assert (edited.text, edited.edited_at, edited.first_seen_at) == (
            "Changed in run 2.",
            d2,
            d1,
        )
    engine.dispose()


def test_the_rating_trend_groups_by_calendar_month_on_each_backend(db_url):
    """Months are "YYYY-MM" on SQLite and PostgreSQL alike: by the published date, else the
    first sighting."""
    with session_scope(make_engine(db_url)) as s:
        a = _clinic(s, "allura")
        la = _listing(s, a, "yelp")
        jan, feb = datetime(2026, 1, 15, tzinfo=UTC), datetime(2026, 2, 3, tzinfo=UTC)
        _put(
            s,
            la,
            datetime(2026, 3, 20, 12, 0, tzinfo=UTC),
            _review("j1", rating=4, published=jan, precision="day"),
            _review("j2", rating=2, published=jan, precision="day"),
            _review("f1", rating=5, published=feb, precision="day"),
            _review("undated", rating=1),
        )
    engine, s = _read(db_url)
    with s:
        points = queries.rating_over_time(s, clinic_id=a)
    engine.dispose()
    assert [(p.site, p.month, p.average, p.reviews) for p in points] == [
        ("yelp", "2026-01", 3.0, 2),
        ("yelp", "2026-02", 5.0, 1),
        ("yelp", "2026-03", 1.0, 1),
    ]


def test_the_removed_filter_and_the_owner_response_filter_each_split_the_reviews(db_url):
    """Removed: only the reviews a full sweep no longer found, or only the shown ones.  Owner
    response: an empty response is no response (a site that shows an empty reply box)."""
    with session_scope(make_engine(db_url)) as s:
        mine = _clinic(s, "north")
        listing = _listing(s, mine, "yelp")
        first = _crawl(s, mine, T0, [listing])
        _put(
            s,
            listing,
            T0,
            _review("kept", owner_response="Thank you."),
            _review("empty", owner_response=""),
            _review("none"),
            _review("gone", owner_response="Thanks."),
            run_id=first,
        )
        second = _crawl(s, mine, T0 + timedelta(days=1), [listing])
        _put(
            s,
            listing,
            T0 + timedelta(days=1),
            _review("kept", owner_response="Thank you."),
            _review("empty", owner_response=""),
            _review("none"),
            run_id=second,
        )
        assert crud.mark_removed(s, listing_id=listing, run_id=second, seen_at=T0) == 1
    engine, s = _read(db_url)
    with s:
        assert _keys(s, mine, ReviewFilter(removed=True)) == ["gone"]
        assert sorted(_keys(s, mine, ReviewFilter(removed=False))) == ["empty", "kept", "none"]
        assert sorted(_keys(s, mine, ReviewFilter(has_owner_response=True))) == ["gone", "kept"]
        assert sorted(_keys(s, mine, ReviewFilter(has_owner_response=False))) == ["empty", "none"]
    engine.dispose()
