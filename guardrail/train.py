"""Train the checker's model from the corpus: ``python -m guardrail.train``.

Reproducible: the same corpus gives the same file (fixed seed, deterministic solver, weights
rounded to 6 significant digits, keys sorted) with the same numpy, scipy and scikit-learn;
other versions of them sum in another order, which moves a few weights' last digits (by
1e-5 between the versions this model was trained with and those of 2026-11-30).  Needs scikit-learn (the ``dev`` dependency
group); the checker itself reads the JSON it writes without it.

What it does:

1. reads every training split (``guardrail.corpus.TRAINING_SPLITS``; the blind splits are
   never read here, except to drop any training sentence that is also in one);
2. fits a logistic regression on binary tf-idf word and character n-grams
   (``guardrail.model.features``) and the lexicon's two cues, keeps the ``MAX_FEATURES``
   strongest and refits on them.  Each example is learnt whole; each sentence of a clean
   example, alone and with up to ``context - 1`` sentences before it (as the checker reads
   it), is learnt as clean too;
3. chooses the three thresholds by cross-validation on the training splits only, one
   writer held out at a time (each split was written by one writer, so each fold measures
   text from a writer the model has not read, as a blind split does).  The finding and
   lexicon thresholds are those at which the most held-out writers (of the splits of at
   least ``WRITER_MIN_EXAMPLES``) meet what the project asks of every blind split, findings
   precision ``AIM_PRECISION`` and recall ``AIM_RECALL``; among those, findings over all
   writers keeping precision ``TARGET_PRECISION``, then the best recall, then the higher
   thresholds.  The warning threshold is the highest at which findings and warnings
   together reach recall ``TARGET_WARNING_RECALL`` (a point above the project's 0.98);
4. writes ``guardrail/solicitation_model.json``.

The settings (``C``, the n-gram ranges, ``context``, the cues) were chosen by the same
cross-validation, on the training splits only.
"""

import argparse
import hashlib
import json
import logging
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from guardrail import corpus, model
from guardrail.checker import FINDING, Reading, band, evidence, how_read

logger = logging.getLogger(__name__)

VERSION = "7"
SEED = 13
# context: how many sentences the model reads together at most (this one and those before)
SETTINGS = {
    "word_ngrams": 2,
    "char_ngrams": [3, 5],
    "norm_floor": 60.0,
    "context": 3,
    # No reading of a sentence scores above the sentence read with up to two on each side
    # of it, within 430 characters (guardrail.checker.Evidence.whole; the longest corpus line
    # is 429 characters: how the cap reads a longer stretch is not measured); since model 7.
    "around": 2,
    "around_chars": 430,
}
C = 100.0
MAX_FEATURES = 20_000
TARGET_PRECISION = 0.97
TARGET_WARNING_RECALL = 0.99
# What the project asks of findings on every blind split, and the smallest split whose
# held-out figures count towards it (below that, one sentence moves precision by a point).
AIM_PRECISION = 0.95
AIM_RECALL = 0.90
WRITER_MIN_EXAMPLES = 300


@dataclass(frozen=True)
class Fitted:
    intercept: float
    features: dict[str, tuple[float, float]]  # name -> (idf, weight)


def _analyzer(settings: dict[str, Any]) -> Callable[[Reading], list[str]]:
    return lambda reading: model.features(reading.text, settings) + list(reading.cues)


