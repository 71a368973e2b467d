"""The crawl's pipelines in process, built by Scrapy from the project's settings around a real
run and a real SQLite file (what `bench store` builds): the clinic's own pages' findings and
discovered listings, stored with their run and time, counted in the run's stats and said in
the log.  Real crawls of the same paths run in test_own_content and the discovery tests."""

import logging
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from bench.store import Store
from crawlers.items import DiscoveredListing
from crawlers.pages.own_site import OwnContentPage
from crawlers.pipelines.findings import FindingsPipeline
from guardrail.findings import FindingSpec
from store.models import Finding, Listing

LISTING = "https://www.yelp.ca/biz/harbourview-counselling-vancouver"
PAGE = "https://harbourview.example/about"
T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def _spec(key: str) -> FindingSpec:
    return FindingSpec(
        kind="solicitation",
        category="express_request",
        rule_id="review_request",
        severity="critical",
        excerpt="Please leave us a review on Google.",
        explanation="Asks for a review.",
        guidance="Take the request off the page.",
        dedupe_key=key,
    )


@pytest.fixture
def store(tmp_path):
    built = Store(f"sqlite:///{tmp_path / 'quietwatch.db'}", [LISTING])
    built.run.spider_opened(built.spider)
    yield built
    built.run.spider_closed(built.spider, "finished")


def test_own_content_findings_are_stored_with_their_run_and_time_counted_and_said(
    store, caplog
) -> None:
    pipeline = FindingsPipeline.from_crawler(store.crawler)
    first = OwnContentPage(url=PAGE, crawled_at=T0, findings=[_spec("a"), _spec("b")])
    again = OwnContentPage(
        url=PAGE, crawled_at=T0 + timedelta(hours=1), findings=[_spec("a"), _spec("c")]
    )
    with caplog.at_level(logging.WARNING, logger="crawlers.pipelines.findings"):
        pipeline.process_item(first)
        pipeline.process_item(again)
        pipeline.process_item(OwnContentPage(url=PAGE + "/fees", crawled_at=T0))  # clean
    lines = [r.getMessage() for r in caplog.records if r.name == "crawlers.pipelines.findings"]
    assert lines == [
        f"2 solicitation finding(s) on {PAGE} (2 new)",
        f"2 solicitation finding(s) on {PAGE} (1 new)",
    ]
    stats = store.crawler.stats
    assert stats.get_value("quietwatch/own_content/pages") == 3
    assert stats.get_value("quietwatch/own_content/new_findings") == 3
    with Session(store.engine) as session:
        found = {f.dedupe_key: f for f in session.exec(select(Finding))}
    assert sorted(found) == ["a", "b", "c"]
    run_id = store.run.run_id
    assert {f.run_id for f in found.values()} == {run_id}
    assert {f.source_url for f in found.values()} == {PAGE}
    assert found["b"].first_seen_at.replace(tzinfo=UTC) == T0
    assert found["a"].last_seen_at.replace(tzinfo=UTC) == T0 + timedelta(hours=1)
    assert found["c"].first_seen_at.replace(tzinfo=UTC) == T0 + timedelta(hours=1)


def test_a_discovered_listing_is_stored_once_counted_and_said(store, caplog) -> None:
    from crawlers.pipelines.store import StorePipeline

    pipeline = StorePipeline.from_crawler(store.crawler)
    candidate = "https://www.yelp.ca/biz/harbourview-counselling-vancouver-2"
    item = DiscoveredListing(
        site="yelp", url=candidate, name="Harbourview Counselling", match_reason="same phone"
    )
    with caplog.at_level(logging.INFO, logger="crawlers.pipelines.store"):
        pipeline.process_item(item)
        pipeline.process_item(item)  # found again: already proposed
        pipeline.process_item(DiscoveredListing(site="yelp", url=LISTING))  # configured
    lines = [r.getMessage() for r in caplog.records if r.name == "crawlers.pipelines.store"]
    assert lines == [f"discovered a candidate listing on yelp: {candidate}"]
    assert store.crawler.stats.get_value("quietwatch/discovered") == 1
    with Session(store.engine) as session:
        rows = {row.url: row for row in session.exec(select(Listing))}
    assert (rows[candidate].origin, rows[candidate].enabled) == ("discovered", False)
    assert rows[LISTING].origin == "configured"
