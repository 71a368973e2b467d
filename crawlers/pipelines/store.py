"""Write each ListingPage to the store in one transaction, and keep the crawl run's record.

The run row is committed when the spider opens, so a crawl that is killed leaves a
'running' run that the next crawl marks 'interrupted'; everything written before the kill
is whole, because each page is its own transaction.  Removals are only ever decided for a
listing whose every review page was read in a full sweep.
"""

import logging
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from sqlmodel import select

from crawlers.coverage import compare_coverage, listing_fields, run_coverage
from crawlers.items import DiscoveredListing, ListingPage, PageStatus
from store import crud
from store.db import make_engine, session_scope
from store.models import CrawlRun, Listing

logger = logging.getLogger(__name__)

# Listings left out of coverage: gone or forbidden ones say nothing about the layout, a 304
# listing gave no fields because nothing changed, and a network error is no layout change.
# Blocked and unreadable listings count, with the (no) fields they gave: a block or a
# changed layout is what coverage should catch.
_NOT_COUNTED = {PageStatus.GONE, PageStatus.ROBOTS, PageStatus.NOT_MODIFIED, PageStatus.ERROR}

PROBLEM_STATUSES = {
    PageStatus.BLOCKED,
    PageStatus.GONE,
    PageStatus.UNREADABLE,
    PageStatus.ERROR,
    PageStatus.ROBOTS,
}


@dataclass
class _ListingState:
    """What one listing has given so far in this run."""

    pages: int = 0
    reviews_seen: int = 0
    new: int = 0
    changed: int = 0
    all_ok: bool = True
    status: PageStatus = PageStatus.OK
    stated: int | None = None
    http_status: int | None = None
    problems: list[str] = field(default_factory=list)
    first_page: ListingPage | None = None
    fields: set[str] = field(default_factory=set)  # which fields this listing gave (coverage)


class StorePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        settings = crawler.settings
        self.db_url: str = settings.get("QUIETWATCH_DATABASE_URL")
        self.clinic_facts: dict[str, Any] = dict(settings.getdict("QUIETWATCH_CLINIC"))
        self.trigger: str = settings.get("QUIETWATCH_TRIGGER", "cli")
        if not self.db_url or not self.clinic_facts:
            raise ValueError("QUIETWATCH_DATABASE_URL and QUIETWATCH_CLINIC must be set")
        self.engine = None
        self.run_id: int | None = None
        self.clinic_id: int | None = None
        self.listing_ids: dict[str, int] = {}
        self.state: dict[str, _ListingState] = {}
        self.totals = {"new": 0, "changed": 0, "removed": 0, "pages": 0, "errors": 0, "blocked": 0}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "StorePipeline":
        pipeline = cls(crawler)
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    # Scrapy's signals pass a receiver only the arguments it names; mutmut's wrapper names
    # none and would be handed them all, so `make mutation` leaves this method alone.
    def spider_closed(self, spider: Spider, reason: str) -> None:  # pragma: no mutate block
        """Scrapy tells the close reason only after the pipelines closed: a crawl stopped
        early (Ctrl-C, SIGTERM, a close-spider limit) is marked interrupted here."""
        if reason == "finished" or self.run_id is None:
            return
        engine = make_engine(self.db_url)
        try:
            with session_scope(engine) as session:
                run = session.get(CrawlRun, self.run_id)
                if run is not None and run.status not in ("interrupted", "failed"):
                    run.status = "interrupted"
                    run.message = f"the crawl stopped early ({reason}); pages written are kept" + (
                        f"; {run.message}" if run.message else ""
                    )
        finally:
            engine.dispose()

    # -- lifecycle --------------------------------------------------------------------
    def open_spider(self, spider: Spider | None = None) -> None:
        spider = spider or self.crawler.spider
        self.engine = make_engine(self.db_url)
        facts = dict(self.clinic_facts)
        with session_scope(self.engine) as session:
            crud.mark_interrupted_runs(session)
            clinic = crud.ensure_clinic(
                session, key=facts.pop("key"), name=facts.pop("name"), **facts
            )
            self.clinic_id = clinic.id
            for source in getattr(spider, "sources", []):
                listing = crud.ensure_listing(
                    session,
                    clinic_id=clinic.id,
                    site=str(source.get("site") or getattr(spider, "site", "schema_org")),
                    url=str(source["url"]),
                    enabled=bool(source.get("enabled", True)),
                )
                self.listing_ids[listing.url] = listing.id
            run = crud.start_run(
                session,
                clinic_id=clinic.id,
                spider=spider.name,
                trigger=self.trigger,
                full_sweep=getattr(spider, "full_sweep", None) is not False,
            )
            self.run_id = run.id
        spider.quietwatch_run_id = self.run_id  # so the CLI can report on it
        logger.info("crawl run %s started for %d listing(s)", self.run_id, len(self.listing_ids))

    def close_spider(self, spider: Spider | None = None) -> None:
        spider = spider or self.crawler.spider
        reason = (self.stats.get_value("finish_reason") or "finished") if self.stats else "finished"
        with session_scope(self.engine) as session:
            for url, listing_id in self.listing_ids.items():
                if url not in self.state:
                    crud.record_problem(
                        session,
                        run_id=self.run_id,
                        listing_id=listing_id,
                        url=url,
                        kind="not_reached",
                        message="the crawl ended before this listing was fetched",
                    )
                    self.totals["errors"] += 1
            status, message = self._run_status(reason)
            coverage = run_coverage(
                [s.fields for s in self.state.values() if s.status not in _NOT_COUNTED]
            )
            previous = self._last_good_coverage(session, spider.name)
            vanished = compare_coverage(previous, coverage) if status != "interrupted" else []
            if vanished:
                status = "degraded"
                message = (
                    "field coverage dropped against the last good run (changed layout or a "
                    f"block?): {', '.join(vanished)}" + (f"; {message}" if message else "")
                )
                crud.record_problem(session, run_id=self.run_id, kind="degraded", message=message)
            stats = {
                k: v
                for k, v in (self.stats.get_stats() if self.stats else {}).items()
                if isinstance(v, int | float | str)
            }
            crud.finish_run(
                session,
                run=session.get(CrawlRun, self.run_id),
                status=status,
                message=message,
                pages=self.totals["pages"],
                items=self.totals["pages"],
                listings_checked=sum(1 for s in self.state.values() if s.pages),
                new_reviews=self.totals["new"],
                changed_reviews=self.totals["changed"],
                removed_reviews=self.totals["removed"],
                errors=self.totals["errors"],
                blocked=self.totals["blocked"],
                requests=int(stats.get("downloader/request_count", 0)),
                stats=stats,
                coverage=coverage,
                degraded_fields=vanished,
            )
        logger.info("crawl run %s ended: %s", self.run_id, status)
        self.engine.dispose()

    def _last_good_coverage(self, session: Any, spider_name: str) -> dict[str, Any] | None:
        """Coverage of this spider's last run for this clinic that read its listings well."""
        run = session.exec(
            select(CrawlRun)
            .where(
                CrawlRun.clinic_id == self.clinic_id,
                CrawlRun.spider == spider_name,
                CrawlRun.status == "ok",
                CrawlRun.id != self.run_id,
            )
            .order_by(CrawlRun.id.desc())
        ).first()
        return run.coverage if run is not None and run.coverage else None

    def _run_status(self, reason: str) -> tuple[str, str | None]:
        if reason not in ("finished",):
            return "interrupted", f"the crawl stopped early ({reason}); pages written are kept"
        checked = [s for s in self.state.values() if s.pages]
        failed = [s for s in checked if s.status in PROBLEM_STATUSES]
        missing = len(self.listing_ids) - len(checked)
        if self.listing_ids and len(failed) + missing == len(self.listing_ids):
            return "failed", "no listing could be read"
        if failed or missing:
            return (
                "partial",
                f"{len(failed) + missing} of {len(self.listing_ids)} listing(s) had problems",
            )
        return "ok", None

    # -- items ------------------------------------------------------------------------
    def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        if isinstance(item, DiscoveredListing):
            with session_scope(self.engine) as session:
                found = crud.record_discovered(
                    session,
                    clinic_id=self.clinic_id,
                    site=item.site,
                    url=item.url,
                    match_reason=item.match_reason,
                    site_listing_id=item.site_listing_id,
                )
                if found is not None:
                    self.stats.inc_value("quietwatch/discovered")
                    logger.info("discovered a candidate listing on %s: %s", item.site, item.url)
            return item
        if not isinstance(item, ListingPage):
            return item
        with session_scope(self.engine) as session:
            self._store_page(session, item)
        return item

    def _listing(self, session: Any, page: ListingPage) -> Listing:
        listing_id = self.listing_ids.get(page.listing_url)
        if listing_id is not None:
            return session.get(Listing, listing_id)
        listing = session.exec(
            select(Listing).where(
                Listing.clinic_id == self.clinic_id, Listing.url == page.listing_url
            )
        ).first() or crud.ensure_listing(
            session, clinic_id=self.clinic_id, site=page.site, url=page.listing_url
        )
        self.listing_ids[page.listing_url] = listing.id
        return listing

    def _store_page(self, session: Any, page: ListingPage) -> None:
        listing = self._listing(session, page)
        state = self.state.setdefault(page.listing_url, _ListingState())
        state.pages += 1
        state.http_status = page.http_status
        self.totals["pages"] += 1
        now = page.crawled_at or datetime.now(UTC)
        if page.status == PageStatus.OK:
            state.fields |= listing_fields(page.facts, page.reviews)
            if page.facts is not None:
                facts = asdict(page.facts)
                crud.record_facts(
                    session, listing=listing, facts=facts, seen_at=now, run_id=self.run_id
                )
                state.stated = page.facts.review_count
                state.first_page = state.first_page or page
            outcome = crud.upsert_reviews(
                session,
                listing=listing,
                reviews=[asdict(r) for r in page.reviews],
                seen_at=now,
                run_id=self.run_id,
            )
            state.reviews_seen += len(page.reviews)
            state.new += len(outcome["new"])
            state.changed += len(outcome["changed"])
            self._findings(session, listing, outcome["new"] + outcome["changed"], now)
            if page.page_number == 1 and (page.etag or page.last_modified):
                listing.etag, listing.last_modified = page.etag, page.last_modified
        elif page.status == PageStatus.NOT_MODIFIED:
            state.status = PageStatus.NOT_MODIFIED
        else:
            state.all_ok = False
            state.status = page.status
            state.problems.append(page.problem or page.status.value)
            self.totals["errors"] += 1
            if page.status == PageStatus.BLOCKED:
                self.totals["blocked"] += 1
            if page.status == PageStatus.GONE and listing.gone_at is None:
                listing.gone_at = now
            crud.record_problem(
                session,
                run_id=self.run_id,
                listing_id=listing.id,
                url=page.page_url,
                kind=page.status.value,
                message=page.problem or page.status.value,
            )
        if page.is_last_page:
            self._finish_listing(session, listing, state, now, page)

    def _finish_listing(
        self, session: Any, listing: Listing, state: _ListingState, now: datetime, page: ListingPage
    ) -> None:
        full_sweep = page.full_sweep
        complete = state.all_ok and page.status == PageStatus.OK
        removed: list[Any] = []
        if complete and full_sweep:
            removed = crud.mark_removed(session, listing=listing, run_id=self.run_id, seen_at=now)
            listing.last_full_sweep_at = now
        held = crud.visible_review_count(session, listing_id=listing.id)
        shortfall = None
        if state.stated is not None and state.stated > held:
            shortfall = state.stated - held
            if complete:
                crud.record_problem(
                    session,
                    run_id=self.run_id,
                    listing_id=listing.id,
                    url=listing.url,
                    kind="shortfall",
                    message=(
                        f"the listing states {state.stated} review(s); QuietWatch holds {held} "
                        f"({shortfall} not shown on the pages read: filtered, hidden or paged beyond reach)"
                    ),
                )
        listing_ok = state.status in (PageStatus.OK, PageStatus.NOT_MODIFIED)
        listing.last_crawled_at = now
        listing.last_status = state.status.value
        if listing_ok:
            listing.last_success_at = now
            listing.gone_at = None
        crud.record_check(
            session,
            run_id=self.run_id,
            listing_id=listing.id,
            status=state.status.value,
            pages=state.pages,
            reviews_seen=state.reviews_seen,
            new_reviews=state.new,
            changed_reviews=state.changed,
            removed_reviews=len(removed),
            stated_review_count=state.stated,
            shortfall=shortfall,
            complete=complete,
            http_status=state.http_status,
            message="; ".join(state.problems) or None,
            checked_at=now,
        )
        self.totals["new"] += state.new
        self.totals["changed"] += state.changed
        self.totals["removed"] += len(removed)
        self.stats.inc_value(f"quietwatch/listing/{state.status.value}")

    def _findings(self, session: Any, listing: Listing, reviews: list[Any], now: datetime) -> None:
        """Compliance findings for new or edited reviews (owner responses, disclosures)."""
        if not reviews:
            return
        from guardrail.findings import review_findings

        for review in reviews:
            data = review.model_dump()
            data["listing_url"] = listing.url
            for spec in review_findings(data):
                crud.record_finding(
                    session,
                    clinic_id=listing.clinic_id,
                    kind=spec.kind,
                    dedupe_key=spec.dedupe_key,
                    seen_at=now,
                    category=spec.category,
                    rule_id=spec.rule_id,
                    severity=spec.severity,
                    source_url=review.url or listing.url,
                    listing_id=listing.id,
                    review_id=review.id,
                    excerpt=spec.excerpt,
                    explanation=spec.explanation,
                    guidance=spec.guidance,
                    run_id=self.run_id,
                )
