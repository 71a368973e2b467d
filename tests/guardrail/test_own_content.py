"""The own-content scan, for real: a Scrapy crawl of a clinic-shaped site on 127.0.0.1,
with robots.txt, a blog, an RSS feed, a testimonials page and write-a-review links, stored
as findings in a real SQLite file."""

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlmodel import Session, select

from crawlers.pages import own_site
from store.models import Finding
from tests.conftest import REPO

SITE = Path(__file__).parent / "site"
PAGES = {
    "/": "index.html",
    "/about/": "about.html",
    "/kind-words/": "kind-words.html",
    "/contact/": "contact.html",
    "/blog/": "blog.html",
    "/blog/desire-discrepancy/": "post.html",
    "/blog/year-in-review/": "year.html",
    "/staff-only/": "staff-only.html",
}

SCRIPT = textwrap.dedent(
    """
    import json, sys
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.project import get_project_settings
    from crawlers.spiders.own_content import OwnContentSpider

    base, db_url, out = sys.argv[1], sys.argv[2], sys.argv[3]
    settings = get_project_settings()
    settings.set("DOWNLOAD_DELAY", 0)
    settings.set("AUTOTHROTTLE_ENABLED", False)
    settings.set("QUIETWATCH_DATABASE_URL", db_url)
    settings.set("QUIETWATCH_CLINIC", {"key": "harbour", "name": "Harbour Counselling Collective"})
    settings.set("QUIETWATCH_OWN_CONTENT", {"urls": [base + "/"], "feeds": [base + "/blog/feed.xml"], "max_pages": 50})
    process = CrawlerProcess(settings, install_root_handler=False)
    crawler = process.create_crawler(OwnContentSpider)
    process.crawl(crawler)
    process.start()
    stats = crawler.stats.get_stats()
    with open(out, "w") as fh:
        json.dump({k: v for k, v in stats.items() if isinstance(v, (int, str))}, fh)
    """
)


def _serve(httpserver) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data(
        "User-agent: *\nDisallow: /staff-only/\n", content_type="text/plain"
    )
    for path, name in PAGES.items():
        httpserver.expect_request(path).respond_with_data(
            (SITE / name).read_text(), content_type="text/html; charset=utf-8"
        )
    httpserver.expect_request("/blog/feed.xml").respond_with_data(
        (SITE / "feed.xml").read_text(), content_type="application/rss+xml"
    )


def _crawl(tmp_path: Path, base: str, db_url: str) -> dict:
    script = tmp_path / "scan.py"
    script.write_text(SCRIPT)
    out = tmp_path / "stats.json"
    result = subprocess.run(
        [sys.executable, str(script), base, db_url, str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return json.loads(out.read_text())


@pytest.mark.slow
def test_own_site_scan_stores_findings_with_page_and_excerpt(
    httpserver, tmp_path: Path, db_url: str, engine
) -> None:
    _serve(httpserver)
    base = httpserver.url_for("").rstrip("/")
    stats = _crawl(tmp_path, base, db_url)
    fetched = {request.path for request, _ in httpserver.log}
    assert "/staff-only/" not in fetched  # robots.txt obeyed
    assert {"/", "/about/", "/kind-words/", "/contact/", "/blog/", "/blog/feed.xml"} <= fetched
    assert "/blog/desire-discrepancy/" in fetched and "/blog/year-in-review/" in fetched
    assert stats["quietwatch/own_content/pages"] >= 8

    with Session(engine) as session:
        rows = session.exec(select(Finding)).all()
    by_page: dict[str, set[tuple[str, str]]] = {}
    needs_person: dict[str, set[str]] = {}
    for row in rows:
        assert row.excerpt and row.explanation and row.guidance and row.rule_id
        if row.severity == "info":  # a warning: the rule is not known to be broken
            assert row.guidance == own_site.GUIDANCE["needs_person"]
            assert not row.guidance.startswith("Remove")
        else:
            assert row.guidance.startswith("Remove")
        if row.category == "needs_person":  # the checker's middle band: a person should look
            assert row.severity == "info" and "Needs a person" in row.explanation
            needs_person.setdefault(row.source_url.removeprefix(base), set()).add(row.excerpt)
            continue
        by_page.setdefault(row.source_url.removeprefix(base), set()).add((row.kind, row.category))
    assert by_page["/kind-words/"] == {
        ("solicitation", "testimonial_display"),
        ("solicitation", "express_request"),
        ("write_review_link", "write_review_link"),
        ("review_markup", "review_markup"),
    }
    assert by_page["/contact/"] == {
        ("write_review_link", "write_review_link"),
        ("write_review_link", "review_site_link"),
    }
    assert by_page["/blog/feed.xml"] == {("solicitation", "implied_request")}
    # Clean pages (clinical and administrative language, the policy footer, a directory link)
    # give no finding.  The about page's ethics prose names a "Leave a review" button: a
    # pattern's words that the model reads as prose, so a person should look.  A blog
    # sentence about choosing by reviews asks nothing: at most worth a look (model 2 made it
    # a warning, model 3 leaves it clean), never a finding.
    assert not {"/", "/about/", "/blog/", "/blog/desire-discrepancy/"} & set(by_page)
    blog = "Most people pick a counsellor by reading reviews, so we keep our listings accurate."
    assert needs_person.pop("/blog/desire-discrepancy/", {blog}) == {blog}
    ethics = (
        'A "Leave a review" button or a review request tucked into an email would each count '
        "as solicitation under our code, so you will find neither on this site."
    )
    assert needs_person == {"/about/": {ethics}}
    feed_row = next(
        r for r in rows if r.source_url.endswith("/blog/feed.xml") and r.severity == "critical"
    )
    assert "Our year in review" in feed_row.excerpt and "100 Google reviews" in feed_row.excerpt
    severities = {(r.category, r.severity) for r in rows}
    assert ("review_site_link", "info") in severities and (
        "express_request",
        "critical",
    ) in severities

    # A second scan finds the same things: no duplicate findings, only last_seen moves.
    _crawl(tmp_path, base, db_url)
    with Session(engine) as session:
        assert len(session.exec(select(Finding)).all()) == len(rows)


def test_page_object_reads_saved_pages_without_network_clock_or_db() -> None:
    html = (SITE / "contact.html").read_text()
    page = own_site.parse_page("https://clinic.example/contact/", html)
    assert page.title == "Contact" and page.crawled_at is None
    assert [f.kind for f in page.findings] == ["write_review_link", "write_review_link"]
    assert page.links == []  # no same-site links on this page
    feed = own_site.parse_feed(
        "https://clinic.example/blog/feed.xml", (SITE / "feed.xml").read_text()
    )
    assert feed.kind == "feed" and feed.title == "Harbour Counselling Collective blog"
    assert feed.links == [
        "https://clinic.example/blog/desire-discrepancy/",
        "https://clinic.example/blog/year-in-review/",
    ]
    home = own_site.parse_page("https://clinic.example/", (SITE / "index.html").read_text())
    assert home.findings == []  # a directory link is not a request
    link, profile = page.findings  # a write-a-review link, and a profile worth a look
    assert (link.severity, profile.severity) == ("critical", "info")
    assert link.guidance == own_site.GUIDANCE["write_review_link"]
    assert profile.guidance == own_site.GUIDANCE["needs_person"]
    assert home.feeds == ["https://clinic.example/blog/feed.xml"]
    assert "https://www.psychologytoday.com/ca/therapists/harbour" not in home.links  # off-site
