"""store.queries on a real seeded SQLite file, through a read-only engine."""

from datetime import timedelta

import pytest
from sqlmodel import Session

from store import audit, queries
from store.db import make_engine, session_scope
from tests.dashboard.seed import NOW, RUN1_AT, seed


@pytest.fixture
def seeded_session(db_url):
    seeded = seed(db_url)
    engine = make_engine(db_url, read_only=True)
    with Session(engine) as session:
        yield seeded, session
    engine.dispose()


def test_site_summaries(seeded_session):
    seeded, s = seeded_session
    rows = {
        r.site: r
        for r in queries.site_summaries(
            s, clinic_id=seeded.clinic_id, since=NOW - timedelta(days=1)
        )
    }
    assert set(rows) == {"google", "healthgrades", "yelp"}
    yelp = rows["yelp"]
    assert (yelp.reviews_held, yelp.removed, yelp.new_last_crawl, yelp.new_since) == (3, 1, 1, 1)
    assert yelp.average_held == pytest.approx((5 + 1 + 1) / 3, abs=0.01)
    assert (yelp.rating, yelp.stated_reviews) == (4.0, 4)
    assert rows["healthgrades"].last_success_at == RUN1_AT


def test_a_first_crawl_finds_no_new_reviews_and_new_never_exceeds_held(seeded_session, db_url):
    seeded, s = seeded_session
    since = NOW - timedelta(days=400)
    rows = {r.site: r for r in queries.site_summaries(s, clinic_id=seeded.clinic_id, since=since)}
    # google and healthgrades were crawled once: what that crawl found was already there.
    assert (rows["google"].new_since, rows["google"].new_last_crawl) == (0, 0)
    assert (rows["healthgrades"].new_since, rows["healthgrades"].new_last_crawl) == (0, 0)
    # yelp: y4 came with the second crawl (y3, removed, is not held and not counted).
    assert (rows["yelp"].new_since, rows["yelp"].new_last_crawl) == (1, 1)
    for row in rows.values():
        assert row.new_since <= row.reviews_held and row.new_last_crawl <= row.reviews_held
    new = queries.ReviewFilter(new_since=since)
    assert [r.id for r in queries.review_page(s, clinic_id=seeded.clinic_id, flt=new)] == [
        seeded.reviews["y4"]
    ]


def test_review_filters_count_and_page_agree(seeded_session):
    seeded, s = seeded_session
    for flt, n in [
        (queries.ReviewFilter(), 6),
        (queries.ReviewFilter(sites=("yelp",), removed=False), 3),
        (queries.ReviewFilter(max_rating=2), 2),
        (queries.ReviewFilter(has_owner_response=False), 5),
        (queries.ReviewFilter(edited=False), 5),
        (queries.ReviewFilter(first_seen_since=NOW - timedelta(days=1)), 1),
    ]:
        assert queries.count_reviews(s, clinic_id=seeded.clinic_id, flt=flt) == n
        assert len(queries.review_page(s, clinic_id=seeded.clinic_id, flt=flt, limit=50)) == n
    page = queries.review_page(
        s, clinic_id=seeded.clinic_id, flt=queries.ReviewFilter(), offset=2, limit=2
    )
    assert len(page) == 2


def test_review_detail_stays_within_the_clinic(seeded_session, db_url):
    seeded, s = seeded_session
    detail = queries.review_detail(s, clinic_id=seeded.clinic_id, review_id=seeded.reviews["y2"])
    assert [v.text for v in detail.versions] == ["Original text before the edit."]
    assert (
        queries.review_detail(s, clinic_id=seeded.clinic_id + 1, review_id=seeded.reviews["y2"])
        is None
    )


def test_audit_log_includes_entries_tied_to_no_clinic(seeded_session, db_url):
    seeded, s = seeded_session
    engine = make_engine(db_url)
    with session_scope(engine) as w:
        audit.append(
            w, action_id="review_request", rule_set="bcacc", rule_version="1", origin="cli"
        )
    engine.dispose()
    actions = [a.action_id for a in queries.audit_log(s, clinic_id=seeded.clinic_id)]
    assert actions == ["review_request", "reply_to_review"]


