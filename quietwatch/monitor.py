"""Checks after each crawl, in the manner of Spidermon: the run's status, items against the
last good run, field coverage, error rate, and sources not read successfully for too long.

Results that are not ``ok`` are kept as crawl problems (kind ``check_<name>`` or ``stale``)
so the summary, the dashboard's health page and the notification all show them.  Field
coverage is measured by the store pipeline (``crawlers/coverage.py``), which marks a run
``degraded`` when fields vanish; the coverage check reports it.
"""

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, col, select

from store import crud
from store.config import QuietWatchConfig
from store.db import make_engine, session_scope
from store.models import Clinic, CrawlRun, Listing, ListingCheck

logger = logging.getLogger(__name__)

# Items: a listing read without error that gives no review at all, where the last good run
# read some, is the Spidermon "fewer items than last time" signal.  Total counts are not
# compared: an incremental crawl stops at known reviews and reads fewer by design.
ERROR_RATE_WARN = 0.2
ERROR_RATE_FAIL = 0.5
GOOD_LISTING_STATUSES = ("ok", "not_modified")


@dataclass
class Check:
    name: str  # run, items, coverage, error_rate, stale
    status: str  # ok, warn, fail
    message: str
    run_id: int | None = None
    listing_id: int | None = None
    url: str | None = None

    @property
    def failing(self) -> bool:
        return self.status != "ok"


def stale_after(config: QuietWatchConfig) -> timedelta:
    hours = config.crawl.stale_after_hours or 2 * config.crawl.interval_hours
    return timedelta(hours=hours)


def last_good_run(session: Session, run: CrawlRun) -> CrawlRun | None:
    return session.exec(
        select(CrawlRun)
        .where(
            CrawlRun.clinic_id == run.clinic_id,
            CrawlRun.spider == run.spider,
            CrawlRun.full_sweep == run.full_sweep,
            CrawlRun.status == "ok",
            col(CrawlRun.id) < run.id,
        )
        .order_by(col(CrawlRun.id).desc())
    ).first()


def _reviews_by_listing(session: Session, run_id: int) -> dict[int, tuple[str, int]]:
    """listing id -> (status, reviews read) for one run."""
    rows = session.exec(
        select(ListingCheck.listing_id, ListingCheck.status, ListingCheck.reviews_seen).where(
            ListingCheck.run_id == run_id
        )
    ).all()
    return {listing_id: (status, seen) for listing_id, status, seen in rows}


def check_run(session: Session, run: CrawlRun) -> list[Check]:
    checks: list[Check] = []
    if run.status in ("failed", "interrupted", "running"):
        checks.append(
            Check(
                "run",
                "fail",
                f"the {run.spider} crawl {run.status}: {run.message or 'no detail'}",
                run.id,
            )
        )
    else:
        checks.append(Check("run", "ok", f"the {run.spider} crawl ended {run.status}", run.id))

    good = last_good_run(session, run)
    if good is not None:
        now, before = _reviews_by_listing(session, run.id), _reviews_by_listing(session, good.id)
        emptied = [
            listing_id
            for listing_id, (status, seen) in now.items()
            if status == "ok" and seen == 0 and before.get(listing_id, ("", 0))[1] > 0
        ]
        if emptied:
            urls = [session.get(Listing, i).url for i in emptied]
            checks.append(
                Check(
                    "items",
                    "fail",
                    f"{len(emptied)} {run.spider} listing(s) read without error gave no review, where the "
                    f"last good run (#{good.id}) read some: {', '.join(urls)}",
                    run.id,
                )
            )
        else:
            total = sum(seen for _status, seen in now.values())
            checks.append(
                Check(
                    "items",
                    "ok",
                    f"{total} review(s) read; every listing that gave reviews still does",
                    run.id,
                )
            )

    # Field coverage is measured by the store pipeline as each listing is read (so blocked
    # and unreadable listings count as listings that gave nothing) and compared there with
    # the last good run (crawlers/coverage.py); a drop marks the run "degraded" with the
    # fields that vanished.  The monitor reports it; it does not measure it a second time.
    shares = (run.coverage or {}).get("fields", {})
    if run.degraded_fields:
        previous = (good.coverage or {}).get("fields", {}) if good is not None else {}
        detail = ", ".join(
            f"{n} {previous.get(n, 0):.0%} → {shares.get(n, 0):.0%}" if n in previous else n
            for n in run.degraded_fields
        )
        checks.append(
            Check(
                "coverage",
                "fail",
                f"fields vanished from {run.spider} pages (did the site change its layout?): {detail}",
                run.id,
            )
        )
    elif shares:
        checks.append(Check("coverage", "ok", "field coverage as before", run.id))

    statuses = session.exec(select(ListingCheck.status).where(ListingCheck.run_id == run.id)).all()
    if statuses:
        bad = sum(1 for s in statuses if s not in GOOD_LISTING_STATUSES)
        rate = bad / len(statuses)
        level = "fail" if rate >= ERROR_RATE_FAIL else "warn" if rate > ERROR_RATE_WARN else "ok"
        checks.append(
            Check(
                "error_rate",
                level,
                f"{bad} of {len(statuses)} {run.spider} listing(s) could not be read ({rate:.0%})",
                run.id,
            )
        )
    return checks


