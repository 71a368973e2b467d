"""What the checker's fast paths must not change: the words a lexicon pattern needs before
it is searched (guardrail.literals), a long text read by several processes, and the
shortcuts in the model's reading of a sentence.  Each fast path is held equal to the slow
one on real corpus text and on text made to catch it out."""

import gc
import itertools
import logging
import re

import pytest

from guardrail import checker, corpus, lexicon, links, literals, model
from guardrail.checker import check_html, check_text, evidence
from guardrail.rules import builtin

_SPLITS = corpus.TRAINING_SPLITS + corpus.BLIND_SPLITS + corpus.WAITING_SPLITS


def _corpus_sentences() -> list[str]:
    return [e.sentence for split in corpus.available(_SPLITS) for e in corpus.load(split)]


# -- the words a pattern needs ---------------------------------------------------------------
def test_every_character_re_ignorecase_takes_for_ascii_is_read_as_that_character() -> None:
    """``lowered`` folds the characters beyond ASCII that re.IGNORECASE matches with an
    ASCII character; found here by trying every code point, so a Python whose case rules
    add one fails this test rather than the checker missing a request."""
    printable = re.compile(r"[\x20-\x7e]", re.IGNORECASE)
    folded = [chr(c) for c in range(0x80, 0x110000) if printable.fullmatch(chr(c))]
    assert folded  # İ, ı, ſ and the Kelvin sign on Python 3.11
    for char in folded:
        as_ascii = literals.lowered(char)
        assert len(as_ascii) == 1 and as_ascii.isascii(), char
        assert re.fullmatch(re.escape(as_ascii), char, re.IGNORECASE), char


def test_a_sentence_that_a_pattern_matches_always_has_the_words_it_needs() -> None:
    """Over every corpus sentence, every pattern: a match means every group finds one of its
    words in the sentence's lowered form (else the checker would skip a real request)."""
    checked = 0
    for sentence in _corpus_sentences():
        lowered = literals.lowered(sentence)
        for pattern in lexicon.PATTERNS:
            if pattern.regex.search(sentence):
                checked += 1
                assert all(search(lowered) for search in pattern.needs), (pattern.id, sentence)
    assert checked > 3000


@pytest.mark.parametrize(
    "sentence",
    [
        "Please leave us a REVİEW on Google.",  # İ (U+0130), which re.IGNORECASE reads as i
        "Please leave us a revıew on Google.",  # dotless ı
        "We'd love your teſtimonial for our website.",  # long s
        "Tell your friends and leave us a review — we'd be grateful!",
        "PLEASE RATE US ON YELP",
    ],
)
def test_folded_and_capital_letters_still_reach_the_patterns(sentence: str) -> None:
    """A request written with the characters re.IGNORECASE folds is still searched for."""
    assert checker._first_match(sentence)[0] is not None
    assert not check_text(sentence).clean


@pytest.mark.parametrize(
    ("pattern", "groups"),
    [
        (r"\bleave\s+a\s+review\b", (("review",), ("leave",))),  # the longest first
        (r"leave|write", (("leave", "write"),)),
        (r"(?:review)+s", (("review",),)),
        (r"(?:review)?s\b", ()),  # an optional part requires nothing
        (r"review|\w+", ()),  # an alternative with no words: nothing is sure
        (r"(?=review)\w+", ()),  # a look-ahead consumes nothing here
        (r"\bcaf[ée]\b|naïve", ()),  # words beyond ASCII are not relied on
        (r"ab\s+review", (("review",),)),  # "ab" is too short to be worth a search
        (r"\brat\b", (("rat",),)),  # three letters are enough
        (r"(review)s", (("review",),)),  # a capturing group
        (r"(?>review)s", (("review",),)),  # an atomic group
        (r"review[a-z]", (("review",),)),  # a class requires nothing
        (r"(?:ab\s+review|write)", (("review", "write"),)),  # each alternative's best group
        (r"(?:abcde\s+(?:vwxyz|fghij)|write)", (("abcde", "write"),)),  # the smaller on a tie
    ],
)
def test_required_reads_what_every_match_must_hold(pattern: str, groups: tuple) -> None:
    assert literals.required(pattern, re.IGNORECASE) == groups


def test_required_reads_the_pattern_with_its_flags() -> None:
    assert literals.required(r"re view", re.VERBOSE) == (("review",),)  # spaces ignored
    assert literals.required(r"re view", 0) == (("re view",),)


