"""Find express or implied solicitation of reviews and testimonials in outgoing text.

Newsletters, e-mails, website copy, social posts, intake paperwork: :func:`check_text` for
plain text, :func:`check_html` for web pages (tags stripped, links kept, review markup and
widgets detected).  Deterministic and explainable: sentence-level regular expressions from
:mod:`guardrail.lexicon`, with negation and policy-statement handling, the write-a-review
link shapes of :mod:`guardrail.links`, and the linear model of :mod:`guardrail.model` (read
from plain JSON), which together put each sentence in a band: finding, needs a person, or
clean.  No network.
"""

import gc
import itertools
import logging
import os
import re
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from functools import partial
from typing import Any

from guardrail import lexicon, literals, model
from guardrail.links import WARNING, classify_link, find_urls
from guardrail.model import Model, Part, Thresholds
from guardrail.rules import RuleSet, builtin

logger = logging.getLogger(__name__)

FINDING = "finding"


@dataclass(frozen=True)
class TextFinding:
    """One piece of solicitation: where it is, what it is, which rule it breaks, and why."""

    start: int | None  # offsets in the checked text; None for a link found only in markup
    end: int | None
    text: str  # the matched words (or the URL)
    category: str
    rule_id: str  # the catalogue action it falls under
    pattern: str  # which checker pattern matched
    severity: str  # "finding" (solicitation) or "warning" (worth a look, not a breach)
    explanation: str
    sentence: str = ""
    source: str = "text"  # text, link, markup, widget

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class CheckResult:
    text: str
    findings: list[TextFinding] = field(default_factory=list)
    title: str | None = None

    @property
    def solicitation(self) -> list[TextFinding]:
        return [f for f in self.findings if f.severity == FINDING]

    @property
    def clean(self) -> bool:
        return not self.solicitation


# -- sentences -------------------------------------------------------------------------------
# A sentence ends after . ! ? -- but not after a title or common abbreviation ("Dr. Singh").
_ABBREVIATION = r"(?<!\bDr\.)(?<!\bMr\.)(?<!\bMs\.)(?<!\bMrs\.)(?<!\bSt\.)(?<!\bMx\.)(?<!\bvs\.)(?<!\be\.g\.)(?<!\bi\.e\.)"
_SENTENCE_END = re.compile(
    # the end punctuation is looked for first: the abbreviations are then tried only after
    # a full stop, not at every character (a third of the time sentences took)
    rf"(?<=[.!?]){_ABBREVIATION}[\"'”’)\]]*\s+|(?<!\s)\s+[•·▪]\s+|(?<=\S)[ \t]{{3,}}"
)
_LINE_ENDS_SENTENCE = re.compile(r"[.!?:][\"'”’)\]]*\s*$")
_LINE_STARTS_ITEM = re.compile(r"^\s*(?:[-*•·▪#>|]|\d+[.)]\s)")
_HEADING_MAX = 60  # a line this short without end punctuation is a heading or a subject


def _blocks(text: str) -> Iterator[tuple[int, int]]:
    """Runs of lines that belong together: hard-wrapped lines are joined, while blank lines,
    end punctuation, short heading-like lines and list items end a block."""
    start = None
    previous = ""
    offset = 0
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        if not body.strip():
            if start is not None:
                yield start, offset
                start = None
        else:
            breaks = start is not None and (
                _LINE_ENDS_SENTENCE.search(previous)
                or len(previous.strip()) <= _HEADING_MAX
                or _LINE_STARTS_ITEM.match(body)
            )
            if breaks:
                yield start, offset  # type: ignore[misc]
                start = None
            if start is None:
                start = offset
            previous = body
        offset += len(line)
    if start is not None:
        yield start, offset


# No sentence is longer than this: a longer run is cut at a space (or, without one, anywhere),
# so the work done per sentence is bounded and checking stays linear in the text's length.
MAX_SENTENCE_CHARS = 1000


