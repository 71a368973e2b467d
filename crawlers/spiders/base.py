"""The base every listing spider shares: start from configured sources, follow review
pages, turn failures into ``ListingPage`` items with a status, never into silence.

A site's spider is its registry entry (``crawlers.sites``): ``crawlers.spiders.sites``
builds one per page site, and a site that needs more (Healthgrades' fallback, the APIs)
subclasses this with ``spec`` (or ``api``) set and overrides a hook or two.
"""

import json
import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet import defer, error
from twisted.python.failure import Failure

from crawlers import scope
from crawlers.blocks import detect_block
from crawlers.extensions import CrawlRunExtension
from crawlers.items import ListingPage, PageStatus
from crawlers.middlewares import Refused
from crawlers.sites import SITE_ENDPOINTS, SITES, Site, load
from guardrail.endpoints import is_write_endpoint
from store.crud import content_hash
from store.queries import ListingMemory

logger = logging.getLogger(__name__)


def add_params(url: str, params: dict[str, str]) -> str:
    """The URL with these query parameters set (kept as they are when already present)."""
    if not params:
        return url
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    for name, value in params.items():
        query.setdefault(name, value)
    return urlunsplit(parts._replace(query=urlencode(query)))


def _page_key(url: str) -> str:
    """A page's address for loop detection: without its fragment."""
    return url.split("#", 1)[0]


def _flag(value: Any) -> bool | None:
    """Spider arguments arrive as strings from ``scrapy crawl -a`` and Scrapyd."""
    if value is None or isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("", "auto", "none"):
        return None
    return text in ("1", "true", "yes", "on")


