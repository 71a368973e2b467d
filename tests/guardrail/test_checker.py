"""The solicitation checker on real sentences, HTML pages and the labelled corpus."""

import re

import pytest

from bench.checker import main, score
from guardrail import model
from guardrail.checker import MAX_SENTENCE_CHARS, check_html, check_text, sentences
from guardrail.corpus import BLIND_SPLITS, TRAINING_SPLITS, load, training_examples
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
    (finding,) = check_text(text).solicitation
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
    "tune": (0.98, 0.98, 0.98),
    "holdout": (0.98, 0.98, 0.98),
    "tune2": (0.98, 0.98, 0.98),
    "tune3": (0.98, 0.98, 0.98),
    "train4": (0.98, 0.98, 0.98),
    "train5": (0.98, 0.98, 0.98),
    "dev1": (0.97, 0.97, 0.97),
    "train6": (0.98, 0.98, 0.98),
    "train7": (0.98, 0.98, 0.98),
    "train8": (0.98, 0.98, 0.98),
    "blind3": (0.98, 0.98, 0.98),  # trained on since 2026-11-30
    "train9": (0.98, 0.98, 0.98),  # trained on since model 3
    "train10": (0.98, 0.98, 0.98),
    "blind4": (0.96, 0.97, 0.98),
    "blind5": (0.98, 0.92, 0.98),
    "blind6": (0.97, 0.95, 0.98),
    "blind7": (0.96, 0.94, 0.98),
    "blind8": (0.95, 0.93, 0.97),
    "blind9": (0.97, 0.93, 0.98),
    "blind10": (0.94, 0.96, 0.99),
    "blind11": (0.96, 0.92, 0.98),
    "blind12": (0.95, 0.96, 0.99),
    "blind13": (0.94, 0.92, 0.97),
    "blind14": (0.97, 0.96, 0.98),
    "blind15": (0.92, 0.95, 0.99),
    "blind16": (0.92, 0.90, 0.97),
    "blind17": (0.94, 0.95, 0.97),
    "blind18": (0.95, 0.94, 0.98),
    "blind19": (0.96, 0.93, 0.98),
    "blind20": (0.94, 0.95, 0.98),
    "blind21": (0.88, 0.92, 0.97),
    "blind22": (0.91, 0.95, 0.98),
    "blind23": (0.94, 0.83, 0.93),  # scored as written against model 7 (2026-12-01)
    "blind24": (0.93, 0.89, 0.96),  # the same
    "blind25": (0.91, 0.92, 0.97),  # the same
    "blind26": (0.86, 0.93, 0.98),  # the same
}


@pytest.mark.parametrize("split", list(FLOORS))
def test_every_split_stays_above_its_floor(split: str) -> None:
    precision, recall, recall_with_warnings = FLOORS[split]
    result, errors = score(split)
    assert result.total == len(load(split)) > 0
    assert result.precision >= precision, errors
    assert result.recall >= recall, errors
    assert result.recall_with_warnings >= recall_with_warnings, errors


def test_a_request_no_pattern_knows_is_a_model_finding_naming_its_words() -> None:
    text = "Quick favour: could u pop a few stars on our FB page when u have a sec?"
    (finding,) = check_text(text).findings
    assert (finding.severity, finding.pattern, finding.text) == ("finding", "model", text)
    assert finding.category == "express_request" and finding.rule_id == "review_request"
    assert "driven by 'quick', 'favour', 'could', 'few'" in finding.explanation
    assert f"{model.load().thresholds.finding:.2f} or more makes a finding" in finding.explanation


def test_a_pattern_in_ethics_prose_is_a_warning_that_says_what_would_make_it_a_finding() -> None:
    text = (
        "A Leave a review button or a review request tucked into an email would each count "
        "as solicitation under our code, which is why you will find none of them here."
    )
    result = check_text(text)
    (warning,) = result.findings
    assert result.clean and warning.severity == "warning" and warning.category == "needs_person"
    assert (warning.pattern, warning.text) == ("write_review", "Leave a review")
    assert warning.explanation.startswith("Needs a person: the words 'Leave a review' match")
    assert "It would be a finding if it asked the reader" in warning.explanation


