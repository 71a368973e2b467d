"""Which spider crawls which source.

A configured source names its site (and, for an official API, the API).  Spiders are looked
up by name here, lazily, so importing the registry does not import every site's parser.
A site with no spider of its own falls back to the schema.org spider: any listing page that
embeds schema.org data can be read that way.
"""

from importlib import import_module
from typing import Any

# site -> "module:Class" of the spider for that site's HTML pages
SITE_SPIDERS: dict[str, str] = {
    "schema_org": "crawlers.spiders.schema_org:SchemaOrgSpider",
    "yelp": "crawlers.spiders.yelp:YelpSpider",
    "ratemds": "crawlers.spiders.ratemds:RateMDsSpider",
    "psychologytoday": "crawlers.spiders.psychologytoday:PsychologyTodaySpider",
    "healthgrades": "crawlers.spiders.healthgrades:HealthgradesSpider",
    "yahoo": "crawlers.spiders.schema_org:YahooLocalSpider",
    "bing": "crawlers.spiders.schema_org:BingPlacesSpider",
    "yellowpages": "crawlers.spiders.schema_org:YellowPagesSpider",
}

# api -> "module:Class" of the spider that reads that official API
API_SPIDERS: dict[str, str] = {
    "yelp_fusion": "crawlers.spiders.api:YelpFusionSpider",
    "places_v1": "crawlers.spiders.api:PlacesV1Spider",
    "places_legacy": "crawlers.spiders.api:PlacesLegacySpider",
    "graph": "crawlers.spiders.api:GraphSpider",
}


def _load(path: str) -> type:
    module, _, name = path.partition(":")
    return getattr(import_module(module), name)


def spider_for(source: dict[str, Any]) -> type:
    """The spider class for one source dict (``site``, ``url``, optional ``api``)."""
    api = source.get("api")
    if api:
        if api not in API_SPIDERS:
            raise KeyError(f"no source reads the {api!r} API yet")
        return _load(API_SPIDERS[api])
    site = str(source.get("site") or "schema_org")
    return _load(SITE_SPIDERS.get(site, SITE_SPIDERS["schema_org"]))


def spider_by_name(name: str) -> type:
    """A spider class by its Scrapy name (for ``scrapy crawl`` and Scrapyd)."""
    for path in [*SITE_SPIDERS.values(), *API_SPIDERS.values()]:
        cls = _load(path)
        if getattr(cls, "name", None) == name:
            return cls
    raise KeyError(name)
