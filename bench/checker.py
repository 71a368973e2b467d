"""Precision and recall of the solicitation checker, per split and per band; and its speed.

Run with ``python -m bench.checker``.  The corpus lives in ``tests/guardrail/corpus``
(see :mod:`guardrail.corpus`): the training splits (the model was trained on them and the
lexicon tuned on them, so their figures flatter it) and the blind splits (written by people
who had not seen the checker, never trained or tuned on: the honest figures), printed apart.

Each sentence lands in one band: *finding* (at least one solicitation finding: exit 1 in
``check-text``), *warning* (needs a person, and no finding) or *clean*.  Findings precision
and recall count the finding band only; "f+w recall" counts findings and warnings together.
Exits non-zero when it measured nothing.

A new split is scored as written before anything is fitted to it: ``--draft PATH`` scores a
file that is not in the corpus yet, ``--lexicon-only`` scores with the hand-written patterns
and link shapes alone (the model decides nothing).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from guardrail import corpus
from guardrail.checker import FINDING, available_cpus, check_text
from guardrail.corpus import Example, load
from guardrail.model import MODEL_FILE, Model

BANDS = ("finding", "warning", "clean")
REPO = Path(__file__).resolve().parent.parent


@dataclass
class Score:
    split: str
    # band -> [solicitation sentences, clean sentences] that landed in it
    bands: dict[str, list[int]] = field(default_factory=lambda: {b: [0, 0] for b in BANDS})

    def add(self, band: str, label: bool) -> None:
        self.bands[band][0 if label else 1] += 1

    @property
    def total(self) -> int:
        return sum(sum(pair) for pair in self.bands.values())

    @property
    def positives(self) -> int:
        return sum(pair[0] for pair in self.bands.values())

    @property
    def precision(self) -> float:
        solicit, clean = self.bands["finding"]
        return solicit / (solicit + clean) if solicit + clean else 1.0

    @property
    def recall(self) -> float:
        return self.bands["finding"][0] / self.positives if self.positives else 1.0

    @property
    def recall_with_warnings(self) -> float:
        caught = self.bands["finding"][0] + self.bands["warning"][0]
        return caught / self.positives if self.positives else 1.0


def lexicon_only() -> Model:
    """The shipped model with thresholds that leave every decision to the lexicon and the
    links: a pattern match is a finding, the model's score alone is never one."""
    data = json.loads(MODEL_FILE.read_text("utf-8"))
    data["thresholds"] = {"finding": 2.0, "warning": 2.0, "lexicon": 0.0}
    return Model(data, digest="lexicon-only")


def band(sentence: str, scorer: Model | None = None) -> str:
    """Which band the checker (with ``scorer``, the shipped model by default) puts one
    sentence in."""
    findings = check_text(sentence, scorer=scorer).findings
    if any(f.severity == FINDING for f in findings):
        return "finding"
    return "warning" if findings else "clean"


def score(
    split: str, *, corpus_dir: Path = corpus.CORPUS, scorer: Model | None = None
) -> tuple[Score, list[tuple[Example, str]]]:
    """The split's score and its errors: (example, band) for every solicitation not found and
    every clean sentence not left clean."""
    result = Score(split)
    errors = []
    for example in load(split, corpus_dir):
        landed = band(example.sentence, scorer)
        result.add(landed, example.label)
        if (example.label and landed != "finding") or (not example.label and landed != "clean"):
            errors.append((example, landed))
    return result, errors


HEADER = (
    f"{'split':<8} {'n':>4}  {'finding':>9} {'warning':>9} {'clean':>9}  "
    f"{'precision':>9} {'recall':>6} {'f+w recall':>10}"
)


def row(result: Score) -> str:
    """One line: n, each band as solicit/clean, findings precision and recall, f+w recall."""
    bands = "".join(f" {f'{s}/{c}':>9}" for s, c in (result.bands[b] for b in BANDS))
    return (
        f"{result.split:<8} {result.total:>4} {bands}  {result.precision:>9.3f} "
        f"{result.recall:>6.3f} {result.recall_with_warnings:>10.3f}"
    )


