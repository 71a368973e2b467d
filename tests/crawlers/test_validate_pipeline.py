"""The first pipeline, in process on a real Scrapy crawler: what cannot be stored is dropped
or cleared and said (stats, the page's notes, the log), never a failed run.  Hostile pages
reach it through real crawls in tests/hostile; here each rule is named once."""

import logging
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from scrapy import Spider
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from crawlers.items import ListingFacts, ListingPage, PageStatus, ReviewItem
from crawlers.pipelines.validate import ValidatePipeline

LISTING = "https://www.yelp.ca/biz/harbourview-counselling-vancouver"
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


class _Site(Spider):
    name = "site"
    spec = SimpleNamespace(founded=2004)


def _run(page: ListingPage, spider: Spider | None = None):
    crawler = get_crawler(_Site)
    crawler.spider = spider or _Site()
    return ValidatePipeline.from_crawler(crawler).process_item(page), crawler.stats


def _page(*reviews: ReviewItem, **fields) -> ListingPage:
    return ListingPage(
        site="yelp",
        listing_url=fields.pop("listing_url", LISTING),
        page_url=LISTING,
        crawled_at=NOW,
        facts=fields.pop("facts", ListingFacts(name="Harbourview")),
        reviews=list(reviews),
        **fields,
    )


def test_a_page_without_its_listing_url_is_dropped_and_counted() -> None:
    crawler = get_crawler(_Site)
    crawler.spider = _Site()
    with pytest.raises(DropItem, match="without its listing URL"):
        ValidatePipeline.from_crawler(crawler).process_item(_page(listing_url=""))
    assert crawler.stats.get_value("quietwatch/dropped/no_listing_url") == 1


def test_impossible_ratings_are_cleared_and_empty_reviews_dropped_and_said(caplog) -> None:
    kept = ReviewItem(site_review_id="a", rating=7, best_rating=5, text="Kind staff.")
    ten = ReviewItem(site_review_id="b", rating=9)  # no scale given: out of 10 at most
    empty = ReviewItem(author="Sam K.")
    negative = ReviewItem(rating=-1)  # cleared, then nothing is left: dropped
    with caplog.at_level(logging.WARNING, logger="crawlers.pipelines.validate"):
        page, stats = _run(_page(kept, ten, empty, negative))
    assert page.reviews == [kept, ten]
    assert (kept.rating, ten.rating) == (None, 9)
    assert stats.get_value("quietwatch/review/bad_rating") == 2
    assert stats.get_value("quietwatch/review/empty") == 2
    assert [r.getMessage() for r in caplog.records] == [
        f"{LISTING}: 2 review(s) held nothing to store"
    ]


def test_a_date_without_a_time_zone_is_not_used() -> None:
    review = ReviewItem(site_review_id="a", text="x", published_at=datetime(2026, 1, 5))
    page, stats = _run(_page(review))
    assert review.published_at is None
    assert stats.get_value("quietwatch/review/naive_date") == 1
    assert page.notes == []


@pytest.mark.parametrize(
    ("field", "raw_field"),
    [
        ("published_at", "published_raw"),
        ("original_published_at", "original_published_raw"),
        ("owner_response_at", "owner_response_raw_date"),
    ],
)
def test_each_impossible_date_is_cleared_and_named_in_a_note(field, raw_field) -> None:
    early = ReviewItem(site_review_id="a", text="x", published_precision="day")
    setattr(early, field, datetime(2003, 12, 31, tzinfo=UTC))  # before the site (2004)
    setattr(early, raw_field, "Dec 31, 2003")
    late = ReviewItem(site_review_id="b", text="y", published_precision="day")
    setattr(late, field, NOW + timedelta(days=1, seconds=1))  # after the crawl and a day
    edge = ReviewItem(site_review_id="c", text="z", published_precision="day")
    setattr(edge, field, NOW + timedelta(days=1))  # a day's grace: kept
    first = ReviewItem(site_review_id="d", text="w", published_precision="day")
    setattr(first, field, datetime(2004, 1, 1, tzinfo=UTC))  # the site's first day: kept
    page, stats = _run(_page(early, late, edge, first))
    assert getattr(early, field) is None and getattr(late, field) is None
    assert getattr(edge, field) == NOW + timedelta(days=1)
    assert getattr(first, field) == datetime(2004, 1, 1, tzinfo=UTC)
    assert stats.get_value("quietwatch/review/implausible_date") == 2
    assert page.notes == [
        "a review's date 'Dec 31, 2003' cannot be true (before 2004 or after the crawl); "
        "its text is kept, the date is not used",
        f"a review's date '{(NOW + timedelta(days=1)).date().isoformat()}' cannot be true "
        "(before 2004 or after the crawl); its text is kept, the date is not used",
    ]
    # Only a cleared publication date loses its precision.
    cleared_precision = field == "published_at"
    assert (early.published_precision is None) is cleared_precision
    assert page.reviews == [early, late, edge, first]


def test_a_site_without_a_founding_year_accepts_dates_from_1994() -> None:
    review = ReviewItem(site_review_id="a", text="x", published_at=datetime(1994, 1, 1, tzinfo=UTC))
    older = ReviewItem(
        site_review_id="b", text="y", published_at=datetime(1993, 12, 31, tzinfo=UTC)
    )
    page, _ = _run(_page(review, older), spider=Spider(name="plain"))
    assert review.published_at is not None and older.published_at is None


def test_a_page_with_no_facts_and_no_reviews_is_unreadable_unless_it_says_why() -> None:
    page, _ = _run(_page(facts=None))
    assert page.status == PageStatus.UNREADABLE
    assert page.problem == "the page held no listing facts and no reviews"
    said, _ = _run(_page(facts=None, problem="the review block moved"))
    assert (said.status, said.problem) == (PageStatus.UNREADABLE, "the review block moved")
    empty_listing, _ = _run(_page())  # facts, no reviews: a listing with no reviews yet
    assert empty_listing.status == PageStatus.OK
    partial, _ = _run(_page(facts=None, status=PageStatus.PARTIAL))
    assert partial.status == PageStatus.PARTIAL
