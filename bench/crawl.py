"""Crawl throughput: generated Yelp-structured listing pages (10 reviews each) served on
127.0.0.1, crawled through the full pipeline into a store, next to `scrapy bench` measured
in the same run.  Prints pages/second and CPU per page for both and their ratios.

    python -m bench crawl [--pages 2000] [--reviews 10] [--memory-baseline 500]
                          [--processes 1] [--database sqlite|postgresql]

Politeness settings are lifted (one local host, no delay, 16 concurrent requests), so the
figure measures QuietWatch's own cost: parsing, structured-data extraction, the store.
Every crawl is checked against what the site served (no 404, every review stored, the
run's counts, every listing read): a crawl that stored less fails the bench (exit 1).

``--memory-baseline N`` also crawls N pages in a fresh process and compares the peaks.
``--processes 2 --database postgresql`` starts a throwaway PostgreSQL server, crawls with one
process, then with two at once (each its own clinic and listings, one store), and prints how
many times the pages of one process the two crawled in the same time.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.site import BenchSite, Stored, verify

REPO = Path(__file__).resolve().parent.parent
CONCURRENCY = 16
REFERENCE_SECONDS = 10


def _config_text(listing_urls: list[str], clinic: str) -> str:
    sources = "".join(f'[[sources]]\nsite = "yelp"\nurl = "{url}"\n' for url in listing_urls)
    return f"""[clinic]
name = "Bench Clinic {clinic}"
slug = "{clinic}"
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


def crawl_in_this_process(
    listing_urls: list[str], db_url: str, *, clinic: str = "bench", full_sweep: bool | None = None
) -> dict[str, float]:
    """Crawl the listings through the real pipeline into ``db_url`` (migrated first); the
    seconds and CPU seconds it took.  Run it in a fresh process (a Twisted reactor starts
    once per process)."""
    from crawlers.runner import run_crawl
    from store.config import Settings, parse_config
    from store.db import engine_for, init_db

    config = parse_config(_config_text(listing_urls, clinic), Path("quietwatch.toml"))
    engine = engine_for(db_url)
    init_db(engine)
    started, cpu = time.perf_counter(), time.process_time()
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
    return {"elapsed": time.perf_counter() - started, "cpu": time.process_time() - cpu}


def peak_rss_mb() -> float:
    """This process's peak resident memory, in MB (Linux reports kilobytes)."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_command(module: str, job_file: Path) -> list[str]:
    """A child process's command; its job is read from a file (thousands of URLs would not
    fit on a command line)."""
    return [sys.executable, "-m", module, "--child", str(job_file)]


def load_job(job_file: str) -> dict:
    return json.loads(Path(job_file).read_text(encoding="utf-8"))


def run_children(module: str, jobs: list[dict]) -> list[dict]:
    """Run each job in its own fresh process, all at once; their printed figures."""
    with tempfile.TemporaryDirectory(prefix="qw-bench-jobs-") as folder:
        files = []
        for n, job in enumerate(jobs):
            files.append(Path(folder) / f"job{n}.json")
            files[-1].write_text(json.dumps(job), encoding="utf-8")
        procs = [
            subprocess.Popen(
                child_command(module, job_file),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                cwd=REPO,
            )
            for job_file in files
        ]
        outputs = [proc.communicate(timeout=3600) for proc in procs]
    figures = []
    for proc, (out, err) in zip(procs, outputs, strict=True):
        if proc.returncode != 0:
            raise SystemExit(f"the bench's crawl process failed:\n{err[-4000:]}")
        figures.append(json.loads(out.strip().splitlines()[-1]))
    return figures


def _child(job: dict) -> None:
    """Runs in a fresh process: crawl the job's listings, print the figures as JSON (with
    ``profile`` in the job, the crawl runs under cProfile and its stats go to that file)."""

    def crawl() -> dict:
        return crawl_in_this_process(
            job["urls"], job["db"], clinic=job["clinic"], full_sweep=job.get("full_sweep")
        )

    if job.get("profile"):
        import cProfile

        with cProfile.Profile() as profile:
            figures = crawl()
        profile.dump_stats(job["profile"])
    else:
        figures = crawl()
    print(json.dumps({**figures, "peak_rss_mb": peak_rss_mb()}))


# -- the reference ----------------------------------------------------------------------------
_REFERENCE = """
import json, resource, sys, time
from scrapy.cmdline import execute
import scrapy.commands.bench  # imported before the clock starts, as ours is
cpu = time.process_time()
try:
    execute(["scrapy", "bench", *sys.argv[1:]])