def test_a_group_s_search_finds_any_of_its_words() -> None:
    (either,) = literals.searches((("rating", "review"),))
    assert either("please leave a rating") and either("a review.")
    assert not either("a rat in the kitchen")


def test_every_lexicon_pattern_names_words_it_needs() -> None:
    """Each pattern keeps its cheap test (a pattern that lost it would be tried on every
    sentence of a megabyte: the bench would show it, this test says which)."""
    assert [p.id for p in lexicon.PATTERNS if not p.needs] == []


# -- several processes -----------------------------------------------------------------------
@pytest.fixture(scope="module")
def long_text() -> str:
    """Real corpus text past the length several processes read: sentences of every genre,
    requests next to the sentences that give their reason, placeholders and links."""
    text = "\n".join(_corpus_sentences())[: checker.PARALLEL_MIN_CHARS + 20_000]
    assert len(text) >= checker.PARALLEL_MIN_CHARS
    return text


def test_several_processes_find_what_one_finds(long_text: str) -> None:
    alone = check_text(long_text)
    assert len(alone.solicitation) > 100
    for workers in (2, 3):
        assert check_text(long_text, workers=workers).findings == alone.findings


def test_reading_a_text_leaves_no_cycles_and_the_collector_as_it_was(long_text: str) -> None:
    """check_text pauses the cycle collector while it reads (checker._no_cycle_collection):
    safe only because reading makes no reference cycles, which would pile up meanwhile.
    Real corpus text with links, placeholders, findings and warnings, in one process and
    in several; then the collector is running again, or still paused if it was."""
    text = long_text + "\nLeave us a review: https://g.page/r/abc/review [LINK] {first_name}"
    gc.collect()
    gc.disable()
    try:
        for workers in (1, 2):
            result = check_text(text, workers=workers)
            assert len(result.solicitation) > 100 and result.findings[-1].source == "link"
            del result
            assert not gc.isenabled()  # paused before: left paused
            assert gc.collect() == 0  # no object was freed only by the cycle collector
    finally:
        gc.enable()
    check_text(text[:2000])
    assert gc.isenabled()
    gc.disable()  # a cycle made while the collector is paused is found by it once running
    try:
        cycle: list[object] = []
        cycle.append(cycle)
        del cycle
        assert gc.collect() == 1
    finally:
        gc.enable()


def _assert_read_alike(alone: list, other_items: list) -> None:
    """Each sentence read elsewhere (another process, a window) as one process reads it:
    its place, its lexicon hit, link and bare-link marks, and its readings' words, cues and
    reach."""
    assert len(other_items) == len(alone)
    for one, other in zip(alone, other_items, strict=True):
        assert (one.start, one.end, one.hit, one.linked, one.short, one.bare) == (
            other.start, other.end, other.hit, other.linked, other.short, other.bare
        )  # fmt: skip
        assert [(r.text, r.cues, r.before) for r in one.readings] == [
            (r.text, r.cues, r.before) for r in other.readings
        ]


def test_several_processes_read_every_sentence_as_one_does(long_text: str) -> None:
    """Each sentence's readings (their words, cues, how far back they reach) and scores,
    across the windows' edges, where a reading takes in cues from the window before."""
    scorer = model.load()
    links = checker._link_findings(long_text, builtin())
    alone, scored, _ = checker._evidence_scored(long_text, links, scorer, 1)
    shared, shared_scored, drivers = checker._evidence_scored(long_text, links, scorer, 3)
    assert len(shared) == len(alone) > 1000
    assert shared_scored == scored
    _assert_read_alike(alone, shared)
    assert drivers  # the workers explained what they expected to be reported
    for text, words in list(drivers.items())[:50]:
        assert words == checker._words(scorer.drivers(text))


