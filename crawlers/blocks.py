"""Recognise pages that are not the listing at all: bot walls, CAPTCHAs, consent walls.

Such a page must be recorded as *blocked*, never parsed as a listing with zero reviews, and
the problem names the wall: DataDome, Cloudflare, PerimeterX/HUMAN, Akamai, reCAPTCHA or
hCaptcha, a consent wall, or the site's own block page.  The signals are the markers the
real walls carry (DataDome's ``captcha-delivery.com`` frame, Cloudflare's ``cf-error-details``
and "Attention Required!", PerimeterX's ``px-captcha``, Akamai's "Reference #" access-denied
page) and the headers they send, whatever the HTTP status: a wall may come as a 200, 403,
405, 429 or 503.  Never a CSS class of a real listing layout.
"""

import re
from dataclasses import dataclass
from html import unescape

from scrapy.http import Response

# (vendor, what it put in front of the page, pattern on lower-cased markup)
# (vendor, what it is, the pattern, literal words one of which any match contains): the
# words are looked for first with ``in``, so an ordinary page costs a few substring scans,
# not a regular expression run from every position of the page.
_MARKUP_SIGNALS: list[tuple[str, str, re.Pattern[str], tuple[str, ...]]] = [
    (
        "DataDome",
        "a CAPTCHA",
        re.compile(r"captcha-delivery\.com|title=[\"']datadome|\bvar dd\s*=\s*\{'rt'"),
        ("captcha-delivery.com", "datadome", "var dd"),
    ),
    (
        "PerimeterX/HUMAN",
        "a press-and-hold CAPTCHA",
        re.compile(
            r"""(?:id|class)=["']px-captcha|_pxappid|captcha\.px-cdn\.net|client\.perimeterx\.net"""
        ),
        ("px-captcha", "_pxappid", "px-cdn.net", "perimeterx.net"),
    ),
    (
        "Cloudflare",
        "a challenge or block page",
        re.compile(
            r"""cf-error-details|cf-browser-verification|id=["']challenge-form|window\._cf_chl_opt"""
            r"""|attention required! \| cloudflare|<title>just a moment\.\.\.</title>"""
        ),
        (
            "cf-error-details",
            "cf-browser-verification",
            "challenge-form",
            "_cf_chl_opt",
            "attention required",
            "just a moment",
        ),
    ),
    (
        "Akamai",
        "an access-denied page",
        re.compile(r"errors\.edgesuite\.net|/_sec/cp_challenge/|\bsec-if-cpt-container\b"),
        ("edgesuite.net", "/_sec/cp_challenge/", "sec-if-cpt-container"),
    ),
    (
        "hCaptcha",
        "a CAPTCHA",
        re.compile(r"""(?:class|id)=["']h-captcha["']|hcaptcha\.com/1/api\.js"""),
        ("h-captcha", "hcaptcha.com"),
    ),
    (
        "reCAPTCHA",
        "a CAPTCHA",
        re.compile(r"""(?:class|id)=["']g-recaptcha["']|recaptcha/api\.js"""),
        ("g-recaptcha", "recaptcha/api.js"),
    ),
    (
        "a consent wall",
        "a cookie-consent page",
        re.compile(r"""action=["'][^"']*consent\.(?:google|yahoo)\.com"""),
        ("consent.google.com", "consent.yahoo.com"),
    ),
]
_TEXT_SIGNALS: list[tuple[str, str, re.Pattern[str]]] = [
    (
        "Akamai",
        "an access-denied page",
        re.compile(r"you don(?:'|’)t have permission to access .{0,200}reference #\s*\d"),
    ),
    (
        "Cloudflare",
        "a challenge or block page",
        re.compile(r"checking your browser before accessing|cloudflare ray id"),
    ),
    (
        "the site",
        "its own block page",
        re.compile(
            r"sorry, you(?:'|’)re not allowed to access this page"
            r"|access (?:to this page )?(?:has been )?denied"
            r"|your ip address is:?\s*\d{1,3}(?:\.\d{1,3}){3}"
        ),
    ),
    (
        "the site",
        "a CAPTCHA",
        re.compile(
            r"are you a robot|verify (?:that )?you are (?:a )?human|prove you(?:'|’)re not a robot"
            r"|unusual traffic from your computer"
        ),
    ),
    (
        "a consent wall",
        "a cookie-consent page",
        re.compile(
            r"before you continue to (?:google|youtube)|we use cookies.{0,80}(?:accept|agree) to continue"
        ),
    ),
]
# Headers the walls send with their pages (name, value pattern or None for "present"); they
# count on short pages only, as a protected site may send them with its real pages too.
_HEADER_SIGNALS: list[tuple[str, str, str, re.Pattern[str] | None]] = [
    ("DataDome", "a CAPTCHA", "x-datadome", None),
    ("DataDome", "a CAPTCHA", "x-dd-b", None),
    ("Cloudflare", "a challenge or block page", "cf-mitigated", re.compile("challenge")),
]
# A tag cannot hold another "<": this pattern never scans past the next one (linear time).
_TAG = re.compile(r"<[^<>]*>")
# A real listing page says a lot; a wall says little.  Only short pages count, so a review
# quoting "access denied", or a profile's contact form guarded by reCAPTCHA, does not make
# a listing blocked.
_MAX_WALL_TEXT = 6000


