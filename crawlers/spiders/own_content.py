"""Read the clinic's own website, blog and feeds, and report solicitation found there.

Starts from ``own_content.urls`` and ``own_content.feeds`` of the configuration (spider
arguments ``urls``/``feeds``/``max_pages``, or the ``QUIETWATCH_OWN_CONTENT`` setting),
follows links only on those hosts, obeys robots.txt like every QuietWatch spider, and yields
one :class:`~crawlers.pages.own_site.OwnContentPage` per page or feed.
"""

import logging
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response, TextResponse

from crawlers.pages import own_site

logger = logging.getLogger(__name__)


class OwnContentSpider(scrapy.Spider):
    name = "own_content"
    site = "own_site"

    def __init__(
        self,
        urls: list[str] | str | None = None,
        feeds: list[str] | str | None = None,
        max_pages: int | str = 200,
        crawled_at: datetime | None = None,
        *args: Any,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.urls = _as_list(urls)
        self.feeds = _as_list(feeds)
        self.max_pages = int(max_pages)
        self.crawled_at = crawled_at or datetime.now(UTC)
        self.pages_seen = 0

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> "OwnContentSpider":
        configured = crawler.settings.getdict("QUIETWATCH_OWN_CONTENT")
        for name in ("urls", "feeds", "max_pages"):
            if kwargs.get(name) is None and configured.get(name) is not None:
                kwargs[name] = configured[name]
        return super().from_crawler(crawler, *args, **kwargs)

    @property
    def hosts(self) -> set[str]:
        return {urlsplit(u).hostname or "" for u in self.urls + self.feeds} - {""}

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.urls:
            yield scrapy.Request(url, callback=self.parse)
        for url in self.feeds:
            yield scrapy.Request(url, callback=self.parse, priority=10)

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        if not isinstance(response, TextResponse):
            return
        self.pages_seen += 1
        page = own_site.parse(response, crawled_at=self.crawled_at, hosts=self.hosts)
        self.crawler.stats.inc_value("quietwatch/own_content/findings", len(page.findings))
        yield page
        for feed in page.feeds:
            yield scrapy.Request(feed, callback=self.parse, priority=10)
        for link in page.links:
            if self.pages_seen >= self.max_pages:
                logger.info("own-content scan stopped at %d pages (max_pages)", self.max_pages)
                break
            yield scrapy.Request(link, callback=self.parse)


def _as_list(value: list[str] | str | None) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return [str(v) for v in value]
