"""Yelp business pages.

Facts and reviews come from the page's schema.org data first (Yelp embeds a LocalBusiness
as microdata and, on newer pages, a JSON-LD twin).  The structured data carries no review
id and no owner comment, so those come from the visible review list: each review element
carries ``data-review-id``; the business owner's comment sits in ``.biz-owner-reply``.
The reviewer's profile link is never read: only the display name as shown.
"""

from urllib.parse import parse_qs, unquote, urlsplit

from crawlers import structured
from crawlers.dates import parse_review_date
from crawlers.items import ListingFacts, ReviewItem
from crawlers.pages.schema_org import StructuredPage


def _text(parts: list[str]) -> str | None:
    text = " ".join(" ".join(parts).split())
    return text or None


class YelpBizPage(StructuredPage):
    site = "yelp"

    def facts(self) -> ListingFacts | None:
        facts = super().facts()
        if facts is None:
            return None
        sel = self.selector
        if not facts.categories:
            facts.categories = [
                c.strip() for c in sel.css(".category-str-list a::text").getall() if c.strip()
            ]
        if not facts.website:
            href = sel.css(".biz-website a::attr(href)").get()
            if href:
                # Yelp wraps the website in /biz_redir?url=<the site>
                target = parse_qs(urlsplit(href).query).get("url", [None])[0]
                facts.website = unquote(target) if target else None
            if not facts.website:
                shown = sel.css(".biz-website a::text").get()
                facts.website = f"http://{shown.strip()}" if shown and shown.strip() else None
        if not facts.hours:
            for row in sel.css("table.hours-table tr"):
                day = _text(row.css("th::text").getall())
                span = _text(row.css("td:not(.extra) ::text").getall())
                if day and span:
                    facts.hours.append(f"{day} {span}")
        biz_id = (
            sel.css("[data-biz-id]::attr(data-biz-id)").get()
            or sel.css('meta[name="yelp-biz-id"]::attr(content)').get()
        )
        facts.site_listing_id = facts.site_listing_id or biz_id
        return facts

    def reviews(self) -> list[ReviewItem]:
        structured_reviews = super().reviews()
        by_key = {
            (r.author, r.published_at.date() if r.published_at else None): r
            for r in structured_reviews
        }
        visible = []
        for el in self.selector.css("div.review[data-review-id]"):
            if not el.css(".review-content"):
                continue  # the "write a review" placeholder shares the class
            author = _text(el.css(".user-display-name ::text").getall())
            raw_date = _text(el.css(".review-content .rating-qualifier::text").getall())
            published_at, precision = parse_review_date(raw_date, now=self.crawled_at)
            title = el.css(".i-stars::attr(title), .i-stars img::attr(alt)").get()
            rating = structured.number(title)
            text = _text(el.css(".review-content p ::text").getall())
            twin = by_key.get((author, published_at.date() if published_at else None))
            reply = el.css(".biz-owner-reply")
            owner_response = (
                _text(
                    reply.css(
                        ".js-content-toggleable ::text, .biz-owner-reply-content ::text"
                    ).getall()
                )
                if reply
                else None
            )
            if reply and owner_response is None:
                owner_response = _text(
                    reply.css(":scope > :not(.biz-owner-reply-header) ::text").getall()
                )
            visible.append(
                ReviewItem(
                    site_review_id=el.attrib.get("data-review-id"),
                    author=author,
                    rating=rating if rating is not None else (twin.rating if twin else None),
                    published_raw=raw_date or (twin.published_raw if twin else None),
                    published_at=published_at or (twin.published_at if twin else None),
                    published_precision=precision or (twin.published_precision if twin else None),
                    text=(twin.text if twin and twin.text else text),
                    owner_response=owner_response,
                    url=f"{self.listing_url}?hrid={el.attrib.get('data-review-id')}",
                )
            )
        return visible or structured_reviews
