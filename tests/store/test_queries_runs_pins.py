"""store/queries/runs.py's reads of runs, problems, checks, source health and notifications,
pinned on each backend with two clinics in one store (clinic A's reads never return clinic
B's rows) and fixed dates: which runs and problems a clinic sees (its own and those tied to
no clinic), newest first with the id breaking ties, and the default limit; each listing's own
latest check in source health, what makes a source stale or failing, and which listings are
sources; a run's checks; the baseline run the after-crawl checks compare with; and when a
notification of a kind last went out."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from store import crud, queries, runs
from store.db import session_scope
from store.models import CrawlProblem, CrawlRun, ListingStatus, RunStatus

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


@dataclass
class Two:
    a: int
    b: int


def _clinics(session: Session) -> Two:
    return Two(
        a=crud.ensure_clinic(session, key="clinic-a", name="Clinic A"),
        b=crud.ensure_clinic(session, key="clinic-b", name="Clinic B"),
    )


def _run(
    session: Session,
    *,
    clinic_id: int | None,
    spider: str = "yelp",
    at: datetime = T0,
    status: RunStatus | None = None,
    full_sweep: bool = True,
) -> int:
    """A run started at ``at`` (and finished with ``status``, if given); its id."""
    run_id = runs.start_run(session, clinic_id=clinic_id, spider=spider, full_sweep=full_sweep)
    if status is not None:
        runs.finish_run(session, run_id=run_id, status=status)
    session.get(CrawlRun, run_id).started_at = at
    session.flush()
    return run_id


# -- runs ---------------------------------------------------------------------------------
def test_runs_are_the_clinics_and_the_unattached_newest_started_first_ties_by_id(engine):
    """Clinic B's runs never show; a run tied to no clinic shows for every clinic; the order
    is the start time, newest first (not the id), and among runs started at the same instant
    the later id first; ``limit`` keeps the newest."""
    with session_scope(engine) as s:
        two = _clinics(s)
        late = _run(s, clinic_id=two.a, at=T0 + timedelta(days=3))
        early = _run(s, clinic_id=two.a, at=T0)
        tie_1 = _run(s, clinic_id=two.a, at=T0 + timedelta(days=1))
        tie_2 = _run(s, clinic_id=two.a, at=T0 + timedelta(days=1))
        unattached = _run(s, clinic_id=None, at=T0 + timedelta(days=2))
        other = _run(s, clinic_id=two.b, at=T0 + timedelta(days=4))
    with Session(engine) as s:
        got = queries.runs(s, clinic_id=two.a)
        assert [r.id for r in got] == [late, unattached, tie_2, tie_1, early]
        assert [(r.clinic_id, r.spider, r.started_at) for r in got[:2]] == [
            (two.a, "yelp", T0 + timedelta(days=3)),
            (None, "yelp", T0 + timedelta(days=2)),
        ]
        assert [r.id for r in queries.runs(s, clinic_id=two.a, limit=3)] == [
            late,
            unattached,
            tie_2,
        ]
        assert [r.id for r in queries.runs(s, clinic_id=two.b)] == [other, unattached]


def test_runs_default_to_the_newest_200(engine):
    with session_scope(engine) as s:
        two = _clinics(s)
        s.add_all(
            CrawlRun(clinic_id=two.a, spider="yelp", started_at=T0 + timedelta(minutes=i))
            for i in range(201)
        )
    with Session(engine) as s:
        got = queries.runs(s, clinic_id=two.a)
    assert len(got) == 200
    assert got[0].started_at == T0 + timedelta(minutes=200)
    assert got[-1].started_at == T0 + timedelta(minutes=1)


# -- problems -----------------------------------------------------------------------------
def _problem(session: Session, *, run_id: int, at: datetime, kind: str, listing_id=None) -> None:
    session.add(CrawlProblem(run_id=run_id, listing_id=listing_id, kind=kind, message=kind, at=at))


def test_problems_are_the_clinics_and_the_unattached_newest_first_with_their_site(engine):
    """Clinic B's problems never show; a problem of a run tied to no clinic does; the order
    is the time recorded, newest first (not the id), ties by the later id; each problem
    carries its listing's site (None without a listing)."""
    with session_scope(engine) as s:
        two = _clinics(s)
        yelp = crud.ensure_listing(s, clinic_id=two.a, site="yelp", url="https://yelp.example/a")
        google = crud.ensure_listing(
            s, clinic_id=two.a, site="google", url="https://google.example/a"
        )
        b_yelp = crud.ensure_listing(s, clinic_id=two.b, site="yelp", url="https://yelp.example/b")
        run_a = _run(s, clinic_id=two.a)
        run_b = _run(s, clinic_id=two.b)
        shared = _run(s, clinic_id=None, spider="robots")
        _problem(s, run_id=run_a, at=T0 + timedelta(hours=5), kind="late", listing_id=yelp)
        _problem(s, run_id=run_a, at=T0, kind="early", listing_id=google)
        _problem(s, run_id=run_a, at=T0 + timedelta(hours=1), kind="tie_1")
        _problem(s, run_id=run_a, at=T0 + timedelta(hours=1), kind="tie_2", listing_id=google)
        _problem(s, run_id=shared, at=T0 + timedelta(hours=2), kind="dns")
        _problem(s, run_id=run_b, at=T0 + timedelta(hours=9), kind="b_only", listing_id=b_yelp)
    with Session(engine) as s:
        got = queries.problems(s, clinic_id=two.a)
        newest = queries.problems(s, clinic_id=two.a, limit=2)
        of_b = queries.problems(s, clinic_id=two.b)
    assert [(p.kind, p.site) for p in got] == [
        ("late", "yelp"),
        ("dns", None),
        ("tie_2", "google"),
        ("tie_1", None),
        ("early", "google"),
    ]
    assert [(p.run_id, p.listing_id, p.at) for p in got[:2]] == [
        (run_a, yelp, T0 + timedelta(hours=5)),
        (shared, None, T0 + timedelta(hours=2)),
    ]
    assert [p.kind for p in newest] == ["late", "dns"]
    assert [(p.kind, p.site) for p in of_b] == [("b_only", "yelp"), ("dns", None)]


