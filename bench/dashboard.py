"""Dashboard render time on a large store: 1,000 listings and 100,000 reviews in SQLite.

Builds the store in a temporary directory (schema by the real migrations, rows bulk-inserted
in the shapes the crawler writes: snapshots, reviews with edits, removals and owner
responses, 30 daily runs with a check per listing, findings, audit rows), then renders each
dashboard page with Streamlit's AppTest -- the real router and page scripts -- and prints:

- ``first``: the first load, with every cache empty (the queries run);
- ``after``: the median of the next loads (the queries come from the TTL cache);
- for the Reviews page, a filter change (a new query, not cached).

With ``--browser`` it also starts the dashboard on the store exactly as ``quietwatch
dashboard`` does (its heavy imports done before it listens) and times each page in headless
Debian Chromium (Playwright), until the page has drawn the app's own "ready" signal: each
page's cold first load (the dashboard restarted just before it, so its queries run and
nothing is cached or imported by a page yet, in a browser that has opened the dashboard
before), moving to the page through the sidebar, and a full reload of the browser page.
The very first visit of a new browser profile, which also loads and compiles Streamlit's
JavaScript (once per browser), is printed apart, on its own line.

    python -m bench.dashboard [--listings 1000] [--reviews 100000] [--repeats 3]
                              [--keep DIR] [--browser]

AppTest runs the page script in this process, so its figures are the server-side render
time (script, queries, dataframes); the browser figures include the drawing.
"""

import argparse
import hashlib
import logging
import os
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
APP = REPO / "dashboard" / "app.py"
THRESHOLD_S = 1.5
SITES = (
    "yelp",
    "healthgrades",
    "google",
    "bing",
    "yahoo",
    "facebook",
    "ratemds",
    "psychologytoday",
    "yellowpages",
)
PAGES = {
    "Overview": "views/overview.py",
    "Listings": "views/listings.py",
    "Reviews": "views/reviews.py",
    "Compliance": "views/compliance.py",
    "Crawl health": "views/health.py",
}
RUNS = 30
CLINIC = {
    "key": "bench",
    "name": "Bench Counselling Centre",
    "street_address": "#200-1234 Example Street",
    "city": "Vancouver",
    "province": "BC",
    "postal_code": "V6B 1A1",
    "country": "CA",
    "phone": "604-555-0100",
    "website": "https://bench.example/",
}
CONFIG = """[clinic]
name = "Bench Counselling Centre"
slug = "bench"
street_address = "#200-1234 Example Street"
city = "Vancouver"
province = "BC"
postal_code = "V6B 1A1"
phone = "604-555-0100"
website = "https://bench.example/"

[[sources]]
site = "yelp"
url = "https://www.yelp.example/biz/bench-0"

[dashboard]
cache_ttl_seconds = 300
"""


def _hash(*parts: object) -> str:
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()


