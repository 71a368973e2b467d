"""Spiders for the official APIs: Yelp Fusion, Google Places (New and legacy), Facebook Graph.

Each reads one business per configured source (``business_id`` / ``place_id`` / ``page_id``,
or what the listing URL names) with the key from the environment, handed in as the Scrapy
setting ``QUIETWATCH_API_KEYS``.  Without a key a source becomes a problem page at once and
no request is sent.  API errors, quotas and refused keys become problem pages in plain
words, never a listing with zero reviews.

Keys travel in headers wherever the API allows (Yelp, Places New, Graph).  The legacy
Places API takes ``key=`` only in the query.  Every key is registered with
:mod:`store.secrets` as it is read, so no URL, problem, log line or digest carries it.

Official APIs are governed by their terms and quotas, not robots.txt, so these requests
carry ``dont_obey_robotstxt``; the politeness delays still apply.
"""

import json
import logging
import os
import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlencode, urlsplit

import scrapy
from scrapy.http import Response
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import threads
from twisted.python.failure import Failure

from crawlers import google_business
from crawlers.items import DiscoveredListing, ListingFacts, ListingPage, PageStatus
from crawlers.middlewares import Refused
from crawlers.pages import facebook_graph, google_places, yelp_fusion
from crawlers.pages import google_business as business_reviews
from crawlers.scope import host_of
from crawlers.sites import APIS, SITES
from crawlers.spiders.base import ListingSpider
from store import secrets
from store.normalize import match_reason, normalize_phone, normalize_postal_code, street_of
from store.secrets import scrub

logger = logging.getLogger(__name__)


def _same_url(a: str | None, b: str | None) -> bool:
    def norm(u: str) -> str:
        parts = urlsplit(u.strip())
        query = f"?{parts.query}" if parts.query else ""
        return f"{parts.netloc.lower().removeprefix('www.')}{parts.path.rstrip('/').lower()}{query}"

    return bool(a and b) and norm(str(a)) == norm(str(b))


class Refusal(Exception):
    """A key or token that is there but cannot be used: every source gets this problem."""

    def __init__(self, status: PageStatus, problem: str) -> None:
        super().__init__(problem)
        self.status, self.problem = status, problem


