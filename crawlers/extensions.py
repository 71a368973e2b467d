"""The crawl run in the store, owned by a Scrapy extension.

``CrawlRunExtension`` is where a crawl process meets the store: it takes the process's
engine, opens the run when the spider opens (marking runs that died before as
interrupted, registering the clinic and the spider's listings), and closes it when the
spider closes, with the reason Scrapy gives: a listing never reached is a problem, the
status comes from the listings' checks, and field coverage is compared with the spider's
last good run (a drop marks the run *degraded*).  The pipelines find the run through
:meth:`CrawlRunExtension.of`; nothing is handed over on the spider.

Without a store configured (``QUIETWATCH_DATABASE_URL`` and ``QUIETWATCH_CLINIC``, e.g.
``scrapy bench`` in the project folder) the extension, and with it the store pipelines,
stay off.
"""

import logging
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from crawlers.coverage import compare_coverage, run_coverage
from store import crud, queries, runs, secrets
from store.db import Engine, engine_for, session_scope
from store.models import ListingStatus, RunStatus
from store.queries import ListingMemory

logger = logging.getLogger(__name__)

# Listings left out of coverage: gone or forbidden ones say nothing about the layout, a 304
# listing gave no fields because nothing changed, and a network error is no layout change.
# Blocked and unreadable listings count, with the (no) fields they gave: a block or a
# changed layout is what coverage should catch.
NOT_COUNTED = {
    ListingStatus.GONE,
    ListingStatus.ROBOTS,
    ListingStatus.NOT_MODIFIED,
    ListingStatus.ERROR,
    ListingStatus.NOT_SET_UP,
    ListingStatus.UNAVAILABLE,
}


