"""store/runs.py's run bookkeeping, pinned on each backend: a new run's defaults (a CLI full
sweep) and the host and pid that own it; unknown count names refused by name and nothing
added; counts and a listing's check rewritten in the database are read again by a session
holding them; the secrets in a finished run's stats scrubbed value by value; and which runs
left 'running' are marked interrupted (before ``older_than``, not at it; another host's
after ``stale_after``, not at it; this host's only when their process is gone — a live
process, this user's or another's, is neither interrupted nor signalled), with when and
why.  The clock of ``mark_interrupted_runs`` is fixed where a boundary is pinned."""

import os
import socket
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from store import runs
from store.db import session_scope
from store.models import CrawlRun, ListingCheck, RunStatus
from tests.store.crud_writes import make_listing

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
NEVER_FINISHED = "the run never finished (killed or crashed); what it wrote before is kept"


def _utc(value: datetime | None) -> datetime | None:
    return value if value is None or value.tzinfo else value.replace(tzinfo=UTC)


def _running(session: Session, *, started_at: datetime, stats: dict | None = None) -> int:
    """A run left 'running', started at ``started_at`` (by this process unless ``stats``)."""
    run_id = runs.start_run(session, clinic_id=None, spider="yelp")
    run = session.get(CrawlRun, run_id)
    run.started_at = started_at
    if stats is not None:
        run.stats = stats
    session.flush()
    return run_id


def _states(engine) -> dict[int, tuple[str, datetime | None, str | None]]:
    with Session(engine) as s:
        return {r.id: (r.status, _utc(r.finished_at), r.message) for r in s.exec(select(CrawlRun))}


@pytest.fixture
def fixed_clock(monkeypatch) -> datetime:
    monkeypatch.setattr(runs, "utcnow", lambda: NOW)
    return NOW


# -- start_run ----------------------------------------------------------------------------
def test_a_new_run_is_a_cli_full_sweep_owned_by_this_host_and_process(engine) -> None:
    """Without trigger or full_sweep a run is a 'cli' full sweep; the ones given are kept;
    its stats say exactly which host and process run it."""
    with session_scope(engine) as s:
        plain = runs.start_run(s, clinic_id=None, spider="yelp")
        given = runs.start_run(
            s, clinic_id=None, spider="google", trigger="schedule", full_sweep=False
        )
    with Session(engine) as s:
        a, b = s.get(CrawlRun, plain), s.get(CrawlRun, given)
        assert (a.spider, a.trigger, a.full_sweep, a.status) == ("yelp", "cli", True, "running")
        assert (b.spider, b.trigger, b.full_sweep) == ("google", "schedule", False)
        assert a.stats == {"host": socket.gethostname(), "pid": os.getpid()}
        assert a.finished_at is None


def test_a_long_crawl_of_a_live_process_on_this_host_is_not_taken_for_a_stale_one(
    engine, fixed_clock
) -> None:
    """A run this process started a month ago is still going: the stale rule is for other
    hosts' runs, whose process cannot be asked."""
    with session_scope(engine) as s:
        run_id = _running(s, started_at=NOW - timedelta(days=30))
    with session_scope(engine) as s:
        assert runs.mark_interrupted_runs(s) == 0
    assert _states(engine)[run_id] == ("running", None, None)


# -- add_counts ---------------------------------------------------------------------------
def test_unknown_count_names_are_refused_by_name_and_nothing_is_added(engine) -> None:
    """Every unknown name is named, sorted, in the error; the known ones given with them are
    not added either."""
    with session_scope(engine) as s:
        run_id = runs.start_run(s, clinic_id=None, spider="yelp")
    with (
        session_scope(engine) as s,
        pytest.raises(ValueError, match=r"^not a run count: bogus, zeta$"),
    ):
        runs.add_counts(s, run_id=run_id, zeta=1, pages=2, bogus=3)
    with Session(engine) as s:
        assert s.get(CrawlRun, run_id).pages == 0


def test_a_session_holding_the_run_reads_the_counts_added_in_the_database(engine) -> None:
    """The counts are added by one UPDATE; the run the session already holds shows them
    at once (a zero adds nothing)."""
    with session_scope(engine) as s:
        run_id = runs.start_run(s, clinic_id=None, spider="yelp")
        run = s.get(CrawlRun, run_id)
        assert (run.pages, run.new_reviews, run.errors) == (0, 0, 0)
        runs.add_counts(s, run_id=run_id, pages=2, new_reviews=3, errors=0)
        assert (run.pages, run.new_reviews, run.errors) == (2, 3, 0)
        runs.add_counts(s, run_id=run_id, pages=1, errors=1)
        assert (run.pages, run.new_reviews, run.errors) == (3, 3, 1)
    with Session(engine) as s:
        run = s.get(CrawlRun, run_id)
        assert (run.pages, run.new_reviews, run.errors) == (3, 3, 1)


# -- finish_run ---------------------------------------------------------------------------
def test_a_finished_runs_stats_are_kept_with_each_value_scrubbed(engine) -> None:
    """The final stats replace the start's; a credential inside any value is masked, the
    other values (numbers too) are kept as given."""
    stats = {
        "last_error": "GET https://api.example/v1/places?key=Sup3rSecretValue&q=x: 403",
        "pages": 3,
        "note": "fine",
    }
    with session_scope(engine) as s:
        run_id = runs.start_run(s, clinic_id=None, spider="google")
        runs.finish_run(s, run_id=run_id, status=RunStatus.PARTIAL, stats=stats)
    with Session(engine) as s:
        run = s.get(CrawlRun, run_id)
        assert run.status == "partial"
        assert run.finished_at is not None
        assert run.stats == {
            "last_error": "GET https://api.example/v1/places?key=***&q=x: 403",
            "pages": 3,
            "note": "fine",
        }


