"""What a crawl stores across several crawls: real `quietwatch crawl` runs against pages
written in the real sites' structure (quietwatch.demo.pages), the stored rows read back
with plain SQL.  Each test names one behaviour that a change to the crawl pipeline, the
spiders' base or the store's writes could break without anything else noticing."""

from datetime import date, timedelta
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from quietwatch.demo.pages import SampleReview, jsonld_page, yelp_page
from tests.crawlers.helpers import (
    SECOND_CLINIC,
    Site,
    crawl,
    harbourview,
    quietwatch,
    store_file,
    write_config,
)
from tests.sql import one, rows

pytestmark = pytest.mark.slow

TODAY = date(2026, 11, 20)
TEXTS = [
    "Warm and practical; I left every session with something to try.",
    "Booking was easy and the waiting room is calm and private.",
    "Evening slots are hard to get, otherwise good.",
    "Clear about fees and the cancellation policy up front.",
    "Highly recommended.",
]


def review(i: int, **over: object) -> SampleReview:
    """The i-th newest review of a listing (the i-th text, one per week going back)."""
    data: dict = {
        "review_id": f"rv-{i}",
        "author": f"Client {i}.",
        "rating": 5 - i % 3,
        "published": TODAY - timedelta(days=7 * i + 2),
        "text": TEXTS[i % len(TEXTS)] + f" ({i})",
    }
    data.update(over)
    return SampleReview(**data)


business = harbourview  # the test clinic's facts, with these reviews


def directory(site: Site, path: str, reviews: list[SampleReview], **headers: str) -> None:
    """A directory listing with one JSON-LD MedicalBusiness block (schema_org spider)."""
    site.html(path, jsonld_page(business(reviews), url=site.url(path)), **headers)


def yelp(site: Site, path: str, reviews: list[SampleReview]) -> None:
    """A Yelp business page, 20 reviews a page, ``?start=20`` for the next one."""
    url = site.url(path)

    def serve(request: Request) -> Response:
        start = int(request.args.get("start", 0))
        page = yelp_page(business(reviews), url=url, start=start)
        return Response(page, content_type="text/html; charset=utf-8")

    site.pages[path] = serve


# A CAPTCHA interstitial in the shape of Cloudflare's challenge page (the real one is in
# ../shared/fixtures/yellowpages): a short page, a challenge form, no listing at all.
CAPTCHA_PAGE = """<!DOCTYPE html><html lang="en-US"><head><title>Attention Required! | Cloudflare</title>
<meta charset="UTF-8"><meta name="robots" content="noindex, nofollow"></head>
<body><div id="cf-wrapper"><div id="cf-error-details" class="cf-error-details-wrapper">
<h1 data-translate="block_headline">Sorry, you have been blocked</h1>
<h2 class="cf-subheadline">You are unable to access this directory</h2>
<form class="challenge-form" id="challenge-form" action="/cdn-cgi/challenge" method="POST">
<div class="cf-challenge" id="cf-challenge"></div></form>
<p>Cloudflare Ray ID: <strong>8c1d2e3f4a5b6c7d</strong></p></div></div></body></html>"""


def listing_id(db: Path, url: str, clinic_key: str | None = None) -> int:
    sql = (
        "SELECT listing.id FROM listing JOIN clinic ON clinic.id = listing.clinic_id WHERE url = ?"
    )
    params: list = [url]
    if clinic_key is not None:
        sql += " AND clinic.key = ?"
        params.append(clinic_key)
    return one(db, sql, *params)["id"]


def runs(db: Path) -> list:
    return rows(db, "SELECT * FROM crawlrun ORDER BY id")


