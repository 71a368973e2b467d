"""Yelp business pages: 20 reviews a page, newest first, ``rel="next"`` to ``?start=20``."""

from crawlers.pages.yelp import YelpBizPage
from crawlers.spiders.base import ListingSpider


class YelpSpider(ListingSpider):
    name = "yelp"
    site = "yelp"
    page_class = YelpBizPage
    # Yelp's default order is its own relevance sort; ask for the newest first so that an
    # incremental crawl can stop at the first page of known reviews.
    lists_newest_first = True
    newest_first_params = {"sort_by": "date_desc"}
