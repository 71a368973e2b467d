"""Scrapy settings for QuietWatch: polite, read-only, honest about who we are.

Run-time values (database URL, clinic, sources) are handed in by the CLI through
``crawlers.runner``; these are the defaults every crawl shares.
"""

BOT_NAME = "quietwatch"
SPIDER_MODULES = ["crawlers.spiders"]
NEWSPIDER_MODULE = "crawlers.spiders"

# Who we are: the product and the clinic's website (the CLI appends the website).
USER_AGENT = "QuietWatch/0.1 (review-listing monitor; read-only; +https://example.invalid)"

# Politeness.
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 1
DOWNLOAD_DELAY = 2.0
RANDOMIZE_DOWNLOAD_DELAY = True
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 2.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 504, 522, 524, 408]  # not 503/429: those are blocks, not blips
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
REDIRECT_MAX_TIMES = 5
DEPTH_LIMIT = 60
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024
# Scrapy starts this many tasks for every response's output, whatever it holds; a page here
# yields one item and a few requests, and the pipelines are synchronous (a database write),
# so more than a handful buys nothing.  The default (100) cost 1.5 ms a page, measured with
# `python -m bench crawl --profile`.
CONCURRENT_ITEMS = 4

DEFAULT_REQUEST_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/json;q=0.9,*/*;q=0.8",
    "Accept-Language": "en-CA,en;q=0.8",
}

DOWNLOADER_MIDDLEWARES = {
    # First in line, so nothing that is not a plain read ever reaches the network, and no
    # request of a listing (a redirect included: it passes here again) leaves its hosts.
    "crawlers.middlewares.ReadOnlyMiddleware": 50,
    "crawlers.middlewares.ScopeMiddleware": 60,
}

# The crawl run in the store (opened and closed with the spider); off without a store.
EXTENSIONS = {
    "crawlers.extensions.CrawlRunExtension": 500,
}

ITEM_PIPELINES = {
    "crawlers.pipelines.validate.ValidatePipeline": 100,
    # Listing pages: facts, reviews, problems and the run's counts, one transaction a page.
    "crawlers.pipelines.store.StorePipeline": 800,
    # Findings of every kind: reviews the store pipeline wrote, the clinic's own pages.
    "crawlers.pipelines.findings.FindingsPipeline": 900,
}

# Quiet by default; the CLI shows progress itself.
LOG_LEVEL = "INFO"
LOG_FORMAT = "%(asctime)s [%(name)s] %(levelname)s: %(message)s"

TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"