class ListingSpider(scrapy.Spider):
    """Crawl the listing pages given in ``sources`` (dicts with at least ``url``)."""

    spec: Site = SITES["schema_org"]  # the site's registry entry: name, page object, order
    # Let 4xx/5xx reach the callbacks so they become statuses, not dropped responses.
    custom_settings: dict[str, Any] = {"HTTPERROR_ALLOW_ALL": True}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "spec" in cls.__dict__ and "name" not in cls.__dict__:
            cls.name = cls.spec.name  # a site's spider is named after the site

    @classmethod
    def for_site(cls, spec: Site, module: str) -> type["ListingSpider"]:
        """The spider of a site that needs nothing but its registry entry, as a class of
        ``module`` (where Scrapy's spider loader finds it by name)."""
        words = spec.name.replace("_", " ").title().replace(" ", "")
        return type(f"{words}Spider", (cls,), {"spec": spec, "__module__": module})

    @property
    def site(self) -> str:
        return self.spec.name

    def __init__(
        self,
        sources: list[dict[str, Any]] | str | None = None,
        crawled_at: datetime | str | None = None,
        max_review_pages: int | str = 50,
        follow_next: bool | str = True,
        full_sweep: bool | str | None = None,
        *args: Any,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if isinstance(sources, str):  # JSON from `scrapy crawl -a sources=...` or Scrapyd
            sources = json.loads(sources)
        self.sources = [dict(s) for s in (sources or [])]
        if isinstance(crawled_at, str):
            crawled_at = datetime.fromisoformat(crawled_at)
        self.crawled_at = crawled_at or datetime.now(UTC)
        self.max_review_pages = int(max_review_pages)
        # False: read the first page of each listing only (`quietwatch parse`), as it is.
        self.follow_next = _flag(follow_next) is not False
        # True: read every review page of every listing (and decide removals); False: stop
        # early; None: a full sweep for listings whose last one is older than the setting
        # QUIETWATCH_FULL_SWEEP_DAYS, incremental for the rest.
        self.full_sweep = _flag(full_sweep)
        self.memory: dict[str, ListingMemory] = {}
        self._visited: dict[str, dict[str, int]] = {}  # listing -> page URL -> page number

    async def start(self) -> AsyncIterator[scrapy.Request]:
        self.memory = self.load_memory()
        for source in self.sources:
            for request in self.start_requests_for(source):
                yield request

    def start_requests_for(self, source: dict[str, Any]) -> Iterator[scrapy.Request]:
        url = str(source["url"])
        yield self.page_request(
            add_params(url, self.spec.newest_first_params),
            listing_url=url,
            page_number=1,
            source=source,
            headers=self.conditional_headers(url),
        )

    # -- incremental crawling ----------------------------------------------------------------
    def load_memory(self) -> dict[str, ListingMemory]:
        """What the store knows of this spider's listings (none without a store)."""
        run = CrawlRunExtension.of(self.crawler) if hasattr(self, "crawler") else None
        if run is None or not self.sources:
            return {}
        return run.memory([str(s["url"]) for s in self.sources])

    def is_full_sweep(self, listing_url: str) -> bool:
        if self.full_sweep is not None:
            return self.full_sweep
        mem = self.memory.get(listing_url)
        if mem is None or mem.last_full_sweep_at is None:
            return True
        settings = getattr(self, "settings", None)
        days = settings.getfloat("QUIETWATCH_FULL_SWEEP_DAYS", 7.0) if settings is not None else 7.0
        last = mem.last_full_sweep_at
        last = last if last.tzinfo else last.replace(tzinfo=UTC)
        return self.crawled_at - last >= timedelta(days=days)

    def conditional_headers(self, listing_url: str) -> dict[str, str]:
        """If-None-Match / If-Modified-Since for an incremental crawl of a known listing."""
        mem = self.memory.get(listing_url)
        if mem is None or self.is_full_sweep(listing_url):
            return {}
        headers = {}
        if mem.etag:
            headers["If-None-Match"] = mem.etag
        if mem.last_modified:
            headers["If-Modified-Since"] = mem.last_modified
        return headers

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
            block = detect_block(response) if status == PageStatus.BLOCKED else None
            yield self.problem_page(
                listing_url,
                response.url,
                status,
                page_number,
                problem=block.reason if block else None,
                http_status=response.status,
            )
            self._visited.pop(listing_url, None)  # the listing ends here
            return
        visited = self._visited.setdefault(listing_url, {})  # (a page may start a new walk)
        for url in (*meta.get("redirect_urls", ()), response.url):
            visited.setdefault(_page_key(url), page_number)
        try:
            page = self.parse_page(response, listing_url=listing_url, page_number=page_number)
        except Exception:  # a parser bug must not end the crawl of other listings
            # The user reads plain words; the traceback goes to the debug log only.
            logger.warning("QuietWatch could not read the page %s (a parser error)", response.url)
            logger.debug("parser error on %s", response.url, exc_info=True)
            page = self.problem_page(
                listing_url,
                response.url,
                PageStatus.UNREADABLE,
                page_number,
                problem=_PLAIN[PageStatus.UNREADABLE],
                http_status=response.status,
            )
        page.http_status = response.status
        page.full_sweep = self.is_full_sweep(listing_url)
        visited = self._visited.setdefault(listing_url, {})
        next_url = response.urljoin(page.next_url) if page.next_url else None
        follow = bool(
            self.follow_next
            and page.status == PageStatus.OK
            and next_url
            and self.should_follow(page)
        )
        if follow and next_url:
            stop = self.next_page_refusal(next_url, listing_url, page_number, visited)
            if stop:
                follow = False
                page.status, page.problem = PageStatus.PARTIAL, stop
        page.is_last_page = not follow
        if page.is_last_page:
            self._visited.pop(listing_url, None)
        yield page
        if follow and next_url:
            yield self.page_request(
                next_url,
                listing_url=listing_url,
                page_number=page_number + 1,
                source=meta["source"],
            )

    def next_page_refusal(
        self, url: str, listing_url: str, page_number: int, visited: dict[str, int]
    ) -> str | None:
        """Why the listing's next page is not fetched (the pages read so far stand)."""
        if _page_key(url) in visited:
            return (
                "the site's next-page links loop back to page "
                f"{visited[_page_key(url)]}; QuietWatch stopped there"
            )
        if page_number >= self.max_review_pages:
            return (
                f"QuietWatch read the first {self.max_review_pages} review pages, the "
                "configured limit ([crawl] max_review_pages), and stopped there"
            )
        reason = self.refusal(url, listing_url)
        if reason:
            return reason
        endpoint = is_write_endpoint(url, SITE_ENDPOINTS)
        if endpoint:
            return f"the next-page link leads to {endpoint}; QuietWatch never opens those"
        return None

    # -- scope ----------------------------------------------------------------------------
    def configured_hosts(self) -> set[str]:
        """Hosts the configuration names for this spider's listings (an API's base)."""
        return set()

    def refusal(self, url: str, listing_url: str, *, redirected: bool = False) -> str | None:
        """Why ``url`` is outside the listing's scope (crawlers.scope), or None."""
        return scope.refusal(
            url,
            listing_url=listing_url,
            site_hosts=self.spec.hosts,
            configured_hosts=self.configured_hosts(),
            redirected=redirected,
        )

    def parse_page(self, response: Response, *, listing_url: str, page_number: int) -> ListingPage:
        """Turn a response into a ListingPage with the spider's page object."""
        item = load(self.spec.page)(
            response, listing_url=listing_url, page_number=page_number, crawled_at=self.crawled_at
        ).to_item()
        item.site = self.site
        return item

    def should_follow(self, page: ListingPage) -> bool:
        """Whether to fetch the next review page.

        A full sweep reads every page.  Otherwise (sites list newest first) a page that holds
        only reviews already stored, unchanged, means the rest are older and known: stop.
        """
        if page.full_sweep or not self.spec.lists_newest_first:
            return True
        mem = self.memory.get(page.listing_url)
        if mem is None or not page.reviews:
            return True
        for review in page.reviews:
            data = asdict(review)
            if content_hash(data) not in mem.content_hashes:
                return True  # new or edited: keep reading
            if review.site_review_id and review.site_review_id not in mem.review_ids:
                return True
        self.crawler.stats.inc_value("quietwatch/stopped_early")
        return False

    def status_for(self, response: Response) -> PageStatus | None:
        """A non-OK status for responses that are not listing pages at all."""
        if response.status in (404, 410):
            return PageStatus.GONE
        if response.status == 304:
            return PageStatus.NOT_MODIFIED
        # A wall may come with any status: 200, 403, 405, 429, 503 (Yelp's old one).
        if response.status in (401, 403, 429) or detect_block(response):
            return PageStatus.BLOCKED
        return PageStatus.ERROR if response.status >= 400 else None

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
            full_sweep=self.is_full_sweep(listing_url),
        )

    def on_error(self, failure: Failure) -> Iterator[ListingPage]:
        request = failure.request
        meta = request.meta
        if failure.check(Refused):  # out of scope or a write page: the listing stands
            logger.warning("did not fetch %s: %s", request.url, failure.value.reason)
            yield self.problem_page(
                meta.get("listing_url", request.url),
                request.url,
                PageStatus.PARTIAL,
                meta.get("page_number", 1),
                problem=failure.value.reason,
            )
            return
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
            problem=_PLAIN.get(status, status.value) + _why(failure, http_status),
            http_status=http_status,
        )


def _why(failure: Failure, http_status: int | None) -> str:
    """Why a request failed, in plain words (never the exception's own text)."""
    if http_status is not None:
        return f" (HTTP {http_status})"
    if failure.check(IgnoreRequest):
        return ""
    if failure.check(TimeoutError, defer.TimeoutError, error.TimeoutError):
        return " (the site did not answer in time)"
    if failure.check(error.DNSLookupError):
        return " (the site's name could not be looked up)"
    if failure.check(error.ConnectionRefusedError, error.ConnectError):
        return " (the site refused the connection)"
    return " (the connection failed)"


_PLAIN = {
    PageStatus.BLOCKED: "the site answered with a block page, CAPTCHA or consent wall",
    PageStatus.GONE: "the listing is gone (404/410)",
    PageStatus.UNREADABLE: "the page held nothing we know how to read (changed layout?)",
    PageStatus.ERROR: "the page could not be fetched",
    PageStatus.ROBOTS: "robots.txt forbids fetching this page; QuietWatch obeyed",
    PageStatus.NOT_MODIFIED: "not modified since the last crawl",
}
