"""Listing pages read through their schema.org data alone (JSON-LD, microdata or RDFa).

Yahoo Local, Bing Places and YellowPages.ca have no spider of their own: no real capture
of their pages was available to build one against, so they are read the way any page that
embeds schema.org LocalBusiness data is read, and say so in the README.
"""

from crawlers.spiders.base import ListingSpider


class SchemaOrgSpider(ListingSpider):
    name = "schema_org"
    site = "schema_org"


class YahooLocalSpider(SchemaOrgSpider):
    name = "yahoo"
    site = "yahoo"


class BingPlacesSpider(SchemaOrgSpider):
    name = "bing"
    site = "bing"


class YellowPagesSpider(SchemaOrgSpider):
    name = "yellowpages"
    site = "yellowpages"
