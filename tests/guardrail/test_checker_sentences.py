"""The checker sentence by sentence, as a compliance officer reads its report: how text is cut
into sentences (wrapped lines, headings, very long runs), when an appeal, a disclaimer or a
reward counts, which band a score falls in at the very thresholds, which sentences are
reported beside their neighbours and links, and what each finding's explanation names."""

from functools import partial

import pytest

from guardrail.checker import (
    MAX_SENTENCE_CHARS,
    _appeal,
    _incentive,
    band,
    check_text,
    lexicon_match,
    sentences,
)
from guardrail.links import classify_link
from guardrail.model import Thresholds
from guardrail.rules import build_rule_set, builtin
from tests.guardrail.helpers import small_model

WRITE_REVIEW = "https://www.yelp.ca/writeareview/biz/abc123XYZ"
PROFILE = "https://www.ratemds.com/doctor-ratings/123/Dr-A-Vancouver-BC.html"
FALLBACK = "The clinic's rule set forbids soliciting reviews or testimonials."


# Each sentence read alone unless a test says otherwise.
_model = partial(small_model, context=1)


def _spans(text: str) -> list[str]:
    return [text[start:end] for start, end in sentences(text)]


# -- sentences -------------------------------------------------------------------------------
def test_each_line_of_a_letter_is_found_at_its_own_offset() -> None:
    text = "Dear clients,\nThanks for a lovely year.\r\n\r\nSee you in spring.\nDana"
    assert _spans(text) == [
        "Dear clients,",
        "Thanks for a lovely year.",
        "See you in spring.",
        "Dana",
    ]


def test_a_sign_off_of_kisses_is_a_line_of_its_own() -> None:
    """A line of only X's is text (a sign-off), not a blank line between blocks."""
    assert _spans("Thanks for coming.\nXX\nDana") == ["Thanks for coming.", "XX", "Dana"]


def test_a_line_of_sixty_characters_is_a_heading_and_a_longer_one_is_wrapped() -> None:
    heading = "Spring news from the clinic and its counsellors in Vancouver"
    wrapped = heading + "s"
    assert len(heading) == 60
    assert _spans(f"{heading}\nWe have moved") == [heading, "We have moved"]
    assert _spans(f"{wrapped}\nwho have moved") == [f"{wrapped}\nwho have moved"]


def test_a_sentence_of_exactly_the_cap_is_kept_whole() -> None:
    text = ("word " * 200)[:-1] + "."
    assert len(text) == MAX_SENTENCE_CHARS
    assert list(sentences(text)) == [(0, MAX_SENTENCE_CHARS)]


def test_a_long_sentence_is_cut_at_its_last_space_before_the_cap() -> None:
    text = "word " * 300  # 1500 characters
    spans = list(sentences(text))
    assert spans[0] == (0, 999)  # the space at 999 is the last one before 1000
    assert spans[1] == (1000, len(text) - 1)


def test_a_run_without_a_space_near_the_cap_is_cut_at_the_cap_not_at_an_earlier_space() -> None:
    text = "a" * 1000 + "b" * 100 + " " + "c" * 1500
    assert list(sentences(text)) == [(0, 1000), (1000, 2000), (2000, 2601)]


def test_a_long_sentence_ended_by_a_full_stop_is_cut_like_any_other() -> None:
    text = "word " * 300 + "end. Next one."
    spans = _spans(text)
    assert spans[0] == ("word " * 200)[:-1] and spans[-1] == "Next one."
    assert max(map(len, spans)) <= MAX_SENTENCE_CHARS


# -- appeals, disclaimers, rewards, testimonials ------------------------------------------------
@pytest.mark.parametrize(
    ("sentence", "word", "category"),
    [
        ("Please share your thoughts on Google.", "Please", "implied_request"),
        ("Please share a few stars on Google.", "Please", "express_request"),
        # the place is not negated by a "no" later in the sentence
        ("Please share your story online, no pressure.", "Please", "implied_request"),
        # a negated appeal is passed over for the next one
        ("No pressure to help us, but please share your thoughts on Google.", "please", "implied_request"),
        # an internal cue in another clause does not make the appeal internal
        ("After your intake; please share your thoughts on Google.", "please", "implied_request"),
        ("Please share your thoughts on Google; the intake form is separate.", "Please", "implied_request"),
        # an appeal about an internal form is passed over for the next one
        ("Please fill in the intake form; then please share your thoughts on Google.", "please", "implied_request"),
    ],
)  # fmt: skip
def test_an_appeal_is_found_by_its_first_public_non_internal_clause(
    sentence: str, word: str, category: str
) -> None:
    pattern, match = _appeal(sentence)
    assert (pattern.id, pattern.category, match.group(0)) == ("appeal", category, word)
    assert match.start() == sentence.index(word)


