"""Any listing page that carries schema.org data (JSON-LD, microdata or RDFa)."""

from crawlers.spiders.base import ListingSpider


class SchemaOrgSpider(ListingSpider):
    name = "schema_org"
    site = "schema_org"
