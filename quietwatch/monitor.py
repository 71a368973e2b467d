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

from store import queries, runs
from store.config import QuietWatchConfig
from store.db import Engine, session_scope
from store.models import ListingCheck, ListingRead, ListingStatus, RunRead, RunStatus

logger = logging.getLogger(__name__)

# Items: a listing read without error that gives no review at all, where the last good run
# read some, is the Spidermon "fewer items than last time" signal.  Total counts are not
# compared: an incremental crawl stops at known reviews and reads fewer by design.
ERROR_RATE_WARN = 0.2
ERROR_RATE_FAIL = 0.5


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


def check_run(
    run: RunRead,
    checks: dict[int, ListingCheck],
    good: RunRead | None,
    good_checks: dict[int, ListingCheck],
    urls: dict[int, str],
) -> list[Check]:
    """The checks of one run, from its listings' checks and its last good run's
    (``good``: the same spider's last ``ok`` run with the same kind of sweep)."""
    checks_: list[Check] = []
    if RunStatus(run.status).failed:
        checks_.append(
            Check(
                "run",
                "fail",
                f"the {run.spider} crawl {run.status}: {run.message or 'no detail'}",
                run.id,
            )
        )
    else:
        checks_.append(Check("run", "ok", f"the {run.spider} crawl ended {run.status}", run.id))

    if good is not None:
        emptied = [
            listing_id
            for listing_id, check in checks.items()
            if check.status == ListingStatus.OK
            and check.reviews_seen == 0
            and listing_id in good_checks
            and good_checks[listing_id].reviews_seen > 0
        ]
        if emptied:
            checks_.append(
                Check(
                    "items",
                    "fail",
                    f"{len(emptied)} {run.spider} listing(s) read without error gave no review, "
                    f"where the last good run (#{good.id}) read some: "
                    + ", ".join(urls.get(i, f"listing {i}") for i in emptied),
                    run.id,
                )
            )
        else:
            total = sum(c.reviews_seen for c in checks.values())
            checks_.append(
                Check(
                    "items",
                    "ok",
                    f"{total} review(s) read; every listing that gave reviews still does",
                    run.id,
                )
            )

    # Field coverage is measured by the crawl as each listing is read (so blocked and
    # unreadable listings count as listings that gave nothing) and compared there with the
    # last good run (crawlers/coverage.py); a drop marks the run "degraded" with the fields
    # that vanished.  The monitor reports it; it does not measure it a second time.
    shares = (run.coverage or {}).get("fields", {})
    if run.degraded_fields:
        previous = (good.coverage or {}).get("fields", {}) if good is not None else {}
        detail = ", ".join(
            f"{n} {previous.get(n, 0):.0%} → {shares.get(n, 0):.0%}" if n in previous else n
            for n in run.degraded_fields
        )
        checks_.append(
            Check(
                "coverage",
                "fail",
                f"fields vanished from {run.spider} pages (did the site change its layout?): "
                f"{detail}",
                run.id,
            )
        )
    elif shares:
        checks_.append(Check("coverage", "ok", "field coverage as before", run.id))

    # A source not set up (or no longer giving anything) was not asked: not an error.
    statuses = [s for c in checks.values() if not (s := ListingStatus(c.status)).dormant]
    if statuses:
        bad = sum(1 for s in statuses if not s.good)
        rate = bad / len(statuses)
        level = "fail" if rate >= ERROR_RATE_FAIL else "warn" if rate > ERROR_RATE_WARN else "ok"
        checks_.append(
            Check(
                "error_rate",
                level,
                f"{bad} of {len(statuses)} {run.spider} listing(s) could not be read ({rate:.0%})",
                run.id,
            )
        )
    return checks_


def stale_sources(
    listings: list[ListingRead], threshold: timedelta, now: datetime, run_id: int | None
) -> list[Check]:
    """Enabled listings not read successfully for longer than ``threshold``."""
    checks: list[Check] = []
    for listing in listings:
        if listing.last_status and ListingStatus(listing.last_status).dormant:
            continue  # not set up, or unavailable: said so by the crawl, not overdue
        since = listing.last_success_at or listing.created_at or now
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
    config: QuietWatchConfig, engine: Engine, run_ids: list[int], *, now: datetime | None = None
) -> list[Check]:
    """Run every check for these runs, store the results, and return them."""
    now = now or datetime.now(UTC)
    with session_scope(engine) as session:
        clinic = queries.clinic_by_key(session, config.clinic.key)
        if clinic is None:
            return []
        listings = queries.active_listings(session, clinic_id=clinic.id)
        urls = {listing.id: listing.url for listing in listings}
        checks: list[Check] = []
        done = queries.runs_by_ids(session, run_ids=run_ids)
        for run in done:
            good = queries.last_good_run(session, run=run, same_sweep=True)
            run_checks = check_run(
                run,
                queries.checks_of_run(session, run_id=run.id),
                good,
                queries.checks_of_run(session, run_id=good.id) if good else {},
                urls,
            )
            runs.annotate_run(
                session,
                run_id=run.id,
                key="quietwatch/monitor",
                value={c.name: c.status for c in run_checks},
            )
            checks += run_checks
        last_id = done[-1].id if done else None
        checks += stale_sources(listings, stale_after(config), now, last_id)
        for check in checks:
            if check.failing and check.run_id is not None:
                runs.record_problem(
                    session,
                    run_id=check.run_id,
                    listing_id=check.listing_id,
                    url=check.url,
                    kind="stale" if check.name == "stale" else f"check_{check.name}",
                    message=check.message,
                )
    for check in checks:
        if check.failing:
            logger.warning("check %s: %s", check.name, check.message)
    return checks
