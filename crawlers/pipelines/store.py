"""Write each ``ListingPage`` to the store in one transaction.

A page's facts, reviews, problem and the run's counts commit together, so a crawl that is
killed leaves whole pages and a run that says what it wrote.  When a listing's last page
is written, the listing is closed in the same transaction: removals are decided (only for
a listing whose every review page was read in a full sweep), the stated review count is
reconciled with what is held, and the listing's check for the run is recorded.  What the
pipeline keeps in memory is one small record per listing still being read.
"""

import logging
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from crawlers.coverage import listing_fields
from crawlers.extensions import CrawlRunExtension
from crawlers.items import DiscoveredListing, ListingPage
from crawlers.sites import APIS
from store import crud, runs
from store.db import session_scope
from store.models import ListingStatus

logger = logging.getLogger(__name__)

# A page with one of these statuses was read: its facts and reviews are stored.
_READ = (ListingStatus.OK, ListingStatus.PARTIAL)


@dataclass
class _Listing:
    """What one listing has given so far in this run (dropped when its last page is in)."""

    pages: int = 0
    reviews_seen: int = 0
    new: int = 0
    changed: int = 0
    complete: bool = True  # every page so far was read in full
    status: ListingStatus = ListingStatus.OK
    stated: int | None = None
    http_status: int | None = None
    problems: list[str] = field(default_factory=list)
    fields: set[str] = field(default_factory=set)  # which fields it gave (coverage)