@pytest.mark.parametrize(
    "sentence",
    [
        "For our internal survey please share your thoughts on our website.",
        "Thanks; please share your thoughts about the intake form on our website.",
    ],
)
def test_an_appeal_inside_a_clause_about_internal_forms_is_no_appeal(sentence: str) -> None:
    assert _appeal(sentence) is None


def test_an_appeal_finding_names_its_pattern_and_why() -> None:
    text = "Whenever you can, post your thoughts on Google."
    (finding,) = check_text(text).findings
    assert (finding.pattern, finding.category, finding.text) == (
        "appeal",
        "implied_request",
        "Whenever you",
    )
    assert "asks the reader to put their words, stars or story somewhere the public can see" in (
        finding.explanation
    )


def test_a_sentence_that_disclaims_reviews_is_not_a_request() -> None:
    quiet = _model(-5.0)  # the model reads nothing in it
    text = "Posting a review of us on Google is against our ethics code."
    assert lexicon_match(text) is None
    assert check_text(text, scorer=quiet).findings == []


def test_feedback_that_stays_inside_the_clinic_is_no_request_unless_public_or_a_review() -> None:
    after = " It goes into our internal survey."
    story = "Please share your story with us."
    assert lexicon_match(story, story + after) is None
    public = "Please share your story with us on Google."
    assert lexicon_match(public, public + after).pattern == "share_story"
    review = "Please leave us a review."
    assert lexicon_match(review, review + after).pattern == "write_review"


def test_a_reward_for_reviewers_is_an_incentive_though_the_sentence_ends_with_a_no() -> None:
    sentence = "Reviewers get a free mug, no catch."
    assert _incentive(sentence).group(0) == "Reviewers"
    hit = lexicon_match(sentence)
    assert (hit.category, hit.text, hit.start) == ("incentive", "Reviewers", 0)


def test_testimonials_shown_without_asking_are_a_display_not_a_request() -> None:
    hit = lexicon_match("Testimonials from past clients are below.")
    assert (hit.pattern, hit.category) == ("testimonial", "testimonial_display")
    (finding,) = check_text("Testimonials from past clients are below.").findings
    assert (finding.category, finding.rule_id) == (
        "testimonial_display",
        "reuse_review_as_testimonial",
    )


# -- bands -------------------------------------------------------------------------------------
def test_each_threshold_itself_reaches_its_band() -> None:
    thresholds = Thresholds(finding=0.6, warning=0.5, lexicon=0.41)
    assert band(0.6, False, thresholds) == "finding"
    assert band(0.41, True, thresholds) == "finding"
    assert band(0.40, True, thresholds) == "warning"
    assert band(0.5, False, thresholds) == "warning"
    assert band(0.49, False, thresholds) is None


def test_a_request_is_read_with_two_sentences_before_it_when_one_is_already_a_warning() -> None:
    """The reading with the sentence before it adds nothing (that one is already a warning),
    but the reading with the two before it reaches a finding."""
    scorer = _model(-2.5, {"alpha": 3.0, "beta": 25.0, "gamma": 2.0}, context=3)
    text = "Alpha one two three four five. Beta one two three four five. Gamma one two three four five."
    (finding,) = check_text(text, scorer=scorer).findings
    assert (finding.severity, finding.text) == ("finding", "Gamma one two three four five.")
    assert "(model score 0.62, read with the 2 sentences before it; 0.60 or more" in (
        finding.explanation
    )


def test_a_sentence_read_as_much_alone_as_with_the_one_before_is_read_alone() -> None:
    scorer = _model(-2.5, {"gamma": 40.0}, context=3)
    (finding,) = check_text(
        "Hello one two three four five. Gamma one two three four five.", scorer=scorer
    ).findings
    assert finding.severity == "finding" and "read with" not in finding.explanation