def sentences(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each sentence, heading or list item; URLs' dots end nothing."""
    for block_start, block_end in _blocks(text):
        start = block_start
        for match in _SENTENCE_END.finditer(text, block_start, block_end):
            if text[start : match.start()].strip():
                yield from _pieces(text, *_trim(text, start, match.start()))
            start = match.end()
        if text[start:block_end].strip():
            yield from _pieces(text, *_trim(text, start, block_end))


def _pieces(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    while end - start > MAX_SENTENCE_CHARS:
        cut = text.rfind(" ", start + MAX_SENTENCE_CHARS // 2, start + MAX_SENTENCE_CHARS)
        cut = cut if cut > start else start + MAX_SENTENCE_CHARS
        yield _trim(text, start, cut)
        start = cut
        while start < end and text[start].isspace():
            start += 1
    if start < end:
        yield start, end


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


# -- negation ----------------------------------------------------------------------------------
def _clause_before(sentence: str, position: int) -> str:
    prefix = sentence[:position]
    cut = 0
    for boundary in lexicon.CLAUSE_BOUNDARY.finditer(prefix):
        cut = boundary.end()
    return prefix[cut:]


def negated(sentence: str, position: int) -> bool:
    """True when the words before ``position`` (in the same clause) negate the request or
    make it the client's own choice ("we do not ask for", "is not a request for",
    "if you choose to")."""
    clause = _clause_before(sentence, position)
    cleaned = lexicon.NOT_A_NEGATION.sub(" ", clause)
    return bool(lexicon.NEGATOR.search(cleaned) or lexicon.CLIENT_CHOICE.search(clause))


# -- sentence-level matching ---------------------------------------------------------------
def _first_match(sentence: str) -> tuple[tuple[lexicon.Pattern, re.Match[str]] | None, bool]:
    """The earliest request a pattern reads (not negated), and whether any pattern's words
    are in the sentence at all (negated or not)."""
    best: tuple[lexicon.Pattern, re.Match[str]] | None = None
    seen = False
    lowered = literals.lowered(sentence)
    for pattern in lexicon.PATTERNS:
        for search in pattern.needs:
            if not search(lowered):
                break  # it lacks words every match of the pattern holds: not searched
        else:
            for match in pattern.regex.finditer(sentence):
                seen = True
                if negated(sentence, match.start()):
                    continue
                if best is None or match.start() < best[1].start():
                    best = (pattern, match)
                break
    return best, seen


# A public place, behind a test of the words it needs (see literals.Gated: the same matches).
_PUBLIC_PLACE = literals.Gated(lexicon.PUBLIC_PLACE_RE)
_APPEAL = lexicon.Pattern(
    "appeal",
    "implied_request",
    lexicon.APPEAL_RE,
    "asks the reader to put their words, stars or story somewhere the public can see them",
)
_EXPRESS_WORDS = re.compile(
    r"\b(?:re[vi]{1,2}e?ws?|reveiws?|rate|ratings?|stars?|avis)\b|⭐", re.IGNORECASE
)


def _appeal(sentence: str) -> tuple[lexicon.Pattern, re.Match[str]] | None:
    """An appeal, something a review is made of and a public place, in one sentence; the
    appeal itself must not be negated ("we never ask…") nor about internal feedback."""
    if not lexicon.REVIEW_STUFF_RE.search(sentence):
        return None
    public = _PUBLIC_PLACE.finditer(sentence)
    if not any(not negated(sentence, m.start()) for m in public):  # "we never publish…"
        return None
    if lexicon.REPORTING.search(sentence):
        return None
    for match in lexicon.APPEAL_RE.finditer(sentence):
        if negated(sentence, match.start()):
            continue
        clause_start = len(sentence[: match.start()]) - len(_clause_before(sentence, match.start()))
        clause_end = next(
            (b.start() for b in lexicon.CLAUSE_BOUNDARY.finditer(sentence, match.end())),
            len(sentence),
        )
        if lexicon.INTERNAL_CUE.search(sentence[clause_start:clause_end]):
            continue
        category = "express_request" if _EXPRESS_WORDS.search(sentence) else "implied_request"
        return lexicon.Pattern(_APPEAL.id, category, _APPEAL.regex, _APPEAL.why), match
    return None


_REVIEW_OBJECT = re.compile(r"\breviews?\b|\bstars?\b|\btestimonials?\b", re.IGNORECASE)


def _disclaims(sentence: str, neighbourhood: str) -> bool:
    """A sentence that names reviews to disclaim them ("…is against our ethics policy",
    "testimonials aren't something we collect"), or feedback that stays inside the clinic
    with no public place named ("part of our anonymous internal survey")."""
    if lexicon.DISCLAIMER.search(sentence):
        return True
    return bool(
        lexicon.INTERNAL_SURVEY.search(neighbourhood)
        and not _PUBLIC_PLACE.search(sentence)
        and not _REVIEW_OBJECT.search(sentence)
    )


# The cues read for most sentences, each behind a test of the words it needs (see
# literals.Gated: the same matches).
_INCENTIVE_CUE = literals.Gated(lexicon.INCENTIVE_CUE)
_GATING_CUE = literals.Gated(lexicon.GATING_CUE)
_STAFF_CUE = literals.Gated(lexicon.STAFF_CUE)
_TESTIMONIAL_REQUEST_CUE = literals.Gated(lexicon.TESTIMONIAL_REQUEST_CUE)


def _incentive(sentence: str) -> re.Match[str] | None:
    if not _INCENTIVE_CUE.search(sentence):
        return None
    for match in lexicon.INCENTIVE_ANCHOR.finditer(sentence):
        if not negated(sentence, match.start()):
            return match
    return None


def _category(pattern: lexicon.Pattern, sentence: str, neighbourhood: str) -> str:
    if _INCENTIVE_CUE.search(sentence):
        return "incentive"
    if _GATING_CUE.search(neighbourhood):
        return "review_gating"
    if _STAFF_CUE.search(sentence):
        return "staff_request"
    if pattern.id == "testimonial":
        return (
            "testimonial_request"
            if _TESTIMONIAL_REQUEST_CUE.search(sentence)
            else "testimonial_display"
        )
    return pattern.category


def _explain(category: str, why: str, rule_set: RuleSet) -> tuple[str, str]:
    rule_id = lexicon.CATEGORY_RULE[category]
    try:
        rule = rule_set.get(rule_id)
        tail = rule.explanation
    except KeyError:
        tail = "The clinic's rule set forbids soliciting reviews or testimonials."
    head = lexicon.CATEGORY_WORDS.get(category, category)
    return rule_id, f"{head}: {why}. {tail}"


def _link_finding(
    link: Any, url: str, start: int | None, end: int | None, rule_set: RuleSet
) -> TextFinding:
    """A link to a review site's page: a warning for a reading page, a finding for a
    write-a-review page."""
    category = "review_site_link" if link.severity == WARNING else "write_review_link"
    rule_id, explanation = _explain(category, link.reason, rule_set)
    return TextFinding(
        start,
        end,
        url,
        category,
        rule_id,
        f"link:{link.site}",
        link.severity,
        explanation,
        source="link",
    )  # fmt: skip


def _link_findings(text: str, rule_set: RuleSet) -> list[TextFinding]:
    found = []
    for start, end, url in find_urls(text):
        link = classify_link(url)
        if link is None:
            continue
        found.append(_link_finding(link, url, start, end, rule_set))
    return found


@dataclass(frozen=True)
class LexiconHit:
    """What the hand-written patterns found in one sentence."""

    pattern: str
    category: str
    start: int  # offsets in the sentence
    end: int
    text: str
    why: str


@dataclass(frozen=True)
class _Scan:
    """What the lexicon finds in a sentence on its own (the same wherever it stands)."""

    hit: tuple[lexicon.Pattern, re.Match[str]] | None  # the first request it reads
    incentive: re.Match[str] | None  # a reward tied to a review, when no request was read
    # A pattern's words are in the sentence, read as a request or not (the model's
    # CUE_SET_ASIDE when the lexicon finds no request in the end).
    pattern_words: bool = False


def _scan(sentence: str) -> _Scan:
    first, pattern_words = _first_match(sentence)
    hit = first or _appeal(sentence)
    return _Scan(hit, _incentive(sentence) if hit is None else None, pattern_words)


def lexicon_match(
    sentence: str,
    neighbourhood: str | Callable[[], str] | None = None,
    *,
    scan: _Scan | None = None,
) -> LexiconHit | None:
    """The lexicon's reading of one sentence: the first non-negated, non-disclaimed request,
    or None.  ``neighbourhood`` (the sentence and those either side, or a function that
    returns them) is read only after a match, for gating and internal-survey cues; ``scan``:
    the sentence's :func:`_scan`, when already made."""
    scan = scan or _scan(sentence)
    hit, incentive = scan.hit, scan.incentive
    if hit is None and incentive is None:
        return None
    if neighbourhood is None:
        neighbourhood = sentence
    elif callable(neighbourhood):
        neighbourhood = neighbourhood()
    if _disclaims(sentence, neighbourhood):
        return None
    if hit is not None:
        pattern, match = hit
        category = _category(pattern, sentence, neighbourhood)
        why, pattern_id = pattern.why, pattern.id
    else:
        assert incentive is not None
        match, category = incentive, "incentive"
        why, pattern_id = "ties a reward to a review", "incentive"
    return LexiconHit(pattern_id, category, match.start(), match.end(), match.group(0), why)


# -- the three bands ---------------------------------------------------------------------------
# A sentence this short ("Share it here: [LINK]", "Not happy?") takes its meaning from those
# around it: the model reads it after the one before it, and (unless a lexicon pattern matched
# it) it is reported only when it reaches a band its neighbours do not reach on their own.
SHORT_SENTENCE_WORDS = 6


@dataclass(frozen=True)
class Reading:
    """One text the model reads for a sentence, and the lexicon's cues about that text."""

    text: str
    cues: tuple[str, ...]  # model.CUE_HIT, model.CUE_SET_ASIDE: what the lexicon made of it
    before: int  # how many sentences before this one it takes in
    # The sentences ``text`` is made of, when the model may read it as their words one after
    # another (white space between them, no placeholder that could span two); else empty,
    # and ``text`` is read whole.
    parts: tuple[str, ...] = ()
    # When ``parts`` is empty: the sentences and what stands between them (a closing quote,
    # a bullet), to be read as their words one after another if the model finds them so
    # (see Model.pieces_probability).
    pieces: tuple[str, ...] = ()


@dataclass(frozen=True)
class Evidence:
    """What the checker knows about one sentence before the model speaks."""

    start: int  # the sentence's span in the checked text
    end: int
    # What the model reads: first the sentence (after the one before it when short), then the
    # sentence with the one or more before it (an ask whose reason or request is in the
    # sentence before: "Reviews are how people choose a therapist. Ours could use a few more.")
    readings: tuple[Reading, ...]
    hit: LexiconHit | None  # the lexicon's reading
    linked: bool  # a write-a-review link inside the sentence (a finding of its own)
    short: bool
    # Makes :attr:`whole` when it is asked for: most sentences are clean read alone, and
    # their whole is never read (None: the sentence is read alone).  Left out of equality
    # and repr: a function made afresh by each reading of a text.
    make_whole: Callable[[], Reading] | None = field(default=None, compare=False, repr=False)
    # A link and a word or two ("Our profile: https://…"): what the link is decides, so the
    # model alone makes it a warning at most (:func:`band`).
    bare: bool = False

    @property
    def whole(self) -> Reading | None:
        """The sentence with those around it (up to ``around`` on each side, within
        ``around_chars``; see :func:`evidence`): none of its readings scores above this one
        (:func:`_capped`), so a sentence that reads as an ask alone but not in its paragraph
        ("Your kind words mean a lot to us.  We cannot invite or display testimonials, so we
        keep them private.") is read as the paragraph reads.  None when the sentence is read
        alone."""
        return self.make_whole() if self.make_whole is not None else None


def evidence(
    text: str,
    links: list[TextFinding] | None = None,
    *,
    context: int = 1,
    around: int = 0,
    around_chars: int = 0,
    spans: list[tuple[int, int]] | None = None,
    window: tuple[int, int] | None = None,
) -> Iterator[Evidence]:
    """One :class:`Evidence` per sentence of ``text`` (``links``: its link findings, if
    already found; ``context``: how many sentences, this one included, the model reads at
    most; ``around``: how many sentences on each side :attr:`Evidence.whole` takes in, while
    it stays within ``around_chars`` characters; ``spans``: its sentences, if already found;
    ``window``: (first, stop), only the sentences ``spans[first:stop]``, each the same as
    when the whole text is read)."""
    spans = list(sentences(text)) if spans is None else spans
    first, stop = window if window is not None else (0, len(spans))
    links = _link_findings(text, builtin()) if links is None else links
    linked = sorted(f.start for f in links if f.start is not None and f.severity == FINDING)
    # What depends on a sentence alone is worked out once per distinct sentence (a footer,
    # a signature or a disclaimer repeated through a long text is read once).
    scans: dict[str, _Scan] = {}
    looked: dict[int, tuple[LexiconHit | None, tuple[str, ...]]] = {}  # hit and cues so far

    def look(index: int) -> tuple[LexiconHit | None, tuple[str, ...]]:
        """The lexicon's reading of sentence ``index`` and its cues, worked out once."""
        if index not in looked:
            sentence = text[slice(*spans[index])]
            if sentence not in scans:
                scans[sentence] = _scan(sentence)
            lo, hi = max(0, index - 1), min(len(spans), index + 2)

            def neighbourhood(lo: int = lo, hi: int = hi) -> str:
                return " ".join(text[a:b] for a, b in spans[lo:hi])

            hit = lexicon_match(sentence, neighbourhood, scan=scans[sentence])
            aside = hit is None and scans[sentence].pattern_words  # the words, but no request
            looked[index] = (
                hit,
                (model.CUE_HIT,) if hit else (model.CUE_SET_ASIDE,) if aside else (),
            )
        return looked[index]

    def reading(lo: int, hi: int, index: int) -> Reading:
        """The sentences ``lo`` to ``hi`` (inclusive) read as one text for sentence ``index``."""
        parts = _parts(text, spans[lo : hi + 1])
        return Reading(
            text[spans[lo][0] : spans[hi][1]],
            tuple(sorted(set().union(*(look(i)[1] for i in range(lo, hi + 1))))),
            index - lo,
            parts,
            () if parts or lo == hi else _between(text, spans[lo : hi + 1]),
        )

    # The first sentence's readings take in the cues of the sentences before it.
    for index in range(first, stop):
        start, end = spans[index]
        short = len(text[start:end].split()) < SHORT_SENTENCE_WORDS
        hit = look(index)[0]
        readings = []
        for before in range(min(index, context - 1) + 1):
            if before == 0 and short and index:
                before = 1  # a short sentence is read after the one before it
            elif before == 1 and short:
                continue  # already read so
            readings.append(reading(index - before, index, index))
        lo = hi = index
        for _ in range(around):  # one more on each side while the whole stays short enough
            if lo and spans[hi][1] - spans[lo - 1][0] <= around_chars:
                lo -= 1
            if hi + 1 < len(spans) and spans[hi + 1][1] - spans[lo][0] <= around_chars:
                hi += 1
        link = bisect_left(linked, start)
        yield Evidence(
            start,
            end,
            tuple(readings),
            hit,
            link < len(linked) and linked[link] < end,
            short,
            partial(reading, lo, hi, index) if hi > lo else None,
            _bare(text[start:end]),
        )


BARE_LINK_WORDS = 3  # a sentence with a link and fewer words than this besides is a bare link


def _bare(sentence: str) -> bool:
    """True for a link and a word or two: "Our profile: https://…", "Book here: www.…"."""
    urls = find_urls(sentence)
    if not urls:
        return False
    rest, last = [], 0
    for start, end, _ in urls:
        rest.append(sentence[last:start])
        last = end
    rest.append(sentence[last:])
    return len(" ".join(rest).split()) < BARE_LINK_WORDS


def _between(text: str, spans: list[tuple[int, int]]) -> tuple[str, ...]:
    """The sentences at ``spans`` and, between them, what is not white space."""
    pieces = [text[slice(*spans[0])]]
    for (_, end), (start, stop) in itertools.pairwise(spans):
        if gap := text[end:start].strip():
            pieces.append(gap)
        pieces.append(text[start:stop])
    return tuple(pieces)


_PLACEHOLDER_OPENS = re.compile(r"[{\[<]")


def _parts(text: str, spans: list[tuple[int, int]]) -> tuple[str, ...]:
    """The sentences at ``spans`` if a reading of them all is their words one after another:
    only white space between them, and no placeholder (``{first_name}``, ``[LINK]``,
    ``<link>``) that could run from one into the next on the same line."""
    for (_, end), (start, _) in itertools.pairwise(spans):
        gap = text[end:start]
        if not gap.isspace():  # nothing, or a closing quote or bullet the words would take in
            return ()
        if "\n" not in gap and _PLACEHOLDER_OPENS.search(text, spans[0][0], end):
            return ()
    return tuple(text[a:b] for a, b in spans)


_RANK = {None: 0, WARNING: 1, FINDING: 2}
_PIECES_KEPT = 512  # sentences whose features _Pieces keeps at once (the newest used)


def band(
    probability: float, matched: bool, thresholds: Thresholds, bare: bool = False
) -> str | None:
    """FINDING, WARNING (needs a person) or None (clean) for one sentence, from the model's
    probability and whether a lexicon pattern ``matched``.

    A finding when the model's probability reaches the finding threshold, or a lexicon pattern
    matched and the model agrees at the lower lexicon threshold.  A warning when the
    probability reaches the warning threshold, or a pattern matched that the model reads as
    prose about reviews (a policy statement, a description) rather than a request.  A
    ``bare`` link (a link and a word or two) is a finding only by a pattern or by its link:
    the model alone makes it a warning at most."""
    if probability >= thresholds.finding and not bare:
        return FINDING
    if matched:
        return FINDING if probability >= thresholds.lexicon else WARNING
    return WARNING if probability >= thresholds.warning else None


def _model_category(sentence: str, neighbourhood: str) -> str:
    """A category for a sentence the model flags without a lexicon pattern."""
    base = "express_request" if _EXPRESS_WORDS.search(sentence) else "implied_request"
    return _category(lexicon.Pattern("model", base, _EXPRESS_WORDS, ""), sentence, neighbourhood)


def _words(drivers: tuple[str, ...]) -> str:
    return ", ".join(f"'{word}'" for word in drivers) or "no single word"


def _sentence_finding(
    text: str,
    found: Evidence,
    reading: Reading,
    probability: float,
    severity: str | None,
    rule_set: RuleSet,
    thresholds: Thresholds,
    drivers: str,
) -> TextFinding:
    """The finding or warning for one sentence; ``drivers``: the words that drove its score."""
    sentence, hit = text[found.start : found.end], found.hit
    figure = f"model score {probability:.2f}"
    if reading.before and not found.short:
        before = "the sentence" if reading.before == 1 else f"the {reading.before} sentences"
        figure += f", read with {before} before it"
    start, end, words, pattern = 0, len(sentence), sentence, "model"
    if hit is not None:
        start, end, words, pattern = hit.start, hit.end, hit.text, hit.pattern
    if severity == FINDING and hit is not None:
        category = hit.category
        why = f"{hit.why} (pattern {hit.pattern}: '{hit.text}'; {figure}, driven by {drivers})"
    elif severity == FINDING:
        category = _model_category(sentence, sentence)
        why = (
            f"reads as a request for reviews or testimonials ({figure}; "
            f"{thresholds.finding:.2f} or more makes a finding), driven by {drivers}"
        )
    elif hit is not None:
        category = "needs_person"
        why = (
            f"the words '{hit.text}' match pattern {hit.pattern} ({hit.why}), but the "
            f"sentence as a whole reads like prose about reviews rather than a request "
            f"({figure}; a finding needs {thresholds.lexicon:.2f}). It would be a finding if "
            "it asked the reader to review, rate, recommend or share publicly: read it and "
            "decide"
        )
    else:
        category = "needs_person"
        why = (
            f"the sentence is close to a request for reviews or testimonials ({figure}, "
            f"driven by {drivers}; a finding needs {thresholds.finding:.2f}). It would be a "
            "finding if it asked the reader to review, rate, recommend or share their "
            "experience publicly, tied a reward to it, or linked to a review page: read it "
            "and decide"
        )
    rule_id, explanation = _explain(category, why, rule_set)
    return TextFinding(
        start=found.start + start,
        end=found.start + end,
        text=words,
        category=category,
        rule_id=rule_id,
        pattern=pattern,
        severity=severity,
        explanation=explanation,
        sentence=sentence,
    )


class _Pieces:
    """Each sentence as the model reads it (:meth:`Model.part`), read once for the readings it
    is part of; a sentence repeated through a long text (a footer, a signature) is read once
    while it keeps coming back.  Bounded, so a megabyte of text does not keep every
    sentence's features: the newest used ``_PIECES_KEPT`` are kept."""

    def __init__(self, scorer: Model) -> None:
        self.scorer = scorer
        self.kept: OrderedDict[str, Part] = OrderedDict()

    def __call__(self, sentences: tuple[str, ...]) -> list[Part]:
        return [self.one(sentence) for sentence in sentences]

    def one(self, sentence: str) -> Part:
        kept = self.kept
        if sentence in kept:
            kept.move_to_end(sentence)
        else:
            kept[sentence] = self.scorer.part(sentence)
            if len(kept) > _PIECES_KEPT:
                kept.popitem(last=False)
        return kept[sentence]


def _probabilities(items: list[Evidence], scorer: Model) -> list[tuple[float, ...]]:
    """The model's probability for each reading of each sentence (the same reading, a
    footer repeated through a long text say, is scored once), none above that of the
    sentence read with those around it (:func:`_capped`)."""
    pieces = _Pieces(scorer)
    known: dict[tuple[str, tuple[str, ...]], float] = {}

    def probability(reading: Reading) -> float:
        key = (reading.text, reading.cues)
        if key not in known and reading.parts:
            known[key] = scorer.joined_probability(pieces(reading.parts), reading.cues)
        elif key not in known and reading.pieces:
            parts = pieces(reading.pieces)
            known[key] = scorer.pieces_probability(reading.text, parts, reading.cues)
        elif key not in known:
            known[key] = scorer.probability(reading.text, reading.cues)
        return known[key]

    floor = scorer.thresholds.warning
    return [
        _capped(tuple(probability(r) for r in item.readings), item.make_whole, probability, floor)
        for item in items
    ]


def _capped(
    probabilities: tuple[float, ...],
    make_whole: Callable[[], Reading] | None,
    probability: Callable[[Reading], float],
    floor: float,
) -> tuple[float, ...]:
    """``probabilities`` (a sentence's readings'), none above that of its whole (the
    sentence with those around it, made by ``make_whole``: see :attr:`Evidence.whole`) when
    any reaches ``floor``: below the lowest threshold a cap changes no band, so the longer
    reading is neither made nor scored for the sentences that are clean anyway."""
    if make_whole is None or max(probabilities) < floor:
        return probabilities
    cap = probability(make_whole())
    return tuple(min(p, cap) for p in probabilities)


# A text this long is read by several processes when the caller allows it (``workers``):
# shorter ones are read faster than processes start.
PARALLEL_MIN_CHARS = 100_000
_WINDOWS_PER_WORKER = 4  # smaller pieces of work, so one slow stretch does not hold the rest
_FORKED: dict[str, Any] = {}  # what a forked worker reads: set before the fork, never pickled


def available_cpus() -> int:
    """The CPUs this process may run on (all of the machine's where that cannot be known):
    how many workers ``check-text`` asks for by default."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _evidence_scored(
    text: str, links: list[TextFinding], scorer: Model, workers: int
) -> tuple[list[Evidence], list[tuple[float, ...]], dict[str, str]]:
    """:func:`evidence` for every sentence of ``text`` and :func:`_probabilities` for their
    readings.  Both are the same for a sentence wherever the reading starts, so with
    ``workers`` > 1 a long text is cut into windows of sentences read by forked processes
    side by side; the choice of bands, which runs from one sentence to the next, is left to
    the caller.  Where processes cannot be forked (no ``fork`` start method, or the fork
    fails), the text is read here, with the same result."""
    spans = list(sentences(text))
    how = how_read(scorer.settings)
    count = min(workers, len(spans))
    if count > 1 and len(text) >= PARALLEL_MIN_CHARS:
        size = -(-len(spans) // (count * _WINDOWS_PER_WORKER))
        windows = [(a, min(a + size, len(spans))) for a in range(0, len(spans), size)]
        read = _forked(count, windows, (text, links, spans, how, scorer))
        if read is not None:
            return read
    items = list(evidence(text, links, spans=spans, **how))
    return items, _probabilities(items, scorer), {}


def how_read(settings: Mapping[str, Any]) -> dict[str, int]:
    """:func:`evidence`'s ``context``, ``around`` and ``around_chars`` for a model's
    ``settings`` (what the checker reads with, and what ``guardrail.train`` learns from)."""
    return {
        "context": settings.get("context", 1),
        "around": settings.get("around", 0),
        "around_chars": settings.get("around_chars", 0),
    }


def _forked(
    workers: int, windows: list[tuple[int, int]], job: tuple[Any, ...]
) -> tuple[list[Evidence], list[tuple[float, ...]], dict[str, str]] | None:
    """The windows read by ``workers`` forked processes, put back in order; None (logged)
    when they could not be."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    text, _links, spans, _how, _scorer = job
    items: list[Evidence] = []
    scored: list[tuple[float, ...]] = []
    drivers: dict[str, str] = {}
    _FORKED["job"] = job
    try:
        context = multiprocessing.get_context("fork")  # ValueError where there is no fork
        with ProcessPoolExecutor(workers, mp_context=context) as pool:
            for first, packed, window_scored, window_drivers in pool.map(_window, windows):
                items += _unpack(text, spans, first, packed)
                scored += window_scored
                drivers |= window_drivers
    except (OSError, ValueError, BrokenProcessPool) as exc:
        logger.warning(
            "could not read the text in %d processes (%s): reading it in one", workers, exc
        )
        return None
    finally:
        _FORKED.clear()
    return items, scored, drivers


# One sentence's Evidence as a worker sends it back: start, end, the lexicon's reading,
# linked, short, and each reading's cues and how many sentences before it it takes in.
_Packed = tuple[
    int, int, LexiconHit | None, bool, bool, tuple[tuple[tuple[str, ...], int], ...], bool
]


def _window(
    window: tuple[int, int],
) -> tuple[int, list[_Packed], list[tuple[float, ...]], dict[str, str]]:
    """In a forked worker: the window's first sentence, the evidence and probabilities of
    its sentences, and the drivers of the readings likely to be reported.  The readings go
    back without their words (the parent has the text; a megabyte's readings hold it
    several times over, and unpickling them took the parent a second).

    Which reading is reported depends on the bands of the sentences before, some of them
    in the window before this one, so the bands are chosen here as if the window began
    the text: the drivers of what that reports are sent, and the parent explains itself
    any reading it reports that has none (drivers depend on the reading's words alone)."""
    text, links, spans, how, scorer = _FORKED["job"]
    items = list(evidence(text, links, spans=spans, window=window, **how))
    packed = [
        (
            i.start,
            i.end,
            i.hit,
            i.linked,
            i.short,
            tuple((r.cues, r.before) for r in i.readings),
            i.bare,
        )
        for i in items
    ]
    scored = _probabilities(items, scorer)
    chosen = _bands(items, scored, scorer.thresholds)
    starts = sorted(f.start for f in links if f.start is not None)
    likely = {chosen[index][0].text for index in _reported(items, chosen, starts)}
    return window[0], packed, scored, {t: _words(scorer.drivers(t)) for t in likely}


def _unpack(
    text: str, spans: list[tuple[int, int]], first: int, packed: list[_Packed]
) -> list[Evidence]:
    """The Evidence of sentences ``first``, ``first + 1``, … from what :func:`_window` sent:
    each reading's text taken from ``text`` again (its parts are not needed once scored)."""
    return [
        Evidence(
            start,
            end,
            tuple(
                Reading(text[spans[index - before][0] : end], cues, before)
                for cues, before in readings
            ),
            hit,
            linked,
            short,
            bare=bare,
        )
        for index, (start, end, hit, linked, short, readings, bare) in enumerate(packed, first)
    ]


def _bands(
    items: list[Evidence], scored: list[tuple[float, ...]], thresholds: Thresholds
) -> list[tuple[Reading, float, str | None]]:
    """For each sentence, the reading that puts it in the highest band, its probability and
    that band (``scored``: each reading's probability).  A reading that takes in the
    sentences before it counts only when none of them is already in that band: the sentence
    after a request is not a second finding."""
    chosen: list[tuple[Reading, float, str | None]] = []
    ranks: list[int] = []  # each sentence's band so far (a write-a-review link is a finding)
    for index, (item, probabilities) in enumerate(zip(items, scored, strict=True)):
        best: tuple[Reading, float, str | None] | None = None
        for position, (reading, probability) in enumerate(
            zip(item.readings, probabilities, strict=True)
        ):
            severity = band(probability, item.hit is not None, thresholds, item.bare)
            earlier = ranks[index - reading.before : index] if position else []
            if any(rank >= _RANK[severity] for rank in earlier):
                continue  # the sentences before it already say so
            if best is None or probability > best[1]:
                best = (reading, probability, severity)
        assert best is not None  # the first reading, the sentence's own, is always taken
        chosen.append(best)
        ranks.append(_RANK[FINDING] if item.linked else _RANK[best[2]])
    return chosen


def _reported(
    items: list[Evidence], chosen: list[tuple[Reading, float, str | None]], starts: list[int]
) -> list[int]:
    """The sentences to report, one finding or warning each.  Not reported: a sentence whose
    write-a-review link is the finding, a warning beside a link that is reported itself, a
    short sentence (with no pattern) beside one that already reaches its band, and a warning
    that a reported finding read together with the sentence after it."""

    def rank(index: int) -> int:
        return _RANK[FINDING] if items[index].linked else _RANK[chosen[index][2]]

    def loose(index: int) -> bool:  # short, no pattern: reported only if it adds something
        return items[index].short and items[index].hit is None

    reported: list[int] = []
    for index, (item, (_, _, severity)) in enumerate(zip(items, chosen, strict=True)):
        first = bisect_left(starts, item.start)
        if (
            severity is None
            or item.linked  # the write-a-review link is the finding
            or (severity == WARNING and starts[first:] and starts[first] < item.end)
        ):
            continue
        if loose(index) and (
            (index > 0 and rank(index - 1) >= _RANK[severity])
            # of two short sentences in the same band, the first is reported
            or (
                index + 1 < len(items)
                and rank(index + 1) >= _RANK[severity]
                and (items[index + 1].linked or not loose(index + 1))
            )
        ):
            continue  # a short sentence that adds nothing to its neighbours
        reported.append(index)
    shown = {
        earlier
        for index in reported
        if chosen[index][2] == FINDING
        for earlier in range(index - chosen[index][0].before, index)
    }
    return [
        index
        for index in reported
        if not (chosen[index][2] == WARNING and items[index].hit is None and index in shown)
    ]


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """The cycle collector paused while a text is read.  Reading makes no reference cycles
    (counting references frees all it makes: a test checks it), yet its hundreds of
    thousands of objects kept setting the collector going, and its full runs went through
    all those still alive: 0.58 s of the megabyte's 9.5 s in one process.  Forked workers
    start with it paused too.  It is the process's collector: another thread's cycles wait
    until it is started again (if it ran before), at the end."""
    running = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if running:
            gc.enable()


def check_text(
    text: str,
    *,
    rule_set: RuleSet | None = None,
    scorer: Model | None = None,
    workers: int = 1,
) -> CheckResult:
    """Every finding and warning in ``text`` (one per sentence at most, plus links).

    ``scorer`` is the model (the shipped one by default; training passes its own).
    ``workers``: how many processes may read a long text (see :func:`_evidence_scored`);
    the findings are the same whatever the number."""
    rule_set = rule_set or builtin()
    scorer = scorer or model.load()
    links = _link_findings(text, rule_set)
    with _no_cycle_collection():
        items, scored, drivers = _evidence_scored(text, links, scorer, workers)
        chosen = _bands(items, scored, scorer.thresholds)
        findings = []
        for index in _reported(
            items, chosen, sorted(f.start for f in links if f.start is not None)
        ):
            reading, probability, severity = chosen[index]
            if reading.text not in drivers:
                drivers[reading.text] = _words(scorer.drivers(reading.text))
            findings.append(
                _sentence_finding(
                    text,
                    items[index],
                    reading,
                    probability,
                    severity,
                    rule_set,
                    scorer.thresholds,
                    drivers[reading.text],
                )
            )
        findings.extend(links)
    findings.sort(key=lambda f: f.start if f.start is not None else -1)
    return CheckResult(text=text, findings=findings)


# -- HTML -----------------------------------------------------------------------------------
_BLOCK_TAGS = re.compile(
    r"<(/?)(p|div|h[1-6]|li|ul|ol|br|tr|td|th|section|article|header|footer|blockquote|title"
    r"|nav|aside|main|figcaption|dt|dd|table|form|button|option|hr)\b",
    re.IGNORECASE,
)


def html_to_text(html: str) -> tuple[str, str | None, list[str]]:
    """(visible text with one block per line, the page title, every link target).

    Beautiful Soup (on lxml) does the reading; block elements are put on lines of their
    own first, so a sentence split across inline tags stays one sentence.
    """
    from bs4 import BeautifulSoup

    if not html.strip():
        return "", None, []
    soup = BeautifulSoup(_BLOCK_TAGS.sub(lambda m: "\n<" + m.group(1) + m.group(2), html), "lxml")
    links = []
    for element in soup.find_all(True):
        if element.name in ("img", "script", "link", "source", "video", "audio"):
            continue
        for attribute in ("href", "action", "src", "data-href", "data-url"):
            value = element.get(attribute)
            if isinstance(value, str) and value.strip():
                links.append(value.strip())
    title = " ".join(soup.title.get_text().split()) if soup.title is not None else None
    for bad in soup.find_all(["script", "style", "noscript", "template", "head"]):
        bad.decompose()
    lines = [" ".join(line.split()) for line in soup.get_text().splitlines()]
    return "\n\n".join(line for line in lines if line), title, links


def _walk(data: Any) -> Iterator[dict[str, Any]]:
    if isinstance(data, dict):
        yield data
        for value in data.values():
            yield from _walk(value)
    elif isinstance(data, list):
        for value in data:
            yield from _walk(value)


def _types(item: dict[str, Any]) -> set[str]:
    raw = item.get("@type") or item.get("type") or []
    raw = raw if isinstance(raw, list) else [raw]
    return {str(t).rsplit("/", 1)[-1] for t in raw}


def review_markup(html: str, base_url: str | None = None) -> list[str]:
    """schema.org Review / AggregateRating items in the page's JSON-LD or microdata.

    Each syntax is read on its own, so one that cannot be read (a malformed URL in the
    microdata, say) is logged and does not hide what the other holds."""
    import extruct
    from extruct.utils import parse_html

    try:
        tree = parse_html(html, encoding="UTF-8")
    except Exception as exc:  # lxml raises a variety of parser errors on odd pages
        logger.warning("could not read structured data: %s", exc)
        return []
    data: dict[str, Any] = {}
    for syntax in ("json-ld", "microdata"):
        try:
            data |= extruct.extract(
                tree, base_url=base_url, syntaxes=[syntax], uniform=True, errors="ignore"
            )
        except Exception as exc:  # extruct raises a variety of parser errors on odd pages
            logger.warning("could not read the page's %s structured data: %s", syntax, exc)
    found: list[str] = []
    for item in _walk(data):
        types = _types(item)
        for wanted in ("Review", "AggregateRating"):
            if wanted in types and wanted not in found:
                found.append(wanted)
        if "aggregateRating" in item and "AggregateRating" not in found:
            found.append("AggregateRating")
        if "review" in item and "Review" not in found:
            found.append("Review")
    return found


def check_html(
    html: str, *, base_url: str | None = None, rule_set: RuleSet | None = None, workers: int = 1
) -> CheckResult:
    """Check a web page: its visible text, its links, its review markup and widgets
    (``workers``: as for :func:`check_text`)."""
    from urllib.parse import urljoin

    rule_set = rule_set or builtin()
    text, title, links = html_to_text(html)
    result = check_text(text, rule_set=rule_set, workers=workers)
    result.title = title
    seen = {_link_key(f.text) for f in result.findings if f.source == "link"}
    for href in links:
        try:
            url = urljoin(base_url, href) if base_url else href
        except ValueError:  # a malformed link ("http://[::1") is read as written
            url = href
        if _link_key(url) in seen:
            continue
        link = classify_link(url)
        if link is None:
            continue
        seen.add(_link_key(url))
        result.findings.append(_link_finding(link, url, None, None, rule_set))
    for kind in review_markup(html, base_url):
        rule_id, explanation = _explain(
            "review_markup",
            f"the page carries schema.org {kind} data (stars and reviews in search results)",
            rule_set,
        )
        result.findings.append(
            TextFinding(
                None,
                None,
                kind,
                "review_markup",
                rule_id,
                f"markup:{kind}",
                FINDING,
                explanation,
                source="markup",
            )  # fmt: skip
        )
    widget = lexicon.WIDGET_MARKERS.search(html)
    if widget:
        rule_id, explanation = _explain(
            "review_widget", f"the page embeds a review widget ({widget.group(0)})", rule_set
        )
        result.findings.append(
            TextFinding(
                None,
                None,
                widget.group(0),
                "review_widget",
                rule_id,
                "widget",
                FINDING,
                explanation,
                source="widget",
            )  # fmt: skip
        )
    return result


def _link_key(url: str) -> str:
    """The same link written with or without scheme or www."""
    return re.sub(r"^(?:[a-z]+:)?//", "", url.strip(), flags=re.I).removeprefix("www.").rstrip("/")


def looks_like_html(text: str) -> bool:
    head = text.lstrip()[:1000].lower()
    return head.startswith(("<!doctype html", "<html")) or bool(
        re.search(r"<(body|div|p|a\s|h[1-6]|section|article)\b", head)
    )


def is_solicitation(text: str, *, rule_set: RuleSet | None = None) -> bool:
    """Convenience: does ``text`` contain at least one solicitation finding?"""
    return not check_text(text, rule_set=rule_set).clean


def summarise(findings: Iterable[TextFinding]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for finding in findings:
        counts[finding.category] = counts.get(finding.category, 0) + 1
    return counts


class LineIndex:
    """Line and column (both from 1) of offsets in one text, from the offsets of its line
    starts found once: a finding's position costs a binary search, not a recount."""

    def __init__(self, text: str) -> None:
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def line_col(self, offset: int) -> tuple[int, int]:
        line = bisect_right(self.starts, offset)
        return line, offset - self.starts[line - 1] + 1
