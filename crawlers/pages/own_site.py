"""The clinic's own website, blog and feeds, read for solicitation.

A page object: it takes a fetched page (a Scrapy response, or a URL and its body), runs the
guardrail's checker on it and returns an :class:`OwnContentPage` with the findings and the
links worth following.  It makes no request, reads no clock and touches no database.
"""

import hashlib
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urldefrag, urljoin, urlsplit

from parsel import Selector

from guardrail.checker import CheckResult, TextFinding, check_html
from guardrail.findings import FindingSpec
from guardrail.rules import RuleSet

logger = logging.getLogger(__name__)

KIND_BY_CATEGORY = {
    "write_review_link": "write_review_link",
    "review_site_link": "write_review_link",
    "review_markup": "review_markup",
    "review_widget": "review_markup",
}
GUIDANCE = {
    "solicitation": (
        "Remove the request from the page (do not soften it into a hint: implied requests are "
        "solicitation too). A general statement that the clinic does not ask for reviews may "
        "take its place."
    ),
    "write_review_link": (
        "Remove the link (and any button or QR code that leads to it). Directions to the clinic "
        "may link to a map, not to a review form."
    ),
    "review_markup": (
        "Remove the review widget, star badge or Review/AggregateRating structured data from "
        "the page; describe the clinic's services in its own words instead."
    ),
    # A warning (needs a person) is not known to break the rule: the reader decides.
    "needs_person": (
        "This may or may not be a request: have a person read it in context. If it asks, hints "
        "or offers something so that readers review, rate, recommend or praise the clinic in "
        "public, or sends them to a page made for rating it, remove it. If it only describes, "
        "explains the clinic's policy or gives directions, it can stay as it is."
    ),
}
_SKIP_EXTENSIONS = re.compile(
    r"\.(?:pdf|jpe?g|png|gif|svg|webp|ico|css|js|zip|mp[34]|mov|avi|docx?|xlsx?|pptx?|woff2?|ttf)$",
    re.IGNORECASE,
)
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json")


@dataclass
class OwnContentPage:
    """One page or feed of the clinic's own site, with what the checker found on it."""

    url: str
    crawled_at: datetime | None
    kind: str = "page"  # page | feed
    title: str | None = None
    findings: list[FindingSpec] = field(default_factory=list)
    links: list[str] = field(default_factory=list)  # pages to read next
    feeds: list[str] = field(default_factory=list)  # feeds the page advertises
    http_status: int | None = None


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def _excerpt(finding: TextFinding, where: str | None = None) -> str:
    if finding.source == "text" and finding.sentence:
        text = finding.sentence
    elif finding.source == "link":
        text = f"link: {finding.text}"
    else:
        text = f"{finding.source}: {finding.text}"
    text = " ".join(text.split())
    text = text if len(text) <= 280 else text[:279] + "…"
    return f"{where}: {text}" if where else text


def to_findings(url: str, result: CheckResult, where: str | None = None) -> list[FindingSpec]:
    found = []
    for finding in result.findings:
        kind = KIND_BY_CATEGORY.get(finding.category, "solicitation")
        found.append(
            FindingSpec(
                kind=kind,
                category=finding.category,
                rule_id=finding.rule_id,
                severity="critical" if finding.severity == "finding" else "info",
                excerpt=_excerpt(finding, where),
                explanation=finding.explanation,
                guidance=GUIDANCE["needs_person" if finding.severity == "warning" else kind],
                dedupe_key=_digest(
                    "own_content", url, finding.category, " ".join(finding.text.split())
                ),
            )
        )
    return found


def _same_site_links(base: str, hrefs: list[str], hosts: set[str]) -> list[str]:
    links: list[str] = []
    for href in hrefs:
        href = href.strip()
        if not href or href.startswith(("mailto:", "tel:", "javascript:", "#", "data:")):
            continue
        url = urldefrag(urljoin(base, href))[0]
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or (parts.hostname or "") not in hosts:
            continue
        if _SKIP_EXTENSIONS.search(parts.path) or url in links:
            continue
        links.append(url)
    return links


def parse_page(
    url: str,
    html: str,
    *,
    crawled_at: datetime | None = None,
    hosts: set[str] | None = None,
    rule_set: RuleSet | None = None,
    http_status: int | None = None,
) -> OwnContentPage:
    """Check one HTML page; collect same-site links and advertised feeds."""
    hosts = hosts if hosts is not None else {urlsplit(url).hostname or ""}
    result = check_html(html, base_url=url, rule_set=rule_set)
    selector = Selector(text=html or "<html></html>")
    hrefs = selector.xpath("//a/@href").getall()
    feeds = [
        urljoin(url, href)
        for href in selector.xpath(
            "//link[@rel='alternate']["
            + " or ".join(f"@type='{t}'" for t in FEED_TYPES)
            + "]/@href"
        ).getall()
    ]
    return OwnContentPage(
        url=url,
        crawled_at=crawled_at,
        kind="page",
        title=result.title,
        findings=to_findings(url, result),
        links=_same_site_links(url, hrefs, hosts),
        feeds=_same_site_links(url, feeds, hosts),
        http_status=http_status,
    )


def parse_feed(
    url: str,
    body: str,
    *,
    crawled_at: datetime | None = None,
    hosts: set[str] | None = None,
    rule_set: RuleSet | None = None,
    http_status: int | None = None,
) -> OwnContentPage:
    """Check every entry of an RSS or Atom feed (titles and HTML content) and collect the
    entries' links."""
    hosts = hosts if hosts is not None else {urlsplit(url).hostname or ""}
    selector = Selector(text=body, type="xml")
    selector.remove_namespaces()
    title = selector.xpath("normalize-space(/rss/channel/title | /feed/title)").get() or None
    findings: list[FindingSpec] = []
    entry_links: list[str] = []
    for entry in selector.xpath("//item | //entry"):
        entry_title = entry.xpath("normalize-space(title)").get() or ""
        link = (
            entry.xpath("link/@href").get()
            or entry.xpath("normalize-space(link)").get()
            or entry.xpath("normalize-space(guid)").get()
            or url
        )
        link = urljoin(url, link.strip())
        entry_links.append(link)
        parts = [f"<h1>{_escape(entry_title)}</h1>"] if entry_title else []
        for xpath in ("description", "summary", "encoded", "content"):
            parts += entry.xpath(f"{xpath}/text()").getall()
        result = check_html("\n".join(parts), base_url=link, rule_set=rule_set)
        findings += to_findings(url, result, where=f"entry {entry_title or link}")
    return OwnContentPage(
        url=url,
        crawled_at=crawled_at,
        kind="feed",
        title=title,
        findings=findings,
        links=_same_site_links(url, entry_links, hosts),
        http_status=http_status,
    )


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def looks_like_feed(content_type: str, body: str) -> bool:
    if (
        any(t in content_type for t in ("rss", "atom", "/xml", "+xml"))
        and "html" not in content_type
    ):
        return True
    head = body.lstrip()[:500].lower()
    return head.startswith("<?xml") and ("<rss" in head or "<feed" in head)


def parse(response: Any, **kwargs: Any) -> OwnContentPage:
    """Dispatch a Scrapy response to :func:`parse_feed` or :func:`parse_page`."""
    content_type = response.headers.get(b"Content-Type", b"").decode("latin-1").lower()
    text = response.text
    parser = parse_feed if looks_like_feed(content_type, text) else parse_page
    return parser(response.url, text, http_status=response.status, **kwargs)
