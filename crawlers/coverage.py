"""Field coverage: the layout-change watch.

For each run, the share of the listings read that gave each field (a name, an address, a
rating, reviews, review dates…).  When a field that most listings gave in the last good run
vanishes or drops sharply, the site probably changed its layout or started blocking us: the
run is marked *degraded* with the fields that vanished, instead of passing as "no reviews".
"""

from collections.abc import Iterable
from typing import Any

from crawlers.items import ListingFacts, ReviewItem

FIELDS = (
    "name",
    "address",
    "phone",
    "website",
    "rating",
    "review_count",
    "reviews",
    "review_ids",
    "review_dates",
    "review_text",
)
# A field counts as vanished when its share falls below this fraction of the last good run's.
DROP_RATIO = 0.5
# ...and only when the last good run had it on at least this share of listings.
MIN_BASELINE = 0.5


def listing_fields(facts: ListingFacts | None, reviews: Iterable[ReviewItem]) -> set[str]:
    """Which fields one page of a listing gave."""
    present: set[str] = set()
    if facts is not None:
        if facts.name:
            present.add("name")
        if facts.street_address or facts.locality:
            present.add("address")
        if facts.phone:
            present.add("phone")
        if facts.website:
            present.add("website")
        if facts.rating is not None:
            present.add("rating")
        if facts.review_count is not None:
            present.add("review_count")
    reviews = list(reviews)
    if reviews:
        present.add("reviews")
        if all(r.site_review_id for r in reviews):
            present.add("review_ids")
        if all(r.published_at for r in reviews):
            present.add("review_dates")
        if all(r.text for r in reviews):
            present.add("review_text")
    return present


def run_coverage(per_listing: list[set[str]]) -> dict[str, Any]:
    """Share of listings (0..1) that gave each field, plus how many listings were counted."""
    n = len(per_listing)
    shares = {
        f: (round(sum(1 for s in per_listing if f in s) / n, 3) if n else 0.0) for f in FIELDS
    }
    return {"listings": n, "fields": shares}


def compare_coverage(previous: dict[str, Any] | None, current: dict[str, Any]) -> list[str]:
    """The fields that vanished since the last good run (empty when there is nothing to compare)."""
    if not previous or not previous.get("listings") or not current.get("listings"):
        return []
    before, now = previous.get("fields", {}), current.get("fields", {})
    vanished = []
    for name in FIELDS:
        base = float(before.get(name, 0.0))
        if base >= MIN_BASELINE and float(now.get(name, 0.0)) < base * DROP_RATIO:
            vanished.append(name)
    return vanished