def test_source_health_and_history(seeded_session):
    seeded, s = seeded_session
    health = {
        h.site: h
        for h in queries.source_health(
            s, clinic_id=seeded.clinic_id, stale_before=NOW - timedelta(days=2)
        )
    }
    assert (health["yelp"].stale, health["yelp"].failing) == (False, False)
    assert (health["healthgrades"].stale, health["healthgrades"].failing) == (True, True)
    assert (health["google"].stale, health["google"].failing) == (True, False)
    # Each listing's latest check, its own: healthgrades was read in run 1, blocked in run 2.
    latest = {site: (h.last_check_status, h.last_check_message) for site, h in health.items()}
    assert latest == {
        "yelp": ("ok", None),
        "healthgrades": ("blocked", "CAPTCHA page"),
        "google": ("ok", None),
    }
    history = queries.listing_history(s, listing_id=seeded.listings["yelp"])
    assert [h.phone for h in history] == ["(604) 555-0111", "(604) 555-0100"]
    points = queries.rating_over_time(s, clinic_id=seeded.clinic_id)
    assert {p.site for p in points} == {"yelp", "healthgrades", "google"}
    assert sum(p.reviews for p in points) == 6


def _without(rows, *fields: str) -> list[dict]:
    """Rows as dicts without the fields stamped with the time of seeding."""
    return [r.model_dump(exclude=set(fields)) for r in rows]


def _every_query(session: Session, seeded) -> dict:
    """Every read the dashboard makes, on the seeded store."""
    cid = seeded.clinic_id
    filters = [
        queries.ReviewFilter(),
        queries.ReviewFilter(sites=("yelp",), removed=False),
        queries.ReviewFilter(min_rating=1.5, max_rating=4.5),
        queries.ReviewFilter(published_from=NOW - timedelta(days=52), published_to=NOW),
        queries.ReviewFilter(new_in_latest_crawl=True),
        queries.ReviewFilter(edited=True, has_owner_response=False),
        queries.ReviewFilter(has_owner_response=True),
    ]
    return {
        "clinics": queries.clinics(session),
        "site_summaries": queries.site_summaries(
            session, clinic_id=cid, since=NOW - timedelta(days=30)
        ),
        "rating_over_time": queries.rating_over_time(session, clinic_id=cid),
        "listings": _without(queries.listings(session, clinic_id=cid), "created_at"),
        "history": queries.listing_history(session, listing_id=seeded.listings["yelp"]),
        "counts": [queries.count_reviews(session, clinic_id=cid, flt=f) for f in filters],
        "pages": [
            [r.id for r in queries.review_page(session, clinic_id=cid, flt=f)] for f in filters
        ],
        "sites": queries.review_sites(session, clinic_id=cid),
        "detail": queries.review_detail(session, clinic_id=cid, review_id=seeded.reviews["y2"]),
        "findings": _without(
            queries.findings(session, clinic_id=cid), "first_seen_at", "last_seen_at"
        ),
        "audit": [
            (a.action_id, a.origin, a.target) for a in queries.audit_log(session, clinic_id=cid)
        ],
        "runs": queries.runs(session, clinic_id=cid),
        "problems": _without(queries.problems(session, clinic_id=cid), "at"),
        "health": queries.source_health(
            session, clinic_id=cid, stale_before=NOW - timedelta(days=2)
        ),
    }


