"""Links that ask for a review: write-a-review endpoints of the review sites.

Used by the text checker (a link in a newsletter or on the clinic's website) and by
:mod:`guardrail.endpoints` (the crawler must never open them).  Pure functions; no network.
"""

import logging
import re
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

from guardrail import literals

logger = logging.getLogger(__name__)

FINDING = "finding"
WARNING = "warning"

# Anything that looks like a URL in plain text (scheme-less short links included).  A bare
# host starts only where a run of host characters starts, and every part is bounded, so the
# scan stays linear on hostile text (a URL longer than 4,096 characters is read in pieces).
URL_RE = re.compile(
    r"""(?xi)
    \b(?:https?://|www\.|g\.page/|(?:bit\.ly|tinyurl\.com|ow\.ly|t\.co|rebrand\.ly)/
    |(?<![a-z0-9.-])(?:[a-z0-9-]{1,63}\.){0,8}(?:yelp|healthgrades|trustpilot|ratemds|facebook)
    \.[a-z.]{2,6}/)
    [^\s<>"'()\[\]{}]{1,4096}
    """
)
_TRAILING = ".,;:!?)]}'\""
# The same expression behind a test of the words every URL holds ("http", "www.", a review
# site's name…): most sentences hold none, and are answered without running it.
_URLS = literals.Gated(URL_RE)


@dataclass(frozen=True)
class LinkMatch:
    site: str
    severity: str  # "finding" or "warning"
    reason: str
    # True when the URL itself opens a form for writing a review; False for read pages
    # that are only a request when sent to clients (a Facebook reviews tab, a profile).
    opens_form: bool = True


def _split(url: str):  # type: ignore[no-untyped-def]
    url = url.strip()
    if not re.match(r"^[a-z][a-z0-9+.-]*://", url, re.I):
        url = "https://" + url.lstrip("/")
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if host.startswith("www."):
        host = host[4:]
    return parts, host, unquote(parts.path or "/")


def _host_is(host: str, *domains: str) -> bool:
    return any(host == d or host.endswith("." + d) for d in domains)


def _is_yelp(host: str) -> bool:
    return (
        re.search(r"(^|\.)yelp\.(com|ca|co\.uk|com\.au|ie|de|fr|[a-z]{2}|com\.[a-z]{2})$", host)
        is not None
    )


def _is_google(host: str) -> bool:
    return (
        re.search(r"(^|\.)google\.(com|ca|co\.uk|[a-z]{2}|com\.[a-z]{2}|co\.[a-z]{2})$", host)
        is not None
    )


_SHORTENERS = {"bit.ly", "tinyurl.com", "ow.ly", "t.co", "rebrand.ly"}


def classify_link(url: str) -> LinkMatch | None:
    """A :class:`LinkMatch` when ``url`` opens a write-a-review page (or, as a warning, a
    plain RateMDs profile whose main button is "rate this doctor"); else None."""
    try:
        parts, host, path = _split(url)
    except ValueError:
        return None
    lowered = url.lower()
    fragment = unquote(parts.fragment or "")
    if host == "search.google.com" and path.startswith("/local/writereview"):
        return LinkMatch("google", FINDING, "a Google 'write a review' link (writereview?placeid=)")
    if host == "g.page" and re.match(r"^/(r/[^/]+|[^/]+)/review\b", path):
        return LinkMatch(
            "google", FINDING, "a Google Business 'leave a review' short link (g.page/…/review)"
        )
    if (_is_google(host) or host.startswith("maps.google.")) and (
        re.search(r"!12e1(?![0-9])", path + "?" + (parts.query or "")) is not None
    ):
        return LinkMatch("google", FINDING, "a Google Maps link that opens the review form (!12e1)")
    if _is_google(host) and re.search(r"lrd=0x[0-9a-f]+:0x[0-9a-f]+,3\b", fragment + lowered, re.I):
        return LinkMatch(
            "google", FINDING, "a Google search link that opens the review dialog (#lrd=…,3)"
        )
    if _is_yelp(host) and path.lower().startswith("/writeareview"):
        return LinkMatch("yelp", FINDING, "a Yelp 'write a review' link (/writeareview)")
    if _host_is(host, "facebook.com", "fb.com") and (
        re.search(r"^/(?:pg/)?[^/]+/reviews/?$", path, re.I)
        or "reviews" in parse_qs(parts.query).get("sk", [])
    ):
        return LinkMatch(
            "facebook",
            FINDING,
            "a link to a Facebook page's reviews (recommendations) tab",
            opens_form=False,
        )
    if _host_is(host, "healthgrades.com") and re.match(r"^/review/[^/]+", path, re.I):
        return LinkMatch(
            "healthgrades", FINDING, "a Healthgrades 'write a review' survey link (/review/…)"
        )
    if _host_is(host, "trustpilot.com") and path.lower().startswith("/evaluate/"):
        return LinkMatch("trustpilot", FINDING, "a Trustpilot 'write a review' link (/evaluate/…)")
    if _host_is(host, "ratemds.com"):
        if re.search(r"(^|/)(rate|add-rating|rating/add)(/|$)", path, re.I):
            return LinkMatch("ratemds", FINDING, "a RateMDs 'rate this doctor' link")
        if re.search(r"/(doctor-ratings|facility-ratings|clinic-ratings)/", path, re.I):
            return LinkMatch(
                "ratemds",
                WARNING,
                "a RateMDs profile link (its main button is 'rate this doctor')",
                opens_form=False,
            )
    if host in _SHORTENERS and re.search(r"reviews?|rate|stars?|avis", path, re.I):
        return LinkMatch(
            "other", FINDING, "a shortened link whose name says it leads to a review page"
        )
    if re.search(r"write[-_]?a?[-_]?review|leave[-_]a[-_]review|submit[-_]review", path, re.I):
        return LinkMatch("other", FINDING, "a link to a 'write a review' page")
    return None


def find_urls(text: str) -> list[tuple[int, int, str]]:
    """URLs in plain text as (start, end, url), trailing punctuation trimmed."""
    found = []
    for match in _URLS.finditer(text):
        url = match.group(0)
        end = match.end()
        while url and url[-1] in _TRAILING:
            url = url[:-1]
            end -= 1
        if url:
            found.append((match.start(), end, url))
    return found
