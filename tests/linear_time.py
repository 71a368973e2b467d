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
    ratio: float


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


def slowest_scan(name: str, pattern: re.Pattern[str]) -> Scan:
    """The worst ratio over the hostile texts, up to 1 MB; stops at the first size over
    budget (so a quadratic pattern fails fast)."""
    scans: list[Scan] = []
    for size in SMALL_SIZES:
        scans += [
            Scan(name, kind, size, scan_ratio(pattern, text))
            for kind, text in adversarial_texts(pattern, size)
        ]
        if max(s.ratio for s in scans) > RATIO_BUDGET:
            return max(scans, key=lambda s: s.ratio)
    last = sorted((s for s in scans if s.size == SMALL_SIZES[-1]), key=lambda s: -s.ratio)
    worst_kinds = {s.text_kind for s in last[:WORST_KINDS_AT_1MB]}
    for kind, text in adversarial_texts(pattern, MEGABYTE):
        if kind in worst_kinds:
            scans.append(Scan(name, kind, MEGABYTE, scan_ratio(pattern, text)))
    return max(scans, key=lambda s: s.ratio)