def test_a_borderline_sentence_is_a_warning_with_its_words() -> None:
    sentence = "Many people read reviews before choosing a counsellor."
    (warning,) = check_text(sentence).findings
    assert warning.severity == "warning" and warning.pattern == "model"
    named = re.search(r"driven by ((?:'[^']+'(?:, )?)+)", warning.explanation)
    assert named, warning.explanation
    words = re.findall(r"'([^']+)'", named.group(1))
    assert "reviews" in words and set(words) <= set(sentence.lower().rstrip(".").split())
    assert "It would be a finding if it asked the reader to review" in warning.explanation


def test_an_ask_spread_over_two_sentences_is_one_finding_read_with_the_sentence_before() -> None:
    reason = "Many people read reviews before choosing a counsellor."
    ask = "Ours could use a few more."
    assert check_text(reason).clean and check_text(ask).clean  # neither is a finding alone
    assert [f.severity for f in check_text(reason).findings] == ["warning"]
    (finding,) = check_text(f"{reason} {ask}").findings  # the finding shows the reason too
    assert (finding.severity, finding.text) == ("finding", ask)
    assert "read with the sentence before it" in finding.explanation


def test_two_short_sentences_of_one_request_do_not_silence_each_other() -> None:
    # "Loved your visit?" and "{{link}}" are both short and both read as the request: one of
    # them is reported (each used to give way to the other, and the request went unreported).
    text = "Booked: Tuesday 3 pm with Dana. Loved your visit? {{link}}"
    (finding,) = check_text(text).findings
    assert finding.severity == "finding" and finding.text in ("Loved your visit?", "{{link}}")


def test_the_sentence_after_a_request_is_not_a_second_finding() -> None:
    text = "Please leave us a review on Google. Our office is closed on Monday for the holiday."
    assert [f.text for f in check_text(text).findings] == ["leave us a review"]


def test_a_short_sentence_is_read_with_the_one_before_it_and_not_reported_twice() -> None:
    # "Not happy?" alone means nothing; after the request it is part of it, and the request
    # already carries the finding.
    text = "Happy with your care? Leave us a review on Google. Not happy? Call us."
    assert [f.text for f in check_text(text).findings] == ["Leave us a review"]


def test_no_sentence_is_longer_than_the_cap_so_hostile_text_stays_linear() -> None:
    for text in ("R" * 1_000_000, "leave us a review " * 60_000):
        spans = list(sentences(text))
        assert max(end - start for start, end in spans) <= MAX_SENTENCE_CHARS
        assert spans[0][0] == 0 and spans[-1][1] == len(text.rstrip())
    result = check_text("please leave us a review we never ask " * 30_000)
    assert len(result.solicitation) > 500  # the cut pieces are each checked


def test_bench_fails_loudly_when_it_measured_nothing(capsys) -> None:
    assert main(["--split", "no-such-split", "--no-speed"]) == 1
    assert "measured nothing" in capsys.readouterr().err


def test_bench_scores_a_draft_split_as_written_with_or_without_the_model(tmp_path, capsys) -> None:
    draft = tmp_path / "draft9.tsv"
    draft.write_text(
        "# split: draft9\n"
        "solicit\texpress_request\tsms\tPlease leave us a review on Google.\n"
        "solicit\texpress_request\tsms\tQuick favour: could u pop a few stars on our FB page "
        "when u have a sec?\n"
        "clean\tordinary\tsms\tRate your anxiety from 1 to 10.\n",
        encoding="utf-8",
    )
    assert main(["--draft", str(draft), "--no-speed"]) == 0
    with_model = capsys.readouterr().out
    assert "draft9" in with_model and "2/0" in with_model  # both requests are findings
    assert main(["--draft", str(draft), "--lexicon-only", "--no-speed"]) == 0
    lexicon = capsys.readouterr().out
    assert "lexicon and links only" in lexicon
    # the request no pattern knows is left to the model: without it, recall is one in two
    assert "1/0       0/0       1/1      1.000  0.500      0.500" in lexicon


def test_one_sentence_repeated_is_read_in_each_place_with_its_own_neighbours() -> None:
    # What a sentence says on its own is worked out once per text; what its neighbours add
    # (here: gating, in the sentences around the second copy) is not.
    text = (
        "Thanks for visiting us this spring.\n\nPlease leave us a review on Google.\n\n"
        "Our office hours change in May, and parking is now free on weekends.\n\n"
        "Loved your visit? Please leave us a review on Google. Not happy? Tell us privately."
    )
    found = [(f.category, f.severity) for f in check_text(text).findings]
    assert found == [("express_request", "finding"), ("review_gating", "finding")]