def test_the_sentence_after_a_write_a_review_link_is_not_a_second_finding() -> None:
    scorer = _model(-2.5, {"alpha": 20.0, "beta": 20.0}, context=3)
    text = f"Alpha one two three four five {WRITE_REVIEW} now. Beta one two three four five."
    found = check_text(text, scorer=scorer).findings
    assert [(f.source, f.text) for f in found] == [("link", WRITE_REVIEW)]


def test_without_a_context_setting_a_sentence_is_read_on_its_own() -> None:
    scorer = _model(-2.5, {"alpha": 20.0, "beta": 20.0}, context=None)
    text = "Alpha one two three four five. Beta one two three four five."
    assert check_text(text, scorer=scorer).findings == []


# -- which sentences are reported --------------------------------------------------------------
LONG_NONE = "Our office hours change in May this year."


@pytest.mark.parametrize(
    "text",
    [
        f"{LONG_NONE} Loved your visit? You can find the page for it at {WRITE_REVIEW} today.",
        f"{LONG_NONE} Loved your visit? Here: {WRITE_REVIEW}",
    ],
)
def test_a_short_ask_beside_a_write_a_review_link_is_not_reported_again(text: str) -> None:
    scorer = _model(-2.5, {"loved": 40.0})
    found = check_text(text, scorer=scorer).findings
    assert [(f.source, f.text) for f in found] == [("link", WRITE_REVIEW)]


def test_two_long_requests_in_a_row_are_each_reported_with_their_own_words() -> None:
    scorer = _model(-2.5, {"alpha": 40.0, "beta": 30.0})
    first, second = "Alpha one two three four five.", "Beta one two three four five."
    found = check_text(f"{first} {second}", scorer=scorer).findings
    assert [(f.start, f.end, f.text, f.sentence, f.pattern) for f in found] == [
        (0, 30, first, first, "model"),
        (31, 60, second, second, "model"),
    ]
    assert "makes a finding), driven by 'alpha'. " in found[0].explanation
    assert "makes a finding), driven by 'beta'. " in found[1].explanation


def test_a_short_ask_before_a_request_the_lexicon_found_is_not_reported_again() -> None:
    scorer = _model(-2.5, {"loved": 40.0, "leave": 40.0})
    text = f"{LONG_NONE} Loved your visit? Please leave us a review on Google."
    found = check_text(text, scorer=scorer).findings
    assert [(f.severity, f.text) for f in found] == [("finding", "leave us a review")]


def test_a_short_ask_that_opens_the_text_is_reported() -> None:
    """It has no sentence before it; a finding at the other end of the text is no neighbour."""
    scorer = _model(-2.5, {"loved": 40.0, "alpha": 40.0})
    text = f"Loved your visit? {LONG_NONE} Alpha one two three four five."
    found = check_text(text, scorer=scorer).findings
    assert [f.text for f in found] == ["Loved your visit?", "Alpha one two three four five."]


def test_of_two_short_asks_after_a_long_sentence_the_first_is_reported() -> None:
    scorer = _model(-2.5, {"loved": 40.0})
    text = f"{LONG_NONE} Loved your visit? Tell us here."
    found = check_text(text, scorer=scorer).findings
    assert [(f.severity, f.text) for f in found] == [("finding", "Loved your visit?")]


def test_a_warning_far_before_a_finding_read_alone_is_still_reported() -> None:
    scorer = _model(-2.5, {"gentle": 26.0, "alpha": 40.0})
    text = f"Gentle one two three four five. {LONG_NONE} Alpha one two three four five."
    found = check_text(text, scorer=scorer).findings
    assert [(f.severity, f.category, f.text) for f in found] == [
        ("warning", "needs_person", "Gentle one two three four five."),
        ("finding", "implied_request", "Alpha one two three four five."),
    ]
    assert found[0].explanation.startswith(
        "Needs a person: the sentence is close to a request for reviews or testimonials "
        "(model score 0.52, driven by 'gentle'; a finding needs 0.60)."
    )
    assert (
        "It would be a finding if it asked the reader to review, rate, recommend or share "
        "their experience publicly, tied a reward to it, or linked to a review page: read it "
        "and decide. "
    ) in found[0].explanation


