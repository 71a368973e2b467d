"""Store the own-content scan's findings (``OwnContentPage`` items) as compliance findings.

Handles only :class:`crawlers.pages.own_site.OwnContentPage`; every other item passes
through.  One transaction per page; a finding seen again only has its ``last_seen_at``
moved (``store.crud.record_finding`` upserts on the clinic and the dedupe key).
"""

import logging
from datetime import UTC, datetime
from typing import Any

from scrapy import Spider
from scrapy.crawler import Crawler

from crawlers.pages.own_site import OwnContentPage
from store import crud
from store.db import make_engine, session_scope

logger = logging.getLogger(__name__)


class ContentFindingsPipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.db_url: str | None = crawler.settings.get("QUIETWATCH_DATABASE_URL")
        self.clinic_facts: dict[str, Any] = dict(crawler.settings.getdict("QUIETWATCH_CLINIC"))
        self.engine = None
        self.clinic_id: int | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "ContentFindingsPipeline":
        return cls(crawler)

    def open_spider(self, spider: Spider | None = None) -> None:
        if not self.db_url or not self.clinic_facts:
            raise ValueError("QUIETWATCH_DATABASE_URL and QUIETWATCH_CLINIC must be set")
        self.engine = make_engine(self.db_url)
        facts = dict(self.clinic_facts)
        with session_scope(self.engine) as session:
            clinic = crud.ensure_clinic(
                session, key=facts.pop("key"), name=facts.pop("name"), **facts
            )
            self.clinic_id = clinic.id

    def close_spider(self, spider: Spider | None = None) -> None:
        if self.engine is not None:
            self.engine.dispose()

    def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        if not isinstance(item, OwnContentPage):
            return item
        spider = spider or self.crawler.spider
        run_id = getattr(spider, "quietwatch_run_id", None)
        seen_at = item.crawled_at or datetime.now(UTC)
        new = 0
        with session_scope(self.engine) as session:
            for finding in item.findings:
                _row, is_new = crud.record_finding(
                    session,
                    clinic_id=self.clinic_id,
                    kind=finding.kind,
                    dedupe_key=finding.dedupe_key,
                    seen_at=seen_at,
                    category=finding.category,
                    rule_id=finding.rule_id,
                    severity=finding.severity,
                    source_url=item.url,
                    excerpt=finding.excerpt,
                    explanation=finding.explanation,
                    guidance=finding.guidance,
                    run_id=run_id,
                )
                new += int(is_new)
        if item.findings:
            logger.warning(
                "%d solicitation finding(s) on %s (%d new)", len(item.findings), item.url, new
            )
        self.stats.inc_value("quietwatch/own_content/pages")
        self.stats.inc_value("quietwatch/own_content/new_findings", new)
        return item
