"""The solicitation checker on real sentences, HTML pages and the labelled corpus."""

import pytest

from bench.checker import load, score
from guardrail.checker import check_html, check_text, sentences
from tests.conftest import shared_fixture

POLICY = "../policy/social-media-policy.txt"  # the clinic's policy, in ../shared

CLEAN = [
    "Your counsellor will review your intake form before the first session.",
    "Rate your anxiety from 1 to 10.",
    "We do not respond to reviews.",
    "Our listing is not a request for a review.",
    "We send an anonymous feedback survey after your third session; it is never published.",
    "Share this article with a friend who might find it helpful.",
    "Please leave a message after the tone.",
    "Don't forget to bring your intake form.",
    "If you choose to write a review anywhere, please use a pseudonym to protect your privacy.",
]


@pytest.mark.parametrize("text", CLEAN)
def test_clinical_administrative_and_policy_language_is_clean(text: str) -> None:
    result = check_text(text)
    assert result.clean, result.findings


@pytest.mark.parametrize(
    ("text", "category", "rule_id", "matched"),
    [
        (
            "Please leave us a review on Google.",
            "express_request",
            "review_request",
            "leave us a review",
        ),
        (
            "Help us reach 100 Google reviews!",
            "implied_request",
            "review_request",
            "reach 100 Google reviews",
        ),
        (
            "Review us and get 10% off your next session.",
            "incentive",
            "offer_incentive",
            "Review us",
        ),
        (
            "We'd love a testimonial for our website.",
            "testimonial_request",
            "review_request",
            "testimonial",
        ),
        (
            "What our clients say",
            "testimonial_display",
            "reuse_review_as_testimonial",
            "What our clients say",
        ),
        (
            "Staff: please post a review of the clinic this week.",
            "staff_request",
            "ask_staff_or_friends",
            "post a review",
        ),
        ("Don't forget to rate us on Yelp!", "express_request", "review_request", "rate us"),
    ],
)
def test_solicitation_is_found_with_span_category_rule_and_explanation(
    text: str, category: str, rule_id: str, matched: str
) -> None:
    (finding,) = check_text(text).findings
    assert (finding.category, finding.rule_id, finding.text) == (category, rule_id, matched)
    assert text[finding.start : finding.end] == matched
    assert finding.severity == "finding" and len(finding.explanation) > 40


def test_review_gating_is_seen_across_neighbouring_sentences() -> None:
    text = "Happy with your care? Leave us a review on Google. Not happy? Email us instead."
    (finding,) = check_text(text).findings
    assert finding.category == "review_gating" and finding.rule_id == "review_gating"


@pytest.mark.parametrize(
    "text",
    [
        "Please leave us a review on Google. If not, email us privately.",
        "Please leave us a review on Google. Not satisfied? Call the front desk instead.",
    ],
)
def test_review_gating_is_seen_in_the_sentence_that_follows(text: str) -> None:
    """The request comes first; the routing of unhappy clients elsewhere comes next."""
    (finding,) = check_text(text).findings
    assert finding.category == "review_gating" and finding.text == "leave us a review"


def test_asking_to_be_told_about_a_review_is_clean() -> None:
    """Asking clients to tell the clinic about a review (so it can be reported) is not asking
    for one, though the sentence names a review and a public place."""
    text = (
        "If you come across an online review of us that you believe discloses confidential "
        "information, please let us know."
    )
    result = check_text(text)
    assert result.clean, result.findings


def test_negation_only_covers_its_own_clause() -> None:
    text = "We cannot respond to reviews, but please leave us a review on Yelp."
    (finding,) = check_text(text).findings
    assert finding.text == "leave us a review"


@pytest.mark.parametrize(
    "url",
    [
        "https://search.google.com/local/writereview?placeid=ChIJN1t_tDeuEmsRUsoyG83frY4",
        "https://g.page/r/CabcdEFGhij123/review",
        "https://www.google.com/maps/place/X/@49.2,-123.1,17z/data=!4m7!3m6!1s0x1:0x2!8m2!3d49!4d-123!12e1",
        "https://www.google.ca/search?q=clinic#lrd=0x5486714:0x9c1f,3,,,",
        "https://www.yelp.ca/writeareview/biz/abc123XYZ",
        "https://www.facebook.com/AlluraTherapy/reviews",
        "https://www.healthgrades.com/review/3abcd",
        "https://www.trustpilot.com/evaluate/allura.example",
    ],
)
def test_write_review_links_are_findings(url: str) -> None:
    result = check_text(f"Our details: {url} (thanks).")
    links = [f for f in result.findings if f.source == "link"]
    assert [f.text for f in links] == [url.rstrip(",")]  # trailing punctuation is not the URL
    assert links[0].category == "write_review_link" and links[0].severity == "finding"


def test_a_plain_ratemds_profile_link_is_a_warning_only() -> None:
    result = check_text(
        "Find us at https://www.ratemds.com/doctor-ratings/123/Dr-A-Vancouver-BC.html"
    )
    (finding,) = result.findings
    assert finding.severity == "warning" and result.clean


def test_ordinary_links_are_not_flagged() -> None:
    text = "Directions: https://www.google.com/maps/place/Allura and our blog https://clinic.example/blog"
    assert check_text(text).findings == []


