"""Bot walls named by vendor whatever the HTTP status, JSON where a page was expected, and
parser failures in plain words: page objects and the spider's status, on pages written in
the walls' real structure (the DataDome and Cloudflare walls are the real captures)."""

import pytest

from crawlers.blocks import detect_block, detect_block_html
from crawlers.items import PageStatus
from crawlers.pages.base import NOT_A_PAGE, saved_response
from crawlers.pages.ratemds import RateMDsDoctorPage
from crawlers.pages.yelp import YelpBizPage
from crawlers.spiders.sites import SPIDERS
from tests.conftest import PINNED_NOW, shared_fixture

URL = "https://www.yelp.com/biz/harbour-counselling-vancouver"

PERIMETERX = """<html><head><title>Access to this page has been denied</title>
<script>window._pxAppId = 'PXu6b0qd2S';</script></head><body>
<div id="px-captcha-wrapper"><div id="px-captcha"></div></div>
<p>Press &amp; Hold to confirm you are a human (and not a bot).</p></body></html>"""
AKAMAI = """<HTML><HEAD><TITLE>Access Denied</TITLE></HEAD><BODY>
<H1>Access Denied</H1>You don't have permission to access "http&#58;&#47;&#47;www&#46;example&#46;com&#47;" on this server.<P>
Reference&#32;&#35;18&#46;6f3c1002&#46;1732870000&#46;2a1b3c4d
<P>https&#58;&#47;&#47;errors&#46;edgesuite&#46;net&#47;18&#46;6f3c1002</P></BODY></HTML>"""
RECAPTCHA = """<html><head><title>One more step</title>
<script src="https://www.google.com/recaptcha/api.js" async defer></script></head>
<body><form action="/verify" method="get"><div class="g-recaptcha" data-sitekey="x"></div>
</form></body></html>"""


def _response(body: bytes | str, status: int = 200, content_type: str = "text/html"):
    from scrapy.http import HtmlResponse, Request, TextResponse

    body = body.encode() if isinstance(body, str) else body
    cls = HtmlResponse if "html" in content_type else TextResponse
    meta = {"listing_url": URL, "page_number": 1, "source": {"url": URL}}
    return cls(
        url=URL,
        status=status,
        body=body,
        headers={"Content-Type": content_type},
        request=Request(URL, meta=meta),
    )


def _crawl_one(response) -> list:
    spider = SPIDERS["yelp"](crawled_at=PINNED_NOW, full_sweep=True)
    return list(spider.parse(response))


@pytest.mark.parametrize(
    ("html", "vendor"),
    [(PERIMETERX, "PerimeterX/HUMAN"), (AKAMAI, "Akamai"), (RECAPTCHA, "reCAPTCHA")],
)
@pytest.mark.parametrize("status", [200, 403, 405, 429, 503])
def test_walls_are_blocked_with_the_vendor_named_whatever_the_status(html, vendor, status):
    [page] = _crawl_one(_response(html, status))
    assert page.status == PageStatus.BLOCKED
    assert vendor in page.problem and page.http_status == status


@pytest.mark.shared
@pytest.mark.parametrize(
    ("relative", "vendor"),
    [
        ("yelp/yelp_blocked_datadome_captcha_2025.html", "DataDome"),
        ("yellowpages/yellowpages_blocked_cloudflare_2025.html", "Cloudflare"),
    ],
)
@pytest.mark.parametrize("status", [200, 403])
def test_real_datadome_and_cloudflare_walls(relative, vendor, status):
    [page] = _crawl_one(_response(shared_fixture(relative).read_bytes(), status))
    assert page.status == PageStatus.BLOCKED and f"blocked by {vendor}" in page.problem


def test_a_wall_named_by_its_header_on_a_short_page():
    response = _response("<html><body><p>Please wait</p></body></html>", 403)
    response.headers["X-DataDome"] = "protected"
    assert detect_block(response).vendor == "DataDome"
    # The same header on a real, long page is not a wall.
    long_page = "<html><body>" + "<p>A real listing page with text.</p>" * 400 + "</body></html>"
    assert detect_block_html(long_page, {"x-datadome": "protected"}) is None