def test_findings_are_listed_in_the_order_of_the_text() -> None:
    text = f"Our page: {WRITE_REVIEW} (thanks). Please leave us a review on Google."
    found = check_text(text).findings
    assert [(f.source, f.text) for f in found] == [
        ("link", WRITE_REVIEW),
        ("text", "leave us a review"),
    ]


# -- explanations ------------------------------------------------------------------------------
def test_a_lexicon_finding_names_its_pattern_words_score_and_rule() -> None:
    (finding,) = check_text("Please leave us a review on Google.").findings
    assert finding.explanation.startswith(
        "Asks for a review: asks for a review, rating or testimonial "
        "(pattern write_review: 'leave us a review'; model score "
    )
    assert finding.explanation.endswith(builtin().get("review_request").explanation)


def test_a_pattern_the_model_reads_as_prose_is_a_warning_that_says_what_to_decide() -> None:
    (warning,) = check_text("Please leave us a review on Google.", scorer=_model(-5.0)).findings
    assert (warning.severity, warning.category, warning.text) == (
        "warning",
        "needs_person",
        "leave us a review",
    )
    assert (
        "(model score 0.01; a finding needs 0.41). It would be a finding if it asked the "
        "reader to review, rate, recommend or share publicly: read it and decide. "
    ) in warning.explanation


def test_a_rule_set_without_the_rule_still_explains_the_finding() -> None:
    incentive = builtin().get("offer_incentive").as_json()
    only_incentive = build_rule_set(extra_rules=[incentive], replace=True)
    (finding,) = check_text("Please leave us a review on Google.", rule_set=only_incentive).findings
    assert finding.rule_id == "review_request"
    assert finding.explanation.startswith("Asks for a review: asks for a review")
    assert finding.explanation.endswith(f"). {FALLBACK}")


def test_a_link_finding_names_its_site_span_rule_and_why() -> None:
    text = f"Write to us: {WRITE_REVIEW} or see {PROFILE}"
    found = check_text(text).findings
    assert [
        (f.start, f.end, f.text, f.category, f.rule_id, f.pattern, f.severity, f.source)
        for f in found
    ] == [
        (13, 13 + len(WRITE_REVIEW), WRITE_REVIEW, "write_review_link", "review_request",
         "link:yelp", "finding", "link"),
        (text.index(PROFILE), len(text), PROFILE, "review_site_link", "review_request",
         "link:ratemds", "warning", "link"),
    ]  # fmt: skip
    tail = builtin().get("review_request").explanation
    assert found[0].explanation == (
        f"Links to a write-a-review page: {classify_link(WRITE_REVIEW).reason}. {tail}"
    )
    assert found[1].explanation == (
        f"Links to a review-site profile: {classify_link(PROFILE).reason}. {tail}"
    )


def test_a_warning_is_set_aside_only_for_a_link_inside_it_not_one_right_after_it() -> None:
    """A run cut at the cap can end exactly where a link begins: the link is in the next
    piece, and the piece before keeps its own warning."""
    head = "one two three four five six "
    text = head + "-" * (MAX_SENTENCE_CHARS - len(head)) + WRITE_REVIEW + " thanks"
    found = check_text(text, scorer=_model(0.1)).findings  # every piece is a warning
    assert [(f.start, f.end, f.severity, f.source) for f in found] == [
        (0, MAX_SENTENCE_CHARS, "warning", "text"),
        (MAX_SENTENCE_CHARS, MAX_SENTENCE_CHARS + len(WRITE_REVIEW), "finding", "link"),
    ]


def test_feel_free_is_not_an_offer_of_something_free() -> None:
    (asked,) = check_text("Feel free to post your thoughts on Google.").findings
    assert asked.category != "incentive" and asked.rule_id != "offer_incentive"
    (offered,) = check_text("Leave us a review and get a free session.").findings
    assert offered.category == "incentive"


def test_a_long_sentence_is_not_cut_at_a_space_in_its_first_half() -> None:
    # Its only space is at 40% of the cap: cutting there would make a short first piece;
    # the cap is the cut instead.
    space = MAX_SENTENCE_CHARS * 2 // 5
    text = "a" * space + " " + "b" * (MAX_SENTENCE_CHARS + 200 - space)
    assert list(sentences(text))[0] == (0, MAX_SENTENCE_CHARS)
