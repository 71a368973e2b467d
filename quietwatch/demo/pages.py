"""Sample listing pages in the real sites' markup, for the demo, the tests and the bench.

The shapes follow real captured pages (../shared/fixtures): Yelp's 2016 business page
(a hidden schema.org LocalBusiness microdata block, a JSON-LD twin, ``rel="next"`` to
``?start=20``, visible reviews carrying ``data-review-id``), RateMDs' doctor page (schema.org
Physician microdata, ``div.rating#rating-<id>`` reviews, doctor responses, ``?page=2``) and
a directory page with one JSON-LD MedicalBusiness block.  Every person and text is invented.
"""

import json
from dataclasses import dataclass, field
from datetime import date
from html import escape


@dataclass
class SampleReview:
    review_id: str
    author: str
    rating: int
    published: date
    text: str
    owner_response: str | None = None


@dataclass
class SampleBusiness:
    name: str
    street_address: str
    locality: str
    region: str
    postal_code: str
    country: str
    phone: str
    website: str
    categories: list[str] = field(default_factory=list)
    reviews: list[SampleReview] = field(default_factory=list)
    stated_review_count: int | None = None  # defaults to len(reviews)

    @property
    def rating(self) -> float:
        return (
            round(sum(r.rating for r in self.reviews) / len(self.reviews), 2)
            if self.reviews
            else 0.0
        )

    @property
    def review_count(self) -> int:
        return (
            self.stated_review_count if self.stated_review_count is not None else len(self.reviews)
        )


def _e(value: object) -> str:
    return escape(str(value), quote=True)


# -- Yelp (2016 business page) ------------------------------------------------------------
def yelp_page(biz: SampleBusiness, *, url: str, start: int = 0, per_page: int = 20) -> str:
    reviews = biz.reviews[start : start + per_page]
    has_next = start + per_page < len(biz.reviews)
    next_link = f'<link rel="next" href="{_e(url)}?start={start + per_page}" />' if has_next else ""
    prev_link = (
        f'<link rel="prev" href="{_e(url)}?start={max(start - per_page, 0)}" />' if start else ""
    )
    micro_reviews = "".join(
        f"""
        <div itemprop="review" itemscope itemtype="http://schema.org/Review">
            <meta itemprop="author" content="{_e(r.author)}">
            <div itemprop="reviewRating" itemscope itemtype="http://schema.org/Rating">
                <meta itemprop="ratingValue" content="{r.rating}.0">
            </div>
            <meta itemprop="datePublished" content="{r.published.isoformat()}">
            <p itemprop="description">{_e(r.text)}<p>
        </div>"""
        for r in reviews
    )
    ld = {
        "aggregateRating": {
            "reviewCount": biz.review_count,
            "@type": "AggregateRating",
            "ratingValue": biz.rating,
        },
        "review": [
            {
                "reviewRating": {"ratingValue": r.rating},
                "datePublished": r.published.isoformat(),
                "description": r.text,
                "author": r.author,
            }
            for r in reviews
        ],
        "@context": "http://schema.org/",
        "address": {
            "addressCountry": biz.country,
            "streetAddress": biz.street_address,
            "addressLocality": biz.locality,
            "addressRegion": biz.region,
            "postalCode": biz.postal_code,
        },
        "@type": "LocalBusiness",
        "name": biz.name,
        "telephone": biz.phone,
    }
    visible = "".join(
        f"""
        <li>
        <div class="review review--with-sidebar" data-review-id="{_e(r.review_id)}" data-signup-object="review_id:{_e(r.review_id)}">
            <div class="review-sidebar"><div class="ypassport media-block">
                <ul class="user-passport-info"><li class="user-name"><a class="user-display-name" href="#">{_e(r.author)}</a></li></ul>
            </div></div>
            <div class="review-wrapper"><div class="review-content">
                <div class="biz-rating biz-rating-large clearfix">
                    <div><div class="i-stars i-stars--regular-{r.rating} rating-large" title="{r.rating}.0 star rating"></div></div>
                    <span class="rating-qualifier">{r.published.month}/{r.published.day}/{r.published.year}</span>
                </div>
                <p lang="en">{_e(r.text)}</p>
            </div>
            {_yelp_owner_comment(r)}
            </div>
        </div>
        </li>"""
        for r in reviews
    )
    return f"""<!DOCTYPE HTML>
<html xmlns:fb="http://www.facebook.com/2008/fbml" class="no-js" lang="en">
<head>
    <meta http-equiv="Content-Type" content="text/html; charset=UTF-8">
    <title>{_e(biz.name)} - {_e(biz.locality)}, {_e(biz.region)} | Yelp</title>
    <link rel="canonical" href="{_e(url)}">
    {next_link}{prev_link}
    <script type="application/ld+json">{json.dumps(ld)}</script>
</head>
<body id="yelp_main_body" class="jquery country-ca logged-out">
<div class="main-content-wrap main-content-wrap--full">
<div class="top-shelf"><div class="content-container">
<div class="hidden">
    <div itemscope itemtype="http://schema.org/LocalBusiness">
        <div itemprop="aggregateRating" itemscope itemtype="http://schema.org/AggregateRating">
            <meta itemprop="ratingValue" content="{biz.rating}">
            <span itemprop="reviewCount">{biz.review_count}</span>
        </div>
        <meta itemprop="name" content="{_e(biz.name)}" />
        <address itemprop="address" itemscope itemtype="http://schema.org/PostalAddress">
            <span itemprop="streetAddress">{_e(biz.street_address)}</span><br><span itemprop="addressLocality">{_e(biz.locality)}</span>, <span itemprop="addressRegion">{_e(biz.region)}</span> <span itemprop="postalCode">{_e(biz.postal_code)}</span><br><meta content="{_e(biz.country)}" itemprop="addressCountry">
        </address>
        <span itemprop="telephone">{_e(biz.phone)}</span>
        {micro_reviews}
    </div>
</div>
<div class="biz-page-header clearfix"><h1 class="biz-page-title embossed-text-white" itemprop="name">{_e(biz.name)}</h1>
<span class="category-str-list">{", ".join(f'<a href="#">{_e(c)}</a>' for c in biz.categories)}</span></div>
</div></div>
<div class="review-list"><ul class="ylist ylist-bordered reviews">{visible}</ul></div>
</div>
</body>
</html>"""