except SystemExit as exc:
    code = exc.code
else:
    code = 0
print("BENCH-CPU", time.process_time() - cpu, file=sys.stderr)
sys.exit(code)
"""


def scrapy_bench(seconds: int = REFERENCE_SECONDS) -> dict[str, float]:
    """`scrapy bench` on this machine, right now, run from a folder without scrapy.cfg (so
    Scrapy's defaults, not this project's settings): pages/s and CPU seconds a page.  Exits
    non-zero when it crashed or crawled nothing."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCRAPY_")}
    with tempfile.TemporaryDirectory() as folder:
        result = subprocess.run(
            [
                sys.executable,
                "-c",
                _REFERENCE,
                "-s",
                f"CONCURRENT_REQUESTS={CONCURRENCY}",
                "-s",
                f"CLOSESPIDER_TIMEOUT={seconds}",
                "-s",
                "LOG_LEVEL=INFO",
            ],
            capture_output=True,
            text=True,
            cwd=folder,
            env=env,
            timeout=180 + seconds,
        )
    return read_reference(result.returncode, result.stdout + result.stderr)


def read_reference(returncode: int, log: str) -> dict[str, float]:
    """scrapy bench's figures from its log; SystemExit when it failed in any way."""
    responses = re.search(r"'downloader/response_count': (\d+)", log)
    elapsed = re.search(r"'elapsed_time_seconds': ([\d.]+)", log)
    cpu = re.search(r"BENCH-CPU ([\d.]+)", log)
    if returncode != 0 or "Traceback" in log or " ERROR: " in log:
        raise SystemExit(f"scrapy bench failed (exit {returncode}):\n{log[-3000:]}")
    if "crawlers." in log:
        raise SystemExit("scrapy bench loaded this project's settings; it must not")
    if not (responses and elapsed and cpu) or int(responses.group(1)) == 0:
        raise SystemExit(
            "scrapy bench crawled nothing, or its figures could not be read:\n" + log[-3000:]
        )
    pages = int(responses.group(1))
    return {
        "pages": pages,
        "per_s": pages / float(elapsed.group(1)),
        "cpu_ms": 1000 * float(cpu.group(1)) / pages,
    }


# -- the bench --------------------------------------------------------------------------------
def _crawl_and_check(site: BenchSite, jobs: list[dict], reviews: int) -> list[dict]:
    """Crawl ``jobs`` at once, then hold each to what it was served; SystemExit if wrong."""
    before = site.statuses.copy()
    started = time.perf_counter()
    figures = run_children("bench.crawl", jobs)
    wall = time.perf_counter() - started
    wrong = []
    for job, fig in zip(jobs, figures, strict=True):
        stored = Stored.read(job["db"], job["clinic"])
        expect = len(job["urls"]) * reviews
        wrong += verify(
            stored, site, listings=len(job["urls"]), expect_reviews=expect, new=expect, ok="ok"
        )
        fig.update(pages=stored.pages, wall=wall)
    served = site.statuses[200] - before[200]
    if sum(f["pages"] for f in figures) != served:
        wrong.append(f"{served} pages served, {sum(f['pages'] for f in figures)} stored")
    if wrong:
        raise SystemExit("bench crawl measured a broken crawl: " + "; ".join(wrong))
    return figures


def _line(label: str, fig: dict) -> str:
    return (
        f"{label}: {fig['pages']} pages in {fig['elapsed']:.1f} s -> "
        f"{fig['pages'] / fig['elapsed']:.1f} pages/s, CPU {1000 * fig['cpu'] / fig['pages']:.1f} "
        f"ms/page, peak memory {fig['peak_rss_mb']:.0f} MB"
    )


def _sqlite(tmp: str, name: str) -> str:
    return f"sqlite:///{Path(tmp) / name}.db"


