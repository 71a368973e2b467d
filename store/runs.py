"""Run bookkeeping: crawl runs, their counts (kept current as pages commit), each listing's
check, and the problems a run met.  Keyword-only functions taking the session."""

import os
import socket
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, select

from store import statements as sql
from store.models import (
    CrawlProblem,
    CrawlRun,
    ListingCheck,
    RunCounts,
    RunStatus,
    utcnow,
)
from store.secrets import scrub


def start_run(
    session: Session,
    *,
    clinic_id: int | None,
    spider: str,
    trigger: str = "cli",
    full_sweep: bool = True,
) -> int:
    """A new run, ``running``; its id."""
    run = CrawlRun(
        clinic_id=clinic_id,
        spider=spider,
        trigger=trigger,
        full_sweep=full_sweep,
        # Who runs it, so a later crawl can tell a run that is still going from one whose
        # process died (see mark_interrupted_runs).
        stats={"host": socket.gethostname(), "pid": os.getpid()},
    )
    session.add(run)
    session.flush()
    return run.id


def add_counts(session: Session, *, run_id: int, **increments: int) -> None:
    """Add to a run's counts in the page's own transaction, so that a run that never
    finishes still says what it wrote."""
    unknown = set(increments) - set(RunCounts.model_fields)
    if unknown:
        raise ValueError(f"not a run count: {', '.join(sorted(unknown))}")
    counts = {name: value for name, value in increments.items() if value}
    if counts:  # one UPDATE, added in the database (a parallel writer's counts stay)
        params = {"run_id": run_id, **{f"add_{k}": v for k, v in counts.items()}}
        sql.run(session, sql.add_counts(tuple(sorted(counts))), params, writes=CrawlRun)


def finish_run(session: Session, *, run_id: int, status: RunStatus, **fields: Any) -> None:
    """Close a run with its status (and its final stats, coverage, message)."""
    run = session.get(CrawlRun, run_id)
    run.status = status
    run.finished_at = utcnow()
    if "stats" in fields:
        fields["stats"] = {k: scrub(v) for k, v in fields["stats"].items()}
    for name, value in fields.items():
        setattr(run, name, scrub(value))
    session.flush()


def interrupt_run(session: Session, *, run_id: int, message: str) -> None:
    """A run that will not finish: ``interrupted`` with why (a finished run is left alone)."""
    run = session.get(CrawlRun, run_id)
    if run is not None and run.status == RunStatus.RUNNING:
        run.status = RunStatus.INTERRUPTED
        run.finished_at = utcnow()
        run.message = scrub(message)


def annotate_run(session: Session, *, run_id: int, key: str, value: Any) -> None:
    """Keep one more stat on a run (e.g. the after-crawl checks' verdicts)."""
    run = session.get(CrawlRun, run_id)
    run.stats = {**(run.stats or {}), key: value}


def mark_interrupted_runs(
    session: Session,
    *,
    older_than: datetime | None = None,
    stale_after: timedelta = timedelta(days=2),
) -> int:
    """Runs still 'running' that no process finishes any more (killed, crashed).

    A run started on this host whose process is gone is interrupted; so is a run from
    another host (a Scrapyd node) that has been 'running' longer than ``stale_after``.
    A run whose process is still alive (another spider of the same crawl, a parallel
    Scrapyd job) is left alone.  ``older_than`` marks every running run started before it.
    """
    host, now = socket.gethostname(), utcnow()
    running = session.exec(select(CrawlRun).where(CrawlRun.status == RunStatus.RUNNING)).all()
    dead = []
    for run in running:
        info = run.stats or {}
        if older_than is not None:
            if run.started_at < older_than:
                dead.append(run)
        elif info.get("host") == host and info.get("pid") is not None:
            if not _alive(int(info["pid"])):
                dead.append(run)
        elif now - run.started_at > stale_after:
            dead.append(run)
    for run in dead:
        run.status = RunStatus.INTERRUPTED
        run.finished_at = now
        run.message = "the run never finished (killed or crashed); what it wrote before is kept"
    session.flush()
    return len(dead)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def record_problem(
    session: Session,
    *,
    run_id: int,
    kind: str,
    message: str,
    listing_id: int | None = None,
    url: str | None = None,
) -> None:
    session.add(
        CrawlProblem(
            run_id=run_id,
            listing_id=listing_id,
            url=scrub(url),
            kind=kind,
            message=scrub(message),
        )
    )


def _scrubbed(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: scrub(v) for k, v in fields.items()}


def record_check(session: Session, *, run_id: int, listing_id: int, **fields: Any) -> None:
    """The per-listing outcome of a run (one row per run and listing)."""
    fields = _scrubbed(fields)
    row = ListingCheck(run_id=run_id, listing_id=listing_id, **fields).model_dump(exclude={"id"})
    statement = sql.upsert_check(sql.dialect(session), tuple(sorted(fields)))
    sql.run(session, statement, [row], writes=ListingCheck)


def record_failed_run(
    session: Session, *, clinic_id: int | None, spider: str, trigger: str, message: str
) -> int:
    """A crawl that could not run at all still leaves a 'failed' run with its error."""
    run_id = start_run(session, clinic_id=clinic_id, spider=spider, trigger=trigger)
    finish_run(session, run_id=run_id, status=RunStatus.FAILED, message=scrub(message))
    return run_id