@pytest.mark.shared
def test_a_profiles_recaptcha_contact_form_is_not_a_block():
    html = shared_fixture("psychologytoday/pt_profile_Allston_121657.html").read_text()
    assert "recaptcha" in html.lower() and detect_block_html(html) is None


def test_json_where_a_page_was_expected_is_said_in_plain_words():
    for content_type in ("application/json", "text/html"):
        [page] = _crawl_one(_response('{"error": "rate limited"}', 200, content_type))
        assert page.status == PageStatus.UNREADABLE and page.problem == NOT_A_PAGE


def test_a_parser_error_reaches_the_user_as_plain_words(caplog, monkeypatch):
    def broken(self):
        raise ValueError("Cannot use css on a Selector of type 'json'")

    monkeypatch.setattr(YelpBizPage, "reviews", broken)
    html = "<html><body><div itemscope itemtype='http://schema.org/LocalBusiness'>"
    html += "<span itemprop='name'>Harbour</span></div></body></html>"
    with caplog.at_level("DEBUG"):
        [page] = _crawl_one(_response(html))
    assert page.status == PageStatus.UNREADABLE
    assert "ValueError" not in page.problem and "Selector" not in page.problem
    shown = [r for r in caplog.records if r.levelname != "DEBUG"]
    assert all(r.exc_info is None and "Selector" not in r.getMessage() for r in shown)
    assert any(r.exc_info for r in caplog.records if r.levelname == "DEBUG")


# A Yelp 2016 review list in the page's own structure: an updated review shows
# "Updated review" beside its date and its previous version with the original date.
UPDATED = """<html><head><title>Harbour Counselling - Vancouver | Yelp</title></head><body>
<div itemscope itemtype="http://schema.org/LocalBusiness">
 <meta itemprop="name" content="Harbour Counselling">
 <div itemprop="aggregateRating" itemscope itemtype="http://schema.org/AggregateRating">
  <meta itemprop="ratingValue" content="4.0"><meta itemprop="reviewCount" content="2"></div>
</div>
<div class="mapbox-text"><ul><li><div class="map-box-address"><strong class="street-address">
 <address>1234 W Broadway<br>Suite 200<br>Vancouver, BC V6H 1G6</address></strong></div></li>
 <li><span class="biz-phone">(604) 555-0123</span></li></ul></div>
<ul class="reviews">
<li><div class="review review--with-sidebar" data-review-id="rev-updated">
 <div class="review-sidebar"><a class="user-display-name" href="/user_details?userid=x">A. B.</a></div>
 <div class="review-wrapper"><div class="review-content">
  <div class="biz-rating"><div class="i-stars i-stars--regular-4" title="4.0 star rating"></div>
   <span class="rating-qualifier">
     3/4/2016
     <small class="bullet-before">Updated review</small>
   </span></div>
  <p lang="en">Second visit went better.</p></div>
 <div class="previous-review clearfix"><div class="review-content">
  <div class="biz-rating"><div class="i-stars i-stars--regular-2" title="2.0 star rating"></div>
   <span class="rating-qualifier">11/20/2015</span></div>
  <p lang="en">First visit.</p></div></div></div></div></li>
<li><div class="review review--with-sidebar" data-review-id="rev-plain">
 <div class="review-sidebar"><a class="user-display-name" href="#">C. D.</a></div>
 <div class="review-wrapper"><div class="review-content">
  <div class="biz-rating"><div class="i-stars i-stars--regular-5" title="5.0 star rating"></div>
   <span class="rating-qualifier">2/1/2016</span></div>
  <p lang="en">Fine.</p></div></div></div></li>
</ul></body></html>"""