def build_store(url: str, *, listings: int, reviews: int, seed: int = 7) -> dict[str, int]:
    """A migrated SQLite store at ``url`` holding one clinic with ``listings`` listings and
    ``reviews`` reviews spread over them; returns the row counts written."""
    from store import audit
    from store.crud import insert_rows, relink_latest_snapshots
    from store.db import Session, init_db, make_engine
    from store.models import (
        Clinic,
        CrawlProblem,
        CrawlRun,
        Finding,
        Listing,
        ListingCheck,
        ListingSnapshot,
        Review,
        ReviewVersion,
    )

    rng = random.Random(seed)
    now = datetime.now(UTC).replace(microsecond=0)
    engine = make_engine(url)
    init_db(engine)
    counts: dict[str, int] = {}
    try:
        with Session(engine) as s:
            clinic = Clinic(**CLINIC)
            s.add(clinic)
            s.flush()
            cid = clinic.id
            run_at = [now - timedelta(days=RUNS - 1 - k, hours=1) for k in range(RUNS)]
            runs = []
            for k, at in enumerate(run_at):
                latest = k == RUNS - 1
                run = CrawlRun(
                    clinic_id=cid,
                    spider="schema_org",
                    trigger="schedule",
                    started_at=at,
                    finished_at=at + timedelta(seconds=600 + rng.randint(0, 300)),
                    status="degraded" if latest else "ok",
                    pages=listings * 3,
                    items=listings * 2,
                    listings_checked=listings,
                    new_reviews=0,
                    errors=30 if latest else rng.randint(0, 3),
                    requests=listings * 3,
                    degraded_fields=["yelp:published_at"] if latest else [],
                    coverage={"yelp": {"published_at": 0.4}} if latest else {},
                )
                s.add(run)
                runs.append(run)
            s.flush()
            run_ids = [r.id for r in runs]

            # Listings: most state the clinic's facts in their own words; some differ.
            listing_rows = []
            for i in range(listings):
                site = SITES[i % len(SITES)]
                failing = i % 37 == 0
                stale = i % 53 == 0
                last_success = run_at[-6] if stale else (run_at[-2] if failing else run_at[-1])
                listing_rows.append(
                    {
                        "clinic_id": cid,
                        "site": site,
                        "url": f"https://www.{site}.example/biz/bench-{i}",
                        "origin": "configured",
                        "enabled": True,
                        "created_at": run_at[0],
                        "last_crawled_at": run_at[-1],
                        "last_success_at": last_success,
                        "last_status": "blocked" if failing else "ok",
                    }
                )
            for j in range(20):
                listing_rows.append(
                    {
                        "clinic_id": cid,
                        "site": SITES[j % len(SITES)],
                        "url": f"https://www.{SITES[j % len(SITES)]}.example/found-{j}",
                        "origin": "discovered",
                        "enabled": False,
                        "created_at": run_at[-1],
                        "match_reason": "same phone number",
                    }
                )
            listing_ids = insert_rows(s, Listing, listing_rows)[:listings]  # configured first
            counts["listings"] = len(listing_ids)
            counts["discovered listings"] = 20

            snapshots = []
            for i, lid in enumerate(listing_ids):
                phones = ["(604) 555-0100", "604.555.0100", "+1 604 555 0100"]
                for k in range(1 + i % 3):
                    snapshots.append(
                        {
                            "listing_id": lid,
                            "run_id": run_ids[k * 10],
                            "captured_at": run_at[k * 10],
                            "name": "Bench Counselling Center" if i % 11 == 0 else CLINIC["name"],
                            "street_address": "1234 Example St, Suite 200"
                            if i % 13
                            else "98 Other Rd",
                            "locality": "Vancouver",
                            "region": "British Columbia",
                            "postal_code": "V6B1A1",
                            "phone": f"(604) 555-01{k:02d}" if i % 7 == 0 else phones[i % 3],
                            "website": "http://www.bench.example",
                            "hours": [],
                            "categories": [],
                            "rating": round(3 + (i % 5) / 2.5, 1),
                            "review_count": reviews // listings + k,
                            "fingerprint": _hash(lid, k),
                        }
                    )
            insert_rows(s, ListingSnapshot, snapshots)
            counts["listing snapshots"] = len(snapshots)
            relink_latest_snapshots(s)

            checks, problems = [], []
            for k, (rid, at) in enumerate(zip(run_ids, run_at, strict=True)):
                for i, lid in enumerate(listing_ids):
                    bad = k == RUNS - 1 and i % 37 == 0
                    checks.append(
                        {
                            "run_id": rid,
                            "listing_id": lid,
                            "status": "blocked" if bad else "ok",
                            "pages": 3,
                            "reviews_seen": reviews // listings,
                            "complete": not bad,
                            "message": "CAPTCHA page" if bad else None,
                            "checked_at": at,
                        }
                    )
                    if bad:
                        problems.append(
                            {
                                "run_id": rid,
                                "listing_id": lid,
                                "kind": "blocked",
                                "url": listing_rows[i]["url"],
                                "at": at,
                                "message": "the site answered with a CAPTCHA page",
                            }
                        )
            insert_rows(s, ListingCheck, checks)
            insert_rows(s, CrawlProblem, problems)
            counts["listing checks"] = len(checks)

            # Reviews: published over three years; first seen by the run after publication.
            review_rows = []
            for n in range(reviews):
                i = n % len(listing_ids)
                site = SITES[i % len(SITES)]
                published = now - timedelta(days=rng.uniform(0, 3 * 365))
                first_seen = max(published + timedelta(hours=6), run_at[0])
                k = min(RUNS - 1, max(0, (first_seen - run_at[0]).days))
                first_seen = run_at[k]
                edited = n % 31 == 0
                removed = n % 97 == 0
                review_rows.append(
                    {
                        "clinic_id": cid,
                        "listing_id": listing_ids[i],
                        "site": site,
                        "review_key": f"r{n}",
                        "site_review_id": f"r{n}",
                        "author": f"Reviewer {n % 500} {chr(65 + n % 26)}.",
                        "rating": float(1 + (n * 7 + i) % 5),
                        "best_rating": 5.0,
                        "published_raw": published.date().isoformat(),
                        "published_at": published,
                        "published_precision": "day",
                        "title": f"Visit {n}" if n % 3 == 0 else None,
                        "text": f"Review {n}: "
                        + "the counsellor listened and the rooms were calm. " * (1 + n % 6),
                        "owner_response": "Thank you for your feedback!" if n % 211 == 0 else None,
                        "content_hash": _hash("review", n),
                        "first_seen_at": first_seen,
                        "last_seen_at": run_at[-1],
                        "first_seen_run_id": run_ids[k],
                        "last_seen_run_id": run_ids[-1],
                        "version_count": 2 if edited else 1,
                        "edited_at": run_at[-1] if edited else None,
                        "removed_at": run_at[-1] if removed else None,
                    }
                )
            ids = insert_rows(s, Review, review_rows)
            counts["reviews"] = len(review_rows)

            versions = [
                {
                    "review_id": ids[n],
                    "run_id": run_ids[0],
                    "valid_from": run_at[0],
                    "valid_to": run_at[-1],
                    "rating": 5.0,
                    "text": f"Review {n}, before the edit.",
                    "content_hash": _hash("old", n),
                }
                for n in range(0, len(ids), 31)
            ]
            insert_rows(s, ReviewVersion, versions)
            counts["review versions"] = len(versions)

            findings = []
            for n in range(0, len(ids), 211):
                findings.append(
                    {
                        "clinic_id": cid,
                        "kind": "owner_response",
                        "severity": "critical",
                        "review_id": ids[n],
                        "excerpt": "Thank you for your feedback!",
                        "dedupe_key": _hash("resp", n),
                        "first_seen_at": run_at[-1],
                        "last_seen_at": run_at[-1],
                    }
                )
            for n in range(5, len(ids), 499):
                findings.append(
                    {
                        "clinic_id": cid,
                        "kind": "disclosure",
                        "severity": "warning",
                        "review_id": ids[n],
                        "excerpt": "mentions a diagnosis",
                        "dedupe_key": _hash("disc", n),
                        "first_seen_at": run_at[-3],
                        "last_seen_at": run_at[-1],
                    }
                )
            for n in range(20):
                findings.append(
                    {
                        "clinic_id": cid,
                        "kind": "solicitation",
                        "severity": "warning",
                        "source_url": f"https://bench.example/blog/{n}",
                        "excerpt": "Please leave us a review!",
                        "rule_id": "review_request",
                        "dedupe_key": _hash("sol", n),
                        "first_seen_at": run_at[-2],
                        "last_seen_at": run_at[-1],
                    }
                )
            insert_rows(s, Finding, findings)
            counts["findings"] = len(findings)

            for n in range(500):  # the audit log is a chain: appended one by one
                audit.append(
                    s,
                    action_id="reply_to_review",
                    rule_set="bcacc",
                    rule_version="1.0.0",
                    origin="dashboard",
                    clinic_id=cid,
                    target=f"review {ids[n]}",
                )
            counts["audit entries"] = 500
            s.commit()
    finally:
        engine.dispose()
    return counts


