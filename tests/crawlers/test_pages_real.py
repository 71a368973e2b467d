"""Page objects on the real captured pages in ../shared/fixtures (skipped when absent).

Values asserted here were read off the saved pages by hand; no reviewer name or text is
repeated here beyond what identifies the review (its id, rating and date).
"""

from datetime import UTC, datetime

import pytest

from crawlers.blocks import detect_block_html
from crawlers.items import DatePrecision, PageStatus
from crawlers.pages.base import saved_response
from crawlers.pages.psychologytoday import PsychologyTodayProfilePage
from crawlers.pages.ratemds import RateMDsDoctorPage
from crawlers.pages.schema_org import StructuredPage
from crawlers.pages.yelp import YelpBizPage
from tests.conftest import PINNED_NOW, shared_fixture

pytestmark = pytest.mark.shared


def _page(cls, relative: str, url: str):
    response = saved_response(shared_fixture(relative).read_bytes(), url)
    return cls(response, listing_url=url, page_number=1, crawled_at=PINNED_NOW).to_item()


YELP = "yelp/yelp_biz_philz-coffee-san-mateo_2016.html"
YELP_URL = "https://www.yelp.com/biz/philz-coffee-san-mateo"


def test_yelp_business_page_facts() -> None:
    page = _page(YelpBizPage, YELP, YELP_URL)
    assert page.status == PageStatus.OK
    f = page.facts
    assert f.name == "Philz Coffee"
    assert (f.street_address, f.locality, f.region, f.postal_code) == (
        "113 S B St",
        "San Mateo",
        "CA",
        "94401",
    )
    assert f.phone == "+16509311770"  # as the business's microdata states it
    assert f.website == "http://philzcoffee.com"  # unwrapped from Yelp's /biz_redir link
    assert f.review_count == 393 and f.rating == pytest.approx(4.34, abs=0.2)
    assert f.categories == ["Coffee & Tea"]
    assert f.hours[0] == "Mon 6:00 am - 8:00 pm" and len(f.hours) == 7
    assert f.site_listing_id == "yWmRZMJ3w9M1ua5rli9fKw"


def test_yelp_business_page_reviews_and_pagination() -> None:
    page = _page(YelpBizPage, YELP, YELP_URL)
    assert len(page.reviews) == 20
    first = page.reviews[0]
    assert first.site_review_id == "Em6JJNbQ_AyyqD4PEFUJPw"
    assert first.rating == 5.0
    assert first.published_raw == "11/23/2016"
    assert first.published_at == datetime(2016, 11, 23, tzinfo=UTC)
    assert first.published_precision == DatePrecision.DAY
    assert first.text and "\n" in first.text  # JSON-LD twin keeps the paragraphs
    assert len({r.site_review_id for r in page.reviews}) == 20
    assert all(r.author and r.text and r.rating for r in page.reviews)
    assert page.next_url.endswith("start=20")


def test_yelp_block_page_is_recognised() -> None:
    html = shared_fixture("yelp/yelp_blocked_503_rosinas_2016.html").read_text(encoding="latin-1")
    block = detect_block_html(html)
    assert block is not None and "its own block page" in block.reason
    # Parsed as a listing it would read as "nothing here": the block check comes first.
    url = "https://www.yelp.com/biz/x"
    page = StructuredPage(
        saved_response(html.encode("latin-1"), url),
        listing_url=url,
        page_number=1,
        crawled_at=PINNED_NOW,
    ).to_item()
    assert page.status == PageStatus.UNREADABLE and not page.reviews


@pytest.mark.parametrize(
    ("relative", "name", "rating", "count", "first_id", "first_date", "responses", "phone"),
    [
        (
            "ratemds/ratemds_psychologist_Dr-Thomas-M-Brunner-Tucson-AZ.html",
            "Dr. Thomas M. Brunner",
            3.92,
            29,
            "3840248",
            datetime(2018, 5, 10, tzinfo=UTC),
            8,
            "(520) 314-4772",
        ),
        (
            "ratemds/ratemds_endocrinologist_Dr-Kenneth-W-Ordene-Freehold-NJ.html",
            "Dr. Kenneth W. Ordene",
            3.27,
            38,
            "3865180",
            datetime(2018, 6, 5, tzinfo=UTC),
            1,
            None,
        ),
    ],
)
def test_ratemds_doctor_pages(
    relative, name, rating, count, first_id, first_date, responses, phone
) -> None:
    page = _page(RateMDsDoctorPage, relative, "https://www.ratemds.com/doctor-ratings/1/x.html")
    f = page.facts
    assert (f.name, f.rating, f.review_count, f.phone) == (name, rating, count, phone)
    assert len(page.reviews) == 10
    assert page.reviews[0].site_review_id == first_id
    assert page.reviews[0].published_at.date() == first_date.date()
    assert page.reviews[0].published_precision == DatePrecision.SECOND  # ISO timestamp on the page
    assert all(r.author == "Anonymous" for r in page.reviews)
    assert sum(1 for r in page.reviews if r.owner_response) == responses
    assert page.next_url.endswith("?page=2")


def test_ratemds_address_and_website() -> None:
    page = _page(
        RateMDsDoctorPage,
        "ratemds/ratemds_psychologist_Dr-Thomas-M-Brunner-Tucson-AZ.html",
        "https://www.ratemds.com/x",
    )
    f = page.facts
    assert (f.street_address, f.locality, f.postal_code) == (
        "6614 E Carondelet Dr",
        "Tucson",
        "85710",
    )
    assert f.site_listing_id == "871226" and f.categories == ["Psychologist"]
    assert f.region == "Arizona"  # the breadcrumb's words, not RateMDs' region number


def test_psychology_today_profile_has_facts_and_no_reviews() -> None:
    page = _page(
        PsychologyTodayProfilePage,
        "psychologytoday/pt_profile_Allston_121657.html",
        "https://www.psychologytoday.com/us/therapists/121657",
    )
    assert page.status == PageStatus.OK and page.reviews == [] and page.next_url is None
    f = page.facts
    assert f.name == "Kevin Ketchum"
    assert f.phone == "(617) 299-7245"
    assert (f.locality, f.region, f.postal_code) == ("Brookline", "Massachusetts", "02446")
    assert "Anxiety" in f.categories and f.site_listing_id == "121657"
    # The profile's contact form is guarded by reCAPTCHA; that does not make it a block page.
    assert (
        detect_block_html(
            shared_fixture("psychologytoday/pt_profile_Allston_121657.html").read_text()
        )
        is None
    )


def test_every_real_listing_page_is_not_taken_for_a_block() -> None:
    for relative in (YELP, "ratemds/ratemds_psychologist_Dr-Thomas-M-Brunner-Tucson-AZ.html"):
        assert detect_block_html(shared_fixture(relative).read_text(errors="replace")) is None
