"""The shared schema.org extraction on the three syntaxes (pages written in the shapes
schema.org's own examples use)."""

from crawlers.items import DatePrecision, PageStatus
from crawlers.pages.base import saved_response
from crawlers.pages.schema_org import StructuredPage
from tests.conftest import PINNED_NOW

RDFA = """<!doctype html><html><head><title>Harbourview Counselling Collective</title>
<meta property="og:title" content="Harbourview Counselling Collective"></head>
<body vocab="https://schema.org/">
<div typeof="ProfessionalService">
  <h1 property="name">Harbourview Counselling Collective</h1>
  <div property="address" typeof="PostalAddress">
    <span property="streetAddress">1200 West 8th Avenue, Suite 300</span>
    <span property="addressLocality">Vancouver</span>, <span property="addressRegion">BC</span>
    <span property="postalCode">V6H 1C6</span>
  </div>
  <span property="telephone">(604) 555-0142</span>
  <div property="aggregateRating" typeof="AggregateRating">
    <span property="ratingValue">4.5</span> from <span property="reviewCount">2</span> reviews
  </div>
  <div property="review" typeof="Review">
    <span property="author" typeof="Person"><span property="name">J. D.</span></span>
    <meta property="datePublished" content="2026-10-02">
    <div property="reviewRating" typeof="Rating"><meta property="ratingValue" content="5"></div>
    <p property="reviewBody">Kind and careful.</p>
  </div>
</div></body></html>"""


def _page(html: str):
    url = "https://directory.example/listing/1"
    return StructuredPage(
        saved_response(html.encode(), url), listing_url=url, page_number=1, crawled_at=PINNED_NOW
    ).to_item()


def test_rdfa_business_and_review() -> None:
    page = _page(RDFA)
    assert page.status == PageStatus.OK
    f = page.facts
    assert f.name == "Harbourview Counselling Collective"
    assert (f.locality, f.region, f.postal_code) == ("Vancouver", "BC", "V6H 1C6")
    assert f.rating == 4.5 and f.review_count == 2
    assert len(page.reviews) == 1
    review = page.reviews[0]
    assert review.rating == 5.0 and review.text == "Kind and careful."
    assert review.published_precision == DatePrecision.DAY


def test_open_graph_alone_is_not_a_listing() -> None:
    html = """<html><head><meta property="og:title" content="Some page"></head><body><p>Hello</p></body></html>"""
    page = _page(html)
    assert page.status == PageStatus.UNREADABLE and "schema.org" in page.problem


def test_newest_first_parameters_keep_what_the_url_says() -> None:
    from crawlers.spiders.base import add_params

    assert (
        add_params("https://www.yelp.com/biz/x", {"sort_by": "date_desc"})
        == "https://www.yelp.com/biz/x?sort_by=date_desc"
    )
    assert add_params(
        "https://www.yelp.com/biz/x?sort_by=rating_desc&hl=fr", {"sort_by": "date_desc"}
    ).endswith("sort_by=rating_desc&hl=fr")
    assert add_params("https://ratemds.example/d/1", {}) == "https://ratemds.example/d/1"
