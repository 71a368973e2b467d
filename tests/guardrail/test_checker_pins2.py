"""Pins from the second mutation pass over guardrail.checker (2026-11-30): behaviour that
survived a change to the code because no test looked at it."""

import logging

from guardrail import checker, model
from guardrail.checker import check_html, check_text, evidence, lexicon_match, review_markup
from tests.guardrail.test_checker_pins import MALFORMED_MICRODATA

WRITE_A_REVIEW = "https://g.page/r/CabcdEFGhij123/review"


def test_a_link_to_another_site_does_not_hide_the_review_link_after_it() -> None:
    text = f"Our hours are at https://clinic.example/hours and reviews go to {WRITE_A_REVIEW} ."
    links = [f for f in check_text(text).findings if f.source == "link"]
    assert [f.text for f in links] == [WRITE_A_REVIEW]
    assert links[0].category == "write_review_link"


def test_a_reward_for_a_review_with_no_request_in_it_is_the_incentive_pattern() -> None:
    # no request pattern reads this sentence: only the reward tied to a review does
    hit = lexicon_match("Every review enters you in our gift card draw.")
    assert hit is not None
    assert (hit.pattern, hit.category, hit.text) == ("incentive", "incentive", "review")
    assert hit.why == "ties a reward to a review"
    (finding,) = check_text("Every review enters you in our gift card draw.").findings
    assert finding.pattern == "incentive"
    assert "ties a reward to a review" in finding.explanation


def test_a_page_with_nothing_in_it_is_logged_as_unreadable_structured_data(caplog) -> None:
    with caplog.at_level(logging.WARNING, logger="guardrail.checker"):
        assert review_markup("") == []
    (record,) = [r for r in caplog.records if r.name == "guardrail.checker"]
    assert record.getMessage() == "could not read structured data: Document is empty"


def test_the_page_address_reaches_the_structured_data_reader(caplog) -> None:
    # extruct resolves the microdata's links against the page's own address; this page's
    # malformed link then stops the microdata reader (logged), the JSON-LD is still read.
    # The same link once stopped check_html itself (urljoin raised on it): it is read as
    # written now, and the page is checked.
    html = MALFORMED_MICRODATA
    with caplog.at_level(logging.WARNING, logger="guardrail.checker"):
        found = check_html(html, base_url="https://clinic.example/kind-words/").findings
    assert [f.text for f in found if f.source == "markup"] == ["AggregateRating"]
    assert any("microdata" in r.getMessage() for r in caplog.records)
    # without the address the microdata is read, and its Review with it
    assert [f.text for f in check_html(html).findings if f.source == "markup"] == [
        "AggregateRating",
        "Review",
    ]


def test_a_placeholder_on_the_line_before_does_not_stop_the_sentences_being_read_as_parts() -> None:
    # the placeholder ends with its line: the reading of the next sentence with it is still
    # made of the two sentences' words (read once each), not the joined text read again
    text = "Use {link} to book.\nPlease tell us how your visit went today."
    last = list(evidence(text, context=3))[-1]
    (joined,) = [r for r in last.readings if r.before == 1]
    assert joined.parts == ("Use {link} to book.", "Please tell us how your visit went today.")
    # on one line a placeholder could span the two sentences: read whole
    same_line = list(evidence(text.replace("\n", " "), context=3))[-1]
    assert [r.parts for r in same_line.readings if r.before == 1] == [()]


def test_a_capital_x_is_no_placeholder() -> None:
    text = "X marks the spot on our map. Please tell us how your visit went today."
    last = list(evidence(text, context=3))[-1]
    (joined,) = [r for r in last.readings if r.before == 1]
    assert joined.parts == (
        "X marks the spot on our map.",
        "Please tell us how your visit went today.",
    )


def test_a_negated_match_does_not_hide_a_later_request_of_the_same_pattern() -> None:
    sentence = "We would never ask you to review us, but please review us if you like."
    hit = lexicon_match(sentence)
    assert hit is not None
    assert (hit.pattern, hit.start) == ("verb_us", sentence.rindex("review us"))


def test_evidence_reads_each_sentence_alone_unless_told_how_many_to_read() -> None:
    text = "We are open on Monday mornings from nine. Please leave us a review on Google today."
    assert [len(e.readings) for e in evidence(text)] == [1, 1]
    assert [len(e.readings) for e in evidence(text, context=2)] == [1, 2]