def _yelp_owner_comment(r: SampleReview) -> str:
    if not r.owner_response:
        return ""
    return f"""<div class="biz-owner-reply clearfix">
                <div class="biz-owner-reply-header arrange arrange--6"><strong>Comment from the business owner</strong></div>
                <span class="js-content-toggleable hidden">{_e(r.owner_response)}</span>
            </div>"""


# -- RateMDs (doctor page) ----------------------------------------------------------------
def ratemds_page(biz: SampleBusiness, *, url: str, page: int = 1, per_page: int = 10) -> str:
    start = (page - 1) * per_page
    reviews = biz.reviews[start : start + per_page]
    has_next = start + per_page < len(biz.reviews)
    next_link = (
        f'<link id="next_link" rel="next" href="{_e(url)}?page={page + 1}">' if has_next else ""
    )
    items = "".join(
        f"""<span><span></span><div class="rating" itemprop="review" itemscope itemtype="http://schema.org/Review" id="rating-{_e(r.review_id)}"><span itemprop="author" itemscope itemtype="http://schema.org/Person"><meta itemprop="name" content="{_e(r.author)}"></span><meta itemprop="itemReviewed" content="{_e(url)}"><div class="row rating-numbers-compact"><div class="col-sm-5 rating-average hidden-xs" itemprop="reviewRating" itemscope itemtype="http://schema.org/Rating"><meta itemprop="ratingValue" content="{r.rating}.0"><span><span class="star-rating" title="{r.rating}.00"></span></span></div></div><div class="rating-comment"><p itemprop="reviewBody" class="rating-comment-body"><span>{_e(r.text)}</span></p><meta itemprop="dateCreated datePublished" content="{r.published.isoformat()}T15:12:41.159Z"><p class="rating-comment-created pull-right"><a href="#ratings/rating-{_e(r.review_id)}" class="link-plain"><span>Submitted </span><span>{r.published.strftime("%B %d, %Y").replace(" 0", " ")}</span></a></p>{_ratemds_response(biz, r)}</div></div></span>"""
        for r in reviews
    )
    return f"""<!DOCTYPE html>
<html lang="en" ng-app="RateMds" id="ng-app">
<head><meta charset="utf-8">
<title>{_e(biz.name)} - {_e(biz.locality)}, {_e(biz.region)} | RateMDs</title>
<link id="canonical" rel="canonical" href="{_e(url)}">
{next_link}
<meta property="og:site_name" content="RateMDs" />
</head>
<body>
<div itemscope itemtype="http://schema.org/Physician">
<link itemprop="url" href="{_e(url)}">
<div id="info-panel"><div class="doctor-banner-panel"><div class="container doctor-profile">
<h1 itemprop="name">{_e(biz.name)}</h1>
<div class="search-item-specialty"><a href="#">{_e(biz.categories[0] if biz.categories else "Counsellor")}</a></div>
<div class="star-rating-count"><span itemprop="aggregateRating" itemscope itemtype="http://schema.org/AggregateRating"><meta itemprop="worstRating" content="1"><meta itemprop="bestRating" content="5"><meta itemprop="ratingValue" content="{biz.rating}"><span itemprop="ratingCount">{biz.review_count}</span></span> ratings</div>
<div class="search-item-info"><a href="#" itemprop="containedInPlace" itemscope itemtype="http://schema.org/MedicalClinic"><span itemprop="name">{_e(biz.name)}</span><span itemscope itemprop="address" itemtype="http://schema.org/PostalAddress"><meta itemprop="streetAddress" content="{_e(biz.street_address)}"><meta itemprop="addressLocality" content="{_e(biz.locality)}"><meta itemprop="addressRegion" content="{_e(biz.region)}"><meta itemprop="postalCode" content="{_e(biz.postal_code)}"></span><meta itemprop="telephone" content="{_e(biz.phone)}"></a></div>
</div></div></div>
<h3><span>Ratings for </span><span>{_e(biz.name)}</span></h3>
<span class="ratings">{items}</span>
</div>
</body></html>"""


