"""Psychology Today therapist profiles.

The listing's own block is ``#profileContainer``: a schema.org ``Person`` (or, for a group
practice, ``Organization``) in microdata, with a ``telephone`` and one ``workLocation`` /
``location`` Place per office.  The page repeats its header and offices for phone and
desktop layouts; each fact is read once.  Read from that block only, never from the
"Network" of other therapists (``knows``) or the "nearby areas" lists:

- the name and the profile title ("Counselor, MA, LMHC"), the title as the first category,
  then the "Specialties" list;
- every office in the order shown ("address-rank-1" first): the street line as shown with
  the line under it kept ("Suite 802C"), the state as text;
- the website: the profile's "Homepage:" link.  The "Website" button goes through Psychology
  Today's own redirect and is not the therapist's address, so a profile without a Homepage
  line states no website.

The directory carries no reviews at all: no reviews is the normal state, not a problem.
"""

from lxml import etree

from crawlers.items import Address, ListingFacts, ReviewItem
from crawlers.pages.base import first, text_of
from crawlers.pages.schema_org import StructuredPage
from crawlers.values import clean

_PROFILE = "//*[@id='profileContainer']"
_NAME = etree.XPath(f"({_PROFILE}//*[@itemprop='name'][not(ancestor::*[@itemprop='knows'])])[1]")
_TITLE = etree.XPath(f"({_PROFILE}//*[contains(@class, 'profile-title')]/h2)[1]")
_PHONE = etree.XPath(f"({_PROFILE}//*[@itemprop='telephone'])[1]")
_OFFICES = etree.XPath(
    f"{_PROFILE}//*[@itemprop='workLocation' or @itemprop='location']"
    "[contains(@class, 'address-rank-')][not(ancestor::*[@itemprop='knows'])]"
)
_STREET = etree.XPath(".//*[@itemprop='streetAddress']")
_PART = etree.XPath(".//*[@itemprop=$prop]")
_SPECIALTIES = etree.XPath(
    "(//*[contains(@class, 'specialties-list')])[1]//li[not(ancestor::*[@itemprop='knows'])]"
)
_HOMEPAGE = etree.XPath(
    "//li[contains(normalize-space(text()), 'Homepage:')]/a[starts-with(@href, 'http')]/@href"
)
_PROFILE_ID = etree.XPath(f"{_PROFILE}/@data-profid")


class PsychologyTodayProfilePage(StructuredPage):
    site = "psychologytoday"

    def facts(self) -> ListingFacts | None:
        name = text_of(first(_NAME(self.tree)))
        if name is None:
            return None
        title = text_of(first(_TITLE(self.tree)))
        title = title.replace(" ,", ",") if title else None
        specialties = [s for s in (text_of(li) for li in _SPECIALTIES(self.tree)) if s]
        offices = self.offices()
        main = offices[0] if offices else Address()
        homepage = _HOMEPAGE(self.tree)
        ids = _PROFILE_ID(self.tree)
        return ListingFacts(
            name=name,
            street_address=main.street_address,
            locality=main.locality,
            region=main.region,
            postal_code=main.postal_code,
            phone=text_of(first(_PHONE(self.tree))),
            website=homepage[0].strip() if homepage else None,
            categories=list(dict.fromkeys(([title] if title else []) + specialties)),
            site_listing_id=ids[0].strip() if ids and ids[0].strip().isdigit() else None,
            additional_addresses=offices[1:],
        )

    def offices(self) -> list[Address]:
        """Each office once (the page shows them twice), rank 1 first."""
        by_rank: dict[str, Address] = {}
        for place in _OFFICES(self.tree):
            rank = next(c for c in place.get("class").split() if c.startswith("address-rank-"))
            if rank not in by_rank:
                by_rank[rank] = Address(
                    street_address=_street(place),
                    locality=text_of(first(_PART(place, prop="addressLocality"))),
                    region=text_of(first(_PART(place, prop="addressRegion"))),
                    postal_code=text_of(first(_PART(place, prop="postalcode")))
                    or text_of(first(_PART(place, prop="postalCode"))),
                )
        return [by_rank[k] for k in sorted(by_rank, key=lambda r: int(r.rsplit("-", 1)[1]))]

    def reviews(self) -> list[ReviewItem]:
        return []  # the directory has no reviews

    def next_url(self) -> str | None:
        return None


def _street(place: etree._Element) -> str | None:
    """The street line and the lines under it up to the city ("581 Boylston Street, Suite
    802C"), as the profile shows them."""
    street = first(_STREET(place))
    if street is None:
        return None
    lines = [text_of(street), clean(street.tail)]
    node = street
    while (node := node.getnext()) is not None and node.get("itemprop") != "addressLocality":
        lines.append(clean(node.tail))
    return ", ".join(dict.fromkeys(line for line in lines if line)) or None
