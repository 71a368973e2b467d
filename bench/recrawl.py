"""Cost of a scheduled re-crawl when nothing changed, as a ratio of a first crawl's requests.

    python -m bench recrawl [--listings 100] [--reviews 45]

Serves ``--listings`` Yelp-style listings (20 reviews a page, so 45 reviews is three pages)
on 127.0.0.1, crawls them once into SQLite (a full sweep), then again as the scheduler would
(incremental).  Done twice: once from a server that sends no validators (the crawl stops at
the first page that holds only known reviews) and once from a server that sends ETags (the
re-crawl gets 304 Not Modified).  Prints requests, bytes and seconds of each crawl and the
re-crawl/first-crawl ratios.  Each crawl is checked: every review stored once, none new on
the re-crawl, one request a listing on the early stop, a 304 for every listing with ETags
(the run's checks say not_modified); a crawl that did otherwise fails the bench (exit 1).
"""

import argparse
import tempfile

from bench.crawl import _child, load_job, run_children
from bench.site import PER_PAGE, BenchSite, Stored, verify


def _scenario(listings: int, reviews: int, *, etags: bool) -> dict[str, float]:
    figures: dict[str, float] = {}
    wrong: list[str] = []
    pages = listings * -(-reviews // PER_PAGE)
    with BenchSite(listings, reviews, etags=etags) as site, tempfile.TemporaryDirectory() as tmp:
        job = {"urls": site.listing_urls, "db": f"sqlite:///{tmp}/bench.db", "clinic": "bench"}
        for phase in ("first", "again"):
            before, sent = site.statuses.copy(), site.bytes_served
            # full_sweep None: what a scheduled crawl does (a first crawl is a full sweep).
            figures[f"{phase}_seconds"] = run_children("bench.recrawl", [job])[0]["elapsed"]
            answered = site.statuses - before
            figures[f"{phase}_requests"] = sum(answered.values())
            figures[f"{phase}_bytes"] = site.bytes_served - sent
            stored = Stored.read(job["db"], job["clinic"])
            total = listings * reviews
            if phase == "first":
                ok, new, expect = "ok", total, {200: pages}
            else:
                ok, new = ("not_modified", 0) if etags else ("ok", 0)
                expect = {304: listings} if etags else {200: listings}
            wrong += verify(stored, site, listings=listings, expect_reviews=total, new=new, ok=ok)
            if dict(answered) != expect:
                wrong.append(f"{phase} crawl: the site answered {dict(answered)}, not {expect}")
    if wrong:
        raise SystemExit("bench recrawl measured a broken crawl: " + "; ".join(wrong))
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench recrawl", description=__doc__)
    parser.add_argument("--listings", type=int, default=100)
    parser.add_argument("--reviews", type=int, default=45)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(load_job(args.child))
        return
    for etags in (False, True):
        f = _scenario(args.listings, args.reviews, etags=etags)
        label = (
            "server sends ETags (304 on re-crawl)"
            if etags
            else "server sends no validators (early stop)"
        )
        print(f"{label}: {args.listings} listings x {args.reviews} reviews")
        for phase, name in (("first", "first crawl:"), ("again", "re-crawl:")):
            print(
                f"  {name:<13}{f[f'{phase}_requests']:.0f} requests, "
                f"{f[f'{phase}_bytes'] / 1e6:.2f} MB, {f[f'{phase}_seconds']:.1f} s"
            )
        print(
            f"  ratio re-crawl / first crawl: requests "
            f"{f['again_requests'] / f['first_requests']:.3f}, "
            f"bytes {f['again_bytes'] / max(f['first_bytes'], 1):.3f}"
        )


if __name__ == "__main__":
    main()