class ApiSpider(ListingSpider):
    """What the API spiders share: keys, masked URLs, JSON errors as problem pages."""

    api: str = ""
    key_name: str = ""  # the name in QUIETWATCH_API_KEYS
    key_env: str = ""  # the environment variable, for the problem text
    base_name: str = ""  # the name in QUIETWATCH_API_BASES
    default_base: str = ""
    label: str = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.api and "spec" not in cls.__dict__:
            cls.spec = SITES[APIS[cls.api].site]  # the site this API reads

    @property
    def capped(self) -> bool:
        """An API that serves only some reviews (Google: five; Yelp Fusion: a few excerpts)
        never shows them all, so a review missing from its answer is not a removed one."""
        return not APIS[self.api].complete

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._facts: dict[str, ListingFacts] = {}

    # -- configuration --------------------------------------------------------------------
    def api_key(self) -> str | None:
        """The key handed in by the runner, else the process environment (a Scrapyd node
        holds its keys in its own service environment, never in job arguments or files)."""
        given = (self.settings.getdict("QUIETWATCH_API_KEYS") or {}).get(self.key_name)
        key = given or os.environ.get(self.key_env) or None
        secrets.register(key)  # scrubbed from every problem, log line and digest
        return key

    def api_base(self) -> str:
        bases = self.settings.getdict("QUIETWATCH_API_BASES") or {}
        return str(bases.get(self.base_name) or self.default_base).rstrip("/")

    def configured_hosts(self) -> set[str]:
        return {host_of(self.api_base())}

    def clinic(self) -> dict[str, Any]:
        return dict(self.settings.getdict("QUIETWATCH_CLINIC") or {})

    def identifier(self, source: dict[str, Any]) -> str | None:
        """The business's id on the API, from the source (subclasses read the URL too)."""
        raise NotImplementedError

    def auth_headers(self, key: str) -> dict[str, str]:
        return {}

    def is_full_sweep(self, listing_url: str) -> bool:
        return False if self.capped else super().is_full_sweep(listing_url)

    async def credential(self) -> str | None:
        """The key or token to ask with; None when the source is not set up.  Raises
        :class:`Refusal` when one is there but cannot be used."""
        return self.api_key()

    # -- requests -------------------------------------------------------------------------
    async def start(self) -> AsyncIterator[Any]:
        self.memory = self.load_memory()
        try:
            key = await self.credential()
        except Refusal as refusal:
            logger.warning("%s: %s", self.label, refusal.problem)
            for source in self.sources:
                url = str(source["url"])
                yield self.problem_page(url, url, refusal.status, 1, problem=refusal.problem)
            return
        for source in self.sources:
            url = str(source["url"])
            if not key:
                # Not asked, and not a failure: the summary says once what to set up.
                logger.info("%s: %s", url, APIS[self.api].not_set_up)
                yield self.problem_page(
                    url, url, PageStatus.NOT_SET_UP, 1, problem=APIS[self.api].not_set_up
                )
                continue
            if not self.identifier(source):
                yield self.problem_page(
                    url,
                    url,
                    PageStatus.ERROR,
                    1,
                    problem=f"the source names no id for the {self.label} and its URL holds none",
                )
                continue
            for request in self.start_requests_for(source):
                yield request
        if key and self.sources:
            for request in self.discovery_requests(key):
                yield request

    def page_request(
        self, url: str, *, listing_url: str, page_number: int, source: dict[str, Any], **kw: Any
    ) -> scrapy.Request:
        key = self.api_key() or ""
        headers = {"Accept": "application/json", **self.auth_headers(key), **kw.pop("headers", {})}
        meta = {"dont_obey_robotstxt": True, **kw.pop("meta", {})}
        return super().page_request(
            url,
            listing_url=listing_url,
            page_number=page_number,
            source=source,
            headers=headers,
            meta=meta,
            **kw,
        )

    def discovery_requests(self, key: str) -> Iterator[scrapy.Request]:
        """Searches for listings of the clinic not in the config (APIs that can search)."""
        return iter(())

    # -- responses ------------------------------------------------------------------------
    def status_for(self, response: Response) -> PageStatus | None:
        return None  # an API answers errors in JSON: parse_page reads them

    def error_of(self, data: Any, response: Response) -> tuple[PageStatus, str] | None:
        raise NotImplementedError

    def read(self, data: dict[str, Any], response: Response, page: ListingPage) -> ListingPage:
        raise NotImplementedError

    def parse_page(self, response: Response, *, listing_url: str, page_number: int) -> ListingPage:
        url = scrub(response.url)
        try:
            data = json.loads(response.text) if response.body else None
        except (ValueError, AttributeError):
            data = None
        error = self.error_of(data, response)
        if error is not None:
            status, problem = error
            logger.warning("%s: %s", url, problem)
            return self.problem_page(
                listing_url, url, status, page_number, problem=problem, http_status=response.status
            )
        if not isinstance(data, dict):
            return self.problem_page(
                listing_url,
                url,
                PageStatus.UNREADABLE,
                page_number,
                problem=f"the {self.label} answered with something that is not the JSON it documents",
                http_status=response.status,
            )
        page = ListingPage(
            site=self.site,
            listing_url=listing_url,
            page_url=url,
            crawled_at=self.crawled_at,
            page_number=page_number,
        )
        try:
            return self.read(data, response, page)
        except Exception as exc:  # a changed response shape must not end the crawl
            logger.exception("could not read the %s's answer at %s", self.label, url)
            return self.problem_page(
                listing_url,
                url,
                PageStatus.UNREADABLE,
                page_number,
                problem=f"the {self.label}'s answer could not be read: {type(exc).__name__}",
                http_status=response.status,
            )

    def on_error(self, failure: Failure) -> Iterator[ListingPage]:
        if failure.check(Refused):
            yield from super().on_error(failure)
            return
        request = failure.request
        meta = request.meta
        url = scrub(request.url)
        reason = scrub(failure.getErrorMessage())
        logger.warning("could not reach the %s at %s: %s", self.label, url, reason)
        yield self.problem_page(
            meta.get("listing_url", url),
            url,
            PageStatus.ERROR,
            meta.get("page_number", 1),
            problem=f"the {self.label} could not be reached ({reason})",
        )

    def keep_facts(self, page: ListingPage, facts: ListingFacts) -> ListingFacts:
        """Remember a listing's facts for its later review pages (see :meth:`carry_facts`)."""
        self._facts[page.listing_url] = facts
        return facts

    def carry_facts(self, page: ListingPage) -> ListingPage:
        """An empty last review page is an answer ("no more"), not an unreadable page: it
        carries the listing's facts again so the store does not take it for one (the same
        facts make no new snapshot)."""
        if not page.reviews:
            page.facts = self._facts.get(page.listing_url)
        return page

    # -- discovery ------------------------------------------------------------------------
    def is_configured(
        self, *, url: str | None = None, site_id: str | None = None, alias: str | None = None
    ) -> bool:
        for source in self.sources:
            if _same_url(url, str(source.get("url") or "")):
                return True
            ident = self.identifier(source)
            if ident and ident in {site_id, alias}:
                return True
        return False

    def on_search_error(self, failure: Failure) -> None:
        self.crawler.stats.inc_value("quietwatch/discovery/errors")
        logger.warning(
            "the %s search for the clinic's listings failed: %s",
            self.label,
            scrub(failure.getErrorMessage()),
        )