def fit(
    sentences: Sequence[Reading],
    labels: Sequence[bool],
    *,
    settings: dict[str, Any] = SETTINGS,
    c: float = C,
    max_features: int = MAX_FEATURES,
) -> Fitted:
    """Fit, keep the strongest ``max_features`` n-grams, refit on them alone (so the scores
    the pure-Python model computes from the pruned vocabulary are the scores trained)."""
    vectorizer, matrix = _vectorise(sentences, settings, None)
    classifier = _classifier(c).fit(matrix, labels)
    names = vectorizer.get_feature_names_out()
    strength = sorted(range(len(names)), key=lambda i: (-abs(classifier.coef_[0][i]), names[i]))
    kept = sorted(names[i] for i in strength[:max_features])
    vectorizer, matrix = _vectorise(sentences, settings, kept)
    classifier = _classifier(c).fit(matrix, labels)
    return Fitted(
        intercept=_round(classifier.intercept_[0]),
        features={
            name: (_round(idf), _round(weight))
            for name, idf, weight in zip(kept, vectorizer.idf_, classifier.coef_[0], strict=True)
        },
    )


def _vectorise(
    sentences: Sequence[Reading], settings: dict[str, Any], vocabulary: list[str] | None
) -> tuple[Any, Any]:
    """Binary tf-idf rows, each divided by its length or by ``norm_floor`` if that is larger
    (as :meth:`guardrail.model.Model.probability` does: a very short text, with few
    features, must not get the confident score a unit-length vector would give it)."""
    import numpy
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(
        analyzer=_analyzer(settings),
        binary=True,
        norm=None,
        min_df=1 if vocabulary else 2,
        vocabulary=vocabulary,
        dtype=numpy.float64,
    )
    return vectorizer, scaled(vectorizer.fit_transform(sentences), settings)