def stale_sources(
    session: Session, clinic_id: int, threshold: timedelta, now: datetime, run_id: int | None
) -> list[Check]:
    """Enabled listings not read successfully for longer than ``threshold``."""
    checks: list[Check] = []
    listings = session.exec(
        select(Listing).where(
            Listing.clinic_id == clinic_id,
            Listing.enabled,
            col(Listing.origin).in_(("configured", "confirmed")),
        )
    ).all()
    for listing in listings:
        since = listing.last_success_at or listing.created_at
        if now - since <= threshold:
            continue
        hours = (now - since).total_seconds() / 3600
        age = f"{hours / 24:.1f} days" if hours >= 48 else f"{hours:.0f} hours"
        what = (
            f"last read successfully {age} ago"
            if listing.last_success_at
            else f"never read successfully (listed {age} ago)"
        )
        checks.append(
            Check(
                "stale",
                "fail",
                f"{listing.site} listing {what}; last status: {listing.last_status or 'not crawled'}",
                run_id,
                listing.id,
                listing.url,
            )
        )
    return checks


def check_runs(
    config: QuietWatchConfig, db_url: str, run_ids: list[int], *, now: datetime | None = None
) -> list[Check]:
    """Run every check for these runs, store the results, and return them."""
    now = now or datetime.now(UTC)
    engine = make_engine(db_url)
    try:
        with session_scope(engine) as session:
            clinic = session.exec(select(Clinic).where(Clinic.key == config.clinic.key)).first()
            if clinic is None:
                return []
            runs = session.exec(
                select(CrawlRun).where(col(CrawlRun.id).in_(run_ids)).order_by(col(CrawlRun.id))
            ).all()
            checks: list[Check] = []
            for run in runs:
                run_checks = check_run(session, run)
                run.stats = {
                    **(run.stats or {}),
                    "quietwatch/monitor": {c.name: c.status for c in run_checks},
                }
                checks += run_checks
            last_id = runs[-1].id if runs else None
            checks += stale_sources(session, clinic.id, stale_after(config), now, last_id)
            for check in checks:
                if check.failing and check.run_id is not None:
                    crud.record_problem(
                        session,
                        run_id=check.run_id,
                        listing_id=check.listing_id,
                        url=check.url,
                        kind="stale" if check.name == "stale" else f"check_{check.name}",
                        message=check.message,
                    )
    finally:
        engine.dispose()
    for check in checks:
        if check.failing:
            logger.warning("check %s: %s", check.name, check.message)
    return checks


def record_failure(
    config: QuietWatchConfig, db_url: str, *, trigger: str, error: BaseException
) -> int | None:
    """A crawl that could not run at all still leaves a 'failed' run with its error."""
    message = f"the crawl could not run: {type(error).__name__}: {error}"[:2000]
    try:
        engine = make_engine(db_url)
        try:
            with session_scope(engine) as session:
                clinic = session.exec(select(Clinic).where(Clinic.key == config.clinic.key)).first()
                run = crud.start_run(
                    session,
                    clinic_id=clinic.id if clinic else None,
                    spider="quietwatch",
                    trigger=trigger,
                )
                crud.finish_run(session, run=run, status="failed", message=message)
                return run.id
        finally:
            engine.dispose()
    except Exception:  # the store itself is unreachable: the log is all we have
        logger.exception("could not record the failed crawl in the store")
        return None
