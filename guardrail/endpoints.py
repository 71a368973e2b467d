"""Endpoints the crawler must never open, even with GET.

Reply, write-a-review, messaging and owner-console pages of the sites QuietWatch reads, and
reviewer profile pages (opening them is a step towards identifying a reviewer).  The
crawler's ``ReadOnlyMiddleware`` calls :func:`is_write_endpoint` for every request and
refuses the ones it names.  The list is data: add a shape here, with a test, when a site
grows a new one.  Shapes were taken from the sites' public URLs and API references; a
shape we could not confirm is better listed than missed, as long as no read page matches.
"""

import logging
import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from guardrail.links import classify_link

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class EndpointRule:
    host: str  # regex on the host (www. removed)
    path: str  # regex searched in path + "?" + query
    reason: str


_YELP = r"(?:[a-z0-9-]+\.)?yelp\.[a-z.]{2,6}"
_GOOGLE = r"(?:[a-z0-9-]+\.)?google\.[a-z.]{2,6}"
_FB = r"(?:[a-z0-9-]+\.)?(?:facebook\.com|fb\.com)"

ENDPOINT_RULES: tuple[EndpointRule, ...] = (
    # --- Yelp ------------------------------------------------------------------------------
    EndpointRule(_YELP, r"^/writeareview", "Yelp write-a-review page"),
    EndpointRule(r"biz\.yelp\.[a-z.]{2,6}", r"", "Yelp for Business (owner replies and messages)"),
    EndpointRule(_YELP, r"^/biz_owner", "Yelp business-owner pages (replies)"),
    EndpointRule(_YELP, r"^/(mail|inbox|message_the_business|raq)\b", "Yelp messaging"),
    EndpointRule(_YELP, r"^/user_details", "a Yelp reviewer's profile (identifying a reviewer)"),
    EndpointRule(
        _YELP,
        r"^/(review_feedback|compliments?|flag_content)\b",
        "Yelp review voting, compliments or flagging",
    ),
    # --- Google ----------------------------------------------------------------------------
    EndpointRule(r"search\.google\.com", r"^/local/writereview", "Google write-a-review page"),
    EndpointRule(r"g\.page", r"/review\b", "Google Business leave-a-review short link"),
    EndpointRule(r"business\.google\.com", r"", "Google Business Profile owner console (replies)"),
    EndpointRule(
        r"mybusiness\.googleapis\.com",
        r"/reviews/[^/?]+/reply",
        "Google Business Profile API review reply",
    ),
    EndpointRule(
        r"mybusiness\.googleapis\.com",
        r"/localPosts|/questions|/answers",
        "Google Business Profile API posts or Q&A",
    ),
    EndpointRule(
        _GOOGLE,
        r"/maps/contrib/",
        "a Google reviewer's contributor profile (identifying a reviewer)",
    ),
    # --- Facebook --------------------------------------------------------------------------
    EndpointRule(_FB, r"^/messages\b|/inbox\b", "Facebook messaging"),
    EndpointRule(r"m\.me|(?:www\.)?messenger\.com", r"", "Facebook Messenger"),
    EndpointRule(
        _FB,
        r"^/(sharer|dialog|ufi|a/comment\.php|a/like\.php|reactions|composer)\b",
        "Facebook posting, comment, like or share endpoint",
    ),
    EndpointRule(
        _FB,
        r"/reviews/?\?.*\b(compose|composer|recommend|reply)",
        "Facebook recommendation compose or reply",
    ),
    EndpointRule(
        r"graph\.facebook\.com",
        r"/(messages|conversations|feed|likes|reactions|subscribed_apps)\b",
        "Facebook Graph API messaging, posting or liking",
    ),
    # --- Healthgrades ----------------------------------------------------------------------
    EndpointRule(
        r"(?:[a-z0-9-]+\.)?healthgrades\.com", r"^/review/", "Healthgrades write-a-review survey"
    ),
    EndpointRule(
        r"(?:[a-z0-9-]+\.)?healthgrades\.com",
        r"^/(provider-login|providers?/(respond|reply))",
        "Healthgrades provider console (responses)",
    ),
    # --- RateMDs ---------------------------------------------------------------------------
    EndpointRule(
        r"(?:[a-z0-9-]+\.)?ratemds\.com",
        r"(^|/)(rate|add-rating|rating/add|respond|reply|message)(/|$|\?)",
        "RateMDs rating, response or messaging page",
    ),
    # --- Psychology Today, YellowPages, Trustpilot, Bing ------------------------------------
    EndpointRule(
        r"(?:[a-z0-9-]+\.)?psychologytoday\.com",
        r"/(email|contact|send-?message)\b",
        "Psychology Today contact/e-mail form",
    ),
    EndpointRule(
        r"(?:[a-z0-9-]+\.)?yellowpages\.ca",
        r"(review/(write|add|new)|writeReview|/contact-?business)",
        "YellowPages.ca write-a-review or contact page",
    ),
    EndpointRule(
        r"(?:[a-z0-9-]+\.)?trustpilot\.com", r"^/evaluate/", "Trustpilot write-a-review page"
    ),
    EndpointRule(
        r"businessapp\.b2b\.trustpilot\.com", r"", "Trustpilot business console (replies)"
    ),
    # --- Any site --------------------------------------------------------------------------
    EndpointRule(
        r".*",
        r"write[-_]?a?[-_]?review|leave[-_]a[-_]review|submit[-_]review",
        "a write-a-review page",
    ),
    EndpointRule(
        r".*", r"(^|/)(reply|respond|send[-_]?message|compose)(/|$|\?)", "a reply or messaging page"
    ),
)

_COMPILED = tuple(
    (re.compile(rf"^(?:{rule.host})$", re.I), re.compile(rule.path, re.I), rule.reason)
    for rule in ENDPOINT_RULES
)


def is_write_endpoint(url: str) -> str | None:
    """Why ``url`` must not be opened (a reason in plain words), or None when it may be."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    if host.startswith("www."):
        host = host[4:]
    target = unquote(parts.path or "/") + ("?" + unquote(parts.query) if parts.query else "")
    for host_re, path_re, reason in _COMPILED:
        if host_re.match(host) and path_re.search(target):
            return reason
    link = classify_link(url)
    if link is not None and link.opens_form:
        return link.reason
    return None


# Hosts of the review and directory sites QuietWatch reads.  Nothing in QuietWatch may send
# anything but GET/HEAD to them; the few places that send to QuietWatch's own services
# (Scrapyd's schedule.json) refuse these hosts outright, so a mistyped address cannot turn
# a control call into a write to a review site.
_REVIEW_SITE_HOSTS = re.compile(
    r"^(?:[a-z0-9-]+\.)*(?:yelp\.[a-z.]{2,6}|google\.[a-z.]{2,6}|googleapis\.com|g\.page|"
    r"facebook\.com|fb\.com|m\.me|messenger\.com|healthgrades\.com|ratemds\.com|"
    r"psychologytoday\.com|yellowpages\.ca|yahoo\.com|bing\.com|trustpilot\.com)$",
    re.I,
)


def is_review_site(url: str) -> bool:
    """Whether ``url`` is on one of the review or directory sites QuietWatch reads."""
    try:
        host = (urlsplit(url.strip()).hostname or "").lower()
    except ValueError:
        return False
    return bool(host) and _REVIEW_SITE_HOSTS.match(host) is not None