def test_every_query_answers_as_on_a_reference_sqlite_file(seeded_session, tmp_path):
    """Each backend (SQLite, PostgreSQL) gives the answers a fresh SQLite file gives."""
    from tests.conftest import migrate

    seeded, s = seeded_session
    reference_url = f"sqlite:///{tmp_path / 'reference.db'}"
    migrate(reference_url)
    reference_seed = seed(reference_url)
    engine = make_engine(reference_url, read_only=True)
    try:
        with Session(engine) as reference_session:
            expected = _every_query(reference_session, reference_seed)
    finally:
        engine.dispose()
    answers = _every_query(s, seeded)
    # New in the latest crawl: y4 only (g1 is what google's first crawl found: not new).
    assert answers["counts"] == [6, 3, 2, 4, 1, 1, 1]
    # Yelp's four rated reviews were published 60, 50, 45 and 1 day(s) before NOW: one point
    # per calendar month they fall in (two or three, depending on today's date).
    yelp_months = {(NOW - timedelta(days=d)).strftime("%Y-%m") for d in (60, 50, 45, 1)}
    assert sorted(p.month for p in answers["rating_over_time"] if p.site == "yelp") == sorted(
        yelp_months
    )
    for name in expected:
        assert answers[name] == expected[name], name


def test_source_health_reads_each_active_listings_own_latest_check(seeded_session):
    """Ordered by site; the times and statuses are each listing's own (from the seed: google
    read in run 1 only, healthgrades read in run 1 and blocked in run 2, yelp read in both);
    the discovered listing is not a source yet."""
    from tests.dashboard.seed import RUN2_AT

    seeded, s = seeded_session
    rows = queries.source_health(s, clinic_id=seeded.clinic_id, stale_before=NOW)
    assert [(h.site, h.listing_id) for h in rows] == [
        ("google", seeded.listings["google"]),
        ("healthgrades", seeded.listings["healthgrades"]),
        ("yelp", seeded.listings["yelp"]),
    ]
    by_site = {h.site: h for h in rows}
    assert by_site["google"].last_success_at == by_site["google"].last_crawled_at == RUN1_AT
    assert by_site["healthgrades"].last_success_at == RUN1_AT
    assert by_site["healthgrades"].last_crawled_at == RUN2_AT
    assert by_site["yelp"].last_success_at == RUN2_AT
    assert [h.last_status for h in rows] == ["ok", "blocked", "ok"]
    assert [h.url for h in rows][2] == "https://www.yelp.example/biz/allura"


def test_problems_are_the_clinics_newest_first_with_their_site_and_a_limit(db_url):
    from store import runs
    from store.models import Listing

    seeded = seed(db_url)
    engine = make_engine(db_url)
    with session_scope(engine) as s:
        run3 = runs.start_run(s, clinic_id=seeded.clinic_id, spider="yelp")
        yelp = s.get(Listing, seeded.listings["yelp"])
        runs.record_problem(s, run_id=run3, kind="http_error", message="a 500", listing_id=yelp.id)
        runs.record_problem(s, run_id=run3, kind="robots", message="robots.txt said no")
        # A run of no clinic in particular (a site-wide check) is every clinic's.
        shared = runs.start_run(s, clinic_id=None, spider="robots")
        runs.record_problem(s, run_id=shared, kind="dns", message="the name did not resolve")
    with Session(make_engine(db_url, read_only=True)) as s:
        every = queries.problems(s, clinic_id=seeded.clinic_id)
        newest = queries.problems(s, clinic_id=seeded.clinic_id, limit=2)
    assert [(p.kind, p.site) for p in every] == [
        ("dns", None),
        ("robots", None),
        ("http_error", "yelp"),
        ("blocked", "healthgrades"),
    ]
    assert [p.kind for p in newest] == ["dns", "robots"]
    assert every[1].run_id == every[2].run_id == run3


def test_a_listing_is_read_only_by_its_own_clinic(seeded_session):
    seeded, s = seeded_session
    yelp = seeded.listings["yelp"]
    found = queries.listing_of_clinic(s, clinic_id=seeded.clinic_id, listing_id=yelp)
    assert (found.id, found.site, found.url) == (
        yelp,
        "yelp",
        "https://www.yelp.example/biz/allura",
    )
    assert queries.listing_of_clinic(s, clinic_id=seeded.clinic_id + 1, listing_id=yelp) is None
    assert queries.listing_of_clinic(s, clinic_id=seeded.clinic_id, listing_id=9999) is None