def speed() -> None:
    """Time 1 MB of text through check_text, and the CLI's start-up (see :func:`startup`)."""
    sentences = [e.sentence for split in corpus.available(corpus.BLIND_SPLITS) for e in load(split)]
    prose = "\n".join(sentences) or "Thank you for coming to see us today."
    megabyte = (prose * (2**20 // len(prose) + 1))[: 2**20]
    hostile = {"corpus text": megabyte, "1 MB without spaces": "R" * 2**20}
    hostile["1 MB of one long sentence"] = ("please leave us a review we never ask " * 30_000)[
        : 2**20
    ]
    alone = []  # the corpus text's findings in one process
    for name, text in hostile.items():
        start = time.perf_counter()
        result = check_text(text)
        print(
            f"check_text, {name}: {time.perf_counter() - start:.2f} s "
            f"({len(result.findings)} findings and warnings)"
        )
        if text is megabyte:
            alone = result.findings
    cpus = available_cpus()
    if cpus > 1:
        start = time.perf_counter()
        shared = check_text(megabyte, workers=cpus).findings
        print(
            f"check_text, corpus text, {cpus} processes: {time.perf_counter() - start:.2f} s "
            f"({len(shared)} findings and warnings)"
        )
        if shared != alone:
            raise SystemExit(f"{cpus} processes found other findings than one")
    startup(megabyte)


# Start-up of the CLI in a website's CI: (label, arguments, exit status, text it must print,
# the goal in seconds).  SHORT and MEGABYTE are files written for the run.
STARTUP = (
    ("quietwatch --help", ["--help"], 0, "check-text", 0.25),
    ("quietwatch check-text SHORT_FILE", ["check-text", "SHORT"], 1, "solicitation", 0.15),
    ("quietwatch check-text 1 MB file", ["check-text", "MEGABYTE"], 1, "solicitation", 5.0),
)
# What check-text must not import when no configuration file is used.
NOT_FOR_CHECK_TEXT = ("store.config", "sqlalchemy", "sqlmodel", "pydantic", "pydantic_settings")


def cli_command() -> list[str]:
    """How a clinic's CI starts QuietWatch: the installed script, else ``python -m``."""
    script = Path(sys.executable).with_name("quietwatch")
    return [str(script)] if script.exists() else [sys.executable, "-m", "quietwatch"]


def startup(megabyte: str) -> None:
    """Time each STARTUP command (best and median of 5) from a folder without a config
    file; SystemExit when one did not do its work or check-text imported the store."""
    env = {k: v for k, v in os.environ.items() if k.upper() != "QUIETWATCH_CONFIG"}
    with tempfile.TemporaryDirectory() as folder:
        files = {"SHORT": Path(folder) / "short.txt", "MEGABYTE": Path(folder) / "megabyte.txt"}
        files["SHORT"].write_text(
            "Thank you for a good year.\nPlease leave us a review on Google.\n"
        )
        files["MEGABYTE"].write_text(megabyte)
        baseline = [sys.executable, "-c", "pass"]
        rows = [("python -c pass", baseline, 0, "", None)]
        for label, args, status, expect, goal in STARTUP:
            command = cli_command() + [str(files.get(a, a)) for a in args]
            rows.append((label, command, status, expect, goal))
        for label, command, status, expect, goal in rows:
            timings = []
            for _ in range(5):
                start = time.perf_counter()
                done = subprocess.run(command, capture_output=True, text=True, cwd=folder, env=env)
                timings.append(time.perf_counter() - start)
                if done.returncode != status or expect not in done.stdout:
                    raise SystemExit(f"{label} exited {done.returncode}:\n{done.stdout[-2000:]}")
            median = sorted(timings)[2]
            print(
                f"{label}: best of 5 {min(timings):.3f} s, median {median:.3f} s"
                + (f" (goal: at most {goal} s)" if goal else "")
            )
        imported = subprocess.run(
            [sys.executable, "-X", "importtime", "-m", "quietwatch", "check-text", "short.txt"],
            capture_output=True,
            text=True,
            cwd=folder,
            env=env,
        ).stderr
    names = {line.rsplit("|", 1)[-1].strip() for line in imported.splitlines() if "|" in line}
    heavy = sorted(
        n for n in names if n.split(".")[0] in NOT_FOR_CHECK_TEXT or n in NOT_FOR_CHECK_TEXT
    )
    if heavy:
        raise SystemExit(f"check-text imported {', '.join(heavy[:8])} without a config file")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.checker", description=__doc__)
    parser.add_argument("--errors", action="store_true", help="list misclassified sentences")
    parser.add_argument("--split", action="append", help="default: every split")
    parser.add_argument("--no-speed", action="store_true", help="skip the timings")
    parser.add_argument(
        "--draft",
        action="append",
        type=Path,
        default=[],
        help="a split file not in the corpus yet, scored on its own (repeatable)",
    )
    parser.add_argument(
        "--lexicon-only",
        action="store_true",
        help="the lexicon and links alone decide: no model finding or warning",
    )
    args = parser.parse_args(argv)
    scorer = lexicon_only() if args.lexicon_only else None
    groups: tuple[tuple[str, Path, tuple[str, ...]], ...] = (
        (
            "training splits (trained and tuned on)",
            corpus.CORPUS,
            corpus.available(corpus.TRAINING_SPLITS),
        ),
        (
            "blind splits (never trained or tuned on: the honest figures)",
            corpus.CORPUS,
            corpus.available(corpus.BLIND_SPLITS),
        ),
    )
    if args.draft:
        groups = tuple(
            ("draft split (not in the corpus: scored as written)", path.parent, (path.stem,))
            for path in args.draft
        )
    measured = 0
    for title, corpus_dir, splits in groups:
        chosen = [s for s in splits if args.draft or not args.split or s in args.split]
        if not chosen:
            continue
        if args.lexicon_only:
            title += "; lexicon and links only"
        print(f"\n{title}; each band as solicit/clean sentences\n{HEADER}")
        for split in chosen:
            result, errors = score(split, corpus_dir=corpus_dir, scorer=scorer)
            measured += result.total
            print(row(result))
            if args.errors:
                for example, landed in errors:
                    print(f"    {landed:<8} [{example.category}] {example.sentence}")
    if not measured:
        print("bench.checker measured nothing: no corpus split was found or read", file=sys.stderr)
        return 1
    if not args.no_speed:
        print()
        speed()
    return 0


if __name__ == "__main__":
    sys.exit(main())