def test_yelp_updated_review_marker_and_original_date():
    page = YelpBizPage(
        saved_response(UPDATED.encode(), URL), listing_url=URL, page_number=1, crawled_at=PINNED_NOW
    ).to_item()
    updated, plain = page.reviews
    assert updated.updated_on_site and updated.published_raw == "3/4/2016" and updated.rating == 4.0
    assert updated.original_published_raw == "11/20/2015"
    assert updated.original_published_at.date().isoformat() == "2015-11-20"
    assert updated.text == "Second visit went better."  # not the previous version's text
    assert not plain.updated_on_site and plain.original_published_raw is None
    f = page.facts
    assert (f.street_address, f.locality, f.region, f.postal_code) == (
        "1234 W Broadway, Suite 200",
        "Vancouver",
        "BC",
        "V6H 1G6",
    )


def test_ratemds_page_that_states_reviews_but_shows_none_is_partial():
    html = """<html><body><div itemscope itemtype="http://schema.org/Physician">
    <h1 itemprop="name">Dr. Example</h1>
    <span itemprop="aggregateRating" itemscope itemtype="http://schema.org/AggregateRating">
    <meta itemprop="ratingValue" content="4.5"><span itemprop="ratingCount">12</span></span>
    </div></body></html>"""
    url = "https://www.ratemds.com/doctor-ratings/1/Dr-Example-Vancouver-BC.html"
    page = RateMDsDoctorPage(
        saved_response(html.encode(), url), listing_url=url, page_number=1, crawled_at=PINNED_NOW
    ).to_item()
    assert page.status == PageStatus.PARTIAL and "12 reviews" in page.problem
    assert page.facts.name == "Dr. Example" and page.facts.website is None


@pytest.mark.parametrize(
    ("marker", "vendor"),
    [
        ('<iframe src="https://geo.captcha-delivery.com/captcha/?x=1"></iframe>', "DataDome"),
        ("<iframe title='DataDome CAPTCHA'></iframe>", "DataDome"),
        ("<script>var dd={'rt':'c','cid':'x'}</script>", "DataDome"),
        ('<div id="px-captcha"></div>', "PerimeterX/HUMAN"),
        ("<script>window._pxAppId='PX1';</script>", "PerimeterX/HUMAN"),
        ('<script src="https://captcha.px-cdn.net/PX1/captcha.js"></script>', "PerimeterX/HUMAN"),
        (
            '<script src="https://client.perimeterx.net/PX1/main.min.js"></script>',
            "PerimeterX/HUMAN",
        ),
        ('<div id="cf-error-details"></div>', "Cloudflare"),
        ('<div class="cf-browser-verification"></div>', "Cloudflare"),
        ('<form id="challenge-form" action="/x"></form>', "Cloudflare"),
        ("<script>window._cf_chl_opt={cvId:'3'}</script>", "Cloudflare"),
        ("<title>Attention Required! | Cloudflare</title>", "Cloudflare"),
        ("<title>Just a moment...</title>", "Cloudflare"),
        ('<a href="https://errors.edgesuite.net/18.1">x</a>', "Akamai"),
        ('<script src="/_sec/cp_challenge/ak-challenge-4-3.js"></script>', "Akamai"),
        ('<div id="sec-if-cpt-container"></div>', "Akamai"),
        ('<div class="h-captcha" data-sitekey="x"></div>', "hCaptcha"),
        ('<script src="https://hcaptcha.com/1/api.js"></script>', "hCaptcha"),
        ('<div class="g-recaptcha"></div>', "reCAPTCHA"),
        ('<script src="https://www.google.com/recaptcha/api.js"></script>', "reCAPTCHA"),
        ('<form action="https://consent.google.com/save" method="get"></form>', "a consent wall"),
        ('<form action="https://consent.yahoo.com/v2/collectConsent"></form>', "a consent wall"),
    ],
)
def test_every_wall_marker_is_found_past_the_quick_word_check(marker, vendor):
    """Each alternative of each wall's markup pattern, on a short page: the words looked for
    before the pattern runs (so ordinary pages cost a few substring scans) never hide one."""
    page = f"<html><head></head><body><p>One moment.</p>{marker}</body></html>"
    block = detect_block_html(page)
    assert block is not None and block.vendor == vendor
