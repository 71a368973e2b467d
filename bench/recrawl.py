"""Cost of a scheduled re-crawl when nothing changed, as a ratio of a first crawl's requests.

    python -m bench.recrawl [--listings 100] [--reviews 45]

Serves ``--listings`` Yelp-style listing pages (20 reviews a page, so 45 reviews is three
pages) on 127.0.0.1, crawls them once into SQLite (a full sweep), then again as the
scheduler would (incremental).  Done twice: once from a server that sends no validators
(the crawl stops at the first page that holds only known reviews) and once from a server
that sends ETags (the re-crawl gets 304 Not Modified).  Prints requests, bytes and seconds
of each crawl and the re-crawl/first-crawl ratios.
"""

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.crawl import _business, crawl_in_this_process

REPO = Path(__file__).resolve().parent.parent


def _child(base_url: str, workdir: Path, listings: int) -> None:
    # full_sweep=None: what a scheduled crawl does (a first crawl is a full sweep anyway).
    print(
        json.dumps({"elapsed": crawl_in_this_process(base_url, workdir, listings, full_sweep=None)})
    )


def _crawl(base: str, tmp: str, listings: int) -> float:
    result = subprocess.run(
        [sys.executable, "-m", "bench.recrawl", "--listings", str(listings), "--child", base, tmp],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=1800,
    )
    if result.returncode != 0:
        raise SystemExit("bench crawl failed:\n" + result.stderr[-4000:])
    return json.loads(result.stdout.strip().splitlines()[-1])["elapsed"]


def _scenario(listings: int, reviews: int, *, etags: bool) -> dict[str, float]:
    from quietwatch.demo.pages import yelp_page
    from quietwatch.demo.server import SampleServer

    server = SampleServer(lambda p: None)
    base = server.base_url
    pages: dict[str, bytes] = {"/robots.txt": b"User-agent: *\nAllow: /\n"}
    for i in range(listings):
        biz = _business(i, reviews)
        url = f"{base}/biz/bench-{i}"
        for start in range(0, reviews, 20):
            path = f"/biz/bench-{i}" + (f"?start={start}" if start else "")
            pages[path] = yelp_page(biz, url=url, start=start).encode()
    sent = {"bytes": 0}

    def resolve(path: str, headers: dict[str, str] | None = None):
        body = pages.get(path)
        if body is None:
            return None
        extra = {}
        if etags and path != "/robots.txt":
            tag = f'"{hash(body) & 0xFFFFFFFF:x}"'
            extra["ETag"] = tag
            if headers and headers.get("If-None-Match") == tag:
                return 304, "text/html", b"", extra
        sent["bytes"] += len(body)
        return 200, "text/html; charset=utf-8", body, extra

    server.resolve = resolve
    figures: dict[str, float] = {}
    with server, tempfile.TemporaryDirectory() as tmp:
        for phase in ("first", "again"):
            before_requests, before_bytes = len(server.requests), sent["bytes"]
            figures[f"{phase}_seconds"] = _crawl(base, tmp, listings)
            figures[f"{phase}_requests"] = sum(
                1 for _, p in server.requests[before_requests:] if p.startswith("/biz/")
            )
            figures[f"{phase}_bytes"] = sent["bytes"] - before_bytes
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listings", type=int, default=100)
    parser.add_argument("--reviews", type=int, default=45)
    parser.add_argument("--child", nargs=2, metavar=("BASE_URL", "WORKDIR"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(args.child[0], Path(args.child[1]), args.listings)
        return
    for etags in (False, True):
        f = _scenario(args.listings, args.reviews, etags=etags)
        label = (
            "server sends ETags (304 on re-crawl)"
            if etags
            else "server sends no validators (early stop)"
        )
        print(f"{label}: {args.listings} listings x {args.reviews} reviews")
        print(
            f"  first crawl: {f['first_requests']:.0f} requests, {f['first_bytes'] / 1e6:.2f} MB, {f['first_seconds']:.1f} s"
        )
        print(
            f"  re-crawl:    {f['again_requests']:.0f} requests, {f['again_bytes'] / 1e6:.2f} MB, {f['again_seconds']:.1f} s"
        )
        print(
            f"  ratio re-crawl / first crawl: requests {f['again_requests'] / f['first_requests']:.3f}, "
            f"bytes {f['again_bytes'] / max(f['first_bytes'], 1):.3f}"
        )


if __name__ == "__main__":
    main()
