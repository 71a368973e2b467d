"""Model 7's two rules (README, "Model 7"): no reading of a sentence scores above the
sentence read with those around it (a cap within a few hundred characters), and a bare link
is a finding only by a pattern or by its link."""

from guardrail import checker, model
from guardrail.checker import _bare, _capped, check_text, evidence

# A clinic's own page: the first sentence alone reads like the thanks that closes an ask; the
# one after it says there is none.
DISCLAIMED = (
    "Your kind words mean a lot to us. We cannot invite or display testimonials, so we keep "
    "them private and never publish them."
)


def test_the_shipped_model_reads_each_sentence_in_its_paragraph() -> None:
    settings = model.load().settings
    assert settings["around"] == 2 and settings["around_chars"] == 430


def test_a_sentence_that_reads_as_an_ask_only_alone_is_not_a_finding() -> None:
    scorer = model.load()
    first = next(evidence(DISCLAIMED, context=3, around=2, around_chars=430))
    alone = scorer.probability(first.readings[0].text, first.readings[0].cues)
    assert first.whole is not None and first.whole.text == DISCLAIMED
    whole = scorer.probability(first.whole.text, first.whole.cues)
    # alone it would be a finding; in its paragraph it is not
    assert alone >= scorer.thresholds.finding > whole
    assert [f for f in check_text(DISCLAIMED).findings if f.severity == checker.FINDING] == []


def test_the_cap_takes_in_two_sentences_on_each_side_within_its_characters() -> None:
    text = "One. Two. Three is here. Four. Five. Six."
    items = list(evidence(text, context=3, around=2, around_chars=430))
    assert [i.whole.text if i.whole else None for i in items] == [
        "One. Two. Three is here.",
        "One. Two. Three is here. Four.",
        "One. Two. Three is here. Four. Five.",
        "Two. Three is here. Four. Five. Six.",
        "Three is here. Four. Five. Six.",
        "Four. Five. Six.",
    ]
    # a neighbour that would take the whole past the characters allowed is left out
    long = "A sentence of some length, " * 10 + "ends here."
    items = list(evidence(f"Short one. {long} Short two.", context=3, around=2, around_chars=40))
    assert [i.whole for i in items] == [None, None, None]
    # two readings of a text give equal evidence, the functions that make each whole aside
    again = list(evidence(f"Short one. {long} Short two.", context=3, around=2, around_chars=40))
    assert again == items
    items = list(evidence(f"Short one. {long} Short two.", context=3, around=2, around_chars=430))
    assert items[1].whole is not None and items[1].whole.text == f"Short one. {long} Short two."
    assert (
        list(evidence(f"Short one. {long} Short two.", context=3, around=2, around_chars=430))
        == items
    )


def test_a_long_run_of_asks_keeps_its_findings() -> None:
    # pieces of 1,000 characters are read alone, not five at a time (which diluted the ask)
    text = "please leave us a review we never ask " * 300
    items = list(evidence(text, context=3, around=2, around_chars=430))
    assert all(i.whole is None for i in items)
    assert len(check_text(text).solicitation) >= 2


def test_a_request_before_long_prose_is_still_a_finding() -> None:
    prose = (
        "Our offices are on the second floor of the Harbour Building, with an elevator from "
        "the lobby and bicycle parking at the back. "
    )
    text = "Please leave us a review on Google. " + prose * 3
    assert [f.text for f in check_text(text).findings] == ["leave us a review"]


def test_the_cap_lowers_only_what_reaches_the_lowest_threshold() -> None:
    made: list[checker.Reading] = []

    def whole() -> checker.Reading:
        made.append(checker.Reading("whole", (), 0))
        return made[-1]

    assert _capped((0.9, 0.4), whole, lambda r: 0.5, 0.1) == (0.5, 0.4)
    assert _capped((0.05, 0.02), whole, lambda r: 0.0, 0.1) == (0.05, 0.02)  # clean anyway
    assert len(made) == 1  # the whole of a sentence that is clean anyway is not even made
    assert _capped((0.1,), whole, lambda r: 0.0, 0.1) == (0.0,)  # at the lowest threshold
    assert _capped((0.9,), None, lambda r: 0.0, 0.1) == (0.9,)


def test_a_bare_link_is_a_link_and_a_word_or_two() -> None:
    assert _bare("Our profile: https://www.ratemds.com/doctor-ratings/1/Dr-A.html")
    assert _bare("www.clinic.example")
    assert not _bare("Leave us a review: https://clinic.example/reviews")
    assert not _bare(
        "A new page: https://clinic.example/fees"
    )  # three words are not "a word or two"
    assert not _bare("Our profile is on our site.")


def test_the_model_alone_makes_a_bare_link_a_warning_at_most() -> None:
    limits = model.Thresholds(finding=0.5, warning=0.1, lexicon=0.3)
    assert checker.band(0.9, False, limits, bare=True) == checker.WARNING
    assert checker.band(0.9, False, limits) == checker.FINDING
    assert checker.band(0.9, True, limits, bare=True) == checker.FINDING  # a pattern decides
    assert checker.band(0.05, False, limits, bare=True) is None
    text = "Our website: https://clinic.example/about"
    assert check_text(text).findings == [] or all(
        f.severity == checker.WARNING for f in check_text(text).findings
    )
