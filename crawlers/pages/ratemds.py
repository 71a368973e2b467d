"""RateMDs doctor pages.

The listing's own entity is the page's top-level schema.org ``Physician`` (microdata): its
name, own address, telephone, ``sameAs`` website link and aggregate rating.  Nothing is read
from the "You may also like" similar-doctor advert, the clinic's page or the sidebar.  What
the microdata does not say in words comes from the doctor's own block:

- the province or state as the breadcrumb names it ("British Columbia"): the microdata's
  ``addressRegion`` is RateMDs' internal region number ("21") and is never shown;
- the specialty: the first line of the doctor's info panel ("Psychologist");
- no ``sameAs`` link means the doctor has no website on RateMDs (the page's own ``url`` is
  never a website);
- a doctor nobody has rated carries no ``AggregateRating``: the page says "No reviews yet
  posted for this doctor", which is a count of 0 (the rating stays empty).

Each review is a microdata ``Review`` in ``div.rating#rating-<id>`` (RateMDs' own id); a
doctor's answer sits in the same block (``.rating-comment-child``) with its own
"Submitted <date>".  Ten reviews a page, ``rel="next"`` to ``?page=2``.

A review's rating is the mean of its four scores, which its stars state exactly
(``title="4.75"``); the review's microdata rounds it to one decimal (``4.8``), so the
microdata is read only where the stars carry no number.
"""

from lxml import etree

from crawlers.dates import parse_review_date
from crawlers.items import ListingFacts, ReviewItem
from crawlers.pages.base import first, text_of
from crawlers.pages.schema_org import StructuredPage
from crawlers.values import first_text, number

_BREADCRUMB = etree.XPath(
    "//ol[contains(@class, 'breadcrumb')]/li[@itemscope]//*[@itemprop='title']"
)
_SPECIALTY = etree.XPath(
    "(//*[@id='info-panel']//div[contains(@class, 'search-item-info')])[1]/a[1]"
)
_REVIEWS = etree.XPath(
    "//div[contains(concat(' ', normalize-space(@class), ' '), ' rating ')]"
    "[@itemprop='review'][starts-with(@id, 'rating-')]"
)
_AUTHOR = etree.XPath(".//*[@itemprop='author']/meta[@itemprop='name']/@content")
_RATING = etree.XPath(".//*[@itemprop='reviewRating']/meta[@itemprop='ratingValue']/@content")
_STARS = etree.XPath(
    ".//*[@itemprop='reviewRating']//*[contains(concat(' ', normalize-space(@class), ' '),"
    " ' star-rating ')]/@title"
)
_NO_REVIEWS = etree.XPath(
    "//*[@id='left-content']//div[contains(@class, 'alert')]"
    "[contains(normalize-space(.), 'No reviews yet posted')]"
)
_DATE = etree.XPath(
    ".//meta[contains(concat(' ', normalize-space(@itemprop), ' '), ' datePublished ')]/@content"
)
_BODY = etree.XPath(".//*[@itemprop='reviewBody']")
_RESPONSE = etree.XPath(".//*[contains(@class, 'rating-comment-response-body')]")
_RESPONSE_DATE = etree.XPath(
    ".//*[contains(@class, 'rating-comment-child')]"
    "/*[contains(@class, 'rating-comment-created')]/span[last()]"
)


def _review_rating(review: etree._Element) -> float | None:
    """The review's stars (exact) or, where they carry no number, its rounded microdata."""
    stars = number(first(_STARS(review)))
    return stars if stars else number(first(_RATING(review)))


class RateMDsDoctorPage(StructuredPage):
    site = "ratemds"

    def facts(self) -> ListingFacts | None:
        facts = super().facts()
        if facts is None:
            return None
        crumbs = [text_of(c) for c in _BREADCRUMB(self.tree)]
        # Doctors > Province > City > Specialty: the second crumb names the province/state.
        facts.region = crumbs[1] if len(crumbs) >= 3 else None
        specialty = [text_of(a) for a in _SPECIALTY(self.tree)]
        facts.categories = [s for s in specialty if s]
        # The doctor's website is the "Visit Website" link (sameAs) or nothing; the entity's
        # ``url`` is its RateMDs page.
        facts.website = first_text((self.business or {}).get("sameAs"))
        own = first_text((self.business or {}).get("url")) or self.listing_url
        ids = [part for part in own.split("/") if part.isdigit()]
        facts.site_listing_id = ids[0] if ids else None
        if facts.review_count is None and _NO_REVIEWS(self.tree):
            facts.review_count = 0
        return facts

    def reviews(self) -> list[ReviewItem]:
        items = []
        for el in _REVIEWS(self.tree):
            review_id = el.get("id").removeprefix("rating-")
            raw_date = first(_DATE(el))
            published_at, precision = parse_review_date(raw_date, now=self.crawled_at)
            response = text_of(first(_RESPONSE(el)))
            response_date = text_of(first(_RESPONSE_DATE(el))) if response else None
            items.append(
                ReviewItem(
                    site_review_id=review_id,
                    author=first(_AUTHOR(el)),
                    rating=_review_rating(el),
                    best_rating=5.0,
                    published_raw=raw_date,
                    published_at=published_at,
                    published_precision=precision,
                    text=text_of(first(_BODY(el))),
                    owner_response=response,
                    owner_response_raw_date=response_date,
                    owner_response_at=parse_review_date(response_date, now=self.crawled_at)[0],
                    url=f"{self.listing_url}#ratings/rating-{review_id}",
                )
            )
        return items
