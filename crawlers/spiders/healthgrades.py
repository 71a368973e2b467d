"""Healthgrades provider profiles: the site's own JSON embedded in the profile page, with the
page's schema.org data as the fallback when those objects are gone (a newer layout).

No discovery: Healthgrades' search page is rendered by JavaScript and its search JSON has
no documented or captured shape to test against.
"""

from scrapy.http import Response

from crawlers.items import ListingPage, PageStatus
from crawlers.pages import healthgrades
from crawlers.sites import SITES
from crawlers.spiders.base import ListingSpider


class HealthgradesSpider(ListingSpider):
    spec = SITES["healthgrades"]

    def parse_page(self, response: Response, *, listing_url: str, page_number: int) -> ListingPage:
        page = healthgrades.parse(
            response.text,
            page_url=response.url,
            listing_url=listing_url,
            crawled_at=self.crawled_at,
            page_number=page_number,
        )
        if page.status != PageStatus.UNREADABLE:
            return page
        fallback = super().parse_page(response, listing_url=listing_url, page_number=page_number)
        if fallback.status != PageStatus.OK:
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
