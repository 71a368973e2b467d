"""Store compliance findings of every kind, each as a guardrail ``FindingSpec``.

- Reviews: after the store pipeline has written a listing page, every review of the
  listing whose current content has not been checked yet (new, edited, or left unchecked
  by a crawl that died) is checked for owner responses and disclosures
  (:func:`guardrail.findings.review_findings`), in one transaction with the mark that says
  it was checked.
- The clinic's own pages (``OwnContentPage``): the solicitation the checker found there.

A finding seen again only has its ``last_seen_at`` moved.
"""

import logging
from datetime import UTC, datetime
from typing import Any

from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from crawlers.extensions import CrawlRunExtension
from crawlers.items import ListingPage
from crawlers.pages.own_site import OwnContentPage
from guardrail.findings import review_findings
from store import crud
from store.db import session_scope
from store.models import ListingStatus

logger = logging.getLogger(__name__)


def _review_records(review: dict[str, Any]) -> list[dict[str, Any]]:
    return [spec.record_fields() for spec in review_findings(review)]


class FindingsPipeline:
    def __init__(self, crawler: Crawler, run: CrawlRunExtension) -> None:
        self.stats = crawler.stats
        self.run = run

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "FindingsPipeline":
        run = CrawlRunExtension.of(crawler)
        if run is None:
            raise NotConfigured("no store to write to")
        return cls(crawler, run)

    def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        if isinstance(item, ListingPage) and item.status in (
            ListingStatus.OK,
            ListingStatus.PARTIAL,
        ):
            self._check_reviews(item)
        elif isinstance(item, OwnContentPage):
            self._own_content(item)
        return item

    def _check_reviews(self, page: ListingPage) -> None:
        seen_at = page.crawled_at or datetime.now(UTC)
        with session_scope(self.run.engine) as session:
            new = crud.check_reviews(
                session,
                listing_id=self.run.listing_id(session, page.listing_url, page.site),
                checker=_review_records,
                seen_at=seen_at,
                run_id=self.run.run_id,
            )
        if new:
            self.stats.inc_value("quietwatch/findings/new", new)

    def _own_content(self, page: OwnContentPage) -> None:
        seen_at = page.crawled_at or datetime.now(UTC)
        new = 0
        with session_scope(self.run.engine) as session:
            for spec in page.findings:
                _id, is_new = crud.record_finding(
                    session,
                    clinic_id=self.run.clinic_id,
                    seen_at=seen_at,
                    source_url=page.url,
                    run_id=self.run.run_id,
                    **spec.record_fields(),
                )
                new += int(is_new)
        if page.findings:
            logger.warning(
                "%d solicitation finding(s) on %s (%d new)", len(page.findings), page.url, new
            )
        self.stats.inc_value("quietwatch/own_content/pages")
        self.stats.inc_value("quietwatch/own_content/new_findings", new)
