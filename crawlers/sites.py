"""The registry of sites: each site and each official API QuietWatch reads, declared once.

An entry says what the site is called, which hosts are its own (a listing's requests may go
there and nowhere else), which page object reads its pages (or which spider reads its API),
whether its review pages run newest first, how many reviews an API gives at most, the year
it began (no review can be older), and the site's write, reply and messaging pages that the
crawler must never open even with GET.  Everything else reads it from here: the config's
allowed values (``store.config`` is handed :func:`names`), the spiders
(``crawlers.spiders.sites`` builds one per page site), the crawl plan, the read-only
middleware, the guardrail's review-site list, the dashboard's display names and the
README's Sites table (a test holds the table against this registry).

Adding a site: a page module in ``crawlers/pages/``, an entry here, an expected-output file
under ``tests/crawlers/expected/``.  Nothing in ``store/`` or ``dashboard/``.

This module imports nothing of QuietWatch but the guardrail's rule type: anything may
import it cheaply.
"""

from dataclasses import dataclass, field
from functools import cache
from importlib import import_module
from typing import Any

from guardrail.endpoints import EndpointRule

_ANY = r"(?:[a-z0-9-]+\.)?"


@dataclass(frozen=True)
class Site:
    """A review or directory site (or ``schema_org``: any page with schema.org data)."""

    name: str  # the config's `site = ...` and the store's Listing.site
    display: str  # what a person reads
    hosts: tuple[str, ...] = ()  # registrable domains; subdomains included
    page: str = "crawlers.pages.schema_org:StructuredPage"  # "module:Class" of its page object
    spider: str | None = None  # "module:Class" when the site needs a spider of its own
    lists_newest_first: bool = False  # review pages run newest first (incremental stop)
    newest_first_params: dict[str, str] = field(default_factory=dict)
    founded: int = 1994  # no review on it can be older than this year
    write_endpoints: tuple[EndpointRule, ...] = ()  # pages never opened, even with GET
    verified: bool = True  # False: read by the schema.org reader, never tested on a real page


@dataclass(frozen=True)
class Api:
    """An official API that reads one site's listings."""

    name: str  # the config's `api = ...`
    site: str  # the Site it reads
    display: str
    spider: str  # "module:Class"
    hosts: tuple[str, ...]
    # Whether its answers hold every review of a listing: only then can a review missing
    # from an answer be a removed one.
    complete: bool = True
    review_cap: int | None = None  # the most reviews it ever returns (no shortfall then)
    # Its capped answer holds the newest reviews (not a relevance pick): when all of them are
    # new since the last crawl, more may have arrived than one answer shows.
    newest_first: bool = False
    cap_note: str | None = None  # says so, once, in plain words
    # What the crawl summary says, once, when the source has no key or token.
    not_set_up: str = "not set up; see README"


_YELP = r"(?:[a-z0-9-]+\.)?yelp\.[a-z.]{2,6}"
_GOOGLE = r"(?:[a-z0-9-]+\.)?google\.[a-z.]{2,6}"
_FB = r"(?:[a-z0-9-]+\.)?(?:facebook\.com|fb\.com)"

