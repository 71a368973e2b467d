"""Psychology Today therapist profiles.

A profile is a schema.org ``Person`` in microdata with a phone and a ``workLocation`` Place
per office.  The directory carries no reviews at all, so a profile is read for its listing
facts only; its "Specialties" list stands for the categories, the profile title (e.g.
"Counselor, MS") is kept as a category too.  No reviews is the normal state here, not a
problem.
"""

from crawlers.items import ListingFacts, ReviewItem
from crawlers.pages.schema_org import StructuredPage


class PsychologyTodayProfilePage(StructuredPage):
    site = "psychologytoday"

    def facts(self) -> ListingFacts | None:
        facts = super().facts()
        if facts is None:
            return None
        sel = self.selector
        title = " ".join(" ".join(sel.css(".profile-title ::text").getall()).split()).replace(
            " ,", ","
        )
        specialties = [
            s.strip() for s in sel.css(".specialties-list li::text").getall() if s.strip()
        ]
        facts.categories = list(dict.fromkeys(([title] if title else []) + specialties))
        canonical = sel.css('link[rel="canonical"]::attr(href)').get() or self.listing_url
        tail = canonical.rstrip("/").rsplit("_", 1)[-1].rsplit("/", 1)[-1]
        facts.site_listing_id = tail if tail.isdigit() else None
        return facts

    def reviews(self) -> list[ReviewItem]:
        return []  # the directory has no reviews

    def next_url(self) -> str | None:
        return None
