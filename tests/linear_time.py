"""A reusable harness: every compiled regular expression of some modules must scan hostile
text in time linear in its length.

``compiled_patterns(modules)`` collects every ``re.Pattern`` reachable from the modules'
attributes (directly, or inside tuples, lists, dicts and dataclass instances such as
``guardrail.lexicon.PATTERNS``).  ``adversarial_texts(pattern)`` builds the hostile inputs:
one character repeated, separators repeated, and near-matches made of the pattern's own
words.  ``scan_ratio(pattern, text)`` times a full scan (``finditer`` to the end) against a
plain ``str.count`` over the same text, so the budget is a ratio, not a number of seconds.

``slowest_scan`` tries every hostile text at 16 KB and 64 KB, then the three worst of them at
1 MB, and stops at the first size over budget: a quadratic pattern is thousands of times
over budget at 16 KB already, so a broken pattern fails after a bounded wait instead of
hanging the suite.  To cover another package's patterns (crawlers/, say), pass that
package's modules to ``compiled_patterns``.
"""

import re
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, fields, is_dataclass
from types import ModuleType

MEGABYTE = 1 << 20
SMALL_SIZES = (16 << 10, 64 << 10)
WORST_KINDS_AT_1MB = 3
# A full regex scan is a few hundred times slower than str.count (which is memchr); a
# quadratic one is tens of thousands of times slower already at 16 KB.
RATIO_BUDGET = 20_000
# Scan time may grow at most this many times faster than the text (a quadratic scan grows
# 4x faster at each quadrupling of its text, 16x faster from 64 KB to 1 MB).
GROWTH_BUDGET = 2.5

_UNITS = (
    "R",
    " ",
    "\n",
    "\t",
    ".",
    ". ",
    ", ",
    "- ",
    "a@",
    "a.",
    "1 ",
    "9",
    "<",
    "www.",
    "http://",
    "Dr. ",
    "x. ",
    "@a ",
    "#a ",
    "'",
)


@dataclass(frozen=True)
class Scan:
    name: str  # where the pattern lives, e.g. "guardrail.lexicon.PATTERNS[3].regex"
    text_kind: str
    size: int
    ratio: float  # scan time over str.count's on the same text
    growth: float = 1.0  # how the scan time grew with the text, against linear growth

    @property
    def linear(self) -> bool:
        """Within budget, or (on a loaded machine, where a scan of microseconds is noise)
        no faster-than-linear growth: a quadratic scan grows 4x faster than its text at
        each quadrupling, a linear one does not."""
        return self.ratio <= RATIO_BUDGET or self.growth <= GROWTH_BUDGET


def compiled_patterns(modules: Iterable[ModuleType]) -> list[tuple[str, re.Pattern[str]]]:
    """(dotted name, pattern) for every distinct compiled pattern the modules hold."""
    found: dict[int, tuple[str, re.Pattern[str]]] = {}

    def walk(value: object, name: str, depth: int) -> None:
        if isinstance(value, re.Pattern):
            found.setdefault(id(value), (name, value))
        elif depth >= 4 or isinstance(value, (str, bytes, type, ModuleType)):
            return
        elif isinstance(value, (list, tuple)):
            for index, item in enumerate(value):
                walk(item, f"{name}[{index}]", depth + 1)
        elif isinstance(value, dict):
            for key, item in value.items():
                walk(item, f"{name}[{key!r}]", depth + 1)
        elif is_dataclass(value):
            for field in fields(value):
                walk(getattr(value, field.name), f"{name}.{field.name}", depth + 1)

    for module in modules:
        for attribute, value in vars(module).items():
            walk(value, f"{module.__name__}.{attribute}", 0)
    return list(found.values())


def _words(pattern: re.Pattern[str]) -> list[str]:
    """The literal words of a pattern, in order, without the letters of escapes (\\b, \\s)."""
    source = re.sub(r"\\[A-Za-z]", " ", pattern.pattern)
    return list(dict.fromkeys(re.findall(r"[A-Za-z']{2,}", source)))[:60]


def adversarial_texts(pattern: re.Pattern[str], size: int) -> Iterator[tuple[str, str]]:
    """(kind, text of ``size`` characters) hostile to ``pattern``."""
    words = _words(pattern) or ["review"]
    units = [(f"repeated {unit!r}", unit) for unit in _UNITS]
    units += [
        ("its words, spaced", " ".join(words) + " "),
        ("its words, run together", "".join(words)),
        ("its words, dotted", ".".join(words) + "."),
        ("its first word repeated", words[0] + " "),
        ("its first word, no spaces", words[0]),
    ]
    for kind, unit in units:
        yield kind, (unit * (size // len(unit) + 1))[:size]


def _best_of(run, repeats: int = 3) -> float:  # type: ignore[no-untyped-def]
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def scan_ratio(pattern: re.Pattern[str], text: str) -> float:
    """Time of a full scan of ``text`` by ``pattern`` over the time of ``str.count``."""
    baseline = _best_of(lambda: text.count("\x00"), repeats=5)
    scan = _best_of(lambda: sum(1 for _ in pattern.finditer(text)), repeats=1)
    return scan / max(baseline, 1e-7)


def _scan_time(pattern: re.Pattern[str], text: str) -> float:
    return _best_of(lambda: sum(1 for _ in pattern.finditer(text)), repeats=2)


def slowest_scan(name: str, pattern: re.Pattern[str]) -> Scan:
    """The worst scan over the hostile texts, up to 1 MB; stops at the first text whose scan
    is over budget in both ways (so a quadratic pattern fails fast).  A scan over the ratio
    budget is measured again at four times the size: only a scan that also grows faster
    than its text fails, so a loaded machine's noise on a fast scan is not taken for it."""
    scans: list[Scan] = []
    for kind, text in adversarial_texts(pattern, SMALL_SIZES[0]):
        scan = Scan(name, kind, len(text), scan_ratio(pattern, text))
        if scan.ratio > RATIO_BUDGET:
            bigger = dict(adversarial_texts(pattern, SMALL_SIZES[1]))[kind]
            growth = _scan_time(pattern, bigger) / max(_scan_time(pattern, text), 1e-7) / 4
            scan = Scan(name, kind, len(bigger), scan.ratio, growth)
            if not scan.linear:
                return scan
        scans.append(scan)
    worst = sorted(scans, key=lambda s: -s.ratio)[:WORST_KINDS_AT_1MB]
    for scan in worst:
        middle = dict(adversarial_texts(pattern, SMALL_SIZES[1]))[scan.text_kind]
        whole = dict(adversarial_texts(pattern, MEGABYTE))[scan.text_kind]
        growth = _scan_time(pattern, whole) / max(_scan_time(pattern, middle), 1e-7) / 16
        ratio = scan_ratio(pattern, whole)
        scans.append(Scan(name, scan.text_kind, MEGABYTE, ratio, growth))
    return max(scans, key=lambda s: (not s.linear, s.ratio))
