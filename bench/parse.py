"""Parse cost of the page objects on real pages, against a plain lxml + XPath floor.

Run with ``python -m bench parse``.  For the real Yelp, RateMDs and Psychology Today pages
in ``../shared/fixtures`` (read in place, never copied), it times ``to_item()`` and, as the
floor, ``lxml.html`` parsing plus one XPath per field for the same fields (name, address,
phone, rating, count, and each review's id, rating, date and text).  It prints both and
their ratio (the goal: at most 2x), and exits non-zero if a page object read nothing.
"""

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import lxml.html

from crawlers.pages.base import saved_response
from crawlers.pages.psychologytoday import PsychologyTodayProfilePage
from crawlers.pages.ratemds import RateMDsDoctorPage
from crawlers.pages.yelp import YelpBizPage
from tests.conftest import PINNED_NOW

HTML = lxml.html.HTMLParser(encoding="utf-8")
REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("QUIETWATCH_SHARED", REPO.parent / "shared")) / "fixtures"

# (label, capture, page object, XPaths of the same page fields, the review element, XPaths
# of each review's fields, reviews expected): the floor a hand-written lxml reader pays.
PAGES: list[tuple[str, str, type, list[str], str, list[str], int]] = [
    (
        "Yelp",
        "yelp/yelp_biz_philz-coffee-san-mateo_2016.html",
        YelpBizPage,
        [
            "//div[@itemtype='http://schema.org/LocalBusiness']//*[@itemprop]",
            "//div[contains(@class,'mapbox-text')]//address//text()",
            "//span[contains(@class,'biz-phone')]/text()",
            "//meta[@name='yelp-biz-id']/@content",
        ],
        "//div[contains(@class,'review--with-sidebar')][@data-review-id]",
        [
            "@data-review-id",
            ".//*[contains(@class,'user-display-name')]/text()",
            ".//div[contains(@class,'i-stars')]/@title",
            ".//span[contains(@class,'rating-qualifier')]/text()",
            "string(.//div[contains(@class,'review-content')]/p)",
        ],
        20,
    ),
    (
        "RateMDs",
        "ratemds/ratemds_psychologist_Dr-Joti-Samra-Vancouver-BC.html",
        RateMDsDoctorPage,
        [
            "string(//h1[@itemprop='name'])",
            "//*[@itemprop='address']/meta/@content",
            "string(//ol[@class='breadcrumb']/li[2])",
            "string(//*[@itemprop='ratingCount'])",
            "//*[@itemprop='sameAs']/@href",
        ],
        "//div[@itemprop='review'][starts-with(@id,'rating-')]",
        [
            "@id",
            ".//*[@itemprop='reviewRating']/meta/@content",
            ".//meta[contains(@itemprop,'datePublished')]/@content",
            "string(.//*[@itemprop='reviewBody'])",
            "string(.//*[contains(@class,'rating-comment-response-body')])",
        ],
        10,
    ),
    (
        "Psychology Today",
        "psychologytoday/pt_profile_Boston_269652.html",
        PsychologyTodayProfilePage,
        [
            "string(//h1[@itemprop='name'])",
            "string(//*[@class='profile-title']/h2)",
            "string(//*[@itemprop='telephone'])",
            "//*[contains(@class,'address-rank-')]//*[@itemprop]//text()",
            "//ul[@class='specialties-list']/li/text()",
            "//li[contains(text(),'Homepage:')]/a/@href",
        ],
        "//*[@itemprop='review']",
        [],
        0,
    ),
]


def best_of(run: Callable[[], Any], repeats: int, rounds: int = 5) -> float:
    """Seconds per call: the best of ``rounds`` rounds of ``repeats`` calls."""
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(repeats):
            run()
        best = min(best, (time.perf_counter() - start) / repeats)
    return best


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench parse")
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args(argv)
    if not SHARED.exists():
        sys.exit(f"bench parse: {SHARED} is absent; it needs the real captured pages")
    print(f"{'page':<18}{'to_item() ms':>14}{'lxml floor ms':>15}{'ratio':>8}")
    failed = []
    for label, capture, page_class, xpaths, each, fields, reviews in PAGES:
        body = (SHARED / capture).read_bytes()
        url = f"https://example.invalid/{Path(capture).stem}"

        def ours(body: bytes = body, url: str = url, cls: type = page_class) -> Any:
            response = saved_response(body, url)
            return cls(response, listing_url=url, page_number=1, crawled_at=PINNED_NOW).to_item()

        def floor(
            body: bytes = body, xpaths: list[str] = xpaths, each: str = each, fields: list = fields
        ) -> list[Any]:
            tree = lxml.html.document_fromstring(body, parser=HTML)
            found = [tree.xpath(x) for x in xpaths]
            for review in tree.xpath(each):
                found.append([review.xpath(x) for x in fields])
            return found

        item = ours()
        if item.facts is None or item.facts.name is None or len(item.reviews) != reviews:
            failed.append(f"{label}: read {len(item.reviews)} reviews and facts {item.facts}")
        ours_s, floor_s = best_of(ours, args.repeats), best_of(floor, args.repeats)
        print(f"{label:<18}{ours_s * 1000:>14.2f}{floor_s * 1000:>15.2f}{ours_s / floor_s:>7.2f}x")
    if failed:
        sys.exit("bench parse read nothing useful: " + "; ".join(failed))
