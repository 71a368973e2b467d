"""The run reads the monitor, ``quietwatch check`` and the notifier stand on, in process, on
each backend: ``runs_by_ids``, ``runs_since``, ``runs_to_check``, ``problems_of_runs`` and
``site_counts_of_runs``.  Each store holds two clinics, so a clinic's read never takes the
other's runs, and fixed dates, so nothing depends on today's date."""

from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from store import crud, queries, runs
from store.db import make_engine, session_scope
from store.models import CrawlRun, RunStatus

T0 = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)


def _clinics(s: Session) -> tuple[int, int]:
    allura = crud.ensure_clinic(s, key="allura", name="Allura Counselling")
    harbour = crud.ensure_clinic(s, key="harbourview", name="Harbourview Counselling")
    return allura, harbour


def _run(
    s: Session,
    clinic_id: int | None,
    started_at: datetime,
    status: RunStatus = RunStatus.OK,
    spider: str = "schema_org",
) -> int:
    """A run started at ``started_at`` and (unless ``running``) finished with ``status``."""
    run_id = runs.start_run(s, clinic_id=clinic_id, spider=spider)
    s.get(CrawlRun, run_id).started_at = started_at
    if status != RunStatus.RUNNING:
        runs.finish_run(s, run_id=run_id, status=status)
    s.flush()
    return run_id


def _touch(s: Session, run_id: int) -> None:
    """Rewrite a run after later runs were written (PostgreSQL then keeps it last on disk),
    so that only an ORDER BY gives id order."""
    runs.annotate_run(s, run_id=run_id, key="note", value="touched")
    s.flush()


def _read(db_url: str) -> Session:
    return Session(make_engine(db_url, read_only=True))


# -- runs_by_ids ----------------------------------------------------------------------------
def test_runs_by_ids_are_exactly_the_asked_runs_in_id_order_whichever_clinic(db_url) -> None:
    """The monitor and the digest read the runs they were given: those and no other, in id
    order whatever order they were asked in, an unknown id skipped, none for none."""
    with session_scope(make_engine(db_url)) as s:
        allura, harbour = _clinics(s)
        r1 = _run(s, allura, T0, spider="yelp")
        r2 = _run(s, allura, T0 + timedelta(hours=1), RunStatus.FAILED, spider="google")
        r3 = _run(s, allura, T0 + timedelta(hours=2), RunStatus.RUNNING, spider="hg")
        rb = _run(s, harbour, T0 + timedelta(hours=3), spider="yelp")
        _touch(s, r1)
    with _read(db_url) as s:
        asked = queries.runs_by_ids(s, run_ids=[rb, r3, r1, 9999])
        one = queries.runs_by_ids(s, run_ids=(r2,))
        none = queries.runs_by_ids(s, run_ids=[])
    assert [(r.id, r.clinic_id, r.spider, r.status) for r in asked] == [
        (r1, allura, "yelp", "ok"),
        (r3, allura, "hg", "running"),
        (rb, harbour, "yelp", "ok"),
    ]
    assert [r.started_at for r in asked] == [T0, T0 + timedelta(hours=2), T0 + timedelta(hours=3)]
    assert [(r.id, r.status, r.spider) for r in one] == [(r2, "failed", "google")]
    assert none == []


# -- runs_since -----------------------------------------------------------------------------
def test_runs_since_are_the_clinics_runs_started_at_or_after_the_instant_in_id_order(
    db_url,
) -> None:
    """A digest's window: the clinic's runs (any status) started at ``since`` or later, the
    one started exactly at ``since`` included, earlier ones and the other clinic's left out,
    in id order (not start order)."""
    with session_scope(make_engine(db_url)) as s:
        allura, harbour = _clinics(s)
        late = _run(s, allura, T0 + timedelta(days=2), RunStatus.RUNNING)
        exact = _run(s, allura, T0, RunStatus.FAILED)
        before = _run(s, allura, T0 - timedelta(seconds=1))
        running = _run(s, allura, T0 + timedelta(hours=1), RunStatus.RUNNING)
        other = _run(s, harbour, T0 + timedelta(hours=1))
        unattached = _run(s, None, T0 + timedelta(hours=1), RunStatus.FAILED)
        # Finished last (a new row version, indexed anew on PostgreSQL): only an ORDER BY
        # still gives it first.
        runs.finish_run(s, run_id=late, status=RunStatus.OK)
        s.flush()
    with _read(db_url) as s:
        since = queries.runs_since(s, clinic_id=allura, since=T0)
        theirs = queries.runs_since(s, clinic_id=harbour, since=T0)
        after_all = queries.runs_since(s, clinic_id=allura, since=T0 + timedelta(days=3))
    assert [(r.id, r.clinic_id, r.status, r.started_at) for r in since] == [
        (late, allura, "ok", T0 + timedelta(days=2)),
        (exact, allura, "failed", T0),
        (running, allura, "running", T0 + timedelta(hours=1)),
    ]
    assert before not in [r.id for r in since]
    assert [(r.id, r.clinic_id) for r in theirs] == [(other, harbour)]
    assert unattached not in [r.id for r in since + theirs]
    assert after_all == []


