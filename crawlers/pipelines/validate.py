"""Drop items that cannot be stored, and say why, instead of failing the run.

Dates a page gives are kept only where they can be true: not before the year the site
began (the registry's ``founded``) and not after the crawl (a day's grace for time zones).
An impossible date keeps its text as shown, loses its parsed value, and is named in a note
on the page, so it can never pin a review as the newest or the oldest.
"""

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crawlers.items import ListingPage, PageStatus, ReviewItem

logger = logging.getLogger(__name__)


class ValidatePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "ValidatePipeline":
        return cls(crawler)

    def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        if not isinstance(item, ListingPage):
            return item
        spec = getattr(spider or self.crawler.spider, "spec", None)
        earliest = datetime(getattr(spec, "founded", 1994), 1, 1, tzinfo=UTC)
        latest = (item.crawled_at or datetime.now(UTC)) + timedelta(days=1)
        if not item.listing_url:
            self.stats.inc_value("quietwatch/dropped/no_listing_url")
            raise DropItem("a listing page without its listing URL cannot be stored")
        kept: list[ReviewItem] = []
        for review in item.reviews:
            if review.rating is not None and not 0 <= review.rating <= (review.best_rating or 10):
                self.stats.inc_value("quietwatch/review/bad_rating")
                review.rating = None
            if not (review.text or review.rating is not None or review.site_review_id):
                self.stats.inc_value("quietwatch/review/empty")
                continue
            if review.published_at is not None and review.published_at.tzinfo is None:
                self.stats.inc_value("quietwatch/review/naive_date")
                review.published_at = None
            self._plausible_dates(item, review, earliest, latest)
            kept.append(review)
        if len(kept) != len(item.reviews):
            logger.warning(
                "%s: %d review(s) held nothing to store",
                item.page_url,
                len(item.reviews) - len(kept),
            )
        item.reviews = kept
        if item.status == PageStatus.OK and item.facts is None and not item.reviews:
            item.status = PageStatus.UNREADABLE
            item.problem = item.problem or "the page held no listing facts and no reviews"
        return item

    def _plausible_dates(
        self, page: ListingPage, review: ReviewItem, earliest: datetime, latest: datetime
    ) -> None:
        for name, raw_name in (
            ("published_at", "published_raw"),
            ("original_published_at", "original_published_raw"),
            ("owner_response_at", "owner_response_raw_date"),
        ):
            value = getattr(review, name)
            if value is None or earliest <= value <= latest:
                continue
            self.stats.inc_value("quietwatch/review/implausible_date")
            shown = getattr(review, raw_name) or value.date().isoformat()
            page.notes.append(
                f"a review's date {shown!r} cannot be true (before {earliest.year} or after "
                "the crawl); its text is kept, the date is not used"
            )
            setattr(review, name, None)
            if name == "published_at":
                review.published_precision = None
