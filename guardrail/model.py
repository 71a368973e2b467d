"""The learned half of the solicitation checker: a linear model over word and character
n-grams, kept as plain data and scored in pure Python.

``guardrail/solicitation_model.json`` holds everything the model is: the feature settings,
each n-gram's inverse document frequency and weight, the intercept, the thresholds of the
three bands, the version, and where it came from.  It is written by
``python -m guardrail.train`` (scikit-learn, a fixed seed) from the project's own corpus and
read here without scikit-learn or numpy, so ``quietwatch check-text`` starts fast.  Never a
pickle: the file can be read, diffed and reviewed like code.

A sentence becomes a set of features (the same function at training and at inference):
lower-cased, accents folded, links and template placeholders replaced by ``_url_`` and
``_slot_``, digits by ``0``; word uni- and bigrams, and character n-grams inside each word.
Two more features come from the lexicon, not the words: ``x:lexicon_hit`` (a pattern found a
request in one of the text's sentences) and ``x:lexicon_set_aside`` (a pattern's words are
there, but the lexicon set them aside as negated, the client's own choice or a disclaimer);
the checker passes them as ``cues``.  Each present feature weighs its idf; the vector is
divided by its length (or by ``norm_floor`` when it is shorter: a text of three words must
not get the confident score of a unit vector); the probability of solicitation is the
logistic of its dot product with the weights plus the intercept.
"""

import hashlib
import itertools
import json
import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

MODEL_FILE = Path(__file__).with_name("solicitation_model.json")
CUE_HIT = "x:lexicon_hit"
CUE_SET_ASIDE = "x:lexicon_set_aside"

# Every pattern here starts only at a run's start or is bounded: linear on hostile text.
_URL = re.compile(
    r"(?:\bhttps?://|\bwww\.)[^\s<>\"']{1,4096}"
    r"|(?<![\w.-])[\w-]{1,63}(?:\.[\w-]{1,63}){0,6}\.(?:com|ca|org|net|ly|page|co|io|me)"
    r"(?:/[^\s<>\"']{0,4096})?(?![\w.-])",
    re.IGNORECASE,
)
_SLOT = re.compile(
    r"\{\{[^{}\n]{0,80}\}\}|\{[^{}\n]{0,80}\}|\[[^\[\]\n]{0,80}\]|%[A-Za-z_]{1,40}%"
    r"|<[^<>\n]{0,80}>"
)
_SLOT_OPENS = re.compile(r"[{\[%<]")
# Every link holds "://", "www." or a dot before a letter (its top-level domain): a text
# with none of them (most sentences, whose one dot ends them) holds no link.
_LINK_MARKS = re.compile(r"://|www\.|\.[^\W\d_]", re.IGNORECASE)
_ACCENTS = re.compile(r"[\u0300-\u036f]")
_DIGIT = re.compile("[0-9]")
_TOKEN = re.compile(r"_url_|_slot_|[^\W\d_]+(?:['’][^\W\d_]+)*|\d+|[^\w\s]")


def normalise(text: str) -> str:
    """Lower case, accents folded, links and placeholders replaced by ``_url_``/``_slot_``."""
    if _LINK_MARKS.search(text):
        text = _URL.sub(" _url_ ", text)
    if _SLOT_OPENS.search(text):  # every placeholder opens with one of these
        text = _SLOT.sub(" _slot_ ", text)
    text = text.lower()
    if text.isascii():  # nothing to fold (most English text): the same result, faster
        return text
    return _ACCENTS.sub("", unicodedata.normalize("NFKD", text)).replace("’", "'")


def tokens(text: str) -> list[str]:
    """The words (numbers as ``0``, each symbol on its own) of a normalised text."""
    found = _TOKEN.findall(text)
    # An ASCII text without 0-9 has no token that starts with a digit (beyond ASCII, "²"
    # is one): nothing to replace (most sentences).
    if text.isascii() and not _DIGIT.search(text):
        return found
    return ["0" if t[0].isdigit() else t for t in found]


@lru_cache(maxsize=65536)
def _char_grams(word: str, low: int, high: int) -> tuple[str, ...]:
    padded = f" {word} "
    return tuple(
        "c:" + padded[i : i + n] for n in range(low, high + 1) for i in range(len(padded) - n + 1)
    )


def features(sentence: str, settings: dict[str, Any]) -> list[str]:
    """The sentence's distinct features, in first-seen order."""
    words = tokens(normalise(sentence))
    found: dict[str, None] = {}
    for n in range(1, settings["word_ngrams"] + 1):
        for i in range(len(words) - n + 1):
            found["w:" + " ".join(words[i : i + n])] = None
    low, high = settings["char_ngrams"]
    for word in words:
        if word[0].isalpha():
            found.update(dict.fromkeys(_char_grams(word, low, high)))
    return list(found)


_PAIRS_KEPT = 64  # pairs of parts whose shared features Model._shared keeps (the newest are read)


