"""Downloader middlewares.

``ReadOnlyMiddleware`` is the crawler's half of the guardrail: only GET and HEAD requests
leave the process, and never to an endpoint that writes a review, replies or sends a
message, whatever the method.  A refused request is dropped, logged and counted.
"""

import logging
from typing import Any

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.statscollectors import StatsCollector

from crawlers.sites import SITE_ENDPOINTS
from guardrail.endpoints import is_write_endpoint

logger = logging.getLogger(__name__)

ALLOWED_METHODS = frozenset({"GET", "HEAD"})


class ReadOnlyMiddleware:
    """Refuse every request that is not a plain read."""

    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "ReadOnlyMiddleware":
        return cls(crawler.stats)

    def process_request(self, request: Request, spider: Spider | None = None) -> Any:
        method = request.method.upper()
        if method not in ALLOWED_METHODS:
            self.stats.inc_value("quietwatch/refused/method")
            self.stats.inc_value(f"quietwatch/refused/method/{method}")
            logger.error(
                "refused a %s request to %s: QuietWatch only reads (GET/HEAD)", method, request.url
            )
            raise IgnoreRequest(f"QuietWatch is read-only: {method} refused")
        reason = is_write_endpoint(request.url, SITE_ENDPOINTS)
        if reason:
            self.stats.inc_value("quietwatch/refused/endpoint")
            logger.error("refused a request to %s: %s", request.url, reason)
            raise IgnoreRequest(f"QuietWatch never opens write/reply endpoints: {reason}")
        return None
