"""The checker's edges that a compliance officer sees: which links, markup and widgets a page
is charged with, what each finding names (category, span, line and column, rule), how the
model's findings say what drove them, and the helpers ``check-text`` uses around the checker
(HTML sniffing, line/column, counts)."""

import logging

import pytest

from guardrail.checker import (
    LineIndex,
    TextFinding,
    _types,
    check_html,
    check_text,
    html_to_text,
    is_solicitation,
    looks_like_html,
    review_markup,
    summarise,
)
from guardrail.rules import build_rule_set, builtin
from tests.guardrail.helpers import small_model

WRITE_REVIEW = "https://www.yelp.ca/writeareview/biz/abc123XYZ"


# -- HTML to text ----------------------------------------------------------------------------
def test_an_empty_page_has_no_text_title_or_links() -> None:
    assert html_to_text("") == ("", None, [])
    assert html_to_text("  \n\t ") == ("", None, [])


@pytest.mark.parametrize(
    "tag",
    [
        f'<img src="{WRITE_REVIEW}" alt="">',
        f'<script src="{WRITE_REVIEW}"></script>',
        f'<link rel="preload" href="{WRITE_REVIEW}">',
        f'<video><source src="{WRITE_REVIEW}"></video>',
        f'<video src="{WRITE_REVIEW}"></video>',
        f'<audio src="{WRITE_REVIEW}"></audio>',
    ],
)
def test_embedded_resources_are_not_links_the_reader_follows(tag: str) -> None:
    """An image, script, stylesheet or media file is loaded, not clicked: its URL is no link."""
    _, _, links = html_to_text(f"<html><body><p>Our rooms.</p>{tag}</body></html>")
    assert links == []


@pytest.mark.parametrize(
    "tag",
    [
        f'<a href=" {WRITE_REVIEW} ">Tell us</a>',
        f'<form action="{WRITE_REVIEW}"><button>Send</button></form>',
        f'<iframe src="{WRITE_REVIEW}"></iframe>',
        f'<div class="btn" data-href="{WRITE_REVIEW}">Tell us</div>',
        f'<span data-url="{WRITE_REVIEW}">Tell us</span>',
    ],
)
def test_every_way_a_page_points_the_reader_somewhere_is_a_link(tag: str) -> None:
    _, _, links = html_to_text(f"<html><body><p>Our rooms.</p>{tag}</body></html>")
    assert links == [WRITE_REVIEW]


def test_page_title_is_one_line_and_code_and_templates_are_not_visible_text() -> None:
    html = """<html><head><title>
      Kind   words |
      Clinic </title><style>.stars { color: gold }</style></head><body>
    <script>var ask = "Please leave us a review";</script>
    <noscript>Turn on scripts to leave a review</noscript>
    <template><p>Rate us on Google</p></template>
    <h1>About us</h1><p>We offer couples counselling.</p></body></html>"""
    text, title, _ = html_to_text(html)
    assert title == "Kind words | Clinic"
    assert text == "About us\n\nWe offer couples counselling."


# -- review markup -------------------------------------------------------------------------
def _jsonld(body: str) -> str:
    return (
        '<html><head><script type="application/ld+json">'
        f"{body}</script></head><body><p>We offer counselling.</p></body></html>"
    )


@pytest.mark.parametrize(
    ("body", "kinds"),
    [
        # a stand-alone Review or AggregateRating, its type short, a full URL, or in a list
        (
            '{"@context": "https://schema.org", "@type": "Review", "reviewBody": "Kind."}',
            ["Review"],
        ),
        (
            '{"@context": "https://schema.org", "@type": "AggregateRating", "ratingValue": 5}',
            ["AggregateRating"],
        ),
        ('{"@type": "https://schema.org/Review", "reviewBody": "Kind."}', ["Review"]),
        (
            '{"@type": ["CreativeWork", "http://schema.org/Review"], "reviewBody": "Kind."}',
            ["Review"],
        ),
        # a business that carries its rating or its reviews without typing them
        (
            '{"@type": "LocalBusiness", "aggregateRating": {"ratingValue": 4.9}}',
            ["AggregateRating"],
        ),
        ('{"@type": "LocalBusiness", "review": [{"reviewBody": "Kind."}]}', ["Review"]),
        # each kind once, however many items carry it
        (
            '{"@graph": [{"@type": "LocalBusiness", "aggregateRating": {"ratingValue": 4.9},'
            ' "review": {"reviewBody": "Kind."}}, {"@type": "MedicalClinic",'
            ' "aggregateRating": {"ratingValue": 4.8}, "review": {"reviewBody": "Calm."}}]}',
            ["AggregateRating", "Review"],
        ),
        ('{"@type": "LocalBusiness", "name": "Clinic", "url": "https://clinic.example/"}', []),
    ],
)
def test_review_markup_is_named_once_per_kind(body: str, kinds: list[str]) -> None:
    assert review_markup(_jsonld(body)) == kinds