def test_findings_newest_seen_first_and_by_kind(db_url):
    """A finding seen again moves to the top (newest by when it was last seen, not by when
    it was first recorded); ``kinds`` keeps those kinds only."""
    from datetime import UTC, datetime

    from store import crud

    seeded = seed(db_url)
    with session_scope(make_engine(db_url)) as s:
        crud.record_finding(  # the owner response (recorded first) is seen again, later
            s,
            clinic_id=seeded.clinic_id,
            kind="owner_response",
            dedupe_key="resp-y3",
            seen_at=datetime.now(UTC) + timedelta(minutes=5),
            review_id=seeded.reviews["y3"],
            excerpt="Thank you for coming in!",
        )
    with Session(make_engine(db_url, read_only=True)) as s:
        every = [f.kind for f in queries.findings(s, clinic_id=seeded.clinic_id)]
        some = queries.findings(s, clinic_id=seeded.clinic_id, kinds=["disclosure", "solicitation"])
        runs = queries.runs(s, clinic_id=seeded.clinic_id)
        newest_run = queries.runs(s, clinic_id=seeded.clinic_id, limit=1)
    assert every == ["owner_response", "disclosure", "solicitation"]
    assert [f.kind for f in some] == ["disclosure", "solicitation"]
    assert [r.id for r in runs] == [seeded.runs["latest"], seeded.runs["first"]]
    assert [r.id for r in newest_run] == [seeded.runs["latest"]]


def test_review_filters_bounds_are_inclusive_and_a_timed_review_is_filtered_by_its_instant(
    db_url,
):
    """Rating bounds include the bound.  A review dated to the second is in a date range by
    its instant; one dated to the day by the day it states (the Reviews page's filter in the
    clinic's time zone: Vancouver's 20 November begins at 08:00 UTC)."""
    from datetime import UTC, date, datetime

    from store import crud
    from store.queries import ReviewFilter

    seeded = seed(db_url)
    late_evening = datetime(2026, 11, 20, 7, 30, tzinfo=UTC)  # 19 Nov, 23:30 in Vancouver
    with session_scope(make_engine(db_url)) as s:
        for rid, precision in (("t-second", "second"), ("t-day", "day")):
            crud.upsert_reviews(
                s,
                listing_id=seeded.listings["google"],
                seen_at=NOW,
                reviews=[
                    {
                        "site_review_id": rid,
                        "author": "A. Reviewer",
                        "rating": 4,
                        "published_at": late_evening,
                        "published_precision": precision,
                        "text": "Fine.",
                    }
                ],
            )
    vancouver_day = ReviewFilter(
        published_from=datetime(2026, 11, 20, 8, 0, tzinfo=UTC),
        published_to=datetime(2026, 11, 21, 8, 0, tzinfo=UTC),
        published_from_day=date(2026, 11, 20),
        published_to_day=date(2026, 11, 21),
    )
    with Session(make_engine(db_url, read_only=True)) as s:
        page = queries.review_page(s, clinic_id=seeded.clinic_id, flt=vancouver_day)
        threes = queries.review_page(
            s, clinic_id=seeded.clinic_id, flt=ReviewFilter(min_rating=3, max_rating=3)
        )
    assert [r.author for r in threes] == ["Pat Lee"]
    # The day-precise one states 20 November; the timed one was the evening of the 19th.
    assert [(r.site_review_id, r.published_precision) for r in page] == [("t-day", "day")]


