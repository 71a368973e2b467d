"""The solicitation checker on real sentences, HTML pages and the labelled corpus."""

import pytest

from bench.checker import score
from guardrail.checker import check_html, check_text, sentences
from guardrail.corpus import BLIND_SPLITS, TRAINING_SPLITS, load, training_examples
from tests.conftest import SHARED_FIXTURES

POLICY = SHARED_FIXTURES.parent / "policy" / "social-media-policy.txt"

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
    (finding,) = check_text(text).solicitation
    assert finding.category == "review_gating" and finding.rule_id == "review_gating"


def test_negation_only_covers_its_own_clause() -> None:
    text = "We cannot respond to reviews, but please leave us a review on Yelp."
    (finding,) = check_text(text).solicitation
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
    (finding,) = result.findings  # the link's own warning, not a second one for the sentence
    assert finding.severity == "warning" and result.clean


def test_ordinary_links_are_not_flagged() -> None:
    text = "Directions: https://www.google.com/maps/place/Allura and our blog https://clinic.example/blog"
    assert check_text(text).findings == []


def test_hard_wrapped_email_lines_are_joined_into_sentences() -> None:
    text = "Dear clients,\nThank you for a wonderful year. If you enjoyed it, please leave us\na review on Google.\n"
    (finding,) = check_text(text).solicitation
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
    categories = sorted(f.category for f in result.solicitation)
    assert categories == ["review_markup", "review_widget", "write_review_link"]
    assert result.title == "Reviews"
    assert "We offer couples therapy." in result.text and "aggregateRating" not in result.text


def test_the_clinics_own_policy_text_is_clean() -> None:
    if not POLICY.exists():
        pytest.skip("the clinic's policy file (../shared/policy) is not on this machine")
    result = check_text(POLICY.read_text(encoding="utf-8"))
    assert result.clean, [(f.text, f.sentence) for f in result.findings]


def test_corpus_is_large_enough_has_both_classes_and_blind_splits_stay_apart() -> None:
    splits = {name: load(name) for name in (*TRAINING_SPLITS, *BLIND_SPLITS)}
    assert sum(len(examples) for examples in splits.values()) >= 2000
    for examples in splits.values():
        assert {e.label for e in examples} == {True, False}
    trained = {" ".join(e.sentence.lower().split()) for e in training_examples()}
    for name in BLIND_SPLITS:
        assert not trained & {" ".join(e.sentence.lower().split()) for e in splits[name]}


# (precision, recall, findings + warnings recall) a little below what each split measured
# when the model was trained (README, "Checking text before it goes out").  The training
# splits' figures flatter the checker; the blind ones are the honest figure.
FLOORS = {
    "tune": (0.97, 0.97, 0.97),
    "holdout": (0.97, 0.97, 0.97),
    "tune2": (0.97, 0.93, 0.97),
    "tune3": (0.97, 0.93, 0.97),
    "train4": (0.97, 0.92, 0.97),
    "train5": (0.97, 0.92, 0.97),
    "dev1": (0.97, 0.97, 0.97),
    "blind3": (0.95, 0.82, 0.96),
    "blind4": (0.96, 0.82, 0.97),
    "blind5": (0.96, 0.80, 0.95),
}


@pytest.mark.parametrize("split", list(FLOORS))
def test_every_split_stays_above_its_floor(split: str) -> None:
    precision, recall, recall_with_warnings = FLOORS[split]
    result, errors = score(split)
    assert result.total == len(load(split)) > 0
    assert result.precision >= precision, errors
    assert result.recall >= recall, errors
    assert result.recall_with_warnings >= recall_with_warnings, errors