@dataclass(frozen=True)
class Block:
    vendor: str  # "DataDome", "Cloudflare", ... or "the site" for its own block page
    what: str  # what stood in front of the page

    @property
    def reason(self) -> str:
        if self.vendor == "a consent wall":
            return "a consent wall stood in front of the page"
        if self.vendor == "the site":
            return f"the site answered with {self.what} instead of the page"
        return f"blocked by {self.vendor}: the site answered with {self.what} instead of the page"


def _without_code(html: str) -> str:
    """The (lower-cased) HTML without its scripts and styles, found with ``str.find`` in one
    pass (a regular expression for this is quadratic on a page of unclosed tags)."""
    for tag in ("script", "style"):
        parts, at = [], 0
        while (start := html.find(f"<{tag}", at)) >= 0:
            parts.append(html[at:start])
            end = html.find(f"</{tag}", start)
            if end < 0:  # never closed: the rest is not visible text
                at = len(html)
                break
            close = html.find(">", end)
            at = len(html) if close < 0 else close + 1
        parts.append(html[at:])
        html = " ".join(parts)
    return html


def detect_block_html(html: str, headers: dict[str, str] | None = None) -> Block | None:
    """A :class:`Block` when the HTML (and its headers) is a wall rather than the page."""
    lowered = unescape(html[:400_000]).lower()  # walls write "Reference&#32;&#35;18.x"
    text = " ".join(_TAG.sub(" ", _without_code(lowered)).split())
    if len(text) > _MAX_WALL_TEXT:
        return None
    for vendor, what, name, value in _HEADER_SIGNALS:
        sent = (headers or {}).get(name)
        if sent is not None and (value is None or value.search(sent.lower())):
            return Block(vendor, what)
    for vendor, what, pattern, words in _MARKUP_SIGNALS:
        if any(word in lowered for word in words) and pattern.search(lowered):
            return Block(vendor, what)
    for vendor, what, pattern in _TEXT_SIGNALS:
        if pattern.search(text):
            return Block(vendor, what)
    return None


def detect_block(response: Response) -> Block | None:
    """The block, if this response is one; non-text responses are never blocks."""
    headers = {
        k.decode("latin-1").lower(): (response.headers.get(k) or b"").decode("latin-1")
        for k in response.headers
    }
    content_type = headers.get("content-type", "").lower()
    if content_type and "html" not in content_type and "text" not in content_type:
        return None
    try:
        html = response.text
    except AttributeError:
        return None
    return detect_block_html(html, headers)