def test_a_finding_carries_its_latest_case_step_and_the_case_log_runs_in_order(db_url):
    from datetime import UTC, datetime

    from store import crud

    seeded = seed(db_url)
    early = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
    with session_scope(make_engine(db_url)) as s:
        (finding,) = [
            f for f in queries.findings(s, clinic_id=seeded.clinic_id) if f.kind == "disclosure"
        ]
        crud.append_case_entry(
            s, finding_id=finding.id, status="acknowledged", user="ana", at=early
        )
        crud.append_case_entry(
            s,
            finding_id=finding.id,
            status="reported",
            user="ben",
            note="Reported through the site's form.",
            at=early + timedelta(hours=2),
        )
    with Session(make_engine(db_url, read_only=True)) as s:
        (read,) = queries.findings(s, clinic_id=seeded.clinic_id, kinds=["disclosure"])
        log = queries.case_log(s, clinic_id=seeded.clinic_id, finding_ids=[finding.id])
    assert (read.case_status, read.case_at, read.case_user) == (
        "reported",
        early + timedelta(hours=2),
        "ben",
    )
    assert [(e.status, e.user) for e in log] == [("acknowledged", "ana"), ("reported", "ben")]


def test_the_audit_log_of_a_clinic_is_newest_first_with_the_unattached_and_a_limit(db_url):
    """A clinic's audit log: its own entries and those tied to no clinic (a `check-text`
    from the command line), never another clinic's; newest first; at most ``limit``."""
    from store import crud

    seeded = seed(db_url)
    with session_scope(make_engine(db_url)) as s:
        other = crud.ensure_clinic(s, key="harbourview", name="Harbourview Counselling")
        for action, clinic in (
            ("review_request", None),
            ("reply_to_review", other),
            ("testimonial_request", seeded.clinic_id),
        ):
            audit.append(
                s,
                action_id=action,
                rule_set="bcacc",
                rule_version="1.0.0",
                origin="cli",
                clinic_id=clinic,
            )
    with Session(make_engine(db_url, read_only=True)) as s:
        ours = queries.audit_log(s, clinic_id=seeded.clinic_id)
        newest = queries.audit_log(s, clinic_id=seeded.clinic_id, limit=1)
    assert [(a.action_id, a.clinic_id) for a in ours] == [
        ("testimonial_request", seeded.clinic_id),
        ("review_request", None),
        ("reply_to_review", seeded.clinic_id),  # the seed's
    ]
    assert [a.action_id for a in newest] == ["testimonial_request"]


def test_new_review_filters_keep_their_runs_listing_and_an_undated_review_by_first_seen(db_url):
    """After a third crawl of Yelp finds one more review (with no date on it): "new in
    run 2" is still the seed's one new review, "new in the latest crawl" is the third
    crawl's, and a date range takes the undated review by when it was first seen."""
    from store import crud, runs
    from store.queries import ReviewFilter

    seeded = seed(db_url)
    yelp = seeded.listings["yelp"]
    with session_scope(make_engine(db_url)) as s:
        run3 = runs.start_run(s, clinic_id=seeded.clinic_id, spider="schema_org")
        crud.upsert_reviews(
            s,
            listing_id=yelp,
            seen_at=NOW,
            run_id=run3,
            reviews=[{"site_review_id": "y5", "author": "Undated", "rating": 4, "text": "Ok."}],
        )
        runs.record_check(s, run_id=run3, listing_id=yelp, status="ok", checked_at=NOW)

    def keys(flt):
        with Session(make_engine(db_url, read_only=True)) as s:
            return sorted(
                r.site_review_id
                for r in queries.review_page(s, clinic_id=seeded.clinic_id, flt=flt)
            )

    assert keys(ReviewFilter(new_in_runs=(seeded.runs["latest"],))) == ["y4"]
    assert keys(ReviewFilter(new_in_runs=(run3,))) == ["y5"]
    assert keys(ReviewFilter(new_in_latest_crawl=True)) == ["y5"]
    last_day = ReviewFilter(published_from=NOW - timedelta(hours=12))
    assert keys(last_day) == ["y5"]  # y4 was published a day before; y5 has no date
    assert "y5" not in keys(ReviewFilter(published_to=NOW - timedelta(hours=12)))
