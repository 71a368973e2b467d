"""Any listing page that embeds schema.org data: JSON-LD, microdata or RDFa.

The generic page object: it reads the business entity and its reviews through
:mod:`crawlers.structured`.  Site page objects that build on structured data subclass
:class:`StructuredPage` and read what it lacks from their own block of the page.
"""

from functools import cached_property
from typing import Any

from crawlers import structured
from crawlers.items import ListingFacts, ListingPage, PageStatus, ReviewItem
from crawlers.pages.base import HtmlPage

NOTHING_READ = (
    "the page carried no schema.org business or review data that QuietWatch can read "
    "(changed layout, or not a listing page)"
)


class StructuredPage(HtmlPage):
    """A listing page read from its schema.org data."""

    @cached_property
    def entities(self) -> list[dict[str, Any]]:
        return structured.extract(self.tree, self.url, body=self.response.body, notes=self.notes)

    @cached_property
    def business(self) -> dict[str, Any] | None:
        return structured.find_business(self.entities)

    # -- what a site page object may override ----------------------------------------------
    def facts(self) -> ListingFacts | None:
        return structured.facts_from(self.business, self.url) if self.business else None

    def reviews(self) -> list[ReviewItem]:
        return [
            structured.review_from(
                r, now=self.crawled_at, page_url=self.url, listing_url=self.listing_url
            )
            for r in structured.reviews_in(self.entities, self.business)
        ]

    def missing(self, facts: ListingFacts | None, reviews: list[ReviewItem]) -> str | None:
        """What the page should have carried and did not (the page is then partial).

        A page that states reviews but shows none we can read is incomplete, not empty."""
        if facts is not None and not reviews and (facts.review_count or 0) > 0:
            return (
                f"the page states {facts.review_count} reviews but carried none that "
                "QuietWatch can read: reviews not read"
            )
        return None

    def read(self, page: ListingPage) -> None:
        facts = self.facts()
        page.reviews = self.reviews()
        page.next_url = self.next_url()
        if not page.reviews and (facts is None or (facts.name is None and facts.rating is None)):
            page.status, page.problem = PageStatus.UNREADABLE, NOTHING_READ
            return
        page.facts = facts
        if self.page_number == 1 and (missing := self.missing(facts, page.reviews)):
            page.status, page.problem = PageStatus.PARTIAL, missing