def scaled(matrix: Any, settings: dict[str, Any]) -> Any:
    """Each row divided by its length, or by ``norm_floor`` if that is larger."""
    import numpy
    from scipy.sparse import diags

    lengths = numpy.sqrt(numpy.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    return (
        diags(1.0 / numpy.maximum(numpy.maximum(lengths, settings["norm_floor"]), 1e-12)) @ matrix
    )


def _classifier(c: float) -> Any:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(
        C=c, solver="liblinear", class_weight="balanced", random_state=SEED, max_iter=1000
    )


def _round(value: float) -> float:
    return float(f"{value:.6g}")


def as_model(fitted: Fitted, settings: dict[str, Any], thresholds: dict[str, float]) -> model.Model:
    return model.Model(_data(fitted, settings, thresholds, {}), digest="")


def _data(
    fitted: Fitted,
    settings: dict[str, Any],
    thresholds: dict[str, float],
    provenance: dict[str, Any],
) -> dict[str, Any]:
    return {
        "version": VERSION,
        "kind": "logistic regression, binary tf-idf word and character n-grams, lexicon cues",
        "provenance": provenance,
        "settings": settings,
        "thresholds": thresholds,
        "intercept": fitted.intercept,
        "features": {name: list(pair) for name, pair in sorted(fitted.features.items())},
    }


@dataclass(frozen=True)
class Entry:
    """One corpus example as the checker sees it: what the model reads for each of its
    sentences, which of them the lexicon matched, whether it holds a write-a-review link, and
    the lexicon's cues for the example as a whole."""

    label: bool
    readings: tuple[tuple[Reading, ...], ...]
    lexicon_hits: tuple[bool, ...]
    linked: bool
    cues: tuple[str, ...]
    # Each sentence read with those around it, the cap on its readings (None: it stands alone).
    wholes: tuple[Reading | None, ...]
    bares: tuple[bool, ...]  # each sentence: a link and a word or two


def entries(examples: Sequence[corpus.Example], settings: dict[str, Any] = SETTINGS) -> list[Entry]:
    """Each example read as the checker reads it with a model of ``settings``."""
    how = how_read(settings)
    found = []
    for example in examples:
        items = list(evidence(example.sentence, **how))
        found.append(
            Entry(
                example.label,
                tuple(item.readings for item in items),
                tuple(item.hit is not None for item in items),
                any(item.linked for item in items),
                tuple(sorted({cue for item in items for cue in item.readings[0].cues})),
                tuple(item.whole for item in items),
                tuple(item.bare for item in items),
            )
        )
    return found


def training_texts(
    items: Sequence[Entry], examples: Sequence[corpus.Example]
) -> tuple[list[Reading], list[bool]]:
    """Each example's whole text; and, for a clean example of several sentences, each
    reading of its sentences (every part of a clean text is clean, while the parts of a
    request are not each a request)."""
    texts = [Reading(e.sentence, item.cues, 0) for e, item in zip(examples, items, strict=True)]
    labels = [e.label for e in examples]
    for example, item in zip(examples, items, strict=True):
        if not item.label and len(item.readings) > 1:
            parts = {r.text: r for readings in item.readings for r in readings}
            parts.pop(example.sentence, None)
            texts += parts.values()
            labels += [False] * len(parts)
    return texts, labels


def out_of_fold(
    examples: Sequence[corpus.Example],
    items: Sequence[Entry],
    *,
    settings: dict[str, Any] = SETTINGS,
    c: float = C,
) -> list[tuple[float, ...]]:
    """For each example, the probability of each of its sentences (its highest reading)
    from a model that never saw its split (one split, one writer, held out at a time)."""
    from sklearn.model_selection import LeaveOneGroupOut

    labels = [e.label for e in examples]
    writers = [e.split for e in examples]
    scores: list[tuple[float, ...]] = [()] * len(examples)
    for train, test in LeaveOneGroupOut().split(examples, labels, writers):
        texts, y = training_texts([items[i] for i in train], [examples[i] for i in train])
        fitted = fit(texts, y, settings=settings, c=c)
        scorer = as_model(fitted, settings, {"finding": 1, "warning": 1, "lexicon": 1})
        for i in test:
            scores[i] = tuple(
                min(
                    max(scorer.probability(r.text, r.cues) for r in readings),
                    scorer.probability(whole.text, whole.cues) if whole else 1.0,
                )
                for readings, whole in zip(items[i].readings, items[i].wholes, strict=True)
            )
    return scores


def choose_thresholds(
    items: Sequence[Entry], scores: Sequence[tuple[float, ...]], writers: Sequence[str]
) -> dict[str, float]:
    """Thresholds from out-of-fold scores, for the bands of ``guardrail.checker.band``: the
    (finding, lexicon) pair at which the most held-out writers (``writers``: each item's
    split) meet AIM_PRECISION and AIM_RECALL; then findings over all keeping
    TARGET_PRECISION, the best recall, the higher thresholds.  Then the highest warning
    threshold at which findings and warnings together reach recall TARGET_WARNING_RECALL."""
    import numpy

    labels = numpy.array([item.label for item in items])
    split = numpy.array(writers)
    names, sizes = numpy.unique(split, return_counts=True)
    each = [split == name for name in names[sizes >= WRITER_MIN_EXAMPLES]]
    linked = numpy.array([item.linked for item in items])
    best_any = numpy.array([max(s, default=0.0) for s in scores])
    # A bare link is a finding only by a pattern or its link (guardrail.checker.band).
    best_own = numpy.array(
        [max((p for p, bare in zip(s, item.bares, strict=True) if not bare), default=0.0)
         for s, item in zip(scores, items, strict=True)]
    )  # fmt: skip
    best_hit = numpy.array(
        [max((p for p, hit in zip(s, item.lexicon_hits, strict=True) if hit), default=-1.0)
         for s, item in zip(scores, items, strict=True)]
    )  # fmt: skip
    any_hit = best_hit >= 0
    grid = numpy.round(numpy.arange(0.05, 0.96, 0.01), 2)
    # (writers meeting the aims, precision target kept, recall, finding, lexicon)
    chosen: tuple[int, bool, float, float, float] = (-1, False, -1.0, 1.0, 1.0)
    for finding in grid:
        for lexicon in grid[grid <= finding]:
            flagged = linked | (best_own >= finding) | (best_hit >= lexicon)
            if not flagged.any():
                continue
            found = flagged & labels
            meeting = sum(
                found[mine].sum() >= AIM_PRECISION * flagged[mine].sum()
                and found[mine].sum() >= AIM_RECALL * labels[mine].sum()
                for mine in each
            )
            precision = found.sum() / flagged.sum()
            recall = found.sum() / labels.sum()
            candidate = (
                int(meeting),
                bool(precision >= TARGET_PRECISION),
                float(recall),
                float(finding),
                float(lexicon),
            )
            chosen = max(chosen, candidate)
    *_, finding, lexicon = chosen
    warning = float(grid[0])
    for candidate in grid[grid <= lexicon]:
        caught = linked | any_hit | (best_any >= candidate)
        if (caught & labels).sum() / labels.sum() >= TARGET_WARNING_RECALL:
            warning = float(candidate)  # the grid ascends: keep the highest that reaches it
    return {"finding": finding, "warning": warning, "lexicon": lexicon}


def figures(
    items: Sequence[Entry], scores: Sequence[tuple[float, ...]], thresholds: dict[str, float]
) -> dict[str, float]:
    """Findings precision and recall, and findings + warnings recall, of the checker's bands
    at ``thresholds`` (on out-of-fold scores: what to expect on text the model never saw)."""
    limits = model.Thresholds(**thresholds)
    counts = {"tp": 0, "fp": 0, "caught": 0, "positives": 0, "warnings": 0}
    for item, score in zip(items, scores, strict=True):
        bands = {
            band(p, hit, limits, bare)
            for hit, p, bare in zip(item.lexicon_hits, score, item.bares, strict=True)
        }
        finding = item.linked or FINDING in bands
        counts["tp"] += finding and item.label
        counts["fp"] += finding and not item.label
        counts["caught"] += item.label and (finding or len(bands - {None}) > 0)
        counts["positives"] += item.label
        counts["warnings"] += not finding and len(bands - {None}) > 0
    flagged = counts["tp"] + counts["fp"]
    return {
        "precision": round(counts["tp"] / flagged, 4) if flagged else 1.0,
        "recall": round(counts["tp"] / counts["positives"], 4),
        "recall_with_warnings": round(counts["caught"] / counts["positives"], 4),
        "warnings": counts["warnings"],
    }


def corpus_digest(splits: Sequence[str]) -> str:
    digest = hashlib.sha256()
    for split in splits:
        digest.update((corpus.CORPUS / f"{split}.tsv").read_bytes())
    return digest.hexdigest()


def train(output: Path = model.MODEL_FILE) -> dict[str, Any]:
    examples = corpus.training_examples()
    items = entries(examples)
    scores = out_of_fold(examples, items)
    thresholds = choose_thresholds(items, scores, [e.split for e in examples])
    fitted = fit(*training_texts(items, examples))
    splits = corpus.available(corpus.TRAINING_SPLITS)
    provenance = {
        "splits": list(splits),
        "examples": len(examples),
        "corpus_sha256": corpus_digest(splits),
        "seed": SEED,
        "C": C,
        "max_features": MAX_FEATURES,
        "folds": "one split (one writer) held out at a time",
        "cross_validated": figures(items, scores, thresholds),
        "held_out_writers": {
            split: figures(
                [item for item, e in zip(items, examples, strict=True) if e.split == split],
                [score for score, e in zip(scores, examples, strict=True) if e.split == split],
                thresholds,
            )
            for split in splits
        },
    }
    data = _data(fitted, SETTINGS, thresholds, provenance)
    output.write_text(json.dumps(data, indent=0, sort_keys=True, ensure_ascii=False) + "\n")
    return data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m guardrail.train", description=__doc__)
    parser.add_argument("--output", type=Path, default=model.MODEL_FILE)
    args = parser.parse_args(argv)
    data = train(args.output)
    print(
        f"wrote {args.output}: {len(data['features'])} features from "
        f"{data['provenance']['examples']} sentences; thresholds {data['thresholds']}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