# -- coverage --------------------------------------------------------------------------------
def test_the_coverage_baseline_is_the_clinics_own_last_good_run(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    """Two clinics share a store.  One's listings carry reviews; the other's are new and have
    none yet.  The second clinic's first run has no baseline of its own: it is 'ok', not
    'degraded' against the first clinic's run."""
    site = Site(httpserver)
    shared = tmp_path / "shared-store"
    for path in ("/listing/a", "/listing/b"):
        directory(site, path, [review(i) for i in range(3)])
    for path in ("/listing/k1", "/listing/k2"):
        directory(site, path, [])
    first = write_config(
        tmp_path / "harbourview",
        [("schema_org", site.url("/listing/a")), ("schema_org", site.url("/listing/b"))],
        data_dir=shared,
    )
    second = write_config(
        tmp_path / "kitsilano",
        [("schema_org", site.url("/listing/k1")), ("schema_org", site.url("/listing/k2"))],
        clinic=SECOND_CLINIC,
        data_dir=shared,
    )
    crawl(first)
    crawl(second)
    db = shared / "quietwatch.db"
    by_clinic = {
        r["key"]: r
        for r in rows(
            db,
            "SELECT clinic.key, crawlrun.status, crawlrun.degraded_fields, crawlrun.coverage "
            "FROM crawlrun JOIN clinic ON clinic.id = crawlrun.clinic_id",
        )
    }
    assert by_clinic["harbourview"]["status"] == "ok"
    assert '"reviews": 1.0' in by_clinic["harbourview"]["coverage"]
    assert '"reviews": 0.0' in by_clinic["kitsilano"]["coverage"]
    assert (by_clinic["kitsilano"]["status"], by_clinic["kitsilano"]["degraded_fields"]) == (
        "ok",
        "[]",
    )


def test_blocked_listings_count_in_coverage(tmp_path: Path, httpserver: HTTPServer) -> None:
    """Two of three listings answer with a block (a 403, a CAPTCHA page): they gave no fields,
    and coverage says so, so the run is degraded rather than a clean 'partial'."""
    site = Site(httpserver)
    paths = ["/listing/0", "/listing/1", "/listing/2"]
    for path in paths:
        directory(site, path, [review(i) for i in range(3)])
    config = write_config(tmp_path, [("schema_org", site.url(p)) for p in paths])
    crawl(config)
    site.html(paths[1], "<h1>Forbidden</h1>", status=403)
    site.html(paths[2], CAPTCHA_PAGE)
    crawl(config)
    db = store_file(config)
    first, second = runs(db)
    assert first["status"] == "ok"
    checks = rows(db, "SELECT status FROM listingcheck WHERE run_id = ?", second["id"])
    assert sorted(c["status"] for c in checks) == ["blocked", "blocked", "ok"]
    assert second["blocked"] == 2
    assert '"listings": 3' in second["coverage"]
    assert second["status"] == "degraded"
    assert '"reviews"' in second["degraded_fields"]


# -- edits and findings ------------------------------------------------------------------------
def test_an_owner_reply_added_to_a_known_review_is_a_finding(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    site = Site(httpserver)
    reviews = [review(0), review(1)]
    yelp(site, "/biz/harbourview", reviews)
    config = write_config(tmp_path, [("yelp", site.url("/biz/harbourview"))])
    crawl(config)
    db = store_file(config)
    assert rows(db, "SELECT id FROM finding") == []
    reviews[1] = review(1, owner_response="Thank you for your feedback, we hope to see you again.")
    crawl(config)
    edited = one(db, "SELECT id, version_count FROM review WHERE site_review_id = 'rv-1'")
    assert edited["version_count"] == 2
    findings = rows(db, "SELECT kind, review_id FROM finding")
    assert [(f["kind"], f["review_id"]) for f in findings] == [("owner_response", edited["id"])]


def test_an_edited_owner_reply_is_kept_as_a_version(tmp_path: Path, httpserver: HTTPServer) -> None:
    site = Site(httpserver)
    before = "Thank you for your feedback."
    after = "Thank you for your feedback; we have since changed our booking system."
    reviews = [review(0, owner_response=before)]
    yelp(site, "/biz/harbourview", reviews)
    config = write_config(tmp_path, [("yelp", site.url("/biz/harbourview"))])
    crawl(config)
    reviews[0] = review(0, owner_response=after)
    crawl(config)
    db = store_file(config)
    current = one(db, "SELECT id, owner_response, version_count FROM review")
    assert (current["owner_response"], current["version_count"]) == (after, 2)
    (old,) = rows(db, "SELECT owner_response FROM reviewversion WHERE review_id = ?", current["id"])
    assert old["owner_response"] == before
    assert runs(db)[1]["changed_reviews"] == 1


# -- conditional requests ----------------------------------------------------------------------
def test_a_last_modified_validator_is_stored_and_sent_back(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    """A site that sends only Last-Modified (no ETag) still gets a conditional re-crawl."""
    site = Site(httpserver)
    stamp = "Wed, 21 Oct 2026 07:28:00 GMT"
    url = site.url("/listing/lm")
    page = jsonld_page(business([review(0)]), url=url)

    def serve(request: Request) -> Response:
        if request.headers.get("If-Modified-Since") == stamp:
            return Response(status=304, headers={"Last-Modified": stamp})
        return Response(page, content_type="text/html", headers={"Last-Modified": stamp})

    site.pages["/listing/lm"] = serve
    config = write_config(tmp_path, [("schema_org", url)])
    crawl(config)
    db = store_file(config)
    stored = one(db, "SELECT etag, last_modified FROM listing")
    assert (stored["etag"], stored["last_modified"]) == (None, stamp)
    crawl(config)
    second = site.requests("/listing/lm")[-1]
    assert second.headers.get("If-Modified-Since") == stamp
    assert rows(db, "SELECT status FROM listingcheck ORDER BY id")[-1]["status"] == "not_modified"


# -- listings and reviews that go and come back -------------------------------------------------
def test_a_listing_that_comes_back_is_no_longer_gone(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    site = Site(httpserver)
    directory(site, "/listing/g", [review(0)])
    config = write_config(tmp_path, [("schema_org", site.url("/listing/g"))])
    db = store_file(config)
    crawl(config)
    site.html("/listing/g", "<h1>This listing has been removed</h1>", status=410)
    crawl(config)
    gone = one(db, "SELECT gone_at, last_status FROM listing")
    assert gone["gone_at"] is not None and gone["last_status"] == "gone"
    directory(site, "/listing/g", [review(0)])
    crawl(config)
    back = one(db, "SELECT gone_at, last_status FROM listing")
    assert (back["gone_at"], back["last_status"]) == (None, "ok")


def test_a_removed_review_that_reappears_is_visible_again(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    site = Site(httpserver)
    config = write_config(tmp_path, [("schema_org", site.url("/listing/r"))])
    db = store_file(config)
    directory(site, "/listing/r", [review(i) for i in range(3)])
    crawl(config, "--full")
    directory(site, "/listing/r", [review(0), review(1)])
    crawl(config, "--full")
    hidden = one(db, "SELECT removed_at FROM review WHERE site_review_id LIKE '%rv-2'")
    assert hidden["removed_at"] is not None
    directory(site, "/listing/r", [review(i) for i in range(3)])
    crawl(config, "--full")
    back = one(db, "SELECT removed_at FROM review WHERE site_review_id LIKE '%rv-2'")
    assert back["removed_at"] is None
    assert one(db, "SELECT count(*) AS n FROM review WHERE removed_at IS NULL")["n"] == 3


def test_a_removed_review_is_removed_and_counted_once(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    site = Site(httpserver)
    config = write_config(tmp_path, [("schema_org", site.url("/listing/r"))])
    db = store_file(config)
    directory(site, "/listing/r", [review(i) for i in range(3)])
    crawl(config, "--full")
    directory(site, "/listing/r", [review(0), review(1)])
    crawl(config, "--full")
    removed_at = one(db, "SELECT removed_at FROM review WHERE site_review_id LIKE '%rv-2'")[0]
    crawl(config, "--full")  # the same two reviews again
    assert [r["removed_reviews"] for r in runs(db)] == [0, 1, 0]
    checks = rows(db, "SELECT removed_reviews FROM listingcheck ORDER BY run_id")
    assert [c["removed_reviews"] for c in checks] == [0, 1, 0]
    again = one(db, "SELECT removed_at FROM review WHERE site_review_id LIKE '%rv-2'")[0]
    assert again == removed_at  # the date it was first missed stays


# -- incremental crawling -------------------------------------------------------------------------
def test_incremental_memory_is_the_clinics_own(tmp_path: Path, httpserver: HTTPServer) -> None:
    """Two clinics in one store both follow one group-practice page.  The second clinic set
    up first; the first clinic crawled the page first.  What that crawl remembered (the ETag,
    a recent full sweep) is not the second clinic's: its first crawl of the page is a full,
    unconditional one."""
    site = Site(httpserver)
    url = site.url("/listing/group-practice")
    page = jsonld_page(business([review(0), review(1)]), url=url)
    etag = '"group-v1"'

    def serve(request: Request) -> Response:
        if request.headers.get("If-None-Match") == etag:
            return Response(status=304, headers={"ETag": etag})
        return Response(page, content_type="text/html", headers={"ETag": etag})

    site.pages["/listing/group-practice"] = serve
    shared = tmp_path / "shared-store"
    first = write_config(tmp_path / "harbourview", [("schema_org", url)], data_dir=shared)
    second = write_config(
        tmp_path / "kitsilano", [("schema_org", url)], clinic=SECOND_CLINIC, data_dir=shared
    )
    assert quietwatch(second, "init").returncode == 0
    crawl(first)
    crawl(second)
    db = shared / "quietwatch.db"
    requests = site.requests("/listing/group-practice")
    assert len(requests) == 2
    assert requests[1].headers.get("If-None-Match") is None
    mine = listing_id(db, url, "kitsilano")
    check = one(db, "SELECT status FROM listingcheck WHERE listing_id = ?", mine)
    assert check["status"] == "ok"
    listing = one(
        db, "SELECT latest_snapshot_id, last_full_sweep_at FROM listing WHERE id = ?", mine
    )
    assert listing["latest_snapshot_id"] is not None and listing["last_full_sweep_at"] is not None


def test_a_new_review_that_reads_like_a_known_one_does_not_stop_the_crawl(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    """Yelp lists newest first, so an incremental crawl stops at a page of known reviews.  A
    new review whose words and stars match an older one ("Highly recommended.", five stars)
    is still new: the crawl reads on, and sees an edit on the second page."""
    site = Site(httpserver)
    reviews = [review(i) for i in range(25)]
    yelp(site, "/biz/harbourview", reviews)
    config = write_config(tmp_path, [("yelp", site.url("/biz/harbourview"))])
    crawl(config)  # the first crawl is a full sweep: both pages
    assert len(site.requests("/biz/harbourview")) == 2
    known = reviews[4]  # "Highly recommended. (4)", four stars
    lookalike = review(99, published=TODAY, text=known.text, rating=known.rating)
    reviews.insert(0, lookalike)
    reviews[23] = review(22, text="Edited after a few more sessions: still helpful.")
    crawl(config)  # incremental: the last full sweep is recent
    second = site.requests("/biz/harbourview")[2:]
    assert [r.args.get("start") for r in second] == [None, "20"]
    db = store_file(config)
    stored = one(db, "SELECT count(*) AS n FROM review WHERE site_review_id = 'rv-99'")
    assert stored["n"] == 1
    edited = one(db, "SELECT version_count FROM review WHERE site_review_id = 'rv-22'")
    assert edited["version_count"] == 2


# -- statuses ----------------------------------------------------------------------------------
def test_too_many_requests_is_recorded_as_blocked(tmp_path: Path, httpserver: HTTPServer) -> None:
    site = Site(httpserver)
    directory(site, "/listing/ok", [review(0)])
    site.html("/listing/limited", "<h1>Too Many Requests</h1>", status=429, Retry_After="3600")
    config = write_config(
        tmp_path,
        [("schema_org", site.url("/listing/ok")), ("schema_org", site.url("/listing/limited"))],
    )
    crawl(config)
    db = store_file(config)
    limited = listing_id(db, site.url("/listing/limited"))
    check = one(db, "SELECT status, http_status FROM listingcheck WHERE listing_id = ?", limited)
    assert (check["status"], check["http_status"]) == ("blocked", 429)
    assert one(db, "SELECT last_status FROM listing WHERE id = ?", limited)[0] == "blocked"
    problem = one(db, "SELECT kind FROM crawlproblem WHERE listing_id = ?", limited)
    assert problem["kind"] == "blocked"
    run = one(db, "SELECT status, blocked, errors FROM crawlrun")
    assert (run["status"], run["blocked"], run["errors"]) == ("partial", 1, 1)


def test_a_source_disabled_in_the_config_is_not_crawled(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    site = Site(httpserver)
    directory(site, "/listing/on", [review(0)])
    directory(site, "/listing/off", [review(1)])
    config = write_config(
        tmp_path,
        [
            ("schema_org", site.url("/listing/on")),
            ("schema_org", site.url("/listing/off"), {"enabled": False}),
        ],
    )
    crawl(config)
    assert site.requests("/listing/off") == []
    assert len(site.requests("/listing/on")) == 1
    db = store_file(config)
    off = one(db, "SELECT id, enabled FROM listing WHERE url = ?", site.url("/listing/off"))
    assert off["enabled"] == 0
    assert rows(db, "SELECT id FROM listingcheck WHERE listing_id = ?", off["id"]) == []
    assert rows(db, "SELECT id FROM crawlproblem WHERE listing_id = ?", off["id"]) == []
    assert tuple(one(db, "SELECT status, listings_checked FROM crawlrun")) == ("ok", 1)
