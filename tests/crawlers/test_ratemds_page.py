"""RateMDs doctor pages written for these tests in the real pages' shape (the doctor's
schema.org ``Physician`` block, the info panel, the breadcrumb, the ratings list and one
review block per rating, copied by structure from saved RateMDs pages; React's
``data-reactid`` attributes left out), with invented doctors, clinics and reviews."""

from crawlers.items import PageStatus
from crawlers.pages.base import saved_response
from crawlers.pages.ratemds import RateMDsDoctorPage
from tests.conftest import PINNED_NOW

URL = "https://www.ratemds.com/doctor-ratings/dr-ada-example-vancouver-bc-ca"
SCORES = (
    ("fa-user", "Staff"),
    ("fa-clock-o", "Punctuality"),
    ("fa-question-circle", "Helpfulness"),
    ("fa-lightbulb-o", "Knowledge"),
)

# The doctor's aggregate rating in the info panel, as a rated doctor's page carries it.
RATED = """<div class="search-item-info"><span><span class="star-rating" title="{title}">
<span class="stars"><span class="star selected"></span><span class="star selected"></span>
<span class="star selected"></span><span class="star selected"></span><span class="star"></span>
</span></span><div class="star-rating-count"><span itemprop="aggregateRating" itemscope
itemtype="http://schema.org/AggregateRating"><meta itemprop="worstRating" content="1">
<meta itemprop="bestRating" content="5"><meta itemprop="ratingValue" content="{title}">
<span itemprop="ratingCount">{count}</span></span><span> reviews</span></div></span></div>"""

# ...and as a doctor nobody has rated yet: empty stars, no AggregateRating.
UNRATED = """<div class="search-item-info"><span><span class="star-rating star-rating-empty"
title="0"><span class="stars"><span class="star"></span><span class="star"></span>
<span class="star"></span><span class="star"></span><span class="star"></span></span></span>
</span></div>"""

NO_REVIEWS = """<div class="alert alert-default"><span>No reviews yet posted for this doctor.
Be the first to review </span><span>Dr. Ada Example</span><span>!</span></div>"""


def _review(review_id: str, scores: tuple[int, ...], microdata: str, stars: str) -> str:
    numbers = "".join(
        f'<div class="col-xs-3 rating-number"><i class="icon fa {icon}"></i><span> </span>'
        f'<span class="value">{value}</span><div class="type">{name}</div></div>'
        for (icon, name), value in zip(SCORES, scores, strict=True)
    )
    return f"""<span><span></span><div class="rating" itemprop="review" itemscope
itemtype="http://schema.org/Review" id="rating-{review_id}"><span itemprop="author" itemscope
itemtype="http://schema.org/Person"><meta itemprop="name" content="Anonymous"></span>
<meta itemprop="itemReviewed" content="/doctor-ratings/dr-ada-example-vancouver-bc-ca">
<div class="row rating-numbers-compact"><div class="col-sm-7"><span><div class="row">{numbers}
</div></span></div><div class="col-sm-5 rating-average hidden-xs" itemprop="reviewRating"
itemscope itemtype="http://schema.org/Rating"><meta itemprop="ratingValue" content="{microdata}">
<span><span class="star-rating" title="{stars}"><span class="stars"><span class="star selected">
</span></span></span></span></div></div><div class="rating-comment"><p itemprop="reviewBody"
class="rating-comment-body"><span>Kind and on time.</span></p>
<meta itemprop="dateCreated datePublished" content="2018-03-02T17:20:05.120Z">
<p class="rating-comment-votes pull-left"><span>Was this rating useful? </span><span>0</span>
<a href="#" class="rating-vote"><span> </span><i class="fa fa-thumbs-o-up"></i></a></p>
<p class="rating-comment-created pull-right"><span><a href="#">flag</a><span> | </span></span>
<a href="#ratings/rating-{review_id}" class="link-plain"><span>Submitted </span>
<span>March 2, 2018</span></a></p></div></div></span>"""


def _ratings(*reviews: str) -> str:
    return (
        "<span><span><h3><span>Ratings for </span><span>Dr. Ada Example</span></h3>"
        f'<span class="ratings">{"".join(reviews)}</span></span></span>'
        '<nav><ul class="pagination pagination-sm"><li class="disabled"></li></ul></nav>'
    )