def test_problems_default_to_the_newest_200(engine):
    with session_scope(engine) as s:
        two = _clinics(s)
        run_a = _run(s, clinic_id=two.a)
        s.add_all(
            CrawlProblem(run_id=run_a, kind="error", message="x", at=T0 + timedelta(minutes=i))
            for i in range(201)
        )
    with Session(engine) as s:
        got = queries.problems(s, clinic_id=two.a)
    assert len(got) == 200
    assert got[0].at == T0 + timedelta(minutes=200)
    assert got[-1].at == T0 + timedelta(minutes=1)


# -- source health ------------------------------------------------------------------------
def test_source_health_is_each_active_listings_own_latest_check_in_site_order(engine):
    """Only the clinic's enabled configured or confirmed listings (not a disabled one, not
    another clinic's, and not a discovered or dismissed one even if marked enabled), by site
    then id (not by id alone, nor by the order the rows were last written); each with its
    own latest check (status, message, shortfall) beside its own times and last status; a
    clinic with a single listing sees that listing's check."""
    with session_scope(engine) as s:
        two = _clinics(s)
        yelp_2 = crud.ensure_listing(s, clinic_id=two.a, site="yelp", url="https://y.example/2")
        google = crud.ensure_listing(s, clinic_id=two.a, site="google", url="https://g.example/")
        yelp_1 = crud.ensure_listing(s, clinic_id=two.a, site="yelp", url="https://y.example/1")
        confirmed = crud.record_discovered(
            s, clinic_id=two.a, site="zocdoc", url="https://z.example/"
        )
        crud.decide_listing(s, clinic_id=two.a, listing_id=confirmed, decision="confirmed")
        discovered = crud.record_discovered(
            s, clinic_id=two.a, site="bing", url="https://b.example/"
        )
        crud.update_listing(s, discovered, enabled=True)
        dismissed = crud.record_discovered(
            s, clinic_id=two.a, site="apple", url="https://a.example/"
        )
        crud.decide_listing(s, clinic_id=two.a, listing_id=dismissed, decision="dismissed")
        crud.update_listing(s, dismissed, enabled=True)
        crud.ensure_listing(
            s, clinic_id=two.a, site="facebook", url="https://f.example/", enabled=False
        )
        b_only = crud.ensure_listing(s, clinic_id=two.b, site="yelp", url="https://y.example/b")

        first = _run(s, clinic_id=two.a)
        second = _run(s, clinic_id=two.a)
        run_b = _run(s, clinic_id=two.b)
        # yelp_2: read, then blocked (its latest); google: read once with a shortfall;
        # yelp_1: partial; the confirmed listing: never checked.
        runs.record_check(s, run_id=first, listing_id=yelp_2, status="ok", shortfall=1)
        runs.record_check(s, run_id=first, listing_id=google, status="ok", shortfall=4)
        runs.record_check(s, run_id=second, listing_id=yelp_1, status="partial", message="no hours")
        runs.record_check(
            s, run_id=second, listing_id=yelp_2, status="blocked", message="CAPTCHA page"
        )
        runs.record_check(s, run_id=run_b, listing_id=b_only, status="error", message="B's")
        # yelp_1 (the later id) is written before yelp_2: PostgreSQL then keeps it first.
        crud.close_listing(
            s, listing_id=yelp_1, status=ListingStatus.PARTIAL, at=T0 + timedelta(days=1)
        )
        crud.close_listing(s, listing_id=yelp_2, status=ListingStatus.OK, at=T0)
        crud.close_listing(
            s, listing_id=yelp_2, status=ListingStatus.BLOCKED, at=T0 + timedelta(days=1)
        )
        crud.close_listing(s, listing_id=google, status=ListingStatus.OK, at=T0)
        crud.close_listing(
            s, listing_id=b_only, status=ListingStatus.ERROR, at=T0 + timedelta(days=2)
        )
    with Session(engine) as s:
        rows = queries.source_health(s, clinic_id=two.a, stale_before=T0 + timedelta(hours=1))
        of_b = queries.source_health(s, clinic_id=two.b, stale_before=T0)
    day = T0 + timedelta(days=1)
    assert [
        (
            h.listing_id,
            h.site,
            h.url,
            h.last_success_at,
            h.last_crawled_at,
            h.last_status,
            h.last_check_status,
            h.last_check_message,
            h.shortfall,
            h.stale,
            h.failing,
        )
        for h in rows
    ] == [
        (google, "google", "https://g.example/", T0, T0, "ok", "ok", None, 4, True, False),
        (yelp_2, "yelp", "https://y.example/2", T0, day, "blocked", "blocked", "CAPTCHA page")
        + (None, True, True),
        (yelp_1, "yelp", "https://y.example/1", day, day, "partial", "partial", "no hours")
        + (None, False, True),
        (confirmed, "zocdoc", "https://z.example/", None, None, None, None, None, None)
        + (True, False),
    ]
    assert [(h.listing_id, h.last_check_status, h.last_check_message) for h in of_b] == [
        (b_only, "error", "B's")
    ]