SITES: dict[str, Site] = {
    s.name: s
    for s in (
        Site(
            "yelp",
            "Yelp",
            hosts=("yelp.com", "yelp.ca", "yelp.co.uk", "yelp.com.au"),
            page="crawlers.pages.yelp:YelpBizPage",
            # Yelp's default order is its relevance sort: ask for the newest first so that an
            # incremental crawl can stop at the first page of known reviews.
            lists_newest_first=True,
            newest_first_params={"sort_by": "date_desc"},
            founded=2004,
            write_endpoints=(
                EndpointRule(_YELP, r"^/writeareview", "Yelp write-a-review page"),
                EndpointRule(
                    r"biz\.yelp\.[a-z.]{2,6}", r"", "Yelp for Business (owner replies and messages)"
                ),
                EndpointRule(_YELP, r"^/biz_owner", "Yelp business-owner pages (replies)"),
                EndpointRule(_YELP, r"^/(mail|inbox|message_the_business|raq)\b", "Yelp messaging"),
                EndpointRule(
                    _YELP, r"^/user_details", "a Yelp reviewer's profile (identifying a reviewer)"
                ),
                EndpointRule(
                    _YELP,
                    r"^/(review_feedback|compliments?|flag_content)\b",
                    "Yelp review voting, compliments or flagging",
                ),
            ),
        ),
        Site(
            "google",
            "Google",
            hosts=("google.com", "google.ca", "googleapis.com", "g.page", "goo.gl"),
            founded=2007,
            write_endpoints=(
                EndpointRule(
                    r"search\.google\.com", r"^/local/writereview", "Google write-a-review page"
                ),
                EndpointRule(r"g\.page", r"/review\b", "Google Business leave-a-review short link"),
                EndpointRule(
                    r"business\.google\.com", r"", "Google Business Profile owner console (replies)"
                ),
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
            ),
        ),
        Site(
            "facebook",
            "Facebook",
            hosts=("facebook.com", "fb.com", "m.me", "messenger.com"),
            founded=2004,
            write_endpoints=(
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
            ),
        ),
        Site(
            "ratemds",
            "RateMDs",
            hosts=("ratemds.com",),
            page="crawlers.pages.ratemds:RateMDsDoctorPage",
            lists_newest_first=True,  # RateMDs lists ratings newest first (as saved pages show)
            founded=2004,
            write_endpoints=(
                EndpointRule(
                    _ANY + r"ratemds\.com",
                    r"(^|/)(rate|add-rating|rating/add|respond|reply|message)(/|$|\?)",
                    "RateMDs rating, response or messaging page",
                ),
            ),
        ),
        Site(
            "healthgrades",
            "Healthgrades",
            hosts=("healthgrades.com",),
            page="crawlers.pages.healthgrades:HealthgradesProfilePage",
            spider="crawlers.spiders.healthgrades:HealthgradesSpider",
            founded=1998,
            write_endpoints=(
                EndpointRule(
                    _ANY + r"healthgrades\.com", r"^/review/", "Healthgrades write-a-review survey"
                ),
                EndpointRule(
                    _ANY + r"healthgrades\.com",
                    r"^/(provider-login|providers?/(respond|reply))",
                    "Healthgrades provider console (responses)",
                ),
            ),
        ),
        Site(
            "psychologytoday",
            "Psychology Today",
            hosts=("psychologytoday.com",),
            page="crawlers.pages.psychologytoday:PsychologyTodayProfilePage",
            founded=1996,
            write_endpoints=(
                EndpointRule(
                    _ANY + r"psychologytoday\.com",
                    r"/(email|contact|send-?message)\b",
                    "Psychology Today contact/e-mail form",
                ),
            ),
        ),
        Site("yahoo", "Yahoo Local", hosts=("yahoo.com",), verified=False),
        Site("bing", "Bing Places", hosts=("bing.com",), founded=2009, verified=False),
        Site(
            "yellowpages",
            "YellowPages.ca",
            hosts=("yellowpages.ca",),
            founded=1996,
            verified=False,
            write_endpoints=(
                EndpointRule(
                    _ANY + r"yellowpages\.ca",
                    r"(review/(write|add|new)|writeReview|/contact-?business)",
                    "YellowPages.ca write-a-review or contact page",
                ),
            ),
        ),
        Site("schema_org", "Other site (schema.org)"),
    )
}

_PLACES_CAP = "Google's Places API returns at most 5 reviews; QuietWatch holds all it has seen"
_GOOGLE_SET_UP = (
    "Google: not set up — add GOOGLE_PLACES_API_KEY or run quietwatch auth google; see README"
)

