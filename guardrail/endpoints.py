"""Endpoints the crawler must never open, even with GET.

Reply, write-a-review, messaging and owner-console pages of the sites QuietWatch reads, and
reviewer profile pages (opening them is a step towards identifying a reviewer).  The
crawler's ``ReadOnlyMiddleware`` calls :func:`is_write_endpoint` for every request and
refuses the ones it names.  The list is data: add a shape here, with a test, when a site
grows a new one.  Shapes were taken from the sites' public URLs and API references; a
shape we could not confirm is better listed than missed, as long as no read page matches.
"""

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from guardrail.links import classify_link


@dataclass(frozen=True)
class EndpointRule:
    host: str  # regex on the host (www. removed)
    path: str  # regex searched in path + "?" + query
    reason: str


#: Write, reply and messaging shapes on any site.  Each site's own shapes are declared with
#: the site (``crawlers.sites``) and handed to :func:`is_write_endpoint` by the crawler.
GENERIC_RULES: tuple[EndpointRule, ...] = (
    EndpointRule(
        r"(?:[a-z0-9-]+\.)?trustpilot\.com", r"^/evaluate/", "Trustpilot write-a-review page"
    ),
    EndpointRule(
        r"businessapp\.b2b\.trustpilot\.com", r"", "Trustpilot business console (replies)"
    ),
    # --- Any site --------------------------------------------------------------------------
    # A path segment that starts with one of these words (``/reply-to-review/1``,
    # ``/biz/x/reply.html``, ``/add-review``, ``/reviews/new``, ``/contact-reviewer/5``).
    # Whole words only: a business called "Write Right Editing" is not a write page.
    EndpointRule(
        r".*",
        r"write[-_]?a?[-_]?review|leave[-_]a[-_]review|submit[-_]review"
        r"|(?:^|/)(?:write|add|new|leave|submit|post|create)[-_]?(?:a[-_])?reviews?(?:[-_./?]|$)"
        r"|(?:^|/)reviews?/(?:new|add|write|create|submit)(?:[-_./?]|$)",
        "a write-a-review page",
    ),
    EndpointRule(
        r".*",
        r"(?:^|/)(?:reply|replies|respond|response-form|compose|message|messages"
        r"|send[-_]?message|contact[-_](?:reviewer|user|author|member))(?:[-_./?]|$)",
        "a reply or messaging page",
    ),
)


@functools.cache
def _compiled(rule: EndpointRule) -> tuple[re.Pattern[str], re.Pattern[str]]:
    return re.compile(rf"^(?:{rule.host})$", re.I), re.compile(rule.path, re.I)


def is_write_endpoint(url: str, site_rules: Iterable[EndpointRule] = ()) -> str | None:
    """Why ``url`` must not be opened (a reason in plain words), or None when it may be.

    ``site_rules`` are the sites' own write/reply shapes (``crawlers.sites``), checked
    before the shapes that hold on any site."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    if host.startswith("www."):
        host = host[4:]
    target = unquote(parts.path or "/") + ("?" + unquote(parts.query) if parts.query else "")
    for rule in (*site_rules, *GENERIC_RULES):
        host_re, path_re = _compiled(rule)
        if host_re.match(host) and path_re.search(target):
            return rule.reason
    link = classify_link(url)
    if link is not None and link.opens_form:
        return link.reason
    return None


def is_review_site(url: str, hosts: Iterable[str]) -> bool:
    """Whether ``url`` is on one of these review or directory sites' ``hosts`` (registrable
    domains, subdomains included).  Nothing in QuietWatch may send anything but GET/HEAD
    there; the few places that send to QuietWatch's own services (Scrapyd's schedule.json)
    refuse these hosts outright, so a mistyped address cannot turn a control call into a
    write to a review site."""
    try:
        host = (urlsplit(url.strip()).hostname or "").lower().rstrip(".")
    except ValueError:
        return False
    return bool(host) and any(host == h or host.endswith("." + h) for h in hosts)
