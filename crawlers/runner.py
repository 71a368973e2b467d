"""Run every configured source in one Scrapy process, with the store pipeline.

The CLI, the scheduler and Scrapyd all come through here (or through ``crawlers.settings``
plus the same QUIETWATCH_* settings), so a crawl behaves the same however it is started.
"""

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from scrapy import signals
from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings as ScrapySettings
from scrapy.utils.project import get_project_settings

from crawlers.extensions import CrawlRunExtension
from crawlers.google_business import token_file
from crawlers.sites import spider_for
from store import queries
from store.config import QuietWatchConfig, Settings
from store.db import Engine, session_scope

logger = logging.getLogger(__name__)


@dataclass
class CrawlPlan:
    """Which spider crawls which sources."""

    groups: dict[type, list[dict[str, Any]]] = field(default_factory=dict)

    @property
    def listing_count(self) -> int:
        return sum(len(s) for s in self.groups.values())


def clinic_facts(config: QuietWatchConfig) -> dict[str, Any]:
    c = config.clinic
    return {
        "key": c.key,
        "name": c.name,
        "street_address": c.street_address,
        "city": c.city,
        "province": c.province,
        "postal_code": c.postal_code,
        "country": c.country,
        "phone": c.phone,
        "website": str(c.website),
    }


def scrapy_settings(
    config: QuietWatchConfig,
    engine: Engine,
    settings: Settings | None = None,
    *,
    trigger: str = "cli",
    overrides: dict[str, Any] | None = None,
) -> ScrapySettings:
    """Project settings plus this clinic's run-time values."""
    settings = settings or Settings()
    scrapy_cfg = get_project_settings()
    if scrapy_cfg.get("BOT_NAME") != "quietwatch":  # not run from the project folder
        scrapy_cfg.setmodule("crawlers.settings", priority="project")
    website = str(config.clinic.website)
    scrapy_cfg.set(
        "USER_AGENT",
        f"QuietWatch/0.1 (read-only review-listing monitor for {config.clinic.name}; +{website})",
        priority="cmdline",
    )
    scrapy_cfg.set("DOWNLOAD_DELAY", config.crawl.download_delay, priority="cmdline")
    scrapy_cfg.set(
        "AUTOTHROTTLE_START_DELAY", max(config.crawl.download_delay, 0.1), priority="cmdline"
    )
    values = {
        "QUIETWATCH_DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "QUIETWATCH_CLINIC": clinic_facts(config),
        "QUIETWATCH_TRIGGER": trigger,
        "QUIETWATCH_FULL_SWEEP_DAYS": config.crawl.full_sweep_days,
        "QUIETWATCH_REVIEWER_NAMES": config.privacy.keep_reviewer_names,
        "QUIETWATCH_API_KEYS": {
            name: secret.get_secret_value()
            for name, secret in (
                ("yelp", settings.yelp_api_key),
                ("google", settings.google_places_api_key),
                ("facebook", settings.facebook_page_token),
            )
            if secret is not None
        },
        "QUIETWATCH_API_BASES": {
            "yelp": settings.yelp_api_base,
            "google_places": settings.google_places_api_base,
            "google_maps": settings.google_maps_api_base,
            "facebook": settings.facebook_graph_api_base,
            "google_business": settings.google_business_api_base,
            "google_oauth_token": settings.google_oauth_token_uri,
        },
        "QUIETWATCH_GOOGLE_TOKEN_FILE": token_file(config),
    }
    for name, value in values.items():
        scrapy_cfg.set(name, value, priority="cmdline")
    for name, value in (overrides or {}).items():
        scrapy_cfg.set(name, value, priority="cmdline")
    return scrapy_cfg


def plan(
    config: QuietWatchConfig,
    *,
    sites: set[str] | None = None,
    extra_sources: list[dict[str, Any]] | None = None,
) -> CrawlPlan:
    """Group the enabled sources (configured, plus confirmed discoveries) by spider."""
    groups: dict[type, list[dict[str, Any]]] = defaultdict(list)
    sources = [s.model_dump(mode="json") for s in config.sources if s.enabled]
    known = {s["url"] for s in sources}
    sources += [s for s in (extra_sources or []) if s["url"] not in known]
    for data in sources:
        if sites and data["site"] not in sites:
            continue
        groups[spider_for(data)].append(data)
    return CrawlPlan(groups=dict(groups))


