"""The checker's labelled corpus: sentences written by this project, one split per file.

``tests/guardrail/corpus/<split>.tsv``: ``label<TAB>category<TAB>sentence`` (the first
splits) or ``label<TAB>category<TAB>genre<TAB>sentence`` (from ``train4`` on); lines that
start with ``#`` are comments (each split's header says who wrote it and how the checker
scored it as written).  Used by ``python -m guardrail.train`` and ``python -m bench.checker``;
the corpus is not shipped with the package.
"""

from dataclasses import dataclass
from pathlib import Path

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "guardrail" / "corpus"

# The model is trained (and the lexicon was tuned) on these, in the order they were written.
# dev1 was written by the checker's developer after seeing its errors: training data only.
# blind3 was written blind and only ever scored (1.000 / 0.889, findings + warnings 0.972
# against model 2 with train8, recorded in its header); it joined the training on 2026-11-30,
# as the procedure allows once a split has been scored as written, leaving five
# never-trained blind splits, and four more were written after the retraining.  train9 and
# train10 were written blind, scored as written (their headers), and waited outside the
# training until model 3 (2026-11-30): with the thresholds chosen one writer held out at a
# time, training with them raised the held-out precision of four of the five earlier writers
# (README, "How it decides").
TRAINING_SPLITS = (
    "tune",
    "holdout",
    "tune2",
    "tune3",
    "train4",
    "train5",
    "dev1",
    "train6",
    "train7",
    "train8",
    "blind3",
    "train9",
    "train10",
)
# Written blind for training and scored as written, not trained on: a model trained with it
# (model 4's trial, 2026-11-30) met the aims on all seven earlier writers held out, but chose a
# lexicon threshold of 0.60 and lost what tests pin (a staff member asked to post a review
# became a warning, a finding on the clinic's own policy text, the long hostile text's
# findings, a warning on the test site's home-page heading).  README, "Model 4, tried".
# train13 (written blind for training in the policy voice: review and social-media policies,
# consent forms and their asking twins) with train12 made model 5's trial (2026-11-30, night):
# the same aims met, the same tests lost.  README, "Model 5, tried".
# train14 (written blind for training on 2026-12-01: asks made to staff, students, volunteers,
# friends and family, and the ethics prose that quotes or forbids them) with train12 and
# train13 made model 8's trials, with and without it: both chose thresholds that lost recall
# on the seven earlier writers held out (README, "Model 8, tried").
WAITING_SPLITS = ("train12", "train13", "train14")
# Written blind and NEVER trained or tuned on: only ever scored.  These are the honest figure;
# blind15 to blind22 were written after model 3 was chosen and scored once, as written, against it;
# blind23 to blind26 after model 7 was shipped, against model 7 (2026-12-01).
BLIND_SPLITS = (
    "blind4",
    "blind5",
    "blind6",
    "blind7",
    "blind8",
    "blind9",
    "blind10",
    "blind11",
    "blind12",
    "blind13",
    "blind14",
    "blind15",
    "blind16",
    "blind17",
    "blind18",
    "blind19",
    "blind20",
    "blind21",
    "blind22",
    "blind23",
    "blind24",
    "blind25",
    "blind26",
)
LABELS = {"solicit": True, "clean": False}


@dataclass(frozen=True)
class Example:
    label: bool  # True: solicitation
    category: str
    sentence: str
    genre: str = ""
    split: str = ""


def load(split: str, corpus: Path = CORPUS) -> list[Example]:
    """The examples of one split, in file order; a malformed line raises ValueError."""
    path = corpus / f"{split}.tsv"
    examples = []
    for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t", 3)
        if len(parts) == 3:
            label, category, sentence = parts
            genre = ""
        elif len(parts) == 4:
            label, category, genre, sentence = parts
        else:
            raise ValueError(
                f"{path}:{number}: expected label<TAB>category<TAB>[genre<TAB>]sentence"
            )
        if label not in LABELS:
            raise ValueError(f"{path}:{number}: label must be 'solicit' or 'clean', not {label!r}")
        examples.append(Example(LABELS[label], category, sentence.strip(), genre, split))
    return examples


def available(splits: tuple[str, ...], corpus: Path = CORPUS) -> tuple[str, ...]:
    return tuple(name for name in splits if (corpus / f"{name}.tsv").exists())


def training_examples(corpus: Path = CORPUS) -> list[Example]:
    """Every training example, minus any sentence that also appears in a blind split (so no
    blind sentence is ever learnt, even when two writers happened to write the same words)."""
    blind = {
        _key(e.sentence) for split in available(BLIND_SPLITS, corpus) for e in load(split, corpus)
    }
    seen: set[str] = set()
    examples = []
    for split in available(TRAINING_SPLITS, corpus):
        for example in load(split, corpus):
            key = _key(example.sentence)
            if key in blind or key in seen:
                continue
            seen.add(key)
            examples.append(example)
    return examples


def _key(sentence: str) -> str:
    return " ".join(sentence.lower().split())
