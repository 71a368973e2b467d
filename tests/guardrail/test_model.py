"""The checker's model: plain JSON, scored in pure Python exactly as trained, reproducible."""

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from guardrail import corpus, model, train
from guardrail.checker import evidence
from tests.conftest import REPO

SENTENCES = [
    "Please leave us a review on Google.",
    "We never ask clients for reviews or testimonials.",
    "Your counsellor will review your intake form before the first session.",
    "Loving your sessions? Share it here: {{review_link}}",
    "Partagez votre expérience sur notre fiche Google!",
    "Rate your anxiety from 1 to 10.",
    "Most people choose a counsellor by what others wrote online. We read all of it. Ours is thin.",
]


def test_the_model_file_is_plain_small_data_with_a_version() -> None:
    raw = model.MODEL_FILE.read_bytes()
    assert len(raw) < 3_000_000
    data = json.loads(raw)  # plain JSON: no pickle, no code
    assert set(data) >= {"version", "settings", "thresholds", "intercept", "features"}
    assert all(
        isinstance(idf, float) and isinstance(weight, float)
        for idf, weight in data["features"].values()
    )
    t = data["thresholds"]
    assert 0 < t["warning"] <= t["lexicon"] <= t["finding"] < 1
    assert data["provenance"]["splits"] == list(corpus.available(corpus.TRAINING_SPLITS))
    assert not set(data["provenance"]["splits"]) & set(corpus.BLIND_SPLITS)
    label = model.model_version()
    assert label.startswith(data["version"] + "+") and len(label.split("+")[1]) == 12


def test_the_checker_path_imports_neither_scikit_learn_nor_numpy() -> None:
    code = (
        "import sys; from guardrail.checker import check_text; "
        "check_text('Please leave us a review on Google.'); "
        "print(sorted(m for m in ('sklearn', 'numpy', 'scipy') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True
    )
    assert out.stdout.strip() == "[]"


def test_pure_python_scores_equal_scikit_learns() -> None:
    """The pure-Python model gives the probability scikit-learn gives for the same fit."""
    examples = corpus.training_examples()[:400]
    items = train.entries(examples, {"context": train.SETTINGS["context"]})
    texts, labels = train.training_texts(items, examples)
    assert {model.CUE_HIT, model.CUE_SET_ASIDE} <= {cue for t in texts for cue in t.cues}
    settings = train.SETTINGS
    vectorizer, matrix = train._vectorise(texts, settings, None)
    classifier = train._classifier(train.C).fit(matrix, labels)
    names = vectorizer.get_feature_names_out()
    fitted = train.Fitted(
        float(classifier.intercept_[0]),
        {
            n: (float(i), float(w))
            for n, i, w in zip(names, vectorizer.idf_, classifier.coef_[0], strict=True)
        },
    )
    scorer = train.as_model(fitted, settings, {"finding": 0.9, "warning": 0.1, "lexicon": 0.5})
    readings = [
        reading
        for sentence in SENTENCES
        for item in evidence(sentence, context=settings["context"])
        for reading in item.readings
    ]
    assert any(reading.cues for reading in readings) and any(r.before == 2 for r in readings)
    rows = train.scaled(vectorizer.transform(readings), settings)
    expected = classifier.predict_proba(rows)[:, 1]
    for reading, want in zip(readings, expected, strict=True):
        got = scorer.probability(reading.text, reading.cues)
        assert math.isclose(got, want, abs_tol=1e-9), reading


