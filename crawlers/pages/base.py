"""The shape every HTML page object shares (web-poet's): built from a fetched response, the
listing it belongs to, its page number and an explicit crawl time; ``to_item()`` returns a
:class:`~crawlers.items.ListingPage`.  It makes no request, reads no clock and touches no
database, so every site is testable on saved pages.

The page is parsed once, with lxml, and that one tree is shared by the structured-data
extraction and the site's own selectors (compiled once, at import).
"""

import json
from datetime import datetime
from typing import Any

import lxml.html
from lxml import etree
from scrapy.http import HtmlResponse, Response, TextResponse

from crawlers import structured
from crawlers.items import ListingPage, PageStatus
from crawlers.values import clean

NOT_A_PAGE = "the site answered with JSON, not a page"
_NEXT = etree.XPath("(//link[@rel='next']/@href | //a[@rel='next']/@href)[1]")


def saved_response(body: bytes, url: str, content_type: str = "text/html; charset=utf-8") -> Any:
    """A saved page as the response a crawl would have got (for tests, benches and
    ``quietwatch parse FILE``)."""
    cls = HtmlResponse if "html" in content_type else TextResponse
    return cls(url=url, body=body, headers={"Content-Type": content_type}, encoding="utf-8")


def answered_json(response: Response) -> bool:
    """Whether the body is JSON where a page was expected (by its type or its first byte)."""
    content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1").lower()
    if "json" in content_type:
        return True
    head = response.body[:64].lstrip()
    if not head.startswith((b"{", b"[")):
        return False
    try:
        json.loads(response.body)
    except ValueError:
        return False
    return True


def first(values: list[Any]) -> Any:
    """The first of an XPath's results, or None."""
    return values[0] if values else None


def text_of(element: Any) -> str | None:
    """An element's visible text, whitespace folded; None when it has none."""
    if element is None:
        return None
    if isinstance(element, str):
        return clean(element)
    return clean(element.text_content())


class HtmlPage:
    """One fetched HTML page of one listing; read it with :meth:`to_item`."""

    site = "schema_org"

    def __init__(
        self, response: Response, *, listing_url: str, page_number: int, crawled_at: datetime
    ) -> None:
        self.response = response
        self.url = response.url
        self.listing_url = listing_url
        self.page_number = page_number
        self.crawled_at = crawled_at
        self.not_a_page = answered_json(response)
        encoding = getattr(response, "encoding", None) or "utf-8"
        body = b"" if self.not_a_page else response.body
        self.tree: lxml.html.HtmlElement = structured.parse_html(body, encoding)
        self.notes: list[str] = []  # what is worth knowing and changes no status

    def header(self, name: str) -> str | None:
        value = self.response.headers.get(name)
        return value.decode("latin-1") if value is not None else None

    def next_url(self) -> str | None:
        href = clean(first(_NEXT(self.tree)))
        return href

    def read(self, page: ListingPage) -> None:
        """Fill ``page`` (facts, reviews, next link; status and problem when not OK)."""
        raise NotImplementedError

    def to_item(self) -> ListingPage:
        page = ListingPage(
            site=self.site,
            listing_url=self.listing_url,
            page_url=self.url,
            crawled_at=self.crawled_at,
            page_number=self.page_number,
            etag=self.header("ETag"),
            last_modified=self.header("Last-Modified"),
        )
        if self.not_a_page:
            page.status, page.problem = PageStatus.UNREADABLE, NOT_A_PAGE
            return page
        self.read(page)
        if page.page_number != 1:
            page.facts = None
        page.notes.extend(self.notes)
        return page
