"""Downloader middlewares: what may leave the crawl process.

``ReadOnlyMiddleware`` is the crawler's half of the guardrail: only GET and HEAD requests
leave the process, and never to an endpoint that writes a review, replies or sends a
message, whatever the method.  ``ScopeMiddleware`` keeps every request of a listing —
redirects included — to the listing's own hosts (``crawlers.scope``), and takes every
credential off a request the site redirected to another host.  A refused request is
dropped, logged, counted, and becomes a problem on its listing in plain words
(:class:`Refused`).
"""

import logging
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.statscollectors import StatsCollector

from crawlers.scope import host_of
from crawlers.sites import SITE_ENDPOINTS
from guardrail.endpoints import is_write_endpoint

logger = logging.getLogger(__name__)

ALLOWED_METHODS = frozenset({"GET", "HEAD"})
CREDENTIAL_HEADERS = ("Authorization", "Proxy-Authorization", "Cookie", "X-Goog-Api-Key")
CREDENTIAL_PARAMS = frozenset({"key", "api_key", "apikey", "access_token", "token", "sig"})


class Refused(IgnoreRequest):
    """A request QuietWatch would not send; ``reason`` is in plain words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


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
            raise Refused(f"QuietWatch only reads; a {method} request was refused")
        reason = is_write_endpoint(request.url, SITE_ENDPOINTS)
        if reason:
            self.stats.inc_value("quietwatch/refused/endpoint")
            logger.error("refused a request to %s: %s", request.url, reason)
            raise Refused(f"the request led to {reason}; QuietWatch never opens those")
        return None


class ScopeMiddleware:
    """Keep a listing's requests on its own hosts; no credential follows a redirect."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "ScopeMiddleware":
        return cls(crawler)

    def process_request(self, request: Request, spider: Spider | None = None) -> Any:
        spider = spider or self.crawler.spider
        listing_url = request.meta.get("listing_url")
        redirects = request.meta.get("redirect_urls") or []
        if redirects and host_of(request.url) != host_of(redirects[0]):
            cleaned = without_credentials(request)
            if cleaned is not request:
                self.stats.inc_value("quietwatch/redirect/credentials_dropped")
                return cleaned  # scheduled again, and checked again, without them
        if not listing_url or not hasattr(spider, "refusal"):
            return None
        reason = spider.refusal(request.url, listing_url, redirected=bool(redirects))
        if reason:
            self.stats.inc_value("quietwatch/refused/scope")
            logger.warning("refused %s for %s: %s", request.url, listing_url, reason)
            raise Refused(reason)
        return None


def without_credentials(request: Request) -> Request:
    """The request without any credential header or query key (the same request when it
    carries none)."""
    parts = urlsplit(request.url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    kept = [(k, v) for k, v in query if k.lower() not in CREDENTIAL_PARAMS]
    has_header = any(h in request.headers for h in CREDENTIAL_HEADERS)
    if len(kept) == len(query) and not has_header:
        return request
    headers = {k: v for k, v in request.headers.items()}
    for name in CREDENTIAL_HEADERS:
        headers.pop(name.encode(), None)
        headers.pop(name.encode().lower(), None)
    url = urlunsplit(parts._replace(query=urlencode(kept)))
    return request.replace(url=url, headers=headers)