def test_a_worker_sends_back_its_window_as_one_process_reads_it(long_text: str) -> None:
    """checker._window, run here rather than in a forked process (so that what it does is
    seen): each window's sentences, their readings' cues and reach, the link and bare-link
    marks and the capped probabilities are those of the whole text read in one process;
    unpacked, their readings have the same words; and the drivers it sends are those of
    readings in a band, as one process explains them."""
    scorer = model.load()
    found = checker._link_findings(long_text, builtin())
    alone, scored, _ = checker._evidence_scored(long_text, found, scorer, 1)
    in_band = {  # every reading that some choice of bands could report
        reading.text
        for item, probabilities in zip(alone, scored, strict=True)
        for reading, probability in zip(item.readings, probabilities, strict=True)
        if checker.band(probability, item.hit is not None, scorer.thresholds, item.bare)
    }
    spans = list(checker.sentences(long_text))
    edges = [0, 700, 701, 1500, len(spans)]
    checker._FORKED["job"] = (long_text, found, spans, checker.how_read(scorer.settings), scorer)
    try:
        sent = [checker._window(window) for window in itertools.pairwise(edges)]
    finally:
        checker._FORKED.clear()
    assert [first for first, *_ in sent] == edges[:-1]
    items = [
        i for first, packed, _, _ in sent for i in checker._unpack(long_text, spans, first, packed)
    ]
    assert [s for _, _, window_scored, _ in sent for s in window_scored] == scored
    assert len(items) == len(alone) > 1500
    assert sum(i.linked for i in alone) > 0 and sum(i.bare for i in alone) > 0
    _assert_read_alike(alone, items)
    drivers = {text: words for *_, window_drivers in sent for text, words in window_drivers.items()}
    assert len(drivers) > 100 and set(drivers) <= in_band
    for text, words in drivers.items():
        assert words == checker._words(scorer.drivers(text))


def test_a_window_starts_with_the_cues_of_the_sentences_before_it() -> None:
    text = (
        "Thanks for a lovely year with us. Please leave us a review on Google. "
        "It helps other couples find us. Thank you all."
    )
    whole = list(evidence(text, context=3))
    assert whole[1].hit is not None
    spans = list(checker.sentences(text))
    pieces = [
        item
        for window in ((0, 2), (2, 3), (3, 4))
        for item in evidence(text, context=3, spans=spans, window=window)
    ]
    assert pieces == whole
    assert model.CUE_HIT in whole[2].readings[1].cues  # taken from the window before


def test_the_workers_are_forked_whatever_the_default_start_method(long_text: str) -> None:
    """The workers read the text from what the parent set before forking: they must be
    forked even where another start method is the default (macOS; Python 3.14)."""
    import multiprocessing

    default = multiprocessing.get_start_method(allow_none=True)
    multiprocessing.set_start_method("spawn", force=True)
    try:
        assert check_text(long_text, workers=2).findings == check_text(long_text).findings
    finally:
        multiprocessing.set_start_method(default, force=True)


def test_a_text_is_read_in_one_process_when_it_cannot_fork(
    long_text: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import multiprocessing

    def no_fork(method: str | None = None) -> None:
        raise ValueError(f"cannot find context for {method!r}")

    alone = check_text(long_text).findings
    monkeypatch.setattr(multiprocessing, "get_context", no_fork)
    with caplog.at_level(logging.WARNING, logger="guardrail.checker"):
        short = long_text[: checker.PARALLEL_MIN_CHARS - 1]
        check_text(short, workers=2)  # too short to be worth processes: none is asked for
        check_text(long_text, workers=1)  # one process asked for: none forked
        check_text(long_text)  # nor by default (the crawler's and the dashboard's reading)
        check_html(f"<p>{long_text}</p>")
        assert not caplog.text
        assert check_text(long_text, workers=2).findings == alone
        assert caplog.records[-1].getMessage() == (
            "could not read the text in 2 processes (cannot find context for 'fork'): "
            "reading it in one"
        )
        caplog.clear()
        check_text(long_text[: checker.PARALLEL_MIN_CHARS], workers=2)  # just long enough
        assert "reading it in one" in caplog.text


def test_a_reading_from_pieces_is_scored_with_its_cues() -> None:
    """A reading with a closing quote between its sentences, scored from its pieces, carries
    the lexicon's cue about the request before it, as the text read whole does."""
    scorer = model.load()
    text = 'She wrote: "Please leave us a review on Google." It helps other couples find us.'
    item = list(evidence(text, context=3))[1]
    (reading,) = [r for r in item.readings if r.before]
    assert reading.pieces and not reading.parts and model.CUE_HIT in reading.cues
    (scores,) = checker._probabilities([item], scorer)
    assert scores[1] == pytest.approx(scorer.probability(reading.text, reading.cues), abs=1e-12)
    assert scores[1] != pytest.approx(scorer.probability(reading.text), abs=1e-6)


def test_a_web_page_is_read_by_several_processes_alike(long_text: str) -> None:
    page = "<html><body>" + "".join(f"<p>{line}</p>" for line in long_text.splitlines())
    page += "</body></html>"
    assert check_html(page, workers=2).findings == check_html(page).findings


# -- the model's shortcuts -------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "Review us at https://g.page/r/abc/review today",
        "Review us at https://localhost/review today",  # a colon and no dot
        "Hi %FIRST_NAME%, how was your visit?",
        "Hi {{first_name}} [LINK] <review link>",
        "See clinic.ca/reviews or WWW.EXAMPLE.COM",
        "No link and no placeholder at all",
        "Laissez un avis sur Google, s’il vous plaît : https://exemple.ca",
        "Visit clinic.ıo or clinic.İO today.",  # letters IGNORECASE reads as an ASCII i
        "Visit www.1-example today",  # no dot before a letter
        "Visit clinic.CA or e.g. nothing.",
        "A dot ends this sentence.",
    ],
)
def test_normalise_reads_links_and_placeholders_as_the_full_rule_does(text: str) -> None:
    assert model.normalise(text) == _normalise_in_full(text)


