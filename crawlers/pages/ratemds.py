"""RateMDs doctor pages.

The page is a schema.org ``Physician`` in microdata (aggregate rating, address and phone on
its ``containedInPlace`` clinic) with each review as a microdata ``Review`` inside
``div.rating#rating-<id>``: the id is RateMDs' own review id.  A doctor's answer to a review
(``.rating-comment-response-body``) is an owner response.  Ten reviews a page;
``rel="next"`` leads to ``?page=2``.
"""

from crawlers import structured
from crawlers.dates import parse_review_date
from crawlers.items import ListingFacts, ReviewItem
from crawlers.pages.schema_org import StructuredPage


def _text(parts: list[str]) -> str | None:
    text = " ".join(" ".join(parts).split())
    return text or None


class RateMDsDoctorPage(StructuredPage):
    site = "ratemds"

    def facts(self) -> ListingFacts | None:
        facts = super().facts()
        if facts is None:
            return None
        if not facts.categories:
            shown = self.selector.css(
                ".search-item-specialty a::text, .search-item-specialty::text"
            ).getall()
            facts.categories = list(dict.fromkeys(c.strip() for c in shown if c.strip()))
        if facts.site_listing_id is None and self.business:
            url = structured.first_text(self.business.get("url")) or self.listing_url
            parts = [p for p in url.split("/") if p.isdigit()]
            facts.site_listing_id = parts[0] if parts else None
        return facts

    def reviews(self) -> list[ReviewItem]:
        items = []
        for el in self.selector.css('div.rating[id^="rating-"]'):
            review_id = el.attrib["id"].removeprefix("rating-")
            author = el.css('[itemprop="author"] meta[itemprop="name"]::attr(content)').get()
            rating = structured.number(
                el.css(
                    '[itemprop="reviewRating"] meta[itemprop="ratingValue"]::attr(content)'
                ).get()
            )
            raw_date = el.css('meta[itemprop~="datePublished"]::attr(content)').get()
            published_at, precision = parse_review_date(raw_date, now=self.crawled_at)
            text = _text(el.css('[itemprop="reviewBody"] ::text').getall())
            # The doctor's response follows the review, inside the same rating block or in
            # the rating-comment-child beside its body.
            response = _text(el.css(".rating-comment-response-body ::text").getall())
            items.append(
                ReviewItem(
                    site_review_id=review_id,
                    author=author,
                    rating=rating,
                    best_rating=5.0,
                    published_raw=raw_date,
                    published_at=published_at,
                    published_precision=precision,
                    text=text,
                    owner_response=response,
                    url=f"{self.listing_url}#ratings/rating-{review_id}",
                )
            )
        return items or super().reviews()
