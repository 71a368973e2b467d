"""Yelp business pages: 20 reviews a page, ``rel="next"`` to ``?start=20``."""

from crawlers.pages.yelp import YelpBizPage
from crawlers.spiders.base import ListingSpider


class YelpSpider(ListingSpider):
    name = "yelp"
    site = "yelp"
    page_class = YelpBizPage