def _page(aggregate: str, ratings: str):
    html = f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Dr. Ada Example - Vancouver, BC - Psychologist Reviews &amp; Ratings - RateMDs</title>
<link id="canonical" rel="canonical" href="{URL}"></head>
<body class="doctor-detail search-detail"><div itemscope itemtype="http://schema.org/Physician">
<div class="doctor-banner map-banner"><link itemprop="url" href="{URL}">
<div id="info-panel"><span><div class="doctor-banner-panel"><div class="container doctor-profile">
<div class="row"><div class="col-sm-6"><h1 itemprop="name">Dr. Ada Example</h1>
<div class="search-item-info"><a href="/best-doctors/bc/vancouver/psychologist/">Psychologist</a>
<a class="what-is hidden-xs" href="/specialties/psychologist/"><i class="fa fa-question-circle">
</i></a></div>{aggregate}</div><div class="col-sm-3 col-md-4 search-item-extra">
<div class="search-item-info"><div><div><meta itemprop="telephone" content="604-555-0142">
<i class="fa fa-fw fa-phone"></i><a href="#"> View Phone Number</a></div></div></div>
<div class="search-item-info"><i class="fa fa-fw fa-map-marker"></i><span><span itemscope
itemprop="address" itemtype="http://schema.org/PostalAddress">
<meta itemprop="streetAddress" content="1200 West 8th Avenue">
<meta itemprop="addressLocality" content="Vancouver"><meta itemprop="addressRegion" content="21">
<meta itemprop="postalCode" content="V6H1C6"></span><a href="#"> View Map &amp; Address</a>
</span></div></div></div></div></div></span></div></div>
<div class="container content-body"><div class="row"><div class="col-md-8 col-sm-12 col-main">
<div id="left-content"><span><ol class="breadcrumb">
<li itemscope itemtype="http://data-vocabulary.org/Breadcrumb"><a href="/best-doctors/"
itemprop="url"><span itemprop="title">Doctors</span></a></li>
<li itemscope itemtype="http://data-vocabulary.org/Breadcrumb"><a href="/best-doctors/bc/"
itemprop="url"><span itemprop="title">British Columbia</span></a></li>
<li itemscope itemtype="http://data-vocabulary.org/Breadcrumb"><a href="/best-doctors/bc/vancouver/"
itemprop="url"><span itemprop="title">Vancouver</span></a></li>
<li class="active">Dr. Ada Example</li></ol><div class="ratings"><span>
<div class="clearfix"><div class="pull-right"></div></div>{ratings}</span></div></span></div>
</div></div></div></div></body></html>"""
    response = saved_response(html.encode(), URL)
    return RateMDsDoctorPage(
        response, listing_url=URL, page_number=1, crawled_at=PINNED_NOW
    ).to_item()


def test_a_review_rating_is_the_exact_mean_its_stars_state_not_the_rounded_microdata() -> None:
    page = _page(
        RATED.format(title="3.50", count=2),
        _ratings(
            _review("4100001", (5, 4, 5, 5), microdata="4.8", stars="4.75"),
            _review("4100002", (3, 2, 2, 2), microdata="2.3", stars="2.25"),
        ),
    )
    assert page.status == PageStatus.OK
    assert [(r.site_review_id, r.rating) for r in page.reviews] == [
        ("4100001", 4.75),
        ("4100002", 2.25),
    ]
    assert page.facts.rating == 3.5 and page.facts.review_count == 2


def test_a_doctor_nobody_has_rated_has_zero_reviews_and_no_rating() -> None:
    page = _page(UNRATED, NO_REVIEWS)
    assert page.status == PageStatus.OK and page.reviews == []
    assert page.facts.review_count == 0  # "No reviews yet posted for this doctor"
    assert page.facts.rating is None  # empty stars state no rating


def test_a_rated_doctor_whose_reviews_are_missing_is_not_taken_for_zero() -> None:
    # The count states 2 reviews; a page without the list is partial, never "no reviews".
    page = _page(RATED.format(title="4.50", count=2), "")
    assert page.facts.review_count == 2
    assert page.status == PageStatus.PARTIAL