@dataclass
class PageTime:
    page: str
    first_s: float | None
    after_s: float
    note: str = ""


def stored_counts(url: str) -> dict[str, int]:
    """What the store holds, read back through the dashboard's own queries."""
    from store import queries
    from store.db import Session, make_engine

    engine = make_engine(url, read_only=True)
    try:
        with Session(engine) as s:
            (clinic,) = queries.clinics(s)
            return {
                "listings": len(queries.listings(s, clinic_id=clinic.id)),
                "reviews": queries.count_reviews(
                    s, clinic_id=clinic.id, flt=queries.ReviewFilter()
                ),
            }
    finally:
        engine.dispose()


def _timed(fn) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def render_times(url: str, config_path: Path, *, repeats: int = 3) -> list[PageTime]:
    """Each page: the first load with empty caches, then the median of ``repeats`` loads."""
    import streamlit as st
    from streamlit.logger import set_log_level
    from streamlit.testing.v1 import AppTest

    set_log_level("error")  # outside a server Streamlit warns that it has no runtime: expected

    os.environ["QUIETWATCH_DATABASE_URL"] = url
    os.environ["QUIETWATCH_CONFIG"] = str(config_path)
    out = []
    for title, script in PAGES.items():
        st.cache_data.clear()
        st.cache_resource.clear()
        at = AppTest.from_file(str(APP), default_timeout=600)
        at.switch_page(script)
        first = _timed(at.run)
        if at.exception:
            raise RuntimeError(f"{title}: {at.exception[0].message}")
        again = [_timed(at.run) for _ in range(repeats)]
        out.append(PageTime(title, first, statistics.median(again)))
        if title == "Reviews":
            at.slider(key="reviews-rating").set_value((0.0, 2.0))
            changed = _timed(at.run)
            at.selectbox(key="reviews-edited").set_value("Yes")
            changed2 = _timed(at.run)
            out.append(
                PageTime(
                    "Reviews, filter changed",
                    changed,
                    changed2,
                    "first: rating 0-2; after: and edited (new queries each)",
                )
            )
    return out