def test_source_health_judges_the_latest_check_before_the_listings_own_status(engine):
    """Failing and dormant go by the latest check's status when there is one, else by the
    listing's last status; a dormant source (not set up, unavailable) is neither stale nor
    failing; a source last read exactly at ``stale_before`` is not stale yet."""
    stale_before = T0 + timedelta(days=1)
    with session_scope(engine) as s:
        two = _clinics(s)

        def listing(site: str) -> int:
            return crud.ensure_listing(s, clinic_id=two.a, site=site, url=f"https://{site}.x/")

        checked_blocked = listing("a_checked_blocked")  # listing says ok, its check blocked
        checked_dormant = listing("b_checked_dormant")  # listing says error, check not set up
        unchecked_blocked = listing("c_unchecked_blocked")  # no check; listing blocked
        unchecked_dormant = listing("d_unchecked_dormant")  # no check; listing unavailable
        on_the_line = listing("e_on_the_line")  # read exactly at stale_before
        run_a = _run(s, clinic_id=two.a)
        runs.record_check(s, run_id=run_a, listing_id=checked_blocked, status="blocked")
        runs.record_check(s, run_id=run_a, listing_id=checked_dormant, status="not_set_up")
        crud.close_listing(s, listing_id=checked_blocked, status=ListingStatus.OK, at=T0)
        crud.close_listing(s, listing_id=checked_dormant, status=ListingStatus.ERROR, at=T0)
        crud.close_listing(s, listing_id=unchecked_blocked, status=ListingStatus.BLOCKED, at=T0)
        crud.close_listing(s, listing_id=unchecked_dormant, status=ListingStatus.UNAVAILABLE, at=T0)
        crud.close_listing(s, listing_id=on_the_line, status=ListingStatus.OK, at=stale_before)
    with Session(engine) as s:
        rows = queries.source_health(s, clinic_id=two.a, stale_before=stale_before)
    assert [
        (h.listing_id, h.last_status, h.last_check_status, h.stale, h.failing) for h in rows
    ] == [
        (checked_blocked, "ok", "blocked", True, True),
        (checked_dormant, "error", "not_set_up", False, False),
        (unchecked_blocked, "blocked", None, True, True),
        (unchecked_dormant, "unavailable", None, False, False),
        (on_the_line, "ok", None, False, False),
    ]


