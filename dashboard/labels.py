"""Human names for what the store, the crawlers and the guardrail call by id: in one place.

Sites come from the crawlers' registry (``crawlers.sites.display_name``), rule ids from the
guardrail's catalogue (the rule's title), statuses from the store's enums.  Every table and
heading of the dashboard, the exports and the alerts name things through these functions.
"""

from guardrail.rules import RuleSet, builtin
from store.models import CaseStatus, ListingStatus, RunStatus

LISTING_STATUS = {
    ListingStatus.OK: "Read",
    ListingStatus.PARTIAL: "Read in part",
    ListingStatus.NOT_MODIFIED: "Read (unchanged)",
    ListingStatus.BLOCKED: "Blocked by the site",
    ListingStatus.GONE: "Gone from the site",
    ListingStatus.UNREADABLE: "Unreadable (layout changed?)",
    ListingStatus.ERROR: "Could not be fetched",
    ListingStatus.ROBOTS: "Not allowed (robots.txt)",
    ListingStatus.NOT_SET_UP: "Not set up (no API key)",
    ListingStatus.UNAVAILABLE: "No longer available",
}
RUN_STATUS = {
    RunStatus.RUNNING: "Running",
    RunStatus.OK: "Completed",
    RunStatus.PARTIAL: "Completed in part",
    RunStatus.DEGRADED: "Degraded (fields vanished)",
    RunStatus.FAILED: "Failed",
    RunStatus.INTERRUPTED: "Interrupted",
}
FINDING_KIND = {
    "owner_response": "Owner response on a review",
    "disclosure": "Review discloses too much",
    "solicitation": "Solicitation in own content",
    "write_review_link": "Write-a-review link in own content",
    "review_markup": "Review markup in own content",
}
#: Where each kind of finding is listed on the Compliance page (heading, in order).
FINDING_SECTIONS = {
    "Owner responses found on review sites": ("owner_response",),
    "Reviews that disclose too much": ("disclosure",),
    "Solicitation in the clinic's own content": (
        "solicitation",
        "write_review_link",
        "review_markup",
    ),
}
SEVERITY = {"critical": "Critical", "warning": "Warning"}
CASE_STATUS = {
    CaseStatus.ACKNOWLEDGED: "Acknowledged",
    CaseStatus.REPORTED: "Reported through the site's route",
    CaseStatus.NOT_A_BREACH: "Not a breach",
    CaseStatus.RESOLVED: "Resolved",
}
ORIGIN = {"dashboard": "Dashboard", "cli": "Command line", "crawler": "Crawler", "crawl": "Crawl"}
FACT = {"name": "Name", "address": "Address", "phone": "Phone", "website": "Website"}
PROBLEM = {
    "shortfall": "Fewer reviews than the site states",
    "stale": "Not read successfully in time",
    "check_run": "Crawl run failed",
    "check_items": "Reviews vanished",
    "check_coverage": "Fields vanished",
    "check_error_rate": "Many listings unreadable",
}
TRIGGER = {"cli": "By hand", "schedule": "Scheduled", "demo": "Demo", "scrapyd": "Scrapyd"}


def _words(value: str) -> str:
    return value.replace("_", " ").strip().capitalize()


def site(name: str | None) -> str:
    """A site's name as the registry gives it ("ratemds" -> "RateMDs")."""
    from crawlers.sites import display_name

    return display_name(name) if name else ""


def listing(listing_id: int, site_name: str | None) -> str:
    """A listing as a person names it: "RateMDs listing 2"."""
    return f"{site(site_name)} listing {listing_id}".strip()


def listing_status(status: str | None) -> str:
    if not status:
        return "Not crawled yet"
    try:
        return LISTING_STATUS[ListingStatus(status)]
    except ValueError:
        return _words(status)


def run_status(status: str | None) -> str:
    try:
        return RUN_STATUS[RunStatus(status)] if status else ""
    except ValueError:
        return _words(status or "")


def finding_kind(kind: str | None) -> str:
    return FINDING_KIND.get(kind or "", _words(kind or ""))


def severity(value: str | None) -> str:
    return SEVERITY.get(value or "", _words(value or ""))


def case_status(value: str | None) -> str:
    """A finding's case as a person reads it; no entry yet reads "Open"."""
    if not value:
        return "Open"
    return CASE_STATUS.get(CaseStatus(value), _words(value))


def rule(rule_id: str | None, rule_set: RuleSet | None = None) -> str:
    """A rule's title from the catalogue ("reply_to_review" -> "Reply publicly to a review")."""
    if not rule_id:
        return ""
    rules = rule_set or builtin()
    return rules.get(rule_id).title if rule_id in rules else _words(rule_id)


def category(value: str | None) -> str:
    return _words(value or "")


def origin(value: str | None) -> str:
    return ORIGIN.get(value or "", _words(value or ""))


def fact(value: str) -> str:
    return FACT.get(value, _words(value))


def problem(kind: str | None) -> str:
    if kind and kind in LISTING_STATUS:
        return listing_status(kind)
    return PROBLEM.get(kind or "", _words(kind or ""))


def trigger(value: str | None) -> str:
    return TRIGGER.get(value or "", _words(value or ""))
