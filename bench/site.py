"""The crawl benches' sample site, and the check that a crawl stored what it was served.

``BenchSite`` serves Yelp-structured listings (``/biz/bench-<i>``, 20 reviews a page) on
127.0.0.1 and answers path and query as Yelp does: ``start=`` picks the page, and any other
parameter (the spider asks for ``sort_by=date_desc``) is accepted, the pages being newest
first already.  An unknown path is a 404.  It counts what it answered, by status, and the
reviews on the pages it sent, so that :func:`verify` can hold a crawl to what it was served
and a bench fails loudly instead of timing 404s.
"""

import hashlib
import threading
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

PER_PAGE = 20


def business(i: int, reviews: int, *, prefix: str = "b"):
    """Listing ``i``: ``reviews`` reviews, each with the site's own id, newest first."""
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
                review_id=f"{prefix}{i}-{j}",
                author=f"Reviewer {j}.",
                rating=1 + (i + j) % 5,
                published=date(2026, 11, 1) - timedelta(days=j * 7),
                text=f"Sample review {j} for listing {i}. " * 6,
            )
            for j in range(reviews)
        ],
    )


class BenchSite:
    """Listings ``first`` .. ``first + listings - 1``; with ``etags`` each page carries an
    ETag and a matching If-None-Match is answered 304 Not Modified."""

    def __init__(self, listings: int, reviews: int, *, first: int = 0, etags: bool = False):
        from quietwatch.demo.server import SampleServer

        self.etags = etags
        self.server = SampleServer(self.resolve)
        self.base_url = self.server.base_url
        self.listing_urls = [
            f"{self.base_url}/biz/bench-{i}" for i in range(first, first + listings)
        ]
        # (path, start) -> (body, reviews on it, ETag)
        self.pages: dict[tuple[str, int], tuple[bytes, int, str]] = {}
        for i, url in zip(range(first, first + listings), self.listing_urls, strict=True):
            self._add(business(i, reviews), url)
        self.lock = threading.Lock()
        self.statuses: Counter[int] = Counter()  # listing-page answers by status
        self.reviews_served = 0  # reviews on the 200 answers
        self.bytes_served = 0

    def _add(self, biz, url: str) -> None:  # type: ignore[no-untyped-def]
        from quietwatch.demo.pages import yelp_page

        path = urlsplit(url).path
        for start in range(0, max(len(biz.reviews), 1), PER_PAGE):
            body = yelp_page(biz, url=url, start=start, per_page=PER_PAGE).encode()
            on_page = len(biz.reviews[start : start + PER_PAGE])
            tag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
            self.pages[(path, start)] = (body, on_page, tag)

    def resolve(self, path_and_query: str, headers: dict[str, str] | None = None) -> tuple:
        parts = urlsplit(path_and_query)
        if parts.path == "/robots.txt":
            return 200, "text/plain", b"User-agent: *\nAllow: /\n"
        try:
            start = int(parse_qs(parts.query).get("start", ["0"])[0])
        except ValueError:
            start = -1
        page = self.pages.get((parts.path, start))
        with self.lock:
            if page is None:
                self.statuses[404] += 1
                return 404, "text/html; charset=utf-8", b"<h1>Not found</h1>"
            body, on_page, tag = page
            extra = {"ETag": tag} if self.etags else {}
            if self.etags and (headers or {}).get("If-None-Match") == tag:
                self.statuses[304] += 1
                return 304, "text/html; charset=utf-8", b"", extra
            self.statuses[200] += 1
            self.reviews_served += on_page
            self.bytes_served += len(body)
        return 200, "text/html; charset=utf-8", body, extra

    @property
    def requests(self) -> int:
        return sum(self.statuses.values())

    def __enter__(self) -> "BenchSite":
        self.server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.stop()


@dataclass
class Stored:
    """What a crawl left in the store for one clinic."""

    reviews: int
    new_reviews: int  # the run's own counts
    pages: int
    errors: int
    statuses: Counter

    @classmethod
    def read(cls, url: str, clinic_key: str) -> "Stored":
        from store import queries
        from store.db import make_engine, session_scope
        from store.queries import ReviewFilter

        engine = make_engine(url)
        try:
            with session_scope(engine) as session:
                clinic = queries.clinic_by_key(session, clinic_key)
                if clinic is None:
                    return cls(0, 0, 0, 0, Counter())
                run = queries.runs(session, clinic_id=clinic.id, limit=1)[0]
                checks = queries.checks_of_run(session, run_id=run.id)
                return cls(
                    reviews=queries.count_reviews(session, clinic_id=clinic.id, flt=ReviewFilter()),
                    new_reviews=run.new_reviews,
                    pages=run.pages,
                    errors=run.errors,
                    statuses=Counter(str(c.status) for c in checks.values()),
                )
        finally:
            engine.dispose()


def verify(
    stored: Stored, site: BenchSite, *, listings: int, expect_reviews: int, new: int, ok: str
) -> list[str]:
    """What is wrong with a crawl of ``listings`` listings: anything but every listing
    answered and stored as expected (``ok``: the status each listing's check must have; ``new``: the reviews the
    last run must count as new).  An empty list is a crawl the figures may be taken from."""
    wrong = []
    if site.statuses[404]:
        wrong.append(f"the sample site answered {site.statuses[404]} request(s) with 404")
    if stored.reviews != expect_reviews:
        wrong.append(f"{stored.reviews} reviews stored, {expect_reviews} served")
    if stored.new_reviews != new:
        wrong.append(f"the run counted {stored.new_reviews} new reviews, not {new}")
    if stored.errors:
        wrong.append(f"the run counted {stored.errors} error(s)")
    if stored.statuses[ok] != listings:
        wrong.append(f"listing checks {dict(stored.statuses)}, not {listings} x {ok}")
    return wrong
