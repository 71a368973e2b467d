"""QuietWatch's Scrapy project: read-only crawlers for review and directory sites."""
