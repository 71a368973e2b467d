"""The store's write path for a crawl, against SQLite's floor.

    python -m bench store [--listings 2000] [--pages 5] [--reviews 10]

Writes ``listings`` x ``pages`` listing pages of ``reviews`` reviews each (100,000 review rows
by default) through the real ``StorePipeline.process_item`` (one transaction a page: the
facts, the reviews, the run's counts; the listing closed on its last page) into a migrated
SQLite store, twice: a first crawl (every review new) and a re-crawl (every review known and
unchanged).  The floor is raw ``sqlite3.executemany`` of the same rows into the same schema
with a commit per page (INSERTs, then UPDATEs of ``last_seen``).  Prints the seconds, the
ratio to the floor (the goal: at most 3x) and the CPU, and checks what each wrote: every
review stored once, the run's counts, every listing closed (exit 1 when it is wrong).
"""

import argparse
import sqlite3
import sys
import tempfile
import time
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.crawl import _config_text

CLINIC = "bench"


def pages_of(listing_url: str, i: int, pages: int, reviews: int, crawled_at: datetime) -> list:
    """One listing's pages as the spider hands them to the pipeline."""
    from crawlers.items import ListingFacts, ListingPage, ReviewItem

    out = []
    for p in range(pages):
        out.append(
            ListingPage(
                site="yelp",
                listing_url=listing_url,
                page_url=f"{listing_url}?start={p * reviews}",
                crawled_at=crawled_at,
                page_number=p + 1,
                facts=ListingFacts(
                    name=f"Bench Counselling {i}",
                    street_address=f"{100 + i} Main St",
                    locality="Vancouver",
                    region="BC",
                    phone="(604) 555-0100",
                    categories=["Counseling & Mental Health"],
                    rating=4.5,
                    review_count=pages * reviews,
                )
                if p == 0
                else None,
                reviews=[
                    ReviewItem(
                        site_review_id=f"r{i}-{p}-{j}",
                        author=f"Reviewer {j}.",
                        rating=float(1 + (i + j) % 5),
                        published_raw="2026-10-01",
                        published_at=datetime(2026, 10, 1, tzinfo=UTC) - timedelta(days=p * 7 + j),
                        published_precision="day",
                        text=f"Sample review {j} on page {p} of listing {i}. " * 6,
                    )
                    for j in range(reviews)
                ],
                is_last_page=p == pages - 1,
                http_status=200,
            )
        )
    return out


class Store:
    """A migrated store with the real crawl run around it: the extension and the pipeline,
    built by Scrapy from the project's settings as a crawl builds them."""

    def __init__(self, db_url: str, urls: list[str]) -> None:
        from scrapy.utils.reactor import install_reactor, is_reactor_installed
        from scrapy.utils.test import get_crawler

        from crawlers.extensions import CrawlRunExtension
        from crawlers.pipelines.store import StorePipeline
        from crawlers.runner import scrapy_settings
        from crawlers.sites import spider_for
        from store.config import Settings, parse_config
        from store.db import engine_for, init_db

        config = parse_config(_config_text(urls, CLINIC), Path("quietwatch.toml"))
        self.engine = engine_for(db_url)
        init_db(self.engine)
        settings = scrapy_settings(config, self.engine, Settings(_env_file=None))
        settings.set("LOG_LEVEL", "WARNING")
        if not is_reactor_installed():  # the crawl's own reactor; it is never run here
            install_reactor(settings["TWISTED_REACTOR"])
        spidercls = spider_for({"site": "yelp"})
        self.crawler = get_crawler(spidercls, settings.copy_to_dict())
        self.spider = spidercls.from_crawler(
            self.crawler, sources=[{"site": "yelp", "url": u} for u in urls]
        )
        self.crawler.spider = self.spider
        self.run = CrawlRunExtension.of(self.crawler)
        self.pipeline = StorePipeline.from_crawler(self.crawler)

    def crawl(self, pages: list) -> None:
        self.run.spider_opened(self.spider)
        for page in pages:
            self.pipeline.process_item(page, self.spider)
        self.run.spider_closed(self.spider, "finished")


