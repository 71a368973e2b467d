"""RateMDs doctor pages: 10 reviews a page, ``rel="next"`` to ``?page=2``."""

from crawlers.pages.ratemds import RateMDsDoctorPage
from crawlers.spiders.base import ListingSpider


class RateMDsSpider(ListingSpider):
    name = "ratemds"
    site = "ratemds"
    page_class = RateMDsDoctorPage
    lists_newest_first = True  # RateMDs lists ratings newest first (as the saved pages show)
