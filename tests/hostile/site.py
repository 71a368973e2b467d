"""A hostile listing site: pages written in the schema.org structure real listing pages use
(JSON-LD LocalBusiness with its Reviews, rel="next" links), each crafted to break a promise.

``LISTINGS`` maps a listing's path to the plain-words problem its crawl must record (a
substring), or None when it must read cleanly.  ``handler`` answers every request and logs
the paths asked for, so a test can check what was never fetched.
"""

import json
from typing import Any

from werkzeug import Request, Response

OTHER_HOST = "127.0.0.3"  # stands for "another host": still loopback, so nothing leaves

HUGE = "R" * (1 << 20)  # a 1 MB review without a space


def business(name: str, reviews: list[dict[str, Any]], *, count: int | None = None) -> dict:
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "LocalBusiness",
        "name": name,
        "telephone": "+1 604-555-0142",
        "address": {
            "@type": "PostalAddress",
            "streetAddress": "1200 West 8th Avenue, Suite 300",
            "addressLocality": "Vancouver",
            "addressRegion": "BC",
            "postalCode": "V6H 1C6",
        },
        "review": reviews,
    }
    if count is not None:
        data["aggregateRating"] = {
            "@type": "AggregateRating",
            "ratingValue": 4.5,
            "reviewCount": count,
        }
    return data


def review(text: str, *, author: str = "A. Reader", date: str = "2026-10-01", **extra: Any) -> dict:
    return {
        "@type": "Review",
        "author": {"@type": "Person", "name": author},
        "datePublished": date,
        "reviewRating": {"@type": "Rating", "ratingValue": 5, "bestRating": 5},
        "reviewBody": text,
        **extra,
    }


def page(*blocks: str, next_href: str | None = None, title: str = "A listing") -> str:
    head = f'<link rel="next" href="{next_href}">' if next_href else ""
    scripts = "".join(f'<script type="application/ld+json">{b}</script>' for b in blocks)
    return (
        f"<!doctype html><html><head><title>{title}</title>{head}{scripts}</head>"
        f"<body><h1>{title}</h1><p>Counselling in Vancouver.</p></body></html>"
    )


def _listing(name: str, *reviews: dict, next_href: str | None = None) -> str:
    return page(json.dumps(business(name, list(reviews))), next_href=next_href, title=name)


def _deep(levels: int) -> str:
    return "[" * levels + "]" * levels


PAGES: dict[str, Any] = {
    # loops: a page that is its own next page; a three-page cycle
    "/self": _listing("Self Loop", review("Kind."), next_href="/self"),
    "/cycle/1": _listing("Cycle", review("One."), next_href="/cycle/2"),
    "/cycle/2": _listing("Cycle", review("Two."), next_href="/cycle/3"),
    "/cycle/3": _listing("Cycle", review("Three."), next_href="/cycle/1"),
    # next links that leave the web, the listing's host, or lead to write and reply pages
    "/file-next": _listing("File", review("Fine."), next_href="file:///etc/passwd"),
    "/metadata-next": _listing(
        "Meta", review("Fine."), next_href="http://169.254.169.254/latest/meta-data/"
    ),
    "/write/1": _listing("W1", review("Fine."), next_href="/reply-to-review/1"),
    "/write/2": _listing("W2", review("Fine."), next_href="/add-review"),
    "/write/3": _listing("W3", review("Fine."), next_href="/reviews/new"),
    "/write/4": _listing("W4", review("Fine."), next_href="/biz/x/reply.html"),
    "/write/5": _listing("W5", review("Fine."), next_href="/contact-reviewer/5"),
    # what a page holds
    "/huge": _listing("Huge", review(HUGE)),
    "/bad-jsonld": page("{ not json", json.dumps(business("Half Broken", [review("Good.")]))),
    "/deep-jsonld": page(_deep(10_000), json.dumps(business("Deep", [review("Good.")]))),
    "/dates": _listing(
        "Dates",
        review("Ancient.", author="B", date="0001-01-01"),
        review("Future.", author="C", date="9999-12-31"),
        review("Real.", author="D", date="2026-09-01"),
    ),
    "/twin-a": _listing("Twin A", review("Twin A's own review.", **{"@id": "#r0"})),
    "/twin-b": _listing("Twin B", review("Twin B's own review.", **{"@id": "#r0"})),
}
REDIRECTS = {  # answered with a 302 to another host, or to a metadata address
    "/redirect-out": f"http://{OTHER_HOST}:{{other_port}}/stolen",
    "/redirect-metadata": "http://169.254.169.254/latest/meta-data/",
}
JSON_ANSWERS = {"/json": {"error": "not a page"}}

# listing path -> a substring of the problem its crawl records (None: reads cleanly)
LISTINGS: dict[str, str | None] = {
    "/self": "next-page links loop back to page 1",
    "/cycle/1": "next-page links loop back to page 1",
    "/file-next": "a file: address",
    "/metadata-next": "another host, 169.254.169.254",
    "/write/1": "reply",
    "/write/2": "write",
    "/write/3": "write",
    "/write/4": "reply",
    "/write/5": "reply",
    "/redirect-out": f"redirected to another host, {OTHER_HOST}",
    "/redirect-metadata": "redirected to another host, 169.254.169.254",
    "/huge": None,
    "/bad-jsonld": "JSON-LD is not valid JSON",
    "/deep-jsonld": "JSON-LD is not valid JSON",
    "/dates": "cannot be true",
    "/json": "answered with JSON, not a page",
    "/twin-a": None,
    "/twin-b": None,
}
NEVER_FETCHED = (
    "/reply-to-review/1",
    "/add-review",
    "/reviews/new",
    "/biz/x/reply.html",
    "/contact-reviewer/5",
)


class Site:
    """The hostile site's handler; ``asked`` is every path requested, in order."""

    def __init__(self, other_port: int) -> None:
        self.other_port = other_port
        self.asked: list[str] = []

    def __call__(self, request: Request) -> Response:
        path = request.path
        self.asked.append(path)
        if path == "/robots.txt":
            return Response("User-agent: *\nAllow: /\n", content_type="text/plain")
        if path in REDIRECTS:
            target = REDIRECTS[path].format(other_port=self.other_port)
            return Response("", status=302, headers={"Location": target})
        if path in JSON_ANSWERS:
            return Response(json.dumps(JSON_ANSWERS[path]), content_type="application/json")
        if path in PAGES:
            return Response(PAGES[path], content_type="text/html; charset=utf-8")
        return Response("not here", status=404)
