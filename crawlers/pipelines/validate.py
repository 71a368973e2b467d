"""Drop items that cannot be stored, and say why, instead of failing the run."""

import logging
from typing import Any

from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crawlers.items import ListingPage, PageStatus, ReviewItem

logger = logging.getLogger(__name__)


class ValidatePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "ValidatePipeline":
        return cls(crawler)

    def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        if not isinstance(item, ListingPage):
            return item
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