def _ratemds_response(biz: SampleBusiness, r: SampleReview) -> str:
    if not r.owner_response:
        return ""
    return f"""<div class="rating-comment-response"><strong><span><span>{_e(biz.name)}</span><span>&#x27;s response</span></span></strong><br><span class="rating-comment-response-body"><span>{_e(r.owner_response)}</span></span></div>"""


# -- a directory page with JSON-LD --------------------------------------------------------
def jsonld_page(biz: SampleBusiness, *, url: str, page: int = 1, per_page: int = 10) -> str:
    start = (page - 1) * per_page
    reviews = biz.reviews[start : start + per_page]
    has_next = start + per_page < len(biz.reviews)
    data = {
        "@context": "https://schema.org",
        "@type": "MedicalBusiness",
        "@id": url,
        "name": biz.name,
        "url": biz.website,
        "telephone": biz.phone,
        "address": {
            "@type": "PostalAddress",
            "streetAddress": biz.street_address,
            "addressLocality": biz.locality,
            "addressRegion": biz.region,
            "postalCode": biz.postal_code,
            "addressCountry": biz.country,
        },
        "openingHours": ["Mo-Fr 09:00-18:00", "Sa 10:00-14:00"],
        "aggregateRating": {
            "@type": "AggregateRating",
            "ratingValue": biz.rating,
            "reviewCount": biz.review_count,
            "bestRating": 5,
        },
        "review": [
            {
                "@type": "Review",
                "@id": f"{url}#review-{r.review_id}",
                "author": {"@type": "Person", "name": r.author},
                "datePublished": r.published.isoformat(),
                "reviewRating": {"@type": "Rating", "ratingValue": r.rating, "bestRating": 5},
                "reviewBody": r.text,
            }
            for r in reviews
        ],
    }
    next_link = f'<link rel="next" href="{_e(url)}?page={page + 1}">' if has_next else ""
    body = "".join(
        f'<article class="review" id="review-{_e(r.review_id)}"><h4>{_e(r.author)}</h4><p>{_e(r.text)}</p></article>'
        for r in reviews
    )
    return f"""<!doctype html>
<html lang="en-CA"><head><meta charset="utf-8"><title>{_e(biz.name)} | Directory</title>
<link rel="canonical" href="{_e(url)}">{next_link}
<script type="application/ld+json">{json.dumps(data)}</script>
</head><body><main><h1>{_e(biz.name)}</h1><section class="reviews">{body}</section></main></body></html>"""
