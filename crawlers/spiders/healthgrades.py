"""Healthgrades provider profiles: the site's own JSON embedded in the profile page, with the
page's schema.org data as the fallback when those objects are gone (a newer layout).

No discovery: Healthgrades' search page is rendered by JavaScript and its search JSON has
no documented or captured shape to test against.
"""

from scrapy.http import Response

from crawlers.items import ListingPage, PageStatus
from crawlers.pages.base import NOT_A_PAGE
from crawlers.pages.schema_org import StructuredPage
from crawlers.sites import SITES
from crawlers.spiders.base import ListingSpider


class HealthgradesSpider(ListingSpider):
    spec = SITES["healthgrades"]

    def parse_page(self, response: Response, *, listing_url: str, page_number: int) -> ListingPage:
        page = super().parse_page(response, listing_url=listing_url, page_number=page_number)
        if page.status != PageStatus.UNREADABLE or page.problem == NOT_A_PAGE:
            return page
        fallback = StructuredPage(
            response, listing_url=listing_url, page_number=page_number, crawled_at=self.crawled_at
        ).to_item()
        fallback.site = self.site
        if fallback.status not in (PageStatus.OK, PageStatus.PARTIAL):
            page.problem = f"{page.problem}; {fallback.problem}"
            return page
        fallback.problem = "; ".join(
            p
            for p in (
                fallback.problem,
                "read from the page's schema.org data only: Healthgrades' own objects "
                "(profile.provider, pageState.pes) were absent, so written comments may be missing",
            )
            if p
        )
        return fallback