class StorePipeline:
    def __init__(self, crawler: Crawler, run: CrawlRunExtension) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.run = run
        self.listings: dict[str, _Listing] = {}
        # What may be kept of a reviewer's name ([privacy] keep_reviewer_names).
        self.names = crawler.settings.get("QUIETWATCH_REVIEWER_NAMES") or "as_shown"

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "StorePipeline":
        run = CrawlRunExtension.of(crawler)
        if run is None:
            raise NotConfigured("no store to write to")
        return cls(crawler, run)

    def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        if isinstance(item, DiscoveredListing):
            self._store_discovered(item)
        elif isinstance(item, ListingPage):
            with session_scope(self.run.engine) as session:
                self._store_page(session, item, spider or self.crawler.spider)
        return item

    def _store_discovered(self, item: DiscoveredListing) -> None:
        with session_scope(self.run.engine) as session:
            found = crud.record_discovered(
                session,
                clinic_id=self.run.clinic_id,
                site=item.site,
                url=item.url,
                match_reason=item.match_reason,
                site_listing_id=item.site_listing_id,
            )
        if found is not None:
            self.stats.inc_value("quietwatch/discovered")
            logger.info("discovered a candidate listing on %s: %s", item.site, item.url)

    def _store_page(self, session: Any, page: ListingPage, spider: Spider) -> None:
        run_id = self.run.run_id
        listing_id = self.run.listing_id(session, page.listing_url, page.site)
        state = self.listings.setdefault(page.listing_url, _Listing())
        state.pages += 1
        state.http_status = page.http_status
        now = page.crawled_at or datetime.now(UTC)
        counts = {"pages": 1, "items": 1}
        if page.status in _READ:
            state.fields |= listing_fields(page.facts, page.reviews)
            if page.facts is not None:
                facts = asdict(page.facts)
                crud.record_facts(
                    session, listing_id=listing_id, facts=facts, seen_at=now, run_id=run_id
                )
                state.stated = page.facts.review_count
            outcome = crud.upsert_reviews(
                session,
                listing_id=listing_id,
                reviews=[vars(r) for r in page.reviews],  # flat dataclasses: no deep copy
                seen_at=now,
                run_id=run_id,
                names=self.names,
            )
            state.reviews_seen += len(page.reviews)
            state.new += len(outcome.new)
            state.changed += len(outcome.changed)
            counts.update(new_reviews=len(outcome.new), changed_reviews=len(outcome.changed))
            if page.page_number == 1 and (page.etag or page.last_modified):
                crud.update_listing(
                    session, listing_id, etag=page.etag, last_modified=page.last_modified
                )
        if page.status == ListingStatus.NOT_MODIFIED:
            state.status = ListingStatus.NOT_MODIFIED
        elif page.status != ListingStatus.OK:
            state.complete = False
            state.status = page.status
            state.problems.append(page.problem or page.status.value)
            if page.status != ListingStatus.PARTIAL and not page.status.dormant:
                counts.update(errors=1, blocked=int(page.status == ListingStatus.BLOCKED))
            if page.status == ListingStatus.GONE:
                crud.mark_gone(session, listing_id=listing_id, at=now)
            runs.record_problem(
                session,
                run_id=run_id,
                listing_id=listing_id,
                url=page.page_url,
                kind=page.status.value,
                message=page.problem or page.status.value,
            )
        for note in dict.fromkeys(page.notes):  # once each
            runs.record_problem(
                session,
                run_id=run_id,
                listing_id=listing_id,
                url=page.page_url,
                kind="note",
                message=note,
            )
        if page.is_last_page:
            counts["removed_reviews"] = self._close_listing(session, listing_id, page, spider)
        runs.add_counts(session, run_id=run_id, **counts)

    def _close_listing(
        self, session: Any, listing_id: int, page: ListingPage, spider: Spider
    ) -> int:
        """The listing's last page is in: removals, the stated count, the check row.
        Returns the number of reviews removed."""
        state = self.listings.pop(page.listing_url)
        run_id = self.run.run_id
        now = page.crawled_at or datetime.now(UTC)
        complete = state.complete and page.status == ListingStatus.OK
        removed = 0
        if complete and page.full_sweep:
            removed = crud.mark_removed(session, listing_id=listing_id, run_id=run_id, seen_at=now)
            crud.update_listing(session, listing_id, last_full_sweep_at=now)
        held = crud.visible_review_count(session, listing_id=listing_id)
        api = APIS.get(getattr(spider, "api", "") or "")
        shortfall = None
        if api is not None and api.review_cap is not None:
            state.problems.append(api.cap_note or "")  # a capped source: no shortfall, ever
            if api.newest_first and state.new >= api.review_cap and held > state.new:
                window = (
                    f"all {state.new} reviews the {api.display} returned are new since the "
                    f"last crawl: more may have arrived than it shows (the newest "
                    f"{api.review_cap}); crawl more often (a shorter crawl.interval_hours)"
                )
                state.problems.append(window)
                runs.record_problem(
                    session,
                    run_id=run_id,
                    listing_id=listing_id,
                    url=page.listing_url,
                    kind="window_full",
                    message=window,
                )
        elif state.stated is not None and state.stated > held:
            shortfall = state.stated - held
            if complete:
                runs.record_problem(
                    session,
                    run_id=run_id,
                    listing_id=listing_id,
                    url=page.listing_url,
                    kind="shortfall",
                    message=(
                        f"the listing states {state.stated} review(s); QuietWatch holds {held} "
                        f"({shortfall} not shown on the pages read: filtered, hidden or paged "
                        "beyond reach)"
                    ),
                )
        crud.close_listing(session, listing_id=listing_id, status=state.status, at=now)
        runs.record_check(
            session,
            run_id=run_id,
            listing_id=listing_id,
            status=state.status,
            pages=state.pages,
            reviews_seen=state.reviews_seen,
            new_reviews=state.new,
            changed_reviews=state.changed,
            removed_reviews=removed,
            stated_review_count=state.stated,
            shortfall=shortfall,
            complete=complete,
            http_status=state.http_status,
            message="; ".join(p for p in state.problems if p) or None,
            fields=sorted(state.fields),
            checked_at=now,
        )
        self.stats.inc_value(f"quietwatch/listing/{state.status.value}")
        return removed
