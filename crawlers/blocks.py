"""Recognise pages that are not the listing at all: block pages, CAPTCHAs, consent walls.

Such a page must be recorded as *blocked*, never parsed as a listing with zero reviews.
The signals are the ones real interstitials carry (Yelp's "Sorry, you're not allowed to
access this page" 503 page, reCAPTCHA / hCaptcha / Cloudflare challenge markers, cookie or
consent walls that replace the page) and are checked on the page's visible text and a few
tell-tale markup features, never on a CSS class of the real listing layout.
"""

import re
from dataclasses import dataclass

from scrapy.http import Response

# (pattern on lower-cased visible text or markup, plain-words reason)
_TEXT_SIGNALS: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(r"sorry, you(?:'|’)re not allowed to access this page"),
        "the site refused access (block page)",
    ),
    (
        re.compile(r"access (?:to this page )?(?:has been )?denied"),
        "the site refused access (block page)",
    ),
    (
        re.compile(r"your ip address is:?\s*\d{1,3}(?:\.\d{1,3}){3}"),
        "the site refused access to this address (block page)",
    ),
    (
        re.compile(
            r"(?:are you a robot|verify (?:that )?you are (?:a )?human|prove you(?:'|’)re not a robot|unusual traffic from your computer)"
        ),
        "the site asked for a CAPTCHA",
    ),
    (
        re.compile(
            r"(?:checking your browser before accessing|just a moment\.\.\.|attention required! \| cloudflare)"
        ),
        "a bot-protection challenge stood in front of the page",
    ),
    (
        re.compile(
            r"(?:before you continue to (?:google|youtube)|we use cookies.{0,80}(?:accept|agree) to continue)"
        ),
        "a consent wall stood in front of the page",
    ),
]
_MARKUP_SIGNALS: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(
            r"""(?:class|id)=["'](?:g-recaptcha|h-captcha|cf-challenge|captcha-container|px-captcha)["']"""
        ),
        "the site asked for a CAPTCHA",
    ),
    (
        re.compile(
            r"""src=["'][^"']*(?:recaptcha/api\.js|hcaptcha\.com/1/api\.js|challenges\.cloudflare\.com)"""
        ),
        "the site asked for a CAPTCHA",
    ),
    (
        re.compile(r"""action=["'][^"']*consent\.(?:google|yahoo)\.com"""),
        "a consent wall stood in front of the page",
    ),
]
_TAGS = re.compile(r"<(script|style)\b.*?</\1>|<[^>]+>", re.DOTALL | re.IGNORECASE)


@dataclass(frozen=True)
class Block:
    reason: str


def detect_block_html(html: str) -> Block | None:
    """A :class:`Block` when the HTML is an interstitial rather than a page of content."""
    lowered = html[:400_000].lower()
    text = " ".join(_TAGS.sub(" ", lowered).split())
    # A real listing page is long; an interstitial says little.  Only short pages count, so
    # a review quoting "access denied", or a profile's contact form guarded by reCAPTCHA,
    # does not make a listing blocked.
    if len(text) > 6000:
        return None
    for pattern, reason in _MARKUP_SIGNALS:
        if pattern.search(lowered):
            return Block(reason)
    for pattern, reason in _TEXT_SIGNALS:
        if pattern.search(text):
            return Block(reason)
    return None


def detect_block(response: Response) -> Block | None:
    """The block, if this response is one; non-text responses are never blocks."""
    content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1").lower()
    if content_type and "html" not in content_type and "text" not in content_type:
        return None
    try:
        html = response.text
    except AttributeError:
        return None
    return detect_block_html(html)