@dataclass(frozen=True)
class Thresholds:
    finding: float  # probability at or above which the model alone makes a finding
    warning: float  # probability at or above which a person should look (needs a person)
    lexicon: float  # a lexicon match with at least this probability is a finding


@dataclass(frozen=True)
class Part:
    """One sentence as the model knows it, ready to be read with the sentences around it: its
    words, its features that the model knows, and their shares summed (see ``Model._both``)."""

    words: tuple[str, ...]
    present: frozenset[str]
    both: complex


class Model:
    def __init__(self, data: dict[str, Any], digest: str) -> None:
        self.version: str = data["version"]
        self.digest = digest
        self.settings: dict[str, Any] = data["settings"]
        self.intercept: float = data["intercept"]
        self.thresholds = Thresholds(**data["thresholds"])
        # name -> (idf * weight, idf ** 2): a present feature's share of the dot product and
        # of the squared length.
        self.table: dict[str, tuple[float, float]] = {
            name: (idf * weight, idf * idf) for name, (idf, weight) in data["features"].items()
        }
        # The two shares as one complex number (share + square·i): one pass over the
        # present features sums both (a third of the model's time on long texts).
        self._both = {name: complex(share, square) for name, (share, square) in self.table.items()}
        # Each known feature's name -> the table's own string object for it.  The features
        # of a text are these objects (see _known), so a look-up in the tables or in another
        # text's features finds its key by identity, without comparing the characters (the
        # megabyte's scores took 1.4 s instead of 1.8 s).  Equal strings hash alike, so the
        # sets built from them hold and iterate the same names in the same order: the sums
        # are unchanged.
        self._names: dict[str, str] = {name: name for name in self.table}
        self._pairs: dict[tuple[int, int], tuple[Part, Part, frozenset[str], complex]] = {}
        low, high = self.settings["char_ngrams"]
        table = self.table
        known = self._known

        @lru_cache(maxsize=65536)
        def known_grams(word: str) -> tuple[str, ...]:
            return known(dict.fromkeys(_char_grams(word, low, high)))

        @lru_cache(maxsize=65536)
        def word_features(word: str) -> tuple[str, ...]:
            """A word's own features that the model knows: its n-gram, and its character
            n-grams when it is made of letters."""
            own = known(("w:" + word,))
            return own + known_grams(word) if word[0].isalpha() else own

        self._word_features = word_features

        @lru_cache(maxsize=65536)
        def own_share(word: str) -> float:
            """A word's share of the dot product: its own n-gram and its character n-grams."""
            own = table["w:" + word][0] if "w:" + word in table else 0.0
            if word[0].isalpha():
                own += sum(table[g][0] for g in known_grams(word))
            return own

        self._own_share = own_share

    @property
    def label(self) -> str:
        """``version+digest``: what the audit log and ``--json`` record."""
        return f"{self.version}+{self.digest[:12]}"

    def _features(self, words: list[str], cues: tuple[str, ...] = ()) -> frozenset[str]:
        """The known features of a text's words (word n-grams and character n-grams) and of
        the lexicon's ``cues`` about it: the others weigh nothing."""
        longer = list(cues)
        for n in range(2, self.settings["word_ngrams"] + 1):
            longer += ["w:" + " ".join(words[i : i + n]) for i in range(len(words) - n + 1)]
        own = itertools.chain.from_iterable(map(self._word_features, words))  # all known
        return frozenset(itertools.chain(own, self._known(longer)))

    def _known(self, names: Iterable[str]) -> tuple[str, ...]:
        """The ``names`` the model knows, in their order, each as the table's own string."""
        return tuple(filter(None, map(self._names.get, names)))  # no name is empty

    def part(self, sentence: str) -> Part:
        """``sentence`` read once, to be scored alone or with its neighbours (see
        :meth:`joined_probability`)."""
        present = self._features(words := tokens(normalise(sentence)))
        return Part(tuple(words), present, sum(map(self._both.__getitem__, present), 0j))

    def _joined(self, parts: Sequence[Part], cues: tuple[str, ...]) -> complex:
        """The two shares of the features of the text made of ``parts``, summed (see
        :meth:`joined_probability`)."""
        both = self._parts_both(parts)
        words: list[str] = list(parts[0].words)
        crossing: list[str] = []
        longest = self.settings["word_ngrams"]
        for piece in parts[1:]:
            boundary = len(words)
            words += piece.words
            for n in range(2, longest + 1):
                for i in range(max(0, boundary - n + 1), min(boundary, len(words) - n + 1)):
                    crossing.append("w:" + " ".join(words[i : i + n]))
        extra = {
            name
            for name in (*crossing, *cues)
            if name in self.table and not any(name in piece.present for piece in parts)
        }
        return both + sum(map(self._both.__getitem__, extra), 0j)

    def _parts_both(self, parts: Sequence[Part]) -> complex:
        """The two shares of the parts' own features, each counted once: each part's sum,
        less what it shares with the parts before it (sets of common n-grams such as " th",
        "the": small, so the intersections cost little).  The pairs of neighbours come back
        from reading to reading: see :meth:`_shared`."""
        both = parts[0].both
        for k in range(1, len(parts)):
            if k == 1:
                shared_sum = self._shared(parts[0], parts[1])[1]
            else:
                shared = parts[k].present & parts[0].present
                for earlier in parts[1:k]:
                    shared |= self._shared(earlier, parts[k])[0]
                shared_sum = sum(map(self._both.__getitem__, shared), 0j)
            both += parts[k].both - shared_sum
        return both

    def _shared(self, earlier: Part, later: Part) -> tuple[frozenset[str], complex]:
        """``later.present & earlier.present`` and its shares summed, worked out once for
        the readings that meet the same two sentences again: a sentence's reading with the
        one before it has the pair that the next sentence's reading with the two before it
        starts with, and the pair it ends with.  The same expression on the same sets gives
        a set laid out alike, so its sum and a union with it are the same as when made
        afresh; the set is never changed (a union makes a new one).  Kept by the parts'
        identity, with the parts themselves (so no other object takes their ids); threads
        that share the model may clear or fill it in any order, since an entry is always
        right for its key."""
        key = (id(earlier), id(later))
        kept = self._pairs.get(key)
        if kept is None:
            shared = later.present & earlier.present
            kept = (earlier, later, shared, sum(map(self._both.__getitem__, shared), 0j))
            if len(self._pairs) >= _PAIRS_KEPT:
                self._pairs.clear()
            self._pairs[key] = kept
        return kept[2], kept[3]

    def joined_probability(self, parts: Sequence[Part], cues: tuple[str, ...] = ()) -> float:
        """What :meth:`probability` gives for the text made of ``parts``, consecutive
        sentences with white space between them, without reading them again.

        Their words then follow one another unchanged (the caller makes sure no link or
        placeholder spans two of them), so the text's features are the parts' features, the
        word n-grams that cross from one part into the next, and the cues: each counted
        once."""
        return self._from_both(self._joined(parts, cues))

    def pieces_probability(
        self, text: str, parts: Sequence[Part], cues: tuple[str, ...] = ()
    ) -> float:
        """What :meth:`probability` gives for ``text``, made of ``parts`` and what lies
        between them: from the parts when the text's words are theirs one after another
        (the features are a function of the words alone), else from the text read whole."""
        words = tokens(normalise(text))
        if len(words) == sum(len(part.words) for part in parts) and words == [
            word for part in parts for word in part.words
        ]:
            return self._from_both(self._joined(parts, cues))
        return self._words_probability(words, cues)

    def probability(self, sentence: str, cues: tuple[str, ...] = ()) -> float:
        """The probability that ``sentence`` (with the lexicon's ``cues`` about it) is a
        request."""
        return self._words_probability(tokens(normalise(sentence)), cues)

    def _words_probability(self, words: list[str], cues: tuple[str, ...]) -> float:
        """The probability of a text of ``words`` (with ``cues``), its features read whole."""
        present = self._features(words, cues)
        return self._from_both(sum(map(self._both.__getitem__, present), 0j))

    def _from_both(self, both: complex) -> float:
        """The probability of a text whose features' shares sum to ``both`` (the dot
        product's share + the squared length · i)."""
        norm = max(math.sqrt(both.imag), self.settings["norm_floor"]) or 1.0
        return _logistic(both.real / norm + self.intercept)

    def drivers(self, text: str, count: int = 4) -> tuple[str, ...]:
        """The words of ``text`` that pushed its score up most, in the order they come: each
        word's own n-gram, its character n-grams and half of each word pair it is in (read
        before the division by the text's length, which ranks the words alike).  The
        lexicon's cues are no word's, so they take no part; and a text read from its parts
        has the words of the text read whole."""
        words = tokens(normalise(text))
        table = self.table
        values = list(map(self._own_share, words))  # its own n-gram and character n-grams
        for i, (a, b) in enumerate(itertools.pairwise(words)):  # half of each word pair
            if (entry := table.get(f"w:{a} {b}")) is not None:
                values[i] += entry[0] / 2
                values[i + 1] += entry[0] / 2
        by_word: dict[str, float] = {}
        for word, value in zip(words, values, strict=True):
            by_word[word] = max(by_word.get(word, value), value)
        top = sorted((w for w in by_word if by_word[w] > 0 and len(w) > 1), key=by_word.get)
        chosen = set(top[-count:][::-1])
        return tuple(w for w in dict.fromkeys(words) if w in chosen)


def _logistic(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def read(path: Path = MODEL_FILE) -> Model:
    raw = path.read_bytes()
    return Model(json.loads(raw), hashlib.sha256(raw).hexdigest())


@cache
def load() -> Model:
    """The shipped model (read once per process)."""
    return read()


def model_version() -> str:
    """The shipped model's ``version+sha256[:12]``, e.g. for the audit log."""
    return load().label
