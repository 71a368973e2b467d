"""Precision and recall of the solicitation checker on the labelled corpus.

Run with ``python -m bench.checker``.  The corpus lives in ``tests/guardrail/corpus``:
``tune.tsv`` (the checker's rules were adjusted against it) and ``holdout.tsv`` (written
with it by the same people, before any checker code existed, and never tuned on);
``tune2.tsv`` and ``tune3.tsv`` (each written blind by someone who had not seen the
checker, scored once as written, then tuned on) and ``blind3.tsv`` (written blind, never
tuned on: the honest figure).  A sentence counts as
flagged when the checker returns at least one solicitation finding (warnings do not count).
"""

import argparse
import logging
import sys
from dataclasses import dataclass
from pathlib import Path

from guardrail.checker import check_text

logger = logging.getLogger(__name__)

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "guardrail" / "corpus"
# In the order they were written.  tune2 and tune3 were each written blind by someone who
# had not seen the checker, scored as written (their headers keep those first figures), and
# then tuned on; blind3 has never been tuned on.
SPLITS = tuple(
    name
    for name in ("tune", "holdout", "tune2", "tune3", "blind3")
    if (CORPUS / f"{name}.tsv").exists()
)


@dataclass(frozen=True)
class Example:
    label: bool  # True: solicitation
    category: str
    sentence: str


@dataclass
class Score:
    split: str
    tp: int = 0
    fp: int = 0
    tn: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def total(self) -> int:
        return self.tp + self.fp + self.tn + self.fn


def load(split: str, corpus: Path = CORPUS) -> list[Example]:
    examples = []
    path = corpus / f"{split}.tsv"
    for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        try:
            label, category, sentence = line.split("\t", 2)
        except ValueError:
            raise ValueError(f"{path}:{number}: expected label<TAB>category<TAB>sentence") from None
        if label not in ("solicit", "clean"):
            raise ValueError(f"{path}:{number}: label must be 'solicit' or 'clean', not {label!r}")
        examples.append(Example(label == "solicit", category, sentence))
    return examples


def score(split: str, corpus: Path = CORPUS) -> tuple[Score, list[tuple[Example, bool]]]:
    result = Score(split)
    errors = []
    for example in load(split, corpus):
        flagged = not check_text(example.sentence).clean
        if flagged and example.label:
            result.tp += 1
        elif flagged:
            result.fp += 1
            errors.append((example, flagged))
        elif example.label:
            result.fn += 1
            errors.append((example, flagged))
        else:
            result.tn += 1
    return result, errors


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.checker", description=__doc__)
    parser.add_argument("--errors", action="store_true", help="list misclassified sentences")
    parser.add_argument("--split", choices=SPLITS, action="append", help="default: both")
    args = parser.parse_args(argv)
    print(
        f"{'split':<8} {'n':>4} {'tp':>4} {'fp':>4} {'tn':>4} {'fn':>4} {'precision':>10} {'recall':>7}"
    )
    for split in args.split or SPLITS:
        result, errors = score(split)
        print(
            f"{split:<8} {result.total:>4} {result.tp:>4} {result.fp:>4} {result.tn:>4} "
            f"{result.fn:>4} {result.precision:>10.3f} {result.recall:>7.3f}"
        )
        if args.errors:
            for example, flagged in errors:
                kind = "false positive" if flagged else "missed"
                print(f"    {kind:<14} [{example.category}] {example.sentence}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