APIS: dict[str, Api] = {
    a.name: a
    for a in (
        Api(
            "yelp_fusion",
            "yelp",
            "Yelp Fusion API",
            "crawlers.spiders.api:YelpFusionSpider",
            hosts=("api.yelp.com",),
            complete=False,  # review excerpts, not every review
            not_set_up="Yelp: not set up — add YELP_API_KEY; see README",
        ),
        Api(
            "places_v1",
            "google",
            "Google Places API (New)",
            "crawlers.spiders.api:PlacesV1Spider",
            hosts=("places.googleapis.com",),
            complete=False,
            review_cap=5,
            cap_note=_PLACES_CAP,
            not_set_up=_GOOGLE_SET_UP,
        ),
        Api(
            "places_legacy",
            "google",
            "Google Places API (legacy)",
            "crawlers.spiders.api:PlacesLegacySpider",
            hosts=("maps.googleapis.com",),
            complete=False,
            review_cap=5,
            newest_first=True,  # asked with reviews_sort=newest
            cap_note=_PLACES_CAP,
            not_set_up=_GOOGLE_SET_UP,
        ),
        Api(
            "business_profile",
            "google",
            "Google Business Profile API",
            "crawlers.spiders.api:BusinessProfileSpider",
            # Reviews (v4), and the account and location listing of `quietwatch auth google`.
            hosts=(
                "mybusiness.googleapis.com",
                "mybusinessaccountmanagement.googleapis.com",
                "mybusinessbusinessinformation.googleapis.com",
            ),
            not_set_up=_GOOGLE_SET_UP,
        ),
        Api(
            "graph",
            "facebook",
            "Facebook Graph API",
            "crawlers.spiders.api:GraphSpider",
            hosts=("graph.facebook.com",),
            not_set_up="Facebook: not set up — add FACEBOOK_PAGE_TOKEN; see README",
        ),
    )
}

#: Reviewer-independent write/reply shapes on any site (the guardrail's own list).
#: Site-specific ones are in each entry above.
SITE_ENDPOINTS: tuple[EndpointRule, ...] = tuple(
    rule for site in SITES.values() for rule in site.write_endpoints
)


def names() -> tuple[str, ...]:
    """The site names a configuration may use."""
    return tuple(SITES)


def api_names() -> tuple[str, ...]:
    return tuple(APIS)


def display_name(site: str) -> str:
    """A site's name as a person reads it (the raw value for a site no longer known)."""
    known = SITES.get(site)
    return known.display if known else site


@cache
def review_site_hosts() -> tuple[str, ...]:
    """Every host of every site and API: QuietWatch sends nothing but GET/HEAD there.
    (The registry is fixed when the module loads, so this is worked out once.)"""
    hosts = {h for s in SITES.values() for h in s.hosts} | {
        h for a in APIS.values() for h in a.hosts
    }
    return tuple(sorted(hosts))


def load(path: str) -> Any:
    """The object a ``"module:Name"`` path names (imported on first use)."""
    module, _, name = path.partition(":")
    return getattr(import_module(module), name)


def spider_for(source: dict[str, Any]) -> type:
    """The spider class for one source (``site``, ``url``, optional ``api``)."""
    api = source.get("api")
    if api:
        if api not in APIS:
            raise KeyError(f"no source reads the {api!r} API yet")
        return load(APIS[api].spider)
    spec = SITES.get(str(source.get("site") or "schema_org"), SITES["schema_org"])
    if spec.spider:
        return load(spec.spider)
    return load("crawlers.spiders.sites:SPIDERS")[spec.name]


def spider_by_name(name: str) -> type:
    """A spider class by its Scrapy name (for ``scrapy crawl`` and Scrapyd)."""
    for entry in (*SITES.values(), *APIS.values()):
        cls = spider_for({"site": entry.name} if isinstance(entry, Site) else {"api": entry.name})
        if cls.name == name:
            return cls
    raise KeyError(name)


def vocabulary() -> dict[str, tuple[str, ...]]:
    """The names a configuration may use, for ``store.config.load_config``."""
    return {"sites": names(), "apis": api_names()}