def raw_floor(path: Path, urls: list[str], listings: list[int], pages: list, again: bool) -> float:
    """Seconds for the same review rows through sqlite3.executemany, a commit per page."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA foreign_keys=ON")
    columns = (
        "clinic_id, listing_id, site, review_key, content_hash, first_seen_at, last_seen_at, "
        "version_count, updated_on_site, site_review_id, author, rating, published_raw, "
        "published_at, published_precision, text"
    )
    insert = f"INSERT INTO review ({columns}) VALUES ({', '.join('?' * 16)})"
    touch = "UPDATE review SET last_seen_at = ? WHERE listing_id = ? AND review_key = ?"
    by_url = dict(zip(urls, listings, strict=True))
    started = time.perf_counter()
    for page in pages:
        listing_id = by_url[page.listing_url]
        now = page.crawled_at.replace(tzinfo=None).isoformat(" ")
        db.execute("BEGIN IMMEDIATE")
        if again:
            rows = [(now, listing_id, f"id:{r.site_review_id}") for r in page.reviews]
            db.executemany(touch, rows)
        else:
            rows = []
            for r in page.reviews:
                d = asdict(r)
                rows.append(
                    (1, listing_id, "yelp", f"id:{r.site_review_id}", "0" * 64, now, now, 1, 0)
                    + (d["site_review_id"], d["author"], d["rating"], d["published_raw"])
                    + (d["published_at"].replace(tzinfo=None).isoformat(" "), "day", d["text"])
                )
            db.executemany(insert, rows)
        db.execute("COMMIT")
    elapsed = time.perf_counter() - started
    db.close()
    return elapsed


def floor_store(path: Path, urls: list[str]) -> list[int]:
    """A migrated store holding the clinic and its listings, for the floor; listing ids."""
    from store.db import init_db, make_engine

    engine = make_engine(f"sqlite:///{path}")
    init_db(engine)
    engine.dispose()
    with sqlite3.connect(path) as db:
        db.execute(
            "INSERT INTO clinic (id, key, name, created_at) VALUES (1, ?, ?, ?)",
            (CLINIC, CLINIC, "2026-11-01"),
        )
        db.executemany(
            "INSERT INTO listing (clinic_id, site, url, origin, enabled, created_at) "
            "VALUES (1, 'yelp', ?, 'configured', 1, '2026-11-01')",
            [(u,) for u in urls],
        )
        return [
            db.execute("SELECT id FROM listing WHERE url = ?", (u,)).fetchone()[0] for u in urls
        ]


def _check(db_url: str, expect: int, pages: int, listings: int, new: int) -> list[str]:
    from bench.site import Stored

    stored = Stored.read(db_url, CLINIC)
    wrong = []
    if stored.reviews != expect:
        wrong.append(f"{stored.reviews} reviews stored, {expect} written")
    if stored.new_reviews != new or stored.pages != pages:
        wrong.append(f"the run counted {stored.pages} pages and {stored.new_reviews} new reviews")
    if stored.statuses["ok"] != listings:
        wrong.append(f"listing checks {dict(stored.statuses)}, not {listings} x ok")
    return wrong


def _floor_rows(path: Path) -> int:
    with sqlite3.connect(path) as db:
        return db.execute("SELECT count(*) FROM review").fetchone()[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench store", description=__doc__)
    parser.add_argument("--listings", type=int, default=2000)
    parser.add_argument("--pages", type=int, default=5, help="pages a listing")
    parser.add_argument("--reviews", type=int, default=10, help="reviews a page")
    args = parser.parse_args(argv)
    from store.db import dispose_engines

    n_pages = args.listings * args.pages
    rows = n_pages * args.reviews
    urls = [f"https://www.yelp.com/biz/bench-{i}" for i in range(args.listings)]
    first = datetime(2026, 11, 1, tzinfo=UTC)
    wrong: list[str] = []
    print(f"{args.listings} listings x {args.pages} pages x {args.reviews} reviews = {rows} rows")
    with tempfile.TemporaryDirectory() as tmp:
        ours_url, floor_path = f"sqlite:///{tmp}/ours.db", Path(tmp) / "floor.db"
        store = Store(ours_url, urls)
        listing_ids = floor_store(floor_path, urls)
        for label, day, again in (("first crawl", 0, False), ("re-crawl", 1, True)):
            crawled_at = first + timedelta(days=day)
            pages = [
                page
                for i, url in enumerate(urls)
                for page in pages_of(url, i, args.pages, args.reviews, crawled_at)
            ]
            started, cpu = time.perf_counter(), time.process_time()
            store.crawl(pages)
            ours, ours_cpu = time.perf_counter() - started, time.process_time() - cpu
            wrong += _check(ours_url, rows, n_pages, args.listings, 0 if again else rows)
            cpu = time.process_time()
            floor = raw_floor(floor_path, urls, listing_ids, pages, again)
            floor_cpu = time.process_time() - cpu
            if _floor_rows(floor_path) != rows:
                wrong.append(f"the floor wrote {_floor_rows(floor_path)} rows, not {rows}")
            print(
                f"{label}: StorePipeline {ours:.1f} s ({1e6 * ours / rows:.0f} us/row, CPU "
                f"{ours_cpu:.1f} s); executemany + commit a page {floor:.1f} s (CPU "
                f"{floor_cpu:.1f} s); ratio {ours / floor:.2f} (goal: at most 3), CPU ratio "
                f"{ours_cpu / max(floor_cpu, 1e-3):.2f}"
            )
        dispose_engines()
    if wrong:
        print("bench store measured a broken store: " + "; ".join(wrong), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