def test_a_type_given_as_type_or_as_a_full_url_is_read_by_its_last_part() -> None:
    """Microdata read without extruct's uniform form says ``type`` and gives the full URL."""
    assert _types({"type": "https://schema.org/AggregateRating"}) == {"AggregateRating"}
    assert _types({"@type": ["http://schema.org/Review", "Thing"]}) == {"Review", "Thing"}
    assert _types({"@type": "Review"}) == {"Review"}
    assert _types({"name": "Clinic"}) == set()


def test_broken_json_ld_does_not_hide_the_microdata_beside_it() -> None:
    html = """<html><head><script type="application/ld+json">{"@type": "Review", </script>
    </head><body><div itemscope itemtype="https://schema.org/Review">
    <span itemprop="reviewBody">Kind.</span></div></body></html>"""
    assert review_markup(html) == ["Review"]


# JSON-LD with a rating, and microdata whose one link is malformed
MALFORMED_MICRODATA = """<html><head><script type="application/ld+json">
    {"@type": "LocalBusiness", "aggregateRating": {"ratingValue": 4.9}}</script></head>
    <body><div itemscope itemtype="https://schema.org/Review">
    <a itemprop="url" href="http://[::1">x</a></div></body></html>"""


def test_structured_data_that_cannot_be_read_is_logged_and_hides_nothing_else(caplog) -> None:
    # a malformed URL inside microdata, resolved against the page, makes extruct's
    # microdata reader fail; the JSON-LD beside it is still read
    with caplog.at_level(logging.WARNING, logger="guardrail.checker"):
        found = review_markup(MALFORMED_MICRODATA, "https://clinic.example/kind-words/")
    assert found == ["AggregateRating"]
    (record,) = [r for r in caplog.records if r.name == "guardrail.checker"]
    assert record.getMessage() == (
        "could not read the page's microdata structured data: 'microdata'"
    )


# -- check_html ------------------------------------------------------------------------------
def test_markup_and_widget_findings_name_what_the_page_carries_and_their_rule() -> None:
    html = _jsonld('{"@type": "LocalBusiness", "aggregateRating": {"ratingValue": 4.9}}').replace(
        "</head>", '<script src="https://static.elfsight.com/platform.js"></script></head>'
    )
    found = [f for f in check_html(html).findings if f.source in ("markup", "widget")]
    assert [(f.source, f.category, f.text, f.pattern, f.rule_id, f.severity) for f in found] == [
        ("markup", "review_markup", "AggregateRating", "markup:AggregateRating",
         "reuse_review_as_testimonial", "finding"),
        ("widget", "review_widget", "elfsight", "widget", "reuse_review_as_testimonial",
         "finding"),
    ]  # fmt: skip
    markup, widget = found
    assert markup.start is None and widget.start is None  # found in markup, not in the text
    assert "schema.org AggregateRating data" in markup.explanation
    assert "review widget (elfsight)" in widget.explanation
    tail = builtin().get("reuse_review_as_testimonial").explanation
    assert markup.explanation.endswith(tail) and widget.explanation.endswith(tail)


def test_a_page_is_checked_under_the_clinics_own_rule_set() -> None:
    rule = builtin().get("review_request").as_json()
    rule["explanation"] = "Our college's code forbids asking clients for reviews."
    rule_set = build_rule_set(extra_rules=[rule])
    html = "<html><body><p>Please leave us a review on Google.</p></body></html>"
    (finding,) = check_html(html, rule_set=rule_set).findings
    assert finding.category == "express_request"
    assert finding.explanation.endswith("Our college's code forbids asking clients for reviews.")


def test_relative_and_scheme_relative_links_are_resolved_against_the_page() -> None:
    html = """<html><body><p>Thank you.</p>
    <a href="//www.yelp.ca/writeareview/biz/abc123XYZ">Yelp</a></body></html>"""
    (link,) = check_html(html, base_url="https://clinic.example/thanks/").findings
    assert (link.category, link.text) == ("write_review_link", WRITE_REVIEW)
    (bare,) = check_html(html).findings  # no page address: the link as written
    assert bare.text == "//www.yelp.ca/writeareview/biz/abc123XYZ"


def test_every_review_link_in_markup_is_found_once_after_ordinary_links() -> None:
    html = f"""<html><body><p>Thank you for visiting.</p>
    <a href="/blog/">Blog</a><a href="https://clinic.example/contact/">Contact</a>
    <a href="{WRITE_REVIEW}">Yelp</a><a href="{WRITE_REVIEW}">Yelp again</a>
    <a href="https://g.page/r/CdEf12345xYz/review">Google</a></body></html>"""
    links = [(f.category, f.text) for f in check_html(html).findings if f.source == "link"]
    assert links == [
        ("write_review_link", WRITE_REVIEW),
        ("write_review_link", "https://g.page/r/CdEf12345xYz/review"),
    ]


