"""Yelp business pages (the 2016 server-rendered layout).

Facts and reviews come from the page's schema.org data first (a ``LocalBusiness`` in
microdata and, on some pages, a JSON-LD twin).  Where the structured data leaves a fact out,
it is read from the business's own map box (``.mapbox-text``): the address exactly as
shown ("113 S B St" / "San Mateo, CA 94401"), the phone, the website behind Yelp's
``/biz_redir`` link, the hours table and the categories.  Nothing comes from the "people
also viewed" or sponsored blocks.

Each review is a ``div.review[data-review-id]``: the id, the display name (never the
profile link), the stars, the date, the owner's comment (``.biz-owner-reply``) and Yelp's
"Updated review" marker, kept as an edit flag; the previous version's date is the original
date when the page shows it.
"""

import re
from urllib.parse import parse_qs, unquote, urlsplit

from lxml import etree

from crawlers.dates import parse_review_date
from crawlers.items import ListingFacts, ReviewItem
from crawlers.pages.base import first, text_of
from crawlers.pages.schema_org import StructuredPage
from crawlers.values import clean, number

_MAPBOX = etree.XPath("//div[contains(@class, 'mapbox-text')]")
_ADDRESS = etree.XPath(".//address")
_PHONE = etree.XPath(".//span[contains(@class, 'biz-phone')]")
_WEBSITE = etree.XPath(".//span[contains(@class, 'biz-website')]//a")
_CATEGORIES = etree.XPath("(//span[contains(@class, 'category-str-list')])[1]/a")
_HOURS = etree.XPath("(//table[contains(@class, 'hours-table')])[1]//tr")
_BIZ_ID = etree.XPath("//meta[@name='yelp-biz-id']/@content")
_REVIEWS = etree.XPath(
    "//div[contains(concat(' ', normalize-space(@class), ' '), ' review ')][@data-review-id]"
)
# The current version's content comes first; a previous version sits in .previous-review.
_CONTENT = etree.XPath("(.//div[contains(@class, 'review-content')])[1]")
_AUTHOR = etree.XPath(".//*[contains(@class, 'user-display-name')]")
_QUALIFIER = etree.XPath(".//span[contains(@class, 'rating-qualifier')]")
_STARS = etree.XPath(".//div[contains(@class, 'i-stars')]/@title")
_TEXT = etree.XPath("./p")
_PREVIOUS_DATES = etree.XPath(
    ".//div[contains(@class, 'previous-review')]//span[contains(@class, 'rating-qualifier')]"
)
_REPLY = etree.XPath("(.//div[contains(@class, 'biz-owner-reply')])[1]")
_REPLY_BODY = etree.XPath(
    ".//*[contains(@class, 'js-content-toggleable') or contains(@class, 'biz-owner-reply-content')]"
)
_REPLY_DATE = etree.XPath(
    ".//*[contains(@class, 'biz-owner-reply-header')]//*[contains(@class, 'bullet-before')]"
)
_CITY_LINE = re.compile(
    r"^(?P<city>.+?),\s*(?P<region>[A-Z]{2})\s+(?P<postal>[\dA-Z][\dA-Z -]{2,9})$"
)
_UPDATED = "updated review"


def _own_text(element: etree._Element | None) -> str | None:
    """The element's own text nodes (not its children's): a date beside its markers."""
    if element is None:
        return None
    return clean(" ".join(element.xpath("text()")))


class YelpBizPage(StructuredPage):
    site = "yelp"

    def facts(self) -> ListingFacts | None:
        facts = super().facts()
        if facts is None:
            return None
        mapbox = first(_MAPBOX(self.tree))
        if mapbox is not None:
            self._fill_address(facts, mapbox)
            facts.phone = facts.phone or text_of(first(_PHONE(mapbox)))
            facts.website = facts.website or self._website(mapbox)
        if not facts.categories:
            facts.categories = [c for c in (text_of(a) for a in _CATEGORIES(self.tree)) if c]
        if not facts.hours:
            for row in _HOURS(self.tree):
                day = text_of(first(row.xpath("th")))
                span = text_of(first(row.xpath("td[not(contains(@class, 'extra'))]")))
                if day and span:
                    facts.hours.append(f"{day} {span}")
        facts.site_listing_id = facts.site_listing_id or first(_BIZ_ID(self.tree))
        return facts

    def _fill_address(self, facts: ListingFacts, mapbox: etree._Element) -> None:
        """The address as the map box shows it, for the parts the structured data left out."""
        address = first(_ADDRESS(mapbox))
        if address is None:
            return
        lines = [clean(t) for t in address.xpath(".//text()")]
        lines = [line for line in lines if line]
        match = _CITY_LINE.match(lines[-1]) if lines else None
        if match is None:
            return
        facts.street_address = facts.street_address or ", ".join(lines[:-1]) or None
        facts.locality = facts.locality or match["city"]
        facts.region = facts.region or match["region"]
        facts.postal_code = facts.postal_code or match["postal"]

    def _website(self, mapbox: etree._Element) -> str | None:
        link = first(_WEBSITE(mapbox))
        if link is None:
            return None
        # Yelp wraps the website in /biz_redir?url=<the site>
        target = parse_qs(urlsplit(link.get("href", "")).query).get("url", [None])[0]
        if target:
            return unquote(target)
        shown = text_of(link)
        return f"http://{shown}" if shown else None

    def reviews(self) -> list[ReviewItem]:
        structured_reviews = super().reviews()
        twins = {
            (r.author, r.published_at.date() if r.published_at else None): r
            for r in structured_reviews
        }
        visible = [
            self._review(el, content, twins)
            for el in _REVIEWS(self.tree)
            if (content := first(_CONTENT(el))) is not None  # not the "write a review" box
        ]
        return visible or structured_reviews

    def _review(self, el: etree._Element, content: etree._Element, twins: dict) -> ReviewItem:
        review_id = el.get("data-review-id")
        qualifier = first(_QUALIFIER(content))
        raw_date = _own_text(qualifier)
        published_at, precision = parse_review_date(raw_date, now=self.crawled_at)
        author = text_of(first(_AUTHOR(el)))
        twin = twins.get((author, published_at.date() if published_at else None))
        text = clean(" ".join(p.text_content() for p in _TEXT(content)))
        previous = [_own_text(q) for q in _PREVIOUS_DATES(el)]
        original_raw = next((d for d in reversed(previous) if d), None)
        reply = first(_REPLY(el))
        response = response_date = None
        if reply is not None:
            response = text_of(first(_REPLY_BODY(reply)))
            response_date = text_of(first(_REPLY_DATE(reply)))
        return ReviewItem(
            site_review_id=review_id,
            author=author,
            rating=number(first(_STARS(content))),
            best_rating=5.0,
            published_raw=raw_date,
            published_at=published_at,
            published_precision=precision,
            text=twin.text if twin and twin.text else text,
            owner_response=response,
            owner_response_raw_date=response_date,
            owner_response_at=parse_review_date(response_date, now=self.crawled_at)[0],
            updated_on_site=_UPDATED in (text_of(qualifier) or "").lower(),
            original_published_raw=original_raw,
            original_published_at=parse_review_date(original_raw, now=self.crawled_at)[0],
            url=f"{self.listing_url}?hrid={review_id}",
        )