# -- runs_to_check --------------------------------------------------------------------------
def test_runs_to_check_are_the_clinics_finished_runs_the_monitor_has_not_checked(db_url) -> None:
    """``quietwatch check``: by default the clinic's finished runs without the monitor's
    verdicts (a running run, another clinic's and an unattached run never), oldest first;
    ``--last N`` the latest N finished runs, checked or not; ``--last 0`` is the default."""
    with session_scope(make_engine(db_url)) as s:
        allura, harbour = _clinics(s)
        checked_old = _run(s, allura, T0)
        failed = _run(s, allura, T0 + timedelta(hours=1), RunStatus.FAILED)
        _run(s, allura, T0 + timedelta(hours=2), RunStatus.RUNNING)
        ok = _run(s, allura, T0 + timedelta(hours=3))
        checked_new = _run(s, allura, T0 + timedelta(hours=4), RunStatus.INTERRUPTED)
        other = _run(s, harbour, T0 + timedelta(hours=5))
        _run(s, None, T0 + timedelta(hours=6), RunStatus.FAILED)
        for run_id in (checked_old, checked_new):
            runs.annotate_run(s, run_id=run_id, key="quietwatch/monitor", value={"items": "ok"})
    with _read(db_url) as s:
        default = queries.runs_to_check(s, clinic_id=allura)
        latest_two = queries.runs_to_check(s, clinic_id=allura, last=2)
        latest_three = queries.runs_to_check(s, clinic_id=allura, last=3)
        last_zero = queries.runs_to_check(s, clinic_id=allura, last=0)
        theirs = queries.runs_to_check(s, clinic_id=harbour)
    assert default == [failed, ok]
    assert latest_two == [ok, checked_new]
    assert latest_three == [failed, ok, checked_new]
    assert last_zero == [failed, ok]
    assert theirs == [other]


# -- problems_of_runs -----------------------------------------------------------------------
def _problems_store(db_url: str) -> dict[str, int]:
    with session_scope(make_engine(db_url)) as s:
        allura, harbour = _clinics(s)
        yelp = crud.ensure_listing(
            s, clinic_id=allura, site="yelp", url="https://www.yelp.example/biz/allura"
        )
        google = crud.ensure_listing(
            s, clinic_id=allura, site="google", url="https://maps.google.example/?cid=1"
        )
        their_yelp = crud.ensure_listing(
            s, clinic_id=harbour, site="yelp", url="https://www.yelp.example/biz/harbour"
        )
        first = _run(s, allura, T0)
        second = _run(s, allura, T0 + timedelta(hours=1))
        later = _run(s, allura, T0 + timedelta(hours=2))
        theirs = _run(s, harbour, T0 + timedelta(hours=1))
        # Recorded out of run order: the later run's problem first.
        for run_id, kind, listing_id, message in [
            (second, "blocked", yelp, "a 403 from yelp"),
            (first, "shortfall", google, "3 reviews fewer than stated"),
            (first, "robots", None, "robots.txt said no"),
            (theirs, "blocked", their_yelp, "their 403"),
            (second, "stale", google, "not read for 9 days"),
            (later, "http_error", yelp, "a 500"),
        ]:
            runs.record_problem(
                s,
                run_id=run_id,
                kind=kind,
                message=message,
                listing_id=listing_id,
                url=f"https://example.test/{kind}" if listing_id else None,
            )
            s.flush()
    return {"first": first, "second": second, "later": later, "theirs": theirs}