def test_normalise_equals_the_full_rule_on_every_corpus_sentence() -> None:
    for sentence in _corpus_sentences():
        assert model.normalise(sentence) == _normalise_in_full(sentence), sentence


def _normalise_in_full(text: str) -> str:
    """The rule without its shortcuts: every link and placeholder pattern tried."""
    import unicodedata

    text = model._SLOT.sub(" _slot_ ", model._URL.sub(" _url_ ", text)).lower()
    return re.sub(r"[\u0300-\u036f]", "", unicodedata.normalize("NFKD", text)).replace("’", "'")


# -- the cues' cheap tests -------------------------------------------------------------------
_GATED = {
    "incentive": checker._INCENTIVE_CUE,
    "gating": checker._GATING_CUE,
    "staff": checker._STAFF_CUE,
    "testimonial_request": checker._TESTIMONIAL_REQUEST_CUE,
    "public_place": checker._PUBLIC_PLACE,
    "urls": links._URLS,
}
_CUE_TEXTS = [
    "Get 10% off your next visit.",  # a single character the cue needs: "%"
    "Get 10 % off, or $ 20 back.",
    "A $5 coffee card for every review.",
    "Every reviewer is entered in our RAFFLE.",
    "Every reviewer is entered in our DRAW.",  # capitals
    "Leave a review and WİN a gİft card.",  # İ, which re.IGNORECASE reads as an ASCII i
    "We waive the fee in exchange for a review.",
    "Only happy clients are sent to Google; if not, e-mail us privately.",
    "Our ſtaff and their families, please review us.",  # long s
    "Follow us @clinic or #clinic on social media.",  # "@", "#": single characters too
    "Thanks for a lovely year with us.",
    "Review us at HTTPS://G.PAGE/r/abc/review or WWW.YELP.CA/writeareview/biz/x.",
    "Our page: m.facebook.com/clinic/reviews and bit.ly/ourreviews.",
    "Find us on ratemds.com/doctor-ratings/1/Dr-A.html, or on Yelp.",
    "",
]


@pytest.mark.parametrize("name", list(_GATED))
def test_a_gated_cue_finds_what_its_expression_finds(name: str) -> None:
    """search and finditer behind the cheap test give what the expression gives, on every
    corpus sentence and on text made to catch the test out (single characters, capitals,
    the letters re.IGNORECASE folds)."""
    gated = _GATED[name]
    found = 0
    for text in _corpus_sentences() + _CUE_TEXTS:
        expected = gated.regex.search(text)
        actual = gated.search(text)
        assert (actual and actual.span()) == (expected and expected.span()), text
        found += expected is not None
        spans = [m.span() for m in gated.finditer(text)]
        assert spans == [m.span() for m in gated.regex.finditer(text)], text
    assert found > 100


def test_a_gated_cue_names_the_words_it_needs() -> None:
    """Each cue keeps a test that spares most sentences its search (the incentive cue needs
    "%" or "$" or one of its words), and a test without redundant words."""
    for gated in _GATED.values():
        assert gated.groups
        for group in gated.groups:
            assert not [w for w in group if any(v != w and v in w for v in group)]
    (incentive,) = checker._INCENTIVE_CUE.groups
    assert {"%", "$", "free", "gift"} <= set(incentive) and "gifts" not in incentive
    assert not checker._INCENTIVE_CUE.may_match("Thanks for a lovely year with us.")
    assert checker._INCENTIVE_CUE.may_match("Get 10% OFF")


def test_required_keeps_short_strings_when_asked() -> None:
    assert literals.required(r"\d+%|\$\d+", re.IGNORECASE) == ()
    assert literals.required(r"\d+%|\$\d+", re.IGNORECASE, min_length=1) == (("$", "%"),)


