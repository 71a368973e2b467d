"""Any listing page that embeds schema.org data: JSON-LD, microdata or RDFa.

This is the generic page object every site parser builds on.  :func:`parse` reads the
business entity and its reviews through :mod:`crawlers.structured`; a site parser subclasses
:class:`StructuredPage` and adds what the structured data lacks.
"""

from datetime import datetime

from parsel import Selector
from scrapy.http import Response

from crawlers import structured
from crawlers.items import ListingFacts, ListingPage, PageStatus, ReviewItem


class StructuredPage:
    """One fetched listing page; parse it with :meth:`to_item`."""

    site = "schema_org"

    def __init__(
        self,
        html: str,
        *,
        url: str,
        listing_url: str,
        page_number: int,
        crawled_at: datetime,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.html = html
        self.url = url
        self.listing_url = listing_url
        self.page_number = page_number
        self.crawled_at = crawled_at
        self.headers = {k.lower(): v for k, v in (headers or {}).items()}
        self.selector = Selector(text=html)
        self.entities = structured.extract(html, url)
        self.business = structured.find_business(self.entities)

    @classmethod
    def from_response(
        cls, response: Response, *, listing_url: str, page_number: int, crawled_at: datetime
    ) -> "StructuredPage":
        headers = {
            k.decode("latin-1"): v.decode("latin-1")
            for k, v in ((k, response.headers.get(k)) for k in response.headers)
            if v is not None
        }
        return cls(
            response.text,
            url=response.url,
            listing_url=listing_url,
            page_number=page_number,
            crawled_at=crawled_at,
            headers=headers,
        )

    # -- what a site parser may override ---------------------------------------------------
    def facts(self) -> ListingFacts | None:
        return structured.facts_from(self.business) if self.business else None

    def reviews(self) -> list[ReviewItem]:
        return [
            structured.review_from(r, now=self.crawled_at, page_url=self.url)
            for r in structured.reviews_in(self.entities, self.business)
        ]

    def next_url(self) -> str | None:
        href = self.selector.css('link[rel="next"]::attr(href), a[rel="next"]::attr(href)').get()
        return href.strip() if href else None

    def readable(self, facts: ListingFacts | None, reviews: list[ReviewItem]) -> bool:
        """Whether the page held anything we know how to read."""
        return bool(reviews) or (facts is not None and (facts.name or facts.rating is not None))

    # -- the item -----------------------------------------------------------------------
    def to_item(self) -> ListingPage:
        facts = self.facts()
        reviews = self.reviews()
        page = ListingPage(
            site=self.site,
            listing_url=self.listing_url,
            page_url=self.url,
            crawled_at=self.crawled_at,
            page_number=self.page_number,
            facts=facts if self.page_number == 1 else None,
            reviews=reviews,
            next_url=self.next_url(),
            etag=self.headers.get("etag"),
            last_modified=self.headers.get("last-modified"),
        )
        if not self.readable(facts, reviews):
            page.status = PageStatus.UNREADABLE
            page.facts = None
            page.problem = (
                "the page carried no schema.org business or review data that QuietWatch can "
                "read (changed layout, or not a listing page)"
            )
        return page
