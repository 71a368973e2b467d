"""Crawl throughput: 500 generated listing pages (10 reviews each) served on 127.0.0.1,
crawled through the full pipeline into SQLite, next to `scrapy bench` measured in the same
run.  Prints pages/second for both and their ratio.

    python -m bench.crawl [--pages 500] [--reviews 10]

Politeness settings are lifted for both (one local host, no delay, 16 concurrent requests),
so the figure measures QuietWatch's own cost: parsing, structured-data extraction, the store.
"""

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CONCURRENCY = 16


def _business(i: int, reviews: int):
    from quietwatch.demo.pages import SampleBusiness, SampleReview

    return SampleBusiness(
        name=f"Bench Counselling {i}",
        street_address=f"{100 + i} Main St",
        locality="Vancouver",
        region="BC",
        postal_code="V5K 0A1",
        country="CA",
        phone=f"(604) 555-{i % 10000:04d}",
        website="https://bench.example",
        categories=["Counseling & Mental Health"],
        reviews=[
            SampleReview(
                review_id=f"b{i}-{j}",
                author=f"Reviewer {j}.",
                rating=1 + (i + j) % 5,
                published=date(2026, 11, 1) - timedelta(days=j * 7),
                text=f"Sample review {j} for listing {i}. " * 6,
            )
            for j in range(reviews)
        ],
    )


def crawl_in_this_process(
    base_url: str, workdir: Path, listings: int, *, full_sweep: bool | None = None
) -> float:
    """Crawl ``listings`` Yelp-structured pages at ``base_url/biz/bench-<i>`` through the
    real pipeline into ``workdir/bench.db``; return the seconds it took.  Run it in a fresh
    process (a Twisted reactor starts once per process)."""
    from crawlers.runner import run_crawl
    from store.config import Settings, parse_config
    from store.db import engine_for, init_db

    sources = "\n".join(
        f'[[sources]]\nsite = "yelp"\nurl = "{base_url}/biz/bench-{i}"\n' for i in range(listings)
    )
    text = f"""[clinic]
name = "Bench Clinic"
street_address = "1 Main St"
city = "Vancouver"
province = "BC"
postal_code = "V5K 0A1"
phone = "604-555-0100"
website = "https://bench.example"
{sources}
[crawl]
download_delay = 0
"""
    config = parse_config(text, workdir / "quietwatch.toml")
    engine = engine_for(f"sqlite:///{workdir / 'bench.db'}")
    init_db(engine)
    started = time.perf_counter()
    run_crawl(
        config,
        engine,
        Settings(_env_file=None),
        full_sweep=full_sweep,
        overrides={
            "LOG_LEVEL": "WARNING",
            "AUTOTHROTTLE_ENABLED": False,
            "CONCURRENT_REQUESTS": CONCURRENCY,
            "CONCURRENT_REQUESTS_PER_DOMAIN": CONCURRENCY,
            "DOWNLOAD_DELAY": 0,
        },
    )
    return time.perf_counter() - started


def _child(base_url: str, workdir: Path, pages: int, reviews: int) -> None:
    """Runs in a fresh process: crawl every page through the real pipeline."""
    elapsed = crawl_in_this_process(base_url, workdir, pages, full_sweep=True)
    print(json.dumps({"elapsed": elapsed, "peak_rss_mb": peak_rss_mb()}))


def peak_rss_mb() -> float:
    """This process's peak resident memory, in MB (Linux reports kilobytes)."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _scrapy_bench() -> float:
    """pages/second of `scrapy bench` on this machine, right now."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "scrapy",
            "bench",
            "-s",
            f"CONCURRENT_REQUESTS={CONCURRENCY}",
            "-s",
            "CLOSESPIDER_TIMEOUT=10",
            "-s",
            "LOG_LEVEL=INFO",
        ],
        capture_output=True,
        text=True,
        cwd=tempfile.gettempdir(),
        timeout=180,
    )
    log = result.stdout + result.stderr
    pages = [int(n) for n in re.findall(r"Crawled (\d+) pages", log)]
    match = re.search(r"'downloader/response_count': (\d+)", log)
    elapsed = re.search(r"'elapsed_time_seconds': ([\d.]+)", log)
    if match and elapsed:
        return int(match.group(1)) / float(elapsed.group(1))
    if pages:
        return pages[-1] / 10.0
    raise RuntimeError("could not read scrapy bench's output:\n" + log[-2000:])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=500)
    parser.add_argument("--reviews", type=int, default=10)
    parser.add_argument("--child", nargs=2, metavar=("BASE_URL", "WORKDIR"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(args.child[0], Path(args.child[1]), args.pages, args.reviews)
        return

    from quietwatch.demo.pages import yelp_page
    from quietwatch.demo.server import SampleServer

    pages: dict[str, bytes] = {}
    server = SampleServer(lambda p: None)
    base = server.base_url
    for i in range(args.pages):
        url = f"{base}/biz/bench-{i}"
        pages[f"/biz/bench-{i}"] = yelp_page(_business(i, args.reviews), url=url).encode()
    pages["/robots.txt"] = b"User-agent: *\nAllow: /\n"
    server.resolve = lambda p: (200, "text/html; charset=utf-8", pages[p]) if p in pages else None
    with server, tempfile.TemporaryDirectory() as tmp:
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.crawl",
                "--pages",
                str(args.pages),
                "--reviews",
                str(args.reviews),
                "--child",
                base,
                tmp,
            ],
            capture_output=True,
            text=True,
            cwd=REPO,
            timeout=1800,
        )
        if result.returncode != 0:
            raise SystemExit("bench crawl failed:\n" + result.stderr[-4000:])
        figures = json.loads(result.stdout.strip().splitlines()[-1])
        fetched = sum(1 for m, p in server.requests if p.startswith("/biz/"))
    ours = fetched / figures["elapsed"]
    theirs = _scrapy_bench()
    print(
        f"QuietWatch full pipeline: {fetched} pages, {args.reviews} reviews each, "
        f"{figures['elapsed']:.1f} s -> {ours:.1f} pages/s, "
        f"peak memory of the crawl process {figures['peak_rss_mb']:.0f} MB"
    )
    print(f"scrapy bench (same machine, same run): {theirs:.1f} pages/s")
    print(f"ratio QuietWatch / scrapy bench: {ours / theirs:.3f}")


if __name__ == "__main__":
    main()