def confirmed_sources(config: QuietWatchConfig, engine: Engine) -> list[dict[str, Any]]:
    """Listings a person confirmed with `quietwatch listings confirm`: crawled like sources."""
    with session_scope(engine) as session:
        rows = queries.confirmed_listings(session, clinic_key=config.clinic.key)
    return [_confirmed_source(site, url) for site, url in rows]


def _confirmed_source(site: str, url: str) -> dict[str, Any]:
    """A confirmed listing as a source.  A Google place found through the Places API has no
    page QuietWatch can read, so it is read through the Places API (New) by its place id."""
    source: dict[str, Any] = {"site": site, "url": url, "enabled": True}
    if site == "google" and "place_id:" in url:
        source["api"] = "places_v1"
    return source


def own_content_jobs(
    config: QuietWatchConfig, *, sites: set[str] | None = None
) -> list[tuple[type, dict[str, Any]]]:
    """The scan of the clinic's own website and feeds for solicitation, when configured."""
    own = config.own_content
    if not (own.urls or own.feeds) or (sites and "own_content" not in sites):
        return []
    from crawlers.spiders.own_content import OwnContentSpider

    return [
        (
            OwnContentSpider,
            {
                "urls": [str(u) for u in own.urls],
                "feeds": [str(u) for u in own.feeds],
                "max_pages": own.max_pages,
            },
        )
    ]


# After SIGTERM/SIGINT, how long in-flight downloads get before the crawl stops anyway.
STOP_GRACE_SECONDS = 5.0


class _Process(CrawlerProcess):
    """Scrapy's process, with a stop that always comes: the first SIGTERM/SIGINT asks
    every crawl to close (the runs end ``interrupted``), and if downloads in flight (a
    server that never answers, a long politeness delay) still hold it after
    ``STOP_GRACE_SECONDS``, the runs are marked interrupted and the reactor is stopped."""

    def _signal_shutdown(self, signum: int, frame: Any) -> None:
        from twisted.internet import reactor

        super()._signal_shutdown(signum, frame)
        reactor.callFromThread(reactor.callLater, STOP_GRACE_SECONDS, self._stop_now)

    def _stop_now(self) -> None:
        from twisted.internet import reactor

        for crawler in self.crawlers:
            run = CrawlRunExtension.of(crawler)
            if run is not None:
                run.interrupt("the crawl was stopped by a signal; pages written are kept")
        if reactor.running:
            reactor.stop()


def run_crawl(
    config: QuietWatchConfig,
    engine: Engine,
    settings: Settings | None = None,
    *,
    trigger: str = "cli",
    sites: set[str] | None = None,
    full_sweep: bool | None = None,
    on_page: Callable[[Any], None] | None = None,
    overrides: dict[str, Any] | None = None,
    extra_crawls: list[tuple[type, dict[str, Any]]] | None = None,
) -> list[int]:
    """Crawl every enabled source in one process; return the crawl-run ids written."""
    crawl_plan = plan(config, sites=sites, extra_sources=confirmed_sources(config, engine))
    root_level = logging.root.level
    process_settings = scrapy_settings(
        config, engine, settings, trigger=trigger, overrides=overrides
    )
    # The CLI owns logging: no Scrapy root handler, and Scrapy's loggers (which Scrapy sets
    # to DEBUG) follow the level the CLI chose (-v/-vv).
    process_settings.set("LOG_INSTALL_ROOT_HANDLER", False, priority="cmdline")
    process = _Process(process_settings)
    logging.getLogger("scrapy").setLevel(root_level or logging.WARNING)
    crawlers = []
    started = datetime.now(UTC)
    jobs = (
        [(spider_cls, {"sources": sources}) for spider_cls, sources in crawl_plan.groups.items()]
        + own_content_jobs(config, sites=sites)
        + list(extra_crawls or [])
    )
    for spider_cls, kwargs in jobs:
        crawler = process.create_crawler(spider_cls)
        if on_page is not None:
            # weak=False: the dispatcher holds receivers weakly, and this closure has no other
            # owner, so without it the progress callback would never fire.
            crawler.signals.connect(
                lambda item, response=None, spider=None: on_page(item),
                signal=signals.item_scraped,
                weak=False,
            )
        crawlers.append(crawler)
        process.crawl(
            crawler,
            crawled_at=started,
            max_review_pages=config.crawl.max_review_pages,
            full_sweep=full_sweep,
            **kwargs,
        )
    if not crawlers:
        logger.warning("no enabled sources to crawl")
        return []
    process.start()
    return [
        run.run_id
        for crawler in crawlers
        if (run := CrawlRunExtension.of(crawler)) is not None and run.run_id is not None
    ]
