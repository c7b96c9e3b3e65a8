"""The semantic layer's linear head: its fit, its file, and that the shipped head was trained on today's data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from companion.agent.safety.embedders import MiniLMEmbedder
from companion.agent.safety.head import DEFAULT_HEAD, LinearHead, fit_logistic
from companion.agent.safety.semantic import SLOPE, SemanticClassifier
from companion.tools.safety.train_head import training_data

EMBEDDER = MiniLMEmbedder()


def test_fit_separates_two_clouds_and_keeps_weights_bounded() -> None:
    rng = np.random.default_rng(7)
    centre = rng.normal(size=16)
    x = np.vstack([rng.normal(size=(200, 16)) + centre, rng.normal(size=(200, 16)) - centre])
    y = np.array([1] * 200 + [0] * 200)
    w = fit_logistic(x, y, c=1.0)
    predicted = (x @ w[:-1] + w[-1]) > 0
    assert (predicted == y.astype(bool)).mean() > 0.97
    loose = fit_logistic(x, y, c=100.0)
    assert np.linalg.norm(w[:-1]) < np.linalg.norm(loose[:-1])  # the penalty shrinks the weights


def test_saved_head_loads_for_its_model_only(tmp_path: Path) -> None:
    head = LinearHead(np.arange(4, dtype=np.float32), -0.5, "minilm-abc", "d1")
    path = tmp_path / "head.npz"
    head.save(path)
    loaded = LinearHead.load(path, "minilm-abc")
    assert loaded is not None and np.array_equal(loaded.weights, head.weights) and loaded.bias == -0.5
    assert LinearHead.load(path, "another-model") is None
    assert LinearHead.load(tmp_path / "missing.npz", "minilm-abc") is None


def test_shipped_head_is_trained_on_todays_exemplars_and_sets() -> None:
    head = LinearHead.load(DEFAULT_HEAD, EMBEDDER.fingerprint())
    assert head is not None, f"no head for {EMBEDDER.fingerprint()} at {DEFAULT_HEAD}"
    assert head.digest == training_data().digest, (
        "the exemplars, a labelled set or the lexicon's masking changed: run `companion safety train-head`"
    )


def test_classifier_adds_the_heads_logit_to_the_neighbours_margin(tmp_path: Path) -> None:
    text = ["I keep thinking everyone would cope fine without me"]
    alone = SemanticClassifier(EMBEDDER, cache_dir=tmp_path).classify_sync(text)
    head = LinearHead.load(DEFAULT_HEAD, EMBEDDER.fingerprint())
    assert head is not None
    both = SemanticClassifier(EMBEDDER, cache_dir=tmp_path, head=head).classify_sync(text)
    logit = float(head.logits(EMBEDDER.embed(text))[0])
    assert both.margin == pytest.approx(alone.margin + SLOPE * logit, abs=1e-5)
