"""The base every listing spider shares: start from configured sources, follow review
pages, turn failures into ``ListingPage`` items with a status, never into silence.

A site spider is mostly declarations: ``name``, ``site`` and a ``parse_page`` that hands the
response to its page object in ``crawlers.pages``.
"""

import logging
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawlers.items import ListingPage, PageStatus

logger = logging.getLogger(__name__)


class ListingSpider(scrapy.Spider):
    """Crawl the listing pages given in ``sources`` (dicts with at least ``url``)."""

    site: str = "schema_org"
    page_class: type | None = None  # a crawlers.pages StructuredPage subclass
    # Let 4xx/5xx reach the callbacks so they become statuses, not dropped responses.
    custom_settings: dict[str, Any] = {"HTTPERROR_ALLOW_ALL": True}

    def __init__(
        self,
        sources: list[dict[str, Any]] | None = None,
        crawled_at: datetime | None = None,
        max_review_pages: int = 50,
        full_sweep: bool = True,
        *args: Any,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.sources = [dict(s) for s in (sources or [])]
        self.crawled_at = crawled_at or datetime.now(UTC)
        self.max_review_pages = int(max_review_pages)
        self.full_sweep = bool(full_sweep)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for source in self.sources:
            for request in self.start_requests_for(source):
                yield request

    def start_requests_for(self, source: dict[str, Any]) -> Iterator[scrapy.Request]:
        url = str(source["url"])
        yield self.page_request(url, listing_url=url, page_number=1, source=source)

    def page_request(
        self, url: str, *, listing_url: str, page_number: int, source: dict[str, Any], **kw: Any
    ) -> scrapy.Request:
        meta = {"listing_url": listing_url, "page_number": page_number, "source": source}
        meta.update(kw.pop("meta", {}))
        return scrapy.Request(
            url, callback=self.parse, errback=self.on_error, meta=meta, dont_filter=True, **kw
        )

    # -- parsing ---------------------------------------------------------------------------
    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        meta = response.meta
        listing_url, page_number = meta["listing_url"], meta["page_number"]
        status = self.status_for(response)
        if status is not None:
            yield self.problem_page(
                listing_url, response.url, status, page_number, http_status=response.status
            )
            return
        try:
            page = self.parse_page(response, listing_url=listing_url, page_number=page_number)
        except Exception as exc:  # a parser bug must not end the crawl of other listings
            logger.exception("parser failed on %s", response.url)
            page = self.problem_page(
                listing_url,
                response.url,
                PageStatus.UNREADABLE,
                page_number,
                problem=f"the page could not be parsed: {type(exc).__name__}: {exc}",
                http_status=response.status,
            )
        page.http_status = response.status
        follow = (
            page.status == PageStatus.OK
            and page.next_url
            and page_number < self.max_review_pages
            and self.should_follow(page)
        )
        page.is_last_page = not follow
        yield page
        if follow:
            yield self.page_request(
                response.urljoin(page.next_url),
                listing_url=listing_url,
                page_number=page_number + 1,
                source=meta["source"],
            )

    def parse_page(self, response: Response, *, listing_url: str, page_number: int) -> ListingPage:
        """Turn a response into a ListingPage with the spider's page object."""
        from crawlers.pages.schema_org import StructuredPage

        page_class = self.page_class or StructuredPage
        page = page_class.from_response(
            response, listing_url=listing_url, page_number=page_number, crawled_at=self.crawled_at
        )
        page.site = self.site
        return page.to_item()

    def should_follow(self, page: ListingPage) -> bool:
        """Whether to fetch the next review page (incremental crawls may stop early)."""
        return True

    def status_for(self, response: Response) -> PageStatus | None:
        """A non-OK status for responses that are not listing pages at all."""
        if response.status in (404, 410):
            return PageStatus.GONE
        if response.status == 304:
            return PageStatus.NOT_MODIFIED
        if response.status in (401, 403, 429):
            return PageStatus.BLOCKED
        if response.status >= 500:
            from crawlers.blocks import detect_block

            return PageStatus.BLOCKED if detect_block(response) else PageStatus.ERROR
        if response.status >= 400:
            return PageStatus.ERROR
        from crawlers.blocks import detect_block

        return PageStatus.BLOCKED if detect_block(response) else None

    def problem_page(
        self,
        listing_url: str,
        url: str,
        status: PageStatus,
        page_number: int,
        *,
        problem: str | None = None,
        http_status: int | None = None,
    ) -> ListingPage:
        return ListingPage(
            site=self.site,
            listing_url=listing_url,
            page_url=url,
            crawled_at=self.crawled_at,
            status=status,
            page_number=page_number,
            problem=problem or _PLAIN.get(status, status.value),
            http_status=http_status,
            is_last_page=True,
        )

    def on_error(self, failure: Failure) -> Iterator[ListingPage]:
        request = failure.request
        meta = request.meta
        if failure.check(HttpError):
            response = failure.value.response
            status = self.status_for(response) or PageStatus.ERROR
            http_status = response.status
        elif failure.check(IgnoreRequest) and "robots.txt" in failure.getErrorMessage():
            status, http_status = PageStatus.ROBOTS, None
        else:
            status, http_status = PageStatus.ERROR, None
        logger.warning("could not fetch %s: %s", request.url, failure.getErrorMessage())
        yield self.problem_page(
            meta.get("listing_url", request.url),
            request.url,
            status,
            meta.get("page_number", 1),
            problem=f"{_PLAIN.get(status, status.value)} ({failure.getErrorMessage()})",
            http_status=http_status,
        )


_PLAIN = {
    PageStatus.BLOCKED: "the site answered with a block page, CAPTCHA or consent wall",
    PageStatus.GONE: "the listing is gone (404/410)",
    PageStatus.UNREADABLE: "the page held nothing we know how to read (changed layout?)",
    PageStatus.ERROR: "the page could not be fetched",
    PageStatus.ROBOTS: "robots.txt forbids fetching this page; QuietWatch obeyed",
    PageStatus.NOT_MODIFIED: "not modified since the last crawl",
}