def test_a_link_in_the_text_and_the_same_link_in_capitals_markup_is_one_finding() -> None:
    html = f"""<html><body><p>Tell others: {WRITE_REVIEW}</p>
    <a href="HTTPS://www.yelp.ca/writeareview/biz/abc123XYZ">Yelp</a></body></html>"""
    links = [f.text for f in check_html(html).findings if f.source == "link"]
    assert links == [WRITE_REVIEW]


def test_links_to_two_businesses_that_differ_only_at_the_end_are_two_findings() -> None:
    """Only the scheme, www and a trailing slash are set aside when links are compared."""
    other = f"{WRITE_REVIEW}X"  # another business's id
    html = f"""<html><body><p>Tell others: {WRITE_REVIEW}</p>
    <a href="{other}/">Yelp</a></body></html>"""
    links = [f.text for f in check_html(html).findings if f.source == "link"]
    assert links == [WRITE_REVIEW, f"{other}/"]


def test_a_model_finding_without_review_words_is_an_implied_request() -> None:
    eager = small_model(3.0)  # every sentence reads as a request, and no word drives it
    (implied,) = check_text("Thanks for coming in today, it was lovely.", scorer=eager).findings
    (express,) = check_text("Thanks for the five stars you gave us today.", scorer=eager).findings
    assert (implied.pattern, implied.severity, implied.category) == (
        "model",
        "finding",
        "implied_request",
    )
    assert (express.pattern, express.category) == ("model", "express_request")
    assert "driven by no single word" in implied.explanation


def test_a_request_read_with_two_sentences_before_it_says_so() -> None:
    """The finding stays on the last sentence; its explanation says what else was read."""
    scorer = small_model(-2.5, {"alpha": 10.0, "beta": 10.0, "gamma": 10.0})
    text = "Alpha one two three four five. Beta one two three four five. Gamma one two three four five."
    (finding,) = check_text(text, scorer=scorer).findings
    assert (finding.severity, finding.text) == ("finding", "Gamma one two three four five.")
    assert text[finding.start : finding.end] == finding.text
    assert "read with the 2 sentences before it" in finding.explanation
    assert "driven by 'alpha', 'beta', 'gamma'" in finding.explanation


def test_a_sentence_found_on_its_own_is_not_said_to_be_read_with_others() -> None:
    (finding,) = check_text("Please leave us a review on Google.").findings
    assert finding.severity == "finding" and "read with" not in finding.explanation


def test_a_finding_as_a_dict_has_every_field() -> None:
    (finding,) = check_text("Please leave us a review on Google.").findings
    row = finding.as_dict()
    assert row["text"] == "leave us a review" and row["category"] == "express_request"
    assert (row["start"], row["end"], row["source"]) == (7, 24, "text")
    assert row["sentence"] == "Please leave us a review on Google."
    assert set(row) == set(TextFinding.__dataclass_fields__)


# -- helpers around the checker --------------------------------------------------------------
def test_is_solicitation_is_true_only_for_a_finding() -> None:
    assert is_solicitation("Please leave us a review on Google.")
    assert not is_solicitation("Your counsellor will review your intake form.")
    assert not is_solicitation("Many people read reviews before choosing a counsellor.")


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("  \n<!DOCTYPE html>\n<title>Newsletter</title>", True),
        ("<html lang='en'><title>Newsletter</title></html>", True),
        ("<DIV class='note'>Hello</DIV>", True),
        ("Dear clients,\n<p>Our spring hours</p>", True),
        ("Reply to <a href='mailto:x@clinic.example'>us</a>", True),
        ("Dear clients, our hours change in May. Rate your week 1 < 2 < 3.", False),
        ("Dear clients, " + "x" * 985 + "<p>late tag</p>", False),  # only the first 1000
    ],
)
def test_html_is_recognised_by_its_opening_or_a_block_tag_near_the_start(
    text: str, html: bool
) -> None:
    assert looks_like_html(text) is html


def test_findings_are_counted_per_category() -> None:
    def finding(category: str) -> TextFinding:
        return TextFinding(None, None, "x", category, "review_request", "model", "finding", "")

    found = [finding("express_request"), finding("incentive"), finding("express_request")]
    assert summarise(found) == {"express_request": 2, "incentive": 1}
    assert summarise([]) == {}


def test_line_and_column_count_from_one() -> None:
    text = "Dear clients,\nThanks.\n\nPlease leave us a review."
    lines = LineIndex(text)
    assert lines.line_col(0) == (1, 1)
    assert lines.line_col(5) == (1, 6)
    assert lines.line_col(13) == (1, 14)  # the newline ends its own line
    assert lines.line_col(14) == (2, 1)
    assert lines.line_col(22) == (3, 1)  # the blank line
    assert lines.line_col(text.index("leave")) == (4, 8)
    assert LineIndex("one line").line_col(4) == (1, 5)