def test_problems_of_runs_are_those_runs_problems_in_recorded_order_with_their_site(
    db_url,
) -> None:
    """The digest's and the summary's problems: every problem of the runs asked (none of
    another run or clinic), in the order recorded (not grouped by run), each with its
    listing's site, a problem tied to no listing kept with no site."""
    ids = _problems_store(db_url)
    with _read(db_url) as s:
        got = queries.problems_of_runs(s, run_ids=[ids["first"], ids["second"]])
        same = queries.problems_of_runs(s, run_ids=[ids["second"], ids["first"]], exclude_kinds=())
        theirs = queries.problems_of_runs(s, run_ids=[ids["theirs"]])
        none = queries.problems_of_runs(s, run_ids=[])
    assert [(p.run_id, p.kind, p.site, p.message, p.url) for p in got] == [
        (ids["second"], "blocked", "yelp", "a 403 from yelp", "https://example.test/blocked"),
        (
            ids["first"],
            "shortfall",
            "google",
            "3 reviews fewer than stated",
            "https://example.test/shortfall",
        ),
        (ids["first"], "robots", None, "robots.txt said no", None),
        (ids["second"], "stale", "google", "not read for 9 days", "https://example.test/stale"),
    ]
    assert [p.listing_id is None for p in got] == [False, False, True, False]
    assert [(p.run_id, p.kind, p.message) for p in same] == [
        (p.run_id, p.kind, p.message) for p in got
    ]
    assert [(p.run_id, p.kind, p.site, p.message) for p in theirs] == [
        (ids["theirs"], "blocked", "yelp", "their 403")
    ]
    assert none == []


def test_problems_of_runs_leave_out_the_excluded_kinds_only(db_url) -> None:
    """The digest leaves out what is not a failure (shortfall, stale, ...): those kinds
    go, every other problem of the runs stays, with its site, in recorded order."""
    ids = _problems_store(db_url)
    with _read(db_url) as s:
        got = queries.problems_of_runs(
            s,
            run_ids=[ids["first"], ids["second"], ids["later"]],
            exclude_kinds=("shortfall", "stale", "not_set_up"),
        )
        one_kind = queries.problems_of_runs(
            s, run_ids=[ids["first"], ids["second"]], exclude_kinds=["robots"]
        )
    assert [(p.run_id, p.kind, p.site) for p in got] == [
        (ids["second"], "blocked", "yelp"),
        (ids["first"], "robots", None),
        (ids["later"], "http_error", "yelp"),
    ]
    assert [p.kind for p in one_kind] == ["blocked", "shortfall", "stale"]


# -- site_counts_of_runs --------------------------------------------------------------------
def test_site_counts_of_runs_sum_each_sites_new_changed_and_removed_over_those_runs(
    db_url,
) -> None:
    """The digest's per-site lines: for the runs asked, each site's new, changed and
    removed reviews summed over its listings and the runs (a site with checks but no
    changes at zero), a run not asked and the other clinic's run left out."""
    with session_scope(make_engine(db_url)) as s:
        allura, harbour = _clinics(s)

        def listing(clinic_id: int, site: str, name: str) -> int:
            url = f"https://www.{site}.example/{name}"
            return crud.ensure_listing(s, clinic_id=clinic_id, site=site, url=url)

        yelp1 = listing(allura, "yelp", "allura")
        yelp2 = listing(allura, "yelp", "allura-downtown")
        google = listing(allura, "google", "allura")
        hg = listing(allura, "healthgrades", "allura")
        their_yelp = listing(harbour, "yelp", "harbour")
        first = _run(s, allura, T0)
        second = _run(s, allura, T0 + timedelta(hours=1))
        later = _run(s, allura, T0 + timedelta(hours=2))
        theirs = _run(s, harbour, T0 + timedelta(hours=1))
        for run_id, listing_id, new, changed, removed in [
            (first, yelp1, 3, 1, 0),
            (first, google, 0, 0, 2),
            (first, hg, 0, 0, 0),
            (second, yelp1, 1, 0, 1),
            (second, yelp2, 2, 4, 0),
            (second, google, 5, 1, 0),
            (later, yelp1, 100, 100, 100),
            (theirs, their_yelp, 50, 60, 70),
        ]:
            runs.record_check(
                s,
                run_id=run_id,
                listing_id=listing_id,
                status="ok",
                new_reviews=new,
                changed_reviews=changed,
                removed_reviews=removed,
            )
    with _read(db_url) as s:
        both = queries.site_counts_of_runs(s, run_ids=[first, second])
        only_first = queries.site_counts_of_runs(s, run_ids=(first,))
        their_counts = queries.site_counts_of_runs(s, run_ids=[theirs])
        none = queries.site_counts_of_runs(s, run_ids=[])
    assert both == {
        "yelp": {"new": 6, "changed": 5, "removed": 1},
        "google": {"new": 5, "changed": 1, "removed": 2},
        "healthgrades": {"new": 0, "changed": 0, "removed": 0},
    }
    assert only_first == {
        "yelp": {"new": 3, "changed": 1, "removed": 0},
        "google": {"new": 0, "changed": 0, "removed": 2},
        "healthgrades": {"new": 0, "changed": 0, "removed": 0},
    }
    assert their_counts == {"yelp": {"new": 50, "changed": 60, "removed": 70}}
    assert none == {}
    assert type(both) is dict