URL_PATHS = {
    "Overview": "",
    "Listings": "listings",
    "Reviews": "reviews",
    "Compliance": "compliance",
    "Crawl health": "health",
}
CHROMIUM = "/usr/bin/chromium"


def browser_times(url: str, config_path: Path, *, repeats: int = 3) -> list[PageTime]:
    """Each page in headless Chromium against the dashboard started as the CLI starts it,
    until the page has drawn its "ready" signal and its script has finished.

    - First, the very first visit of a new browser profile: the Overview on a dashboard just
      started, with Streamlit's JavaScript downloaded and compiled for the first time (a
      one-off per browser; printed apart, as "first visit").
    - Then each page's cold first load: the dashboard is restarted (a new process: empty
      query caches, nothing imported by a page yet) and the page opened in the same browser,
      which has been to the dashboard before (as a practice manager's has); the median of
      ``repeats`` such restarts, each one's figure printed beside it (on this shared
      machine one cold load can differ from the next by half a second);
    - then moving to it through the sidebar as a user does, and a full reload of the
      browser page (the JavaScript app and its connection set up again)."""
    import socket
    import subprocess

    from playwright.sync_api import sync_playwright

    from dashboard.launch import dashboard_env, streamlit_command, wait_until_up
    from store.config import load_config

    config = load_config(config_path)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    proc: subprocess.Popen | None = None

    def stop() -> None:
        nonlocal proc
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
            proc = None

    def start() -> None:
        """A new dashboard process on the same port (the browser's cache is per origin)."""
        nonlocal proc
        stop()
        proc = subprocess.Popen(
            streamlit_command(config, url, port=port),
            env=dashboard_env(config, url, os.environ),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=config_path.parent,
        )
        if not wait_until_up(base, proc, timeout=60):
            raise RuntimeError("the dashboard did not start")

    out = []
    try:
        start()
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            context = browser.new_context(viewport={"width": 1440, "height": 1000})
            page = context.new_page()
            page.set_default_timeout(120_000)
            done = "[data-testid=stApp][data-test-script-state=notRunning]"

            def finished(title: str, start: float) -> float:
                slug = URL_PATHS[title] or "overview"
                page.locator(f".st-key-qw-ready-{slug}").wait_for(state="attached")
                page.locator(done).wait_for()
                return time.perf_counter() - start

            def reload(title: str) -> float:
                start = time.perf_counter()
                page.goto(f"{base}/{URL_PATHS[title]}")
                return finished(title, start)

            def navigate(title: str) -> float:
                # Away first (without timing), then back through the sidebar, as a user does.
                other = "Crawl health" if title == "Overview" else "Overview"
                page.get_by_test_id("stSidebarNav").get_by_text(other, exact=True).click()
                finished(other, time.perf_counter())
                start = time.perf_counter()
                page.get_by_test_id("stSidebarNav").get_by_text(title, exact=True).click()
                return finished(title, start)

            out.append(
                PageTime(
                    FIRST_VISIT,
                    reload("Overview"),
                    reload("Overview"),
                    "first: a new browser profile on a dashboard just started (Streamlit's "
                    "JavaScript compiled for the first time); after: the same page loaded again",
                )
            )
            for title in PAGES:
                colds = []
                for _ in range(repeats):
                    # Leave the app first: an open page would reconnect to the new process
                    # by itself and run its script there before the timed load.
                    page.goto("about:blank")
                    start()  # a new process: the page's first load is a cold one
                    colds.append(reload(title))
                again = [navigate(title) for _ in range(repeats)]
                reloads = [reload(title) for _ in range(repeats)]
                cold = ", ".join(f"{t:.2f}" for t in colds)
                out.append(
                    PageTime(
                        title,
                        statistics.median(colds),
                        statistics.median(again),
                        f"first: median of {repeats} cold loads, each on a new process ({cold} s)",
                    )
                )
                out.append(PageTime(f"  {title}, reloaded", None, statistics.median(reloads)))
            browser.close()
    finally:
        stop()
    return out


