"""`quietwatch parse FILE_OR_URL --site SITE`: what QuietWatch reads from one page, as JSON.

A developer's view (what ``scrapy parse`` and alltheplaces' ``scrapy sd`` give theirs): the
listing facts, the reviews, the next-page link, the status and the problem, exactly as a
crawl would read them (the same spider callback, so walls and unreadable pages show as they
would in a crawl).  A saved file is read from disk; a URL is fetched once with GET through
the crawl's own guards (the read-only middleware, robots.txt, the polite settings), stored
nowhere.  Reviewer names and texts are printed as the page gives them: this runs on the
user's own machine and writes nothing.
"""

import json
from dataclasses import asdict
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path
from typing import Any

import click

from crawlers.sites import names, spider_for


def _spider_class(site: str) -> type:
    """The site's page spider (the official APIs are read with their keys by a crawl)."""
    return spider_for({"site": site})


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def report(page: Any) -> dict[str, Any]:
    """The parts of a ListingPage a developer looks at."""
    data = _plain(asdict(page))
    keep = ("status", "problem", "http_status", "page_url", "facts", "reviews", "next_url")
    return {key: data[key] for key in keep}


def read_file(path: Path, site: str, url: str, now: datetime) -> Any:
    """A saved page through the site spider's own callback."""
    from scrapy.http import HtmlResponse, Request

    meta = {"listing_url": url, "page_number": 1, "source": {"url": url}}
    response = HtmlResponse(
        url=url, body=path.read_bytes(), encoding="utf-8", request=Request(url, meta=meta)
    )
    spider = _spider_class(site)(crawled_at=now, full_sweep=True, follow_next=False)
    return next(item for item in spider.parse(response) if not hasattr(item, "callback"))


def fetch(url: str, site: str, now: datetime) -> Any:
    """One GET through a one-page crawl with the project's guards; no pipeline stores it."""
    from scrapy import signals
    from scrapy.crawler import CrawlerProcess
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule("crawlers.settings", priority="project")
    settings.set("ITEM_PIPELINES", {}, priority="cmdline")
    settings.set("LOG_LEVEL", "WARNING", priority="cmdline")
    pages: list[Any] = []
    process = CrawlerProcess(settings, install_root_handler=False)
    crawler = process.create_crawler(_spider_class(site))

    def scraped(item: Any) -> None:
        pages.append(item)

    crawler.signals.connect(scraped, signal=signals.item_scraped, weak=False)
    process.crawl(
        crawler, sources=[{"url": url}], crawled_at=now, follow_next=False, full_sweep=True
    )
    process.start()
    return pages[0] if pages else None


@click.command("parse")
@click.argument("file_or_url")
@click.option("--site", required=True, type=click.Choice(sorted(names())), help="The page's site.")
@click.option(
    "--url",
    "page_url",
    default=None,
    help="For a saved FILE: the address it was saved from (default: a placeholder).",
)
def parse(file_or_url: str, site: str, page_url: str | None) -> None:
    """Print what QuietWatch reads from one page (a saved FILE or a URL), as JSON."""
    now = datetime.now(UTC)
    if file_or_url.startswith(("http://", "https://")):
        page = fetch(file_or_url, site, now)
        if page is None:
            raise click.ClickException(f"nothing came back from {file_or_url}")
    else:
        path = Path(file_or_url)
        if not path.is_file():
            raise click.ClickException(f"no such file: {file_or_url}")
        page = read_file(path, site, page_url or f"file://{path.resolve()}", now)
    click.echo(json.dumps(report(page), indent=2, ensure_ascii=False))
