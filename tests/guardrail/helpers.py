"""Shared by the checker's tests: a small real model with the weights a test gives."""

from typing import Any

from guardrail.model import Model


def small_model(
    intercept: float, features: dict[str, float] | None = None, **settings: Any
) -> Model:
    """A small real model: each word feature's weight given (a weight of 10 adds 1 to the
    logit, the norm floor being 10), no character n-grams the model knows.  ``settings``
    override the defaults (reading context 3, as shipped); ``context=None`` leaves it out."""
    config = {"char_ngrams": [3, 5], "context": 3, "norm_floor": 10.0, "word_ngrams": 1}
    config.update(settings)
    if config["context"] is None:
        del config["context"]
    data = {
        "version": "test",
        "settings": config,
        "intercept": intercept,
        "thresholds": {"finding": 0.6, "warning": 0.5, "lexicon": 0.41},
        "features": {f"w:{word}": [1.0, weight] for word, weight in (features or {}).items()},
    }
    return Model(data, "0" * 64)