def test_hard_wrapped_email_lines_are_joined_into_sentences() -> None:
    text = "Dear clients,\nThank you for a wonderful year. If you enjoyed it, please leave us\na review on Google.\n"
    (finding,) = check_text(text).findings
    assert finding.text == "leave us\na review"
    assert [text[s:e] for s, e in sentences(text)][0] == "Dear clients,"


def test_html_links_markup_and_widgets_are_found() -> None:
    html = """<!doctype html><html><head><title>Reviews</title>
    <script type="application/ld+json">{"@context": "https://schema.org", "@type": "LocalBusiness",
      "name": "Clinic", "aggregateRating": {"@type": "AggregateRating", "ratingValue": 4.9, "reviewCount": 12}}</script>
    <script src="https://static.elfsight.com/platform/platform.js"></script></head>
    <body><h1>Kind words</h1><p>We offer couples therapy.</p>
    <a class="btn" href="https://g.page/r/CdEf12345xYz/review">Tell us how we did</a>
    <a href="/blog/">Blog</a></body></html>"""
    result = check_html(html, base_url="https://clinic.example/")
    categories = sorted(f.category for f in result.findings)
    assert categories == ["review_markup", "review_widget", "write_review_link"]
    assert result.title == "Reviews"
    assert "We offer couples therapy." in result.text and "aggregateRating" not in result.text


def test_one_link_written_with_and_without_www_is_one_finding() -> None:
    html = """<html><body><p>Tell others: https://yelp.ca/writeareview/biz/abc123XYZ</p>
    <p><a href="https://www.yelp.ca/writeareview/biz/abc123XYZ">Write a review</a></p>
    <p><a href="http://www.yelp.ca/writeareview/biz/abc123XYZ/">Or here</a></p></body></html>"""
    links = [f for f in check_html(html).findings if f.source == "link"]
    assert [(f.category, f.text) for f in links] == [
        ("write_review_link", "https://yelp.ca/writeareview/biz/abc123XYZ")
    ]


YOAST_GRAPH = """<!doctype html><html><head><title>About | Clinic</title>
<script type="application/ld+json" class="yoast-schema-graph">{"@context": "https://schema.org",
"@graph": [{"@type": "WebPage", "@id": "https://clinic.example/about/#webpage", "name": "About"},
{"@type": ["MedicalBusiness", "LocalBusiness"], "@id": "https://clinic.example/#organization",
"name": "Clinic", "aggregateRating": {"@type": "AggregateRating", "ratingValue": "4.9",
"reviewCount": "27"}}]}</script></head>
<body><h1>About us</h1><p>We offer individual and couples counselling.</p></body></html>"""
NESTED_MICRODATA = """<html><body><div itemscope itemtype="https://schema.org/WebPage">
<div itemprop="mainEntity" itemscope itemtype="https://schema.org/MedicalBusiness">
<span itemprop="name">Clinic</span>
<div itemprop="review" itemscope itemtype="https://schema.org/Review">
<span itemprop="reviewBody">Life-changing sessions.</span></div></div></div>
<p>We offer individual and couples counselling.</p></body></html>"""


@pytest.mark.parametrize(
    ("html", "kind"), [(YOAST_GRAPH, "AggregateRating"), (NESTED_MICRODATA, "Review")]
)
def test_review_markup_nested_inside_other_entities_is_found(html: str, kind: str) -> None:
    """An SEO plugin's @graph, or microdata nested under a WebPage, still carries stars."""
    markup = [f for f in check_html(html).findings if f.source == "markup"]
    assert [(f.category, f.text) for f in markup] == [("review_markup", kind)]


@pytest.mark.shared
def test_the_clinics_own_policy_text_is_clean() -> None:
    result = check_text(shared_fixture(POLICY).read_text(encoding="utf-8"))
    assert result.clean, [(f.text, f.sentence) for f in result.findings]


def test_corpus_is_large_enough_and_has_both_classes() -> None:
    tune, holdout = load("tune"), load("holdout")
    assert len(tune) + len(holdout) >= 150
    for split in (tune, holdout):
        labels = {e.label for e in split}
        assert labels == {True, False}
        assert any(e.category == "near_miss" for e in split)
    assert not {e.sentence for e in tune} & {e.sentence for e in holdout}


def test_holdout_precision_and_recall_stay_above_the_floor() -> None:
    result, errors = score("holdout")
    assert result.precision >= 0.9, errors
    assert result.recall >= 0.9, errors


def test_tune_precision_and_recall_stay_above_the_floor() -> None:
    result, errors = score("tune")
    assert result.precision >= 0.95 and result.recall >= 0.95, errors


@pytest.mark.parametrize("split", ["tune2", "tune3"])
def test_blind_written_splits_tuned_on_stay_above_the_floor(split: str) -> None:
    result, errors = score(split)
    assert result.precision >= 0.9 and result.recall >= 0.9, errors


def test_the_never_tuned_blind_split_stays_above_its_floor() -> None:
    """blind3 was written by someone who had not seen the checker and is never tuned on:
    the honest figure (0.935 / 0.597 when written).  This guards against regressions."""
    result, errors = score("blind3")
    assert result.precision >= 0.9 and result.recall >= 0.55, errors