@pytest.mark.slow
def test_retraining_reproduces_the_saved_model(tmp_path: Path) -> None:
    output = tmp_path / "model.json"
    result = subprocess.run(
        [sys.executable, "-m", "guardrail.train", "--output", str(output)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    saved = json.loads(model.MODEL_FILE.read_text())
    fresh = json.loads(output.read_text())
    assert fresh["features"].keys() == saved["features"].keys()
    # The solver stops at its tolerance, and the order numpy and scipy sum in moves with their
    # versions: a fresh install today differs from the saved weights in 15 of 20,000, by at
    # most 1e-5 (half the weights are over 0.7).  Anything like a change of data or settings moves
    # them by far more, and the bands below by whole sentences.
    for name, (idf, weight) in saved["features"].items():
        assert fresh["features"][name] == pytest.approx([idf, weight], rel=1e-5, abs=1e-4), name
    assert fresh["intercept"] == pytest.approx(saved["intercept"], rel=1e-5, abs=1e-4)
    assert fresh["thresholds"] == saved["thresholds"]
    assert fresh["provenance"] == saved["provenance"]


@pytest.mark.parametrize("separator", [" ", "\n", "  \n\n "])
def test_a_reading_scored_from_its_sentences_equals_the_reading_scored_whole(
    separator: str,
) -> None:
    """check_text scores a sentence read with those before it from each sentence's features
    (read once) and the word pairs that cross between them; that must be what scoring the
    joined text gives, for every reading of real corpus text."""
    scorer = model.load()
    examples = [e.sentence for e in corpus.load("train8")][:240]
    text = separator.join(examples[i] + ("." if i % 3 else "") for i in range(len(examples)))
    joined = 0
    for item in evidence(text, context=scorer.settings["context"]):
        for reading in item.readings:
            if reading.parts:
                joined += len(reading.parts) > 1
                parts = [scorer.part(sentence) for sentence in reading.parts]
                whole = scorer.probability(reading.text, reading.cues)
                assert scorer.joined_probability(parts, reading.cues) == pytest.approx(
                    whole, abs=1e-12
                ), reading.text
    assert joined > 200


@pytest.mark.parametrize(
    ("separator", "tail"),
    [('" ', ""), (" · ", ""), (") ", ""), (" ", " {first_name}"), (" ", " [Review link]")],
)
def test_a_reading_with_something_between_its_sentences_is_scored_as_read_whole(
    separator: str, tail: str
) -> None:
    """A closing quote, a bullet or a placeholder between sentences: the reading is scored
    from its sentences and what stands between them when the words are the same, and that
    must equal the joined text read whole, for every such reading of real corpus text."""
    scorer = model.load()
    examples = [e.sentence for e in corpus.load("train8")][:240]
    text = separator.join(
        examples[i] + (tail if i % 2 else "") + ("." if i % 3 else "") for i in range(len(examples))
    )
    from_pieces = 0
    for item in evidence(text, context=scorer.settings["context"]):
        for reading in item.readings:
            if not reading.pieces:
                continue
            parts = [scorer.part(piece) for piece in reading.pieces]
            same_words = model.tokens(model.normalise(reading.text)) == [
                word for part in parts for word in part.words
            ]
            from_pieces += same_words
            got = scorer.pieces_probability(reading.text, parts, reading.cues)
            assert got == pytest.approx(
                scorer.probability(reading.text, reading.cues), abs=1e-12
            ), reading.text
    assert from_pieces > 100


@pytest.mark.parametrize(
    "text",
    [
        "Tell us how we did at <our page. The link> is below.",  # a placeholder across two
        "Use [the link. It] works.",
        'She said "Leave a review." Then she left.',  # the quote is a word between them
        "R" * 2500,  # cut without a space: the pieces' words would run together
    ],
)
def test_a_reading_whose_sentences_do_not_simply_follow_each_other_is_read_whole(
    text: str,
) -> None:
    items = list(evidence(text, context=3))
    assert len(items) >= 2
    assert all(not r.parts for r in items[-1].readings if r.before)
    assert any(r.before for r in items[-1].readings)


def _entries(scores_and_labels: list[tuple[float, bool]]) -> list[train.Entry]:
    """One sentence each, with no lexicon hit, link or bare link (its readings unused)."""
    return [
        train.Entry(label, ((),), (False,), False, (), (None,), (False,))
        for _, label in scores_and_labels
    ]


def test_thresholds_are_chosen_for_the_most_held_out_writers_meeting_the_blind_aims(
    monkeypatch,
) -> None:
    """Writer A: ten of its 150 requests score 0.75.  Writer B: ten of its 150 clean
    sentences score 0.80.  Pooled, a finding threshold of 0.75 keeps precision at 0.968 and
    catches every request; but B's own precision is then 0.94, under the 0.95 asked of every
    blind split, while above 0.80 both writers meet both aims (A's recall 0.93).  Treated as
    one writer, the recall wins."""
    monkeypatch.setattr(train, "TARGET_PRECISION", 0.96)  # the cases are built around 0.96
    a = [(0.9, True)] * 140 + [(0.75, True)] * 10 + [(0.1, False)] * 150
    b = [(0.9, True)] * 150 + [(0.1, False)] * 140 + [(0.8, False)] * 10
    rows = a + b
    items = _entries(rows)
    scores = [(score,) for score, _ in rows]
    two = train.choose_thresholds(items, scores, ["a"] * len(a) + ["b"] * len(b))
    assert two["finding"] == 0.9
    one = train.choose_thresholds(items, scores, ["a"] * len(rows))
    assert one["finding"] == 0.75
    # a writer too small to weigh a point per sentence does not count
    small = train.choose_thresholds(items, scores, ["a"] * len(a) + ["b"] * 10 + ["c"] * 290)
    assert small["finding"] == 0.75


def test_a_held_out_writers_recall_counts_as_much_as_its_precision(monkeypatch) -> None:
    """Above 0.80 writer B's findings are all right, but writer A's requests scored 0.80 are
    lost (recall 0.80): each threshold then satisfies one writer, so the one with the better
    recall over both is taken."""
    monkeypatch.setattr(train, "TARGET_PRECISION", 0.96)  # the cases are built around 0.96
    a = [(0.9, True)] * 120 + [(0.8, True)] * 30 + [(0.1, False)] * 150
    b = [(0.9, True)] * 150 + [(0.1, False)] * 140 + [(0.8, False)] * 10
    rows = a + b
    scores = [(score,) for score, _ in rows]
    chosen = train.choose_thresholds(_entries(rows), scores, ["a"] * len(a) + ["b"] * len(b))
    assert chosen["finding"] == 0.8