class YelpFusionSpider(ApiSpider):
    """Yelp Fusion: business details, then its reviews page by page (offset/limit)."""

    name = "yelp_fusion"
    api = "yelp_fusion"
    key_name, key_env, base_name = "yelp", "YELP_API_KEY", "yelp"
    default_base = "https://api.yelp.com"
    label = "Yelp Fusion API"
    review_limit = 20

    def identifier(self, source: dict[str, Any]) -> str | None:
        if source.get("business_id"):
            return str(source["business_id"])
        path = urlsplit(str(source.get("url") or "")).path
        m = re.match(r"^/biz/([^/?#]+)", path)
        return m.group(1) if m else None

    def auth_headers(self, key: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {key}"}

    def start_requests_for(self, source: dict[str, Any]) -> Iterator[scrapy.Request]:
        url = f"{self.api_base()}/v3/businesses/{quote(self.identifier(source) or '', safe='')}"
        yield self.page_request(url, listing_url=str(source["url"]), page_number=1, source=source)

    def error_of(self, data: Any, response: Response) -> tuple[PageStatus, str] | None:
        return yelp_fusion.error_of(data, response.status)

    def read(self, data: dict[str, Any], response: Response, page: ListingPage) -> ListingPage:
        parts = urlsplit(response.url)
        if parts.path.rstrip("/").endswith("/reviews"):
            offset = int((parse_qs(parts.query).get("offset") or ["0"])[0])
            page.reviews, total = yelp_fusion.reviews_page(data)
            following = yelp_fusion.next_offset(offset, len(page.reviews), total, self.review_limit)
            if following is not None:
                page.next_url = self._reviews_url(parts.path, following)
            return self.carry_facts(page)
        page.facts = self.keep_facts(page, yelp_fusion.business_facts(data))
        if page.facts.review_count != 0:
            page.next_url = self._reviews_url(parts.path.rstrip("/") + "/reviews", 0)
        return page

    def _reviews_url(self, path: str, offset: int) -> str:
        return (
            f"{self.api_base()}{path}?{urlencode({'offset': offset, 'limit': self.review_limit})}"
        )

    def discovery_requests(self, key: str) -> Iterator[scrapy.Request]:
        phone = normalize_phone(self.clinic().get("phone"))
        if not phone:
            return
        url = f"{self.api_base()}/v3/businesses/search/phone?{urlencode({'phone': phone})}"
        yield scrapy.Request(
            url,
            callback=self.parse_search,
            errback=self.on_search_error,
            dont_filter=True,
            headers={"Accept": "application/json", **self.auth_headers(key)},
            meta={"dont_obey_robotstxt": True},
        )

    def parse_search(self, response: Response) -> Iterator[DiscoveredListing]:
        data = _json(response)
        if (error := yelp_fusion.error_of(data, response.status)) is not None or not isinstance(
            data, dict
        ):
            self.crawler.stats.inc_value("quietwatch/discovery/errors")
            logger.warning("the Yelp phone search failed: %s", error[1] if error else "not JSON")
            return
        clinic = self.clinic()
        for candidate in yelp_fusion.search_candidates(data):
            if not candidate["url"] or self.is_configured(
                url=candidate["url"], site_id=candidate["id"], alias=candidate["alias"]
            ):
                continue
            reason = match_reason(candidate["facts"], clinic)
            if reason:
                yield DiscoveredListing(
                    site=self.site,
                    url=candidate["url"],
                    name=candidate["facts"].name,
                    match_reason=reason,
                    site_listing_id=candidate["id"],
                    found_by="Yelp Fusion phone search (GET /v3/businesses/search/phone)",
                )


class _GooglePlacesSpider(ApiSpider):
    key_name, key_env = "google", "GOOGLE_PLACES_API_KEY"

    def identifier(self, source: dict[str, Any]) -> str | None:
        if source.get("place_id"):
            return str(source["place_id"])
        m = re.search(r"place_id[:=]([A-Za-z0-9_-]+)", str(source.get("url") or ""))
        return m.group(1) if m else None


class PlacesV1Spider(_GooglePlacesSpider):
    """Place Details (New): ``GET /v1/places/{id}``, key and field mask in headers."""

    name = "google_places_v1"
    api = "places_v1"
    base_name = "google_places"
    default_base = "https://places.googleapis.com"
    label = "Google Places API (New)"

    def auth_headers(self, key: str) -> dict[str, str]:
        return {"X-Goog-Api-Key": key, "X-Goog-FieldMask": google_places.V1_FIELD_MASK}

    def start_requests_for(self, source: dict[str, Any]) -> Iterator[scrapy.Request]:
        url = f"{self.api_base()}/v1/places/{quote(self.identifier(source) or '', safe='')}"
        yield self.page_request(url, listing_url=str(source["url"]), page_number=1, source=source)

    def error_of(self, data: Any, response: Response) -> tuple[PageStatus, str] | None:
        return google_places.v1_error(data, response.status)

    def read(self, data: dict[str, Any], response: Response, page: ListingPage) -> ListingPage:
        page.facts, page.reviews = google_places.v1_place(data, now=self.crawled_at)
        return page


class PlacesLegacySpider(_GooglePlacesSpider):
    """Place Details (legacy) and, for discovery, Find Place by phone number."""

    name = "google_places_legacy"
    api = "places_legacy"
    base_name = "google_maps"
    default_base = "https://maps.googleapis.com"
    label = "Google Places API (legacy)"

    def start_requests_for(self, source: dict[str, Any]) -> Iterator[scrapy.Request]:
        query = {
            "place_id": self.identifier(source),
            "fields": google_places.LEGACY_FIELDS,
            "reviews_no_translations": "true",
            # The newest five, not five by relevance: a daily crawl keeps each new review.
            "reviews_sort": "newest",
            "key": self.api_key(),
        }
        url = f"{self.api_base()}/maps/api/place/details/json?{urlencode(query)}"
        yield self.page_request(url, listing_url=str(source["url"]), page_number=1, source=source)

    def error_of(self, data: Any, response: Response) -> tuple[PageStatus, str] | None:
        return google_places.legacy_error(data, response.status)

    def read(self, data: dict[str, Any], response: Response, page: ListingPage) -> ListingPage:
        page.facts, page.reviews = google_places.legacy_place(data, now=self.crawled_at)
        return page

    def discovery_requests(self, key: str) -> Iterator[scrapy.Request]:
        phone = normalize_phone(self.clinic().get("phone"))
        if not phone:
            return
        query = {
            "input": phone,
            "inputtype": "phonenumber",
            "fields": "place_id,name,formatted_address",
            "key": key,
        }
        url = f"{self.api_base()}/maps/api/place/findplacefromtext/json?{urlencode(query)}"
        yield scrapy.Request(
            url,
            callback=self.parse_search,
            errback=self.on_search_error,
            dont_filter=True,
            headers={"Accept": "application/json"},
            meta={"dont_obey_robotstxt": True},
        )

    def parse_search(self, response: Response) -> Iterator[DiscoveredListing]:
        data = _json(response)
        error = google_places.legacy_error(data, response.status)
        if isinstance(data, dict) and data.get("status") == "ZERO_RESULTS":
            return
        if error is not None or not isinstance(data, dict):
            self.crawler.stats.inc_value("quietwatch/discovery/errors")
            logger.warning("the Google phone search failed: %s", error[1] if error else "not JSON")
            return
        clinic = self.clinic()
        phone = normalize_phone(clinic.get("phone"))
        for candidate in google_places.legacy_candidates(data):
            url = google_places.place_url(candidate["place_id"])
            if self.is_configured(url=url, site_id=candidate["place_id"]):
                continue
            formatted = candidate.get("formatted_address") or ""
            postal = re.search(r"\b[A-Z]\d[A-Z]\s?\d[A-Z]\d\b", formatted)
            address = {
                "street_address": street_of(formatted),
                "postal_code": normalize_postal_code(postal.group(0)) if postal else None,
            }
            reasons = [f"Google's phone-number search returned it for {phone}"]
            if (same := match_reason(address, clinic)) is not None:
                reasons.append(same)
            yield DiscoveredListing(
                site=self.site,
                url=url,
                name=candidate.get("name"),
                match_reason=" and ".join(reasons),
                site_listing_id=candidate["place_id"],
                found_by="Google Places Find Place (legacy) by phone number",
            )


class BusinessProfileSpider(ApiSpider):
    """Every review of the clinic's own Google profile, with the owner's authorisation:
    ``reviews.list`` page by page (``pageToken``), newest update first, GET only through
    the client's gate (:mod:`crawlers.google_business`).

    Google documents that pages after the first may occasionally miss a review.  So a full
    sweep that ends with fewer distinct reviews than ``totalReviewCount`` reads again from
    page 1 once; still short, the listing is read only in part (no removal is decided on
    it) and says so.
    """

    name = "google_business_profile"
    api = "business_profile"
    # orderBy=updateTime desc: an incremental crawl stops at a page of known reviews (a new
    # reply or edit moves its review to the top).
    spec = replace(SITES["google"], lists_newest_first=True)
    base_name = "google_business"
    label = "Google Business Profile API"
    page_size = 50

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.client: google_business.Client | None = None
        self._seen: dict[str, set[str]] = {}  # listing -> review ids read in this sweep
        self._reread: set[str] = set()  # listings read again from page 1

    def identifier(self, source: dict[str, Any]) -> str | None:
        return str(source.get("location") or "") or None

    async def credential(self) -> str | None:
        token_file = self.settings.get("QUIETWATCH_GOOGLE_TOKEN_FILE")
        store = google_business.TokenStore(
            clinic_key=str(self.clinic().get("key") or ""),
            token_file=Path(token_file) if token_file else None,
        )
        bases = self.settings.getdict("QUIETWATCH_API_BASES") or {}
        try:
            info = store.load()
            if not info:
                return None
            self.client = google_business.Client(
                info,
                google_business.Bases.of(
                    bases.get(self.base_name), bases.get("google_oauth_token")
                ),
                on_refused=lambda method: self.crawler.stats.inc_value(
                    f"quietwatch/refused/google_business/{method}"
                ),
            )
        except google_business.UnsafeTokenFile as exc:
            raise Refusal(PageStatus.ERROR, str(exc)) from None
        except ValueError:  # not JSON, or not an authorisation google-auth can use
            raise Refusal(
                PageStatus.ERROR,
                f"the Google authorisation kept in {store.where} cannot be read; "
                "run quietwatch auth google",
            ) from None
        try:  # the token endpoint, off the reactor's thread
            await maybe_deferred_to_future(threads.deferToThread(self.client.refresh))
        except google_business.NotAuthorised:
            raise Refusal(PageStatus.ERROR, business_reviews.NOT_AUTHORISED) from None
        except google_business.Unreachable:
            raise Refusal(
                PageStatus.ERROR,
                "Google's sign-in service could not be reached to renew QuietWatch's "
                "authorisation; the next crawl tries again",
            ) from None
        return "authorised"

    def start_requests_for(self, source: dict[str, Any]) -> Iterator[Any]:
        url = str(source["url"])
        try:
            yield self.page_request(
                self._reviews_url(str(self.identifier(source)), None),
                listing_url=url,
                page_number=1,
                source=source,
            )
        except google_business.Refused as exc:
            yield self.problem_page(url, url, PageStatus.ERROR, 1, problem=str(exc))

    def page_request(
        self, url: str, *, listing_url: str, page_number: int, source: dict[str, Any], **kw: Any
    ) -> scrapy.Request:
        assert self.client is not None  # only asked once credential() made the client
        headers = self.client.authorise("GET", url)  # the gate: refused unless a GET of reviews
        return super().page_request(
            url,
            listing_url=listing_url,
            page_number=page_number,
            source=source,
            headers=headers,
            **kw,
        )

    def error_of(self, data: Any, response: Response) -> tuple[PageStatus, str] | None:
        return business_reviews.error_of(data, response.status)

    def read(self, data: dict[str, Any], response: Response, page: ListingPage) -> ListingPage:
        page.facts, page.reviews, token = business_reviews.reviews_page(data)
        listing = page.listing_url
        if page.page_number == 1 and listing not in self._reread:
            self._seen[listing] = set()
        seen = self._seen.setdefault(listing, set())
        seen.update(r.site_review_id for r in page.reviews if r.site_review_id)
        location = urlsplit(response.url).path.split("/v4/", 1)[-1].removesuffix("/reviews")
        if token:  # the page limit, like loops, is the base spider's to enforce
            page.next_url = self._reviews_url(location, token)
        else:
            self._reconcile(page, location, seen)
        return page

    def _reconcile(self, page: ListingPage, location: str, seen: set[str]) -> None:
        """The last page of a full sweep: every review Google counts must have been read."""
        total = page.facts.review_count if page.facts else None
        listing = page.listing_url
        if not self.is_full_sweep(listing) or total is None or len(seen) >= total:
            return
        if listing not in self._reread:
            self._reread.add(listing)
            logger.info(
                "%s: Google counts %d review(s), its pages gave %d: reading again from page 1",
                listing,
                total,
                len(seen),
            )
            page.next_url = self._reviews_url(location, None)
            self._visited.pop(listing, None)  # a deliberate second walk, not a loop
            return
        page.status = PageStatus.PARTIAL
        page.problem = (
            f"Google counts {total} review(s) but its pages gave {len(seen)}, even read again "
            "from page 1 (Google documents that pages after the first may miss reviews); "
            "no review was marked removed this time"
        )

    def _reviews_url(self, location: str, token: str | None) -> str:
        base = self.client.bases.reviews if self.client else ""
        query = {"pageSize": self.page_size, "orderBy": "updateTime desc"}
        if token:
            query["pageToken"] = token
        return f"{base}/v4/{location}/reviews?{urlencode(query)}"


class GraphSpider(ApiSpider):
    """The clinic's own Facebook Page: its facts, then its ratings page by page (cursors)."""

    name = "facebook_graph"
    api = "graph"
    key_name, key_env, base_name = "facebook", "FACEBOOK_PAGE_TOKEN", "facebook"
    default_base = "https://graph.facebook.com"
    label = "Facebook Graph API"
    ratings_limit = 25

    def identifier(self, source: dict[str, Any]) -> str | None:
        if source.get("page_id"):
            return str(source["page_id"])
        path = [p for p in urlsplit(str(source.get("url") or "")).path.split("/") if p]
        return path[0] if path and path[0] not in ("pages", "profile.php") else None

    def auth_headers(self, key: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {key}"}

    def start_requests_for(self, source: dict[str, Any]) -> Iterator[scrapy.Request]:
        page_id = quote(self.identifier(source) or "", safe="")
        url = f"{self.api_base()}/{facebook_graph.GRAPH_VERSION}/{page_id}?{urlencode({'fields': facebook_graph.PAGE_FIELDS})}"
        yield self.page_request(url, listing_url=str(source["url"]), page_number=1, source=source)

    def error_of(self, data: Any, response: Response) -> tuple[PageStatus, str] | None:
        return facebook_graph.error_of(data, response.status)

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        """A Page request refused for a retired field is asked again with the Page's own
        facts only: those the Graph API still gives (its ratings answer then says why the
        recommendations are not read)."""
        parts = urlsplit(response.url)
        fields = (parse_qs(parts.query).get("fields") or [""])[0]
        error = facebook_graph.error_of(_json(response), response.status)
        if (
            fields == facebook_graph.PAGE_FIELDS
            and error is not None
            and error[0] == PageStatus.UNAVAILABLE
        ):
            query = urlencode({"fields": facebook_graph.BASIC_PAGE_FIELDS})
            yield self.page_request(
                f"{self.api_base()}{parts.path}?{query}",
                listing_url=response.meta["listing_url"],
                page_number=response.meta["page_number"],
                source=response.meta["source"],
            )
            return
        yield from super().parse(response, **kwargs)

    def read(self, data: dict[str, Any], response: Response, page: ListingPage) -> ListingPage:
        path = urlsplit(response.url).path.rstrip("/")
        if path.endswith("/ratings"):
            page.reviews, after = facebook_graph.ratings_page(data)
            if after and page.reviews:
                page.next_url = self._ratings_url(path, after)
            return self.carry_facts(page)
        page.facts = self.keep_facts(page, facebook_graph.page_facts(data))
        if page.facts.review_count != 0:
            page.next_url = self._ratings_url(path + "/ratings", None)
        return page

    def _ratings_url(self, path: str, after: str | None) -> str:
        query = {"fields": facebook_graph.RATING_FIELDS, "limit": self.ratings_limit}
        if after:
            query["after"] = after
        return f"{self.api_base()}{path}?{urlencode(query)}"


def _json(response: Response) -> Any:
    try:
        return json.loads(response.text)
    except (ValueError, AttributeError):
        return None