def test_lowered_translates_only_what_holds_a_folded_character() -> None:
    """lowered skips the translation when none of the four characters is there: the same
    text as translating every sentence."""
    texts = _corpus_sentences() + ["Café İ", "ſtars", "\u212aind", "ıt", "naïve ÉTÉ", "ASCII"]
    for text in texts:
        assert literals.lowered(text) == text.translate(literals._AS_ASCII).lower(), text


# -- the model's feature names ---------------------------------------------------------------
def _features_as_first_written(scorer: model.Model, words: list[str], cues=()) -> frozenset:
    """Model._features before its names were the table's own strings: the same names, in
    the same order, so the same set, iterated alike (its sums are in that order)."""
    import itertools

    table = scorer.table
    low, high = scorer.settings["char_ngrams"]

    def own(word: str) -> tuple[str, ...]:
        mine = ("w:" + word,) if "w:" + word in table else ()
        grams = dict.fromkeys(model._char_grams(word, low, high))
        return mine + tuple(g for g in grams if g in table) if word[0].isalpha() else mine

    longer = list(cues)
    for n in range(2, scorer.settings["word_ngrams"] + 1):
        longer += ["w:" + " ".join(words[i : i + n]) for i in range(len(words) - n + 1)]
    mine = itertools.chain.from_iterable(map(own, words))
    return frozenset(itertools.chain(mine, filter(table.__contains__, longer)))


def test_a_text_s_features_are_the_table_s_own_names_in_the_same_order() -> None:
    """The features are the table's own string objects (found by identity), and the set
    holds and iterates them as the set of the names built afresh did: each sentence's sum,
    taken in that order, is the same to the last bit."""
    scorer = model.load()
    cues = (model.CUE_HIT,)
    for sentence in _corpus_sentences():
        words = model.tokens(model.normalise(sentence))
        present = scorer._features(words, cues)
        before = _features_as_first_written(scorer, words, cues)
        assert list(present) == list(before), sentence
        assert all(scorer._names[name] is name for name in present), sentence
        both = sum(map(scorer._both.__getitem__, before), 0j)
        assert sum(map(scorer._both.__getitem__, present), 0j) == both, sentence


class _JoinedAsFirstWritten(model.Model):
    """Model._parts_both before the pairs of neighbours were kept from reading to reading."""

    def _parts_both(self, parts):  # type: ignore[no-untyped-def]
        both = parts[0].both
        for k in range(1, len(parts)):
            present = parts[k].present
            shared = present & parts[0].present
            for earlier in parts[1:k]:
                shared |= present & earlier.present
            both += parts[k].both - sum(map(self._both.__getitem__, shared), 0j)
        return both

    def _shared(self, earlier, later):  # type: ignore[no-untyped-def]
        raise AssertionError("not used as first written")


@pytest.mark.parametrize("between", [" ", "\n", '" ', " • "])
def test_readings_of_several_sentences_score_as_first_written(between: str) -> None:
    """Every reading of a long text (its sentences read with the one or two before them,
    from their parts or their pieces) scores the same, to the last bit, as when each pair's
    shared features were found afresh."""
    import json

    first = _JoinedAsFirstWritten(json.loads(model.MODEL_FILE.read_bytes()), "")
    scorer = model.read()
    text = between.join(_corpus_sentences()[:3000])
    items = list(evidence(text, context=3))
    assert sum(len(r.parts or r.pieces) == 3 for i in items for r in i.readings) > 1000
    assert checker._probabilities(items, scorer) == checker._probabilities(items, first)
    assert 0 < len(scorer._pairs) <= model._PAIRS_KEPT  # the pairs kept stay few


@pytest.mark.parametrize(
    "text", ["5 stars, 10% off", "²x and ①", "no digit here", "déjà 2 fois", "", "a’b 7"]
)
def test_tokens_replace_every_number_as_the_full_rule_does(text: str) -> None:
    assert model.tokens(text) == _tokens_in_full(text)


def test_tokens_equal_the_full_rule_on_every_corpus_sentence() -> None:
    for sentence in _corpus_sentences():
        for text in (sentence, model.normalise(sentence)):
            assert model.tokens(text) == _tokens_in_full(text), text


def _tokens_in_full(text: str) -> list[str]:
    """The rule without its shortcut: every token that starts with a digit becomes 0."""
    return ["0" if t[0].isdigit() else t for t in model._TOKEN.findall(text)]