def _single(args: argparse.Namespace, site: BenchSite, tmp: str) -> None:
    urls = site.listing_urls
    job = {"urls": urls[: args.pages], "db": _sqlite(tmp, "bench"), "clinic": "bench"}
    if args.profile:
        job["profile"] = str(args.profile.resolve())
    ours = _crawl_and_check(site, [{**job, "full_sweep": True}], args.reviews)[0]
    print(_line(f"QuietWatch full pipeline ({args.reviews} reviews a page)", ours))
    if args.memory_baseline:
        small = {"urls": urls[: args.memory_baseline], "db": _sqlite(tmp, "small"), "clinic": "s"}
        base = _crawl_and_check(site, [{**small, "full_sweep": True}], args.reviews)[0]
        print(_line("  the same, fewer pages", base))
        print(
            f"  peak memory at {ours['pages']} pages / at {base['pages']} pages: "
            f"{ours['peak_rss_mb'] / base['peak_rss_mb']:.3f} (goal: at most 1.10)"
        )
    if args.reference_seconds:
        theirs = scrapy_bench(args.reference_seconds)
        rate = ours["pages"] / ours["elapsed"]
        cpu_ms = 1000 * ours["cpu"] / ours["pages"]
        print(
            f"scrapy bench (same machine, same run): {theirs['pages']} pages -> "
            f"{theirs['per_s']:.1f} pages/s, CPU {theirs['cpu_ms']:.1f} ms/page"
        )
        print(
            f"ratio QuietWatch / scrapy bench: pages/s {rate / theirs['per_s']:.3f} "
            f"(goal: at least 0.8), CPU per page {cpu_ms / theirs['cpu_ms']:.3f} "
            "(goal: at most 1.3)"
        )


def _parallel(args: argparse.Namespace, site: BenchSite, db: str) -> None:
    urls, n = site.listing_urls, args.pages

    def job(k: int, clinic: str) -> dict:
        return {"urls": urls[k * n : (k + 1) * n], "db": db, "clinic": clinic, "full_sweep": True}

    one = _crawl_and_check(site, [job(0, "one")], args.reviews)[0]
    many = _crawl_and_check(
        site, [job(1 + k, f"p{k}") for k in range(args.processes)], args.reviews
    )
    rate_one = one["pages"] / one["wall"]
    rate_many = sum(f["pages"] for f in many) / many[0]["wall"]
    print(f"one process: {one['pages']} pages in {one['wall']:.1f} s -> {rate_one:.1f} pages/s")
    print(
        f"{args.processes} processes at once: {sum(f['pages'] for f in many)} pages in "
        f"{many[0]['wall']:.1f} s -> {rate_many:.1f} pages/s"
    )
    print(
        f"pages in the same time, {args.processes} processes / one: {rate_many / rate_one:.2f} "
        f"(goal: {args.processes:.2f}) on {os.cpu_count()} cores shared with the sample site "
        "and the database server"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench crawl", description=__doc__)
    parser.add_argument("--pages", type=int, default=2000, help="pages a crawl process reads")
    parser.add_argument("--reviews", type=int, default=10, help="reviews a page (at most 20)")
    parser.add_argument("--memory-baseline", type=int, default=0, metavar="PAGES")
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument(
        "--reference-seconds", type=int, default=REFERENCE_SECONDS, help="0: no scrapy bench"
    )
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="FILE",
        help="run the crawl process under cProfile and write its stats to FILE "
        "(python -m pstats FILE); the figures then include the profiler's cost",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(load_job(args.child))
        return
    if not 0 < args.reviews <= 20:
        parser.error("--reviews must be 1 to 20 (one page a listing)")
    listings = args.pages * (1 if args.processes == 1 else args.processes + 1)
    with BenchSite(max(listings, args.memory_baseline), args.reviews) as site:
        if args.database == "sqlite" and args.processes == 1:
            with tempfile.TemporaryDirectory() as tmp:
                _single(args, site, tmp)
            return
        if args.database != "postgresql":
            parser.error("--processes above 1 needs --database postgresql (one shared store)")
        with throwaway_postgresql() as url:
            _parallel(args, site, url)


@contextmanager
def throwaway_postgresql() -> Iterator[str]:
    """A migrated database on a PostgreSQL server started for the bench, the way the tests
    start theirs (tests/pg.py), and removed afterwards."""
    from store.db import init_db, make_engine
    from tests.pg import PostgresServer, find_bin_dir

    bin_dir = find_bin_dir()
    if bin_dir is None:
        raise SystemExit("bench crawl --database postgresql needs PostgreSQL installed")
    server = PostgresServer(bin_dir).start()
    try:
        url = server.create_database("bench")
        engine = make_engine(url)
        init_db(engine)
        engine.dispose()
        yield url
    finally:
        server.stop()


if __name__ == "__main__":
    main()
