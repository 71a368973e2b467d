"""Psychology Today therapist profiles: listing facts only (the directory has no reviews)."""

from crawlers.pages.psychologytoday import PsychologyTodayProfilePage
from crawlers.spiders.base import ListingSpider


class PsychologyTodaySpider(ListingSpider):
    name = "psychologytoday"
    site = "psychologytoday"
    page_class = PsychologyTodayProfilePage