# -- mark_interrupted_runs ----------------------------------------------------------------
def test_older_than_interrupts_the_runs_started_before_it_not_at_it(engine, fixed_clock) -> None:
    """``older_than`` marks exactly the running runs started before it (a run started at
    that instant, or after, is left alone; a finished run is never touched), each with the
    time it was marked and why."""
    cut = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
    with session_scope(engine) as s:
        before = _running(s, started_at=cut - timedelta(seconds=1))
        at = _running(s, started_at=cut)
        after = _running(s, started_at=cut + timedelta(hours=1))
        done = _running(s, started_at=cut - timedelta(days=1))
        runs.finish_run(s, run_id=done, status=RunStatus.OK)
    with session_scope(engine) as s:
        assert runs.mark_interrupted_runs(s, older_than=cut) == 1
    states = _states(engine)
    assert states[before] == ("interrupted", NOW, NEVER_FINISHED)
    assert states[at] == ("running", None, None)
    assert states[after] == ("running", None, None)
    assert states[done] == ("ok", NOW, None)


def test_another_hosts_run_is_interrupted_only_once_running_longer_than_stale_after(
    engine, fixed_clock
) -> None:
    """Another host's run (its pid means nothing here, even one alive on this host) is
    interrupted once it has been running longer than ``stale_after`` (two days by
    default), not at exactly that age; a run that names no host is judged the same way."""
    other = {"host": "scrapyd-node-2", "pid": os.getpid()}
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    with session_scope(engine) as s:
        stale = _running(s, started_at=NOW - timedelta(days=2, seconds=1), stats=other)
        at_limit = _running(s, started_at=NOW - timedelta(days=2), stats=other)
        recent = _running(
            s,
            started_at=NOW - timedelta(hours=1),
            stats={"host": "scrapyd-node-2", "pid": gone.pid},
        )
        nameless = _running(s, started_at=NOW - timedelta(days=3), stats={})
    with session_scope(engine) as s:
        assert runs.mark_interrupted_runs(s) == 2
    states = _states(engine)
    assert states[stale] == ("interrupted", NOW, NEVER_FINISHED)
    assert states[nameless] == ("interrupted", NOW, NEVER_FINISHED)
    assert states[at_limit] == ("running", None, None)
    assert states[recent] == ("running", None, None)


def test_stale_after_is_the_age_limit_given(engine, fixed_clock) -> None:
    """A shorter ``stale_after`` interrupts a younger run of another host."""
    with session_scope(engine) as s:
        run_id = _running(s, started_at=NOW - timedelta(hours=2), stats={"host": "scrapyd-node-2"})
    with session_scope(engine) as s:
        assert runs.mark_interrupted_runs(s, stale_after=timedelta(hours=3)) == 0
    with session_scope(engine) as s:
        assert runs.mark_interrupted_runs(s, stale_after=timedelta(hours=1)) == 1
    assert _states(engine)[run_id] == ("interrupted", NOW, NEVER_FINISHED)


def test_a_run_whose_process_on_this_host_is_alive_is_left_alone_and_not_signalled(
    engine, fixed_clock
) -> None:
    """Another live process of this host (a parallel spider) keeps its run 'running',
    however old, and asking whether it lives does not disturb it."""
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        with session_scope(engine) as s:
            run_id = _running(
                s,
                started_at=NOW - timedelta(days=30),
                stats={"host": socket.gethostname(), "pid": child.pid},
            )
        with session_scope(engine) as s:
            assert runs.mark_interrupted_runs(s) == 0
        assert _states(engine)[run_id] == ("running", None, None)
        with pytest.raises(subprocess.TimeoutExpired):
            child.wait(timeout=0.2)  # still running: no signal reached it
    finally:
        child.kill()
        child.wait()


def test_a_live_process_of_another_user_counts_as_alive(monkeypatch) -> None:
    """A process that may not be signalled (another user's, e.g. a Scrapyd service) is alive:
    its run is not to be interrupted.  The operating system's answer for such a process is
    stood in for (a test cannot run as root and as another user at once)."""
    asked = []

    def not_permitted(pid: int, signal: int) -> None:
        asked.append((pid, signal))
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(runs.os, "kill", not_permitted)
    assert runs._alive(4242) is True
    assert asked == [(4242, 0)]  # only asked whether it lives: no signal sent


# -- record_check -------------------------------------------------------------------------
def test_a_session_holding_a_check_reads_it_as_recorded_again(engine) -> None:
    """A listing's check recorded again in the same run replaces its fields in the database,
    and the check the session holds shows the new ones at once."""
    listing_id = make_listing(engine)
    with session_scope(engine) as s:
        run_id = runs.start_run(s, clinic_id=None, spider="schema_org")
        runs.record_check(
            s, run_id=run_id, listing_id=listing_id, status="error", message="timeout"
        )
        check = s.exec(select(ListingCheck)).one()
        assert (check.status, check.pages, check.message) == ("error", 0, "timeout")
        runs.record_check(
            s, run_id=run_id, listing_id=listing_id, status="ok", pages=2, message=None
        )
        assert (check.status, check.pages, check.message) == ("ok", 2, None)
    with Session(engine) as s:
        rows = [(c.run_id, c.status, c.pages) for c in s.exec(select(ListingCheck))]
    assert rows == [(run_id, "ok", 2)]