class CrawlRunExtension:
    def __init__(self, crawler: Crawler, engine: Engine, clinic: dict[str, Any], trigger: str):
        self.crawler = crawler
        self.engine = engine
        self.clinic = clinic
        self.trigger = trigger
        self.run_id: int | None = None
        self.clinic_id: int | None = None
        self.listing_ids: dict[str, int] = {}  # the spider's listings: url -> id

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "CrawlRunExtension":
        settings = crawler.settings
        url = settings.get("QUIETWATCH_DATABASE_URL")
        clinic = settings.getdict("QUIETWATCH_CLINIC")
        if not url or not clinic:
            raise NotConfigured("no store to write to: QUIETWATCH_DATABASE_URL / _CLINIC unset")
        secrets.guard_logs()  # whoever set up logging (the CLI, Scrapy, Scrapyd)
        ext = cls(crawler, engine_for(url), dict(clinic), settings.get("QUIETWATCH_TRIGGER", "cli"))
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    @classmethod
    def of(cls, crawler: Crawler) -> "CrawlRunExtension | None":
        """The crawler's run extension (None when no store is configured)."""
        manager = getattr(crawler, "extensions", None)
        return next((e for e in getattr(manager, "middlewares", ()) if isinstance(e, cls)), None)

    # -- what the spider asks ---------------------------------------------------------------
    def memory(self, urls: list[str]) -> dict[str, ListingMemory]:
        """What the store knows of these listings, for an incremental crawl."""
        try:
            with session_scope(self.engine) as session:
                return queries.crawl_memory(session, clinic_key=self.clinic["key"], urls=urls)
        except Exception as exc:  # e.g. tables not there yet: crawl as if from scratch
            logger.info("could not read the store's listing state: %s", exc)
            return {}

    # -- the run ----------------------------------------------------------------------------
    def spider_opened(self, spider: Spider) -> None:
        facts = dict(self.clinic)
        with session_scope(self.engine) as session:
            runs.mark_interrupted_runs(session)
            self.clinic_id = crud.ensure_clinic(
                session, key=facts.pop("key"), name=facts.pop("name"), **facts
            )
            sources = [
                (str(s.get("site") or spider.site), str(s["url"]), bool(s.get("enabled", True)))
                for s in getattr(spider, "sources", [])
            ]
            self.listing_ids.update(
                crud.ensure_listings(session, clinic_id=self.clinic_id, sources=sources)
            )
            self.run_id = runs.start_run(
                session,
                clinic_id=self.clinic_id,
                spider=spider.name,
                trigger=self.trigger,
                full_sweep=getattr(spider, "full_sweep", None) is not False,
            )
        logger.info("crawl run %s started for %d listing(s)", self.run_id, len(self.listing_ids))

    def listing_id(self, session: Any, url: str, site: str) -> int:
        """The id of a listing this run writes to (registered now if the spider found it)."""
        if url not in self.listing_ids:
            self.listing_ids[url] = crud.ensure_listing(
                session, clinic_id=self.clinic_id, site=site, url=url
            )
        return self.listing_ids[url]

    def interrupt(self, message: str) -> None:
        """Mark the run interrupted now (the process is being stopped before it closes)."""
        if self.run_id is None:
            return
        with session_scope(self.engine) as session:
            runs.interrupt_run(session, run_id=self.run_id, message=message)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.run_id is None:
            return
        scrapy_stats = self.crawler.stats.get_stats() if self.crawler.stats else {}
        stats = {k: v for k, v in scrapy_stats.items() if isinstance(v, int | float | str)}
        with session_scope(self.engine) as session:
            checks = queries.checks_of_run(session, run_id=self.run_id)
            missing = [(u, i) for u, i in self.listing_ids.items() if i not in checks]
            for url, listing_id in missing:
                runs.record_problem(
                    session,
                    run_id=self.run_id,
                    listing_id=listing_id,
                    url=url,
                    kind="not_reached",
                    message="the crawl ended before this listing was fetched",
                )
            if missing:
                runs.add_counts(session, run_id=self.run_id, errors=len(missing))
            statuses = [ListingStatus(c.status) for c in checks.values()]
            status, message = _run_status(reason, statuses, len(self.listing_ids))
            coverage = run_coverage(
                [c.fields for c in checks.values() if ListingStatus(c.status) not in NOT_COUNTED]
            )
            vanished: list[str] = []
            if status != RunStatus.INTERRUPTED:
                run = queries.runs_by_ids(session, run_ids=[self.run_id])[0]
                previous = queries.last_good_run(session, run=run)
                vanished = compare_coverage(previous.coverage if previous else None, coverage)
            if vanished:
                status = RunStatus.DEGRADED
                message = (
                    "field coverage dropped against the last good run (changed layout or a "
                    f"block?): {', '.join(vanished)}" + (f"; {message}" if message else "")
                )
                runs.record_problem(session, run_id=self.run_id, kind="degraded", message=message)
            runs.finish_run(
                session,
                run_id=self.run_id,
                status=status,
                message=message,
                listings_checked=len(checks),
                requests=int(stats.get("downloader/request_count", 0)),
                stats=stats,
                coverage=coverage,
                degraded_fields=vanished,
            )
        logger.info("crawl run %s ended: %s", self.run_id, status)


def _run_status(
    reason: str, statuses: list[ListingStatus], registered: int
) -> tuple[RunStatus, str | None]:
    """A run's status from how its listings fared (``registered``: listings it was given)."""
    if reason != "finished":
        return RunStatus.INTERRUPTED, f"the crawl stopped early ({reason}); pages written are kept"
    failed = sum(1 for s in statuses if s.problem)
    incomplete = sum(1 for s in statuses if s == ListingStatus.PARTIAL)
    missing = max(registered - len(statuses), 0)
    if registered and failed + missing == registered:
        return RunStatus.FAILED, "no listing could be read"
    if failed or missing or incomplete:
        parts = []
        if failed + missing:
            parts.append(f"{failed + missing} of {registered} listing(s) could not be read")
        if incomplete:
            parts.append(f"{incomplete} listing(s) were read only in part")
        return RunStatus.PARTIAL, "; ".join(parts)
    return RunStatus.OK, None
