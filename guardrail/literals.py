"""Words a regular expression cannot match without: a cheap test run before the expression.

Most sentences hold none of the lexicon's words ("review", "rate", "testimonial", …), yet
each pattern is tried at every position of every sentence: a third of the checker's time on a
long text.  :func:`required` reads a pattern (its parse tree, as ``re`` itself parses it) and
returns groups of lower-case strings such that every match of the pattern contains at least
one string of each group.  A sentence that lacks a group cannot match, so the pattern is not
tried on it: the result is the same, only sooner.

The reading is conservative: whatever it does not understand (a class of characters, an
optional part, a look-around, a back-reference) requires nothing.  The sentence is read in
lower case, with the four characters beyond ASCII that ``re.IGNORECASE`` takes for ASCII
letters (``İ`` and ``ı`` for ``i``, ``ſ`` for ``s``, the Kelvin sign for ``k``) read as
those letters (:func:`lowered`); groups with a character beyond ASCII are not relied on.
"""

import re
from collections.abc import Callable, Iterator
from typing import Any

try:  # the parser ``re`` compiles with (``re._parser`` since Python 3.11)
    from re import _constants as _c
    from re import _parser as _sre
except ImportError:  # pragma: no cover - another Python: no groups, every pattern is tried
    _sre = None

Groups = tuple[tuple[str, ...], ...]

_MIN_LENGTH = 3  # a group with a shorter string ("a", "re") rejects too little to be worth it
_MAX_GROUPS = 3  # the most selective groups are kept: each costs a test per sentence


def required(pattern: str, flags: int, min_length: int = _MIN_LENGTH) -> Groups:
    """Groups of lower-case strings such that every match of ``pattern`` contains one
    string of each group (the longest-worded groups first; none when nothing is sure);
    groups with a string shorter than ``min_length`` are left out."""
    if _sre is None:
        return ()
    try:
        tree = _sre.parse(pattern, flags)
    except Exception:  # noqa: BLE001 - an expression this reader cannot follow requires nothing
        return ()
    # Under re.IGNORECASE a few other characters match ASCII letters ("K", the Kelvin sign,
    # matches "k"): a group with a character beyond ASCII is not relied on.
    groups = [
        g
        for g in _sequence(list(tree))
        if min(map(len, g)) >= min_length and all(word.isascii() for word in g)
    ]
    groups.sort(key=lambda g: (-min(map(len, g)), len(g)))
    return tuple(tuple(sorted(g)) for g in groups[:_MAX_GROUPS])


def searches(groups: Groups) -> tuple[Callable[[str], object], ...]:
    """One search per group: its strings as one expression.  A sentence's :func:`lowered`
    form that one of them does not find cannot hold a match."""
    return tuple(re.compile("|".join(map(re.escape, group))).search for group in groups)


class Gated:
    """A compiled expression with a cheap test in front: a text whose :func:`lowered` form
    lacks every string of one of the expression's :func:`required` groups cannot hold a
    match, so ``search`` and ``finditer`` answer it (None, nothing) without running the
    expression: the same answers, sooner.  The test is the lexicon patterns' own
    (:func:`searches`), with groups of single characters kept ("%", "$").  For the cue
    expressions that start every alternative with a look-behind or a word boundary, which
    ``re`` tries at every position of the text: most sentences hold none of their words (the
    incentive cue: 1 in 9 of a megabyte's sentences passes the test, which costs a quarter of
    the search)."""

    def __init__(self, regex: re.Pattern[str]) -> None:
        self.regex = regex
        self.groups = tuple(
            # a string that holds another of its group is found only where that one is
            tuple(w for w in group if not any(v != w and v in w for v in group))
            for group in required(regex.pattern, regex.flags, min_length=1)
        )
        self._needs = searches(self.groups)

    def may_match(self, text: str) -> bool:
        """False when ``text`` cannot hold a match."""
        low = lowered(text)
        return all(search(low) for search in self._needs)

    def search(self, text: str) -> re.Match[str] | None:
        return self.regex.search(text) if self.may_match(text) else None

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        return self.regex.finditer(text) if self.may_match(text) else iter(())


# The characters beyond ASCII that re.IGNORECASE matches with an ASCII character (a test
# finds them all by trying every code point).
_AS_ASCII = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"})
_FOLDED = re.compile("[\u0130\u0131\u017f\u212a]")  # the same four characters


def lowered(sentence: str) -> str:
    """``sentence`` as the searches of :func:`searches` read it: one character for each of
    its characters, in lower case, with those that ``re.IGNORECASE`` takes for ASCII letters
    read as them."""
    # Translating costs a look-up per character (a fifth of a second on a megabyte): only a
    # sentence holding one of the four characters is translated; the others lose nothing.
    if sentence.isascii() or not _FOLDED.search(sentence):
        return sentence.lower()
    return sentence.translate(_AS_ASCII).lower()


def _sequence(items: list[tuple[Any, Any]]) -> list[frozenset[str]]:
    """The groups of a sequence of items: every item's groups, and each run of literal
    characters as one string."""
    groups: list[frozenset[str]] = []
    run = ""
    for op, av in items:
        if op is _c.LITERAL:
            run += chr(av).lower()
            continue
        if run:
            groups.append(frozenset([run]))
            run = ""
        groups.extend(_item(op, av))
    if run:
        groups.append(frozenset([run]))
    return groups


def _item(op: Any, av: Any) -> list[frozenset[str]]:
    """The groups of one item that is not a literal character."""
    if op is _c.SUBPATTERN:
        return _sequence(list(av[-1]))
    if op is _c.ATOMIC_GROUP:
        return _sequence(list(av))
    if op in (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT):
        low, _high, body = av
        return _sequence(list(body)) if low >= 1 else []
    if op is _c.BRANCH:
        # One of the alternatives matches: the union of one group from each, or nothing
        # when an alternative has none.
        union: set[str] = set()
        for alternative in av[1]:
            groups = _sequence(list(alternative))
            if not groups:
                return []
            union |= max(groups, key=lambda g: (min(map(len, g)), -len(g)))
        return [frozenset(union)]
    # \b, ^, look-arounds, any character, references: nothing sure; nor a class of
    # characters ([vi]): one character is shorter than any group worth a search
    return []