def test_evidence_takes_the_link_findings_it_is_given() -> None:
    text = f"Leave a review at {WRITE_A_REVIEW} today, thanks."
    assert [e.linked for e in evidence(text)] == [True]
    assert [e.linked for e in evidence(text, links=[])] == [False]


def test_a_link_that_is_only_a_warning_does_not_stand_for_the_sentence() -> None:
    # a RateMDs profile (a reading page: a warning) is no write-a-review link
    text = "Read about Dr. X at https://www.ratemds.com/doctor-ratings/123/Dr-X-Vancouver-BC.html today."
    (link,) = [f for f in check_text(text).findings if f.source == "link"]
    assert link.severity == "warning"
    assert [e.linked for e in evidence(text)] == [False]


def _categories(text: str) -> list[tuple[str, str]]:
    return [(f.sentence or "", f.category) for f in check_text(text).findings]


def test_a_sentence_is_its_own_neighbourhood_for_gating_even_first() -> None:
    text = "If you were happy with your visit, please leave us a review on Google."
    assert _categories(text) == [(text, "review_gating")]


def test_gating_is_read_from_the_sentence_and_those_right_beside_it_only() -> None:
    ask = "Please leave us a review on Google."
    # the cue two sentences before the request
    text = f"Were you happy with us? We hope so, truly. {ask}"
    assert (ask, "express_request") in _categories(text)
    # the cue two sentences after it
    text = f"{ask} We read every single one of them. Not happy with your visit? Call us instead."
    assert (ask, "express_request") in _categories(text)
    # right beside it
    assert (ask, "review_gating") in _categories(f"{ask} Not happy with your visit? Call us.")


def test_a_reading_with_the_sentence_before_carries_that_sentence_s_cue() -> None:
    text = (
        "Please leave us a review on Google today. It helps other people find the care they need."
    )
    second = list(evidence(text, context=3))[1]
    assert [(r.before, r.cues) for r in second.readings] == [(0, ()), (1, ("x:lexicon_hit",))]


def test_a_reading_read_whole_is_scored_with_its_cues() -> None:
    # a reading whose sentences cannot be put together from their parts (a placeholder on
    # the same line) is read again as one text, with the lexicon's cues about it
    scorer = model.load()
    text = "Your kind words help. Share them here: {review_link} Thank you."
    reading = checker.Reading(text, (model.CUE_HIT,), 0, ())
    item = checker.Evidence(0, len(text), (reading,), None, False, False)
    scored = checker._probabilities([item], scorer)
    ((chosen, probability, _),) = checker._bands([item], scored, scorer.thresholds)
    assert chosen is reading
    assert probability == scorer.probability(text, (model.CUE_HIT,))
    assert probability != scorer.probability(text)


def test_the_sentences_read_are_kept_newest_first_and_bounded() -> None:
    scorer = model.load()
    pieces = checker._Pieces(scorer)
    sentences = [f"Sentence number {i} is about our opening hours." for i in range(600)]
    first = pieces.one(sentences[0])
    assert first == scorer.part(sentences[0])
    assert pieces((sentences[0],)) == [first]  # read once: the same part comes back
    assert pieces((sentences[1], sentences[0])) == [scorer.part(sentences[1]), first]
    for sentence in sentences[2 : checker._PIECES_KEPT + 1]:
        assert pieces.one(sentence) == scorer.part(sentence)
    # one over the bound: sentence 0 was used after sentence 1, so sentence 1 goes
    assert len(pieces.kept) == checker._PIECES_KEPT
    assert sentences[1] not in pieces.kept and sentences[0] in pieces.kept
    for sentence in sentences[checker._PIECES_KEPT + 1 :]:
        pieces.one(sentence)
    assert list(pieces.kept) == sentences[600 - checker._PIECES_KEPT :]


def test_indented_lines_give_sentences_without_their_indent() -> None:
    text = "   Please leave us a review on Google.\n\n\t  Thank you for your visit today.  \n"
    assert [text[a:b] for a, b in checker.sentences(text)] == [
        "Please leave us a review on Google.",
        "Thank you for your visit today.",
    ]
    assert list(checker.sentences(text)) == [(3, 38), (43, 74)]
