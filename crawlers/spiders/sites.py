"""One spider per page site of the registry (``crawlers.sites``) that needs no more than
its entry: Scrapy (``scrapy crawl yelp``, Scrapyd) finds them here by name."""

from crawlers.sites import SITES
from crawlers.spiders.base import ListingSpider

SPIDERS: dict[str, type[ListingSpider]] = {
    name: ListingSpider.for_site(spec, __name__)
    for name, spec in SITES.items()
    if spec.spider is None
}
globals().update({cls.__name__: cls for cls in SPIDERS.values()})