# -- checks_of_run ------------------------------------------------------------------------
def test_checks_of_run_are_that_runs_only_by_listing(engine):
    with session_scope(engine) as s:
        two = _clinics(s)
        yelp = crud.ensure_listing(s, clinic_id=two.a, site="yelp", url="https://y.example/")
        google = crud.ensure_listing(s, clinic_id=two.a, site="google", url="https://g.example/")
        first = _run(s, clinic_id=two.a)
        second = _run(s, clinic_id=two.a)
        runs.record_check(s, run_id=first, listing_id=yelp, status="ok", reviews_seen=3)
        runs.record_check(s, run_id=first, listing_id=google, status="blocked")
        runs.record_check(s, run_id=second, listing_id=yelp, status="error", reviews_seen=0)
    with Session(engine) as s:
        got = queries.checks_of_run(s, run_id=first)
        assert {k: (c.run_id, c.status, c.reviews_seen) for k, c in got.items()} == {
            yelp: (first, "ok", 3),
            google: (first, "blocked", 0),
        }
        assert {k: c.status for k, c in queries.checks_of_run(s, run_id=second).items()} == {
            yelp: "error"
        }
        assert queries.checks_of_run(s, run_id=second + 1) == {}


# -- last_good_run ------------------------------------------------------------------------
def test_last_good_run_is_the_same_spiders_last_ok_run_of_the_clinic_before_it(engine):
    """Not another clinic's, another spider's, a failed one, the run itself or a later one;
    ``same_sweep`` compares a full sweep with a full sweep and an incremental crawl with an
    incremental one (off by default); None when there is none.  Takes a RunRead or a row."""
    with session_scope(engine) as s:
        two = _clinics(s)
        first = _run(s, clinic_id=two.a, status=RunStatus.OK)
        full_ok = _run(s, clinic_id=two.a, status=RunStatus.OK)
        incremental_ok = _run(s, clinic_id=two.a, status=RunStatus.OK, full_sweep=False)
        _run(s, clinic_id=two.a, spider="google", status=RunStatus.OK)
        _run(s, clinic_id=two.b, status=RunStatus.OK)
        _run(s, clinic_id=two.a, status=RunStatus.FAILED)
        current = _run(s, clinic_id=two.a)
        later_ok = _run(s, clinic_id=two.a, status=RunStatus.OK)
        incremental = _run(s, clinic_id=two.a, full_sweep=False)
    with Session(engine) as s:
        (read,) = queries.runs_by_ids(s, run_ids=[current])

        def baseline(run_id: int, **kw) -> int | None:
            found = queries.last_good_run(s, run=s.get(CrawlRun, run_id), **kw)
            return None if found is None else found.id

        found = queries.last_good_run(s, run=read)
        assert (found.id, found.clinic_id, found.spider, found.status, found.full_sweep) == (
            incremental_ok,
            two.a,
            "yelp",
            "ok",
            False,
        )
        assert baseline(current) == incremental_ok
        assert baseline(current, same_sweep=True) == full_ok
        assert baseline(later_ok) == incremental_ok
        assert baseline(later_ok, same_sweep=True) == full_ok
        assert baseline(incremental, same_sweep=True) == incremental_ok
        assert baseline(incremental) == later_ok
        assert baseline(full_ok) == first
        assert baseline(first) is None
        assert baseline(incremental_ok, same_sweep=True) is None


# -- last_notified ------------------------------------------------------------------------
def test_last_notified_is_the_latest_delivered_one_of_that_kind_for_that_clinic(engine):
    """A failed delivery, another kind and another clinic's notification do not count; a
    notification tied to no clinic counts only for ``clinic_id=None``; None when none."""
    with session_scope(engine) as s:
        two = _clinics(s)

        def sent(clinic_id, kind: str, hours: int, ok: bool = True) -> None:
            crud.record_notification(
                s, kind=kind, title=kind, ok=ok, clinic_id=clinic_id, at=T0 + timedelta(hours=hours)
            )

        sent(two.a, "digest", 1)
        sent(two.a, "digest", 3)
        sent(two.a, "digest", 5, ok=False)
        sent(two.a, "alert", 7)
        sent(two.b, "digest", 9)
        sent(None, "digest", 11)
        sent(None, "digest", 13, ok=False)
        sent(two.b, "alert", 15, ok=False)
    with Session(engine) as s:
        assert queries.last_notified(s, clinic_id=two.a, kind="digest") == T0 + timedelta(hours=3)
        assert queries.last_notified(s, clinic_id=two.a, kind="alert") == T0 + timedelta(hours=7)
        assert queries.last_notified(s, clinic_id=two.b, kind="digest") == T0 + timedelta(hours=9)
        assert queries.last_notified(s, clinic_id=None, kind="digest") == T0 + timedelta(hours=11)
        assert queries.last_notified(s, clinic_id=two.b, kind="alert") is None
        assert queries.last_notified(s, clinic_id=two.a, kind="other") is None


def test_last_notified_of_a_clinic_with_no_notifications_is_none(engine):
    with session_scope(engine) as s:
        two = _clinics(s)
        crud.record_notification(s, kind="digest", title="t", ok=True, clinic_id=two.b, at=T0)
    with Session(engine) as s:
        assert queries.last_notified(s, clinic_id=two.a, kind="digest") is None