FIRST_VISIT = "First visit of a browser"


def _print(times: list[PageTime], repeats: int, heading: str) -> list[str]:
    print(heading)
    print(f"{'page':<26}{'first load':>12}{'after':>10}   (after: median of {repeats} loads)")
    slow = []
    for t in times:
        over = max(t.after_s, t.first_s or 0) >= THRESHOLD_S
        flag = f"  > {THRESHOLD_S} s" if over else ""
        first = f"{t.first_s:>10.2f} s" if t.first_s is not None else f"{'':>12}"
        print(f"{t.page:<26}{first}{t.after_s:>8.2f} s{flag}")
        if t.note:
            print(f"{'':<28}{t.note}")
        if t.page in PAGES and over:
            slow.append(t.page)
    return slow


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.dashboard",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--listings", type=int, default=1000)
    parser.add_argument("--reviews", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="build the store in DIR and keep it")
    parser.add_argument(
        "--browser", action="store_true", help="also time each page in headless Chromium"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)

    with tempfile.TemporaryDirectory(prefix="qw-bench-dashboard-") as tmp:
        workdir = args.keep or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        db = workdir / "bench.db"
        db.unlink(missing_ok=True)
        url = f"sqlite:///{db}"
        config_path = workdir / "quietwatch.toml"
        config_path.write_text(CONFIG, encoding="utf-8")
        started = time.perf_counter()
        counts = build_store(url, listings=args.listings, reviews=args.reviews)
        built = time.perf_counter() - started
        print(f"store: {db} ({db.stat().st_size / 1e6:.0f} MB), built in {built:.1f} s")
        print("  " + ", ".join(f"{n:,} {what}" for what, n in counts.items()))
        held = stored_counts(url)
        wrote = counts["listings"] + counts["discovered listings"]
        if held != {"listings": wrote, "reviews": counts["reviews"]}:
            raise SystemExit(f"the store holds {held}, not what was written: {counts}")
        times = render_times(url, config_path, repeats=args.repeats)
        slow = _print(times, args.repeats, "AppTest (server-side render):")
        from bench.crawl import peak_rss_mb

        print(f"peak memory of the process rendering every page (AppTest): {peak_rss_mb():.0f} MB")
        if args.browser:
            shown = browser_times(url, config_path, repeats=args.repeats)
            slow += [f"{p} (browser)" for p in _print(shown, args.repeats, "Chromium:")]
            # No query cache at all (cache_ttl_seconds = 0): every load below is a cold one.
            uncached = workdir / "uncached.toml"
            uncached.write_text(CONFIG.replace("= 300", "= 0"), encoding="utf-8")
            shown = browser_times(url, uncached, repeats=args.repeats)
            _print(shown, args.repeats, "Chromium, no query cache (every load runs the queries):")
    print(
        "every page loads in under 1.5 s, cold first load included"
        if not slow
        else f"1.5 s or more (first load or after): {', '.join(slow)}"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
