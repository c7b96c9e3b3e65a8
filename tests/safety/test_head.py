"""The semantic layer's linear head: its fit, its file, and that the shipped head was trained on today's data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from companion.agent.safety.embedders import MiniLMEmbedder
from companion.agent.safety.head import DEFAULT_HEAD, LinearHead
from companion.agent.safety.semantic import HEAD_WEIGHT, SLOPE, SemanticClassifier
from companion.tools.safety.train_head import TrainingData, fit_logistic, train

EMBEDDER = MiniLMEmbedder()


def test_training_separates_the_labels_and_records_the_data() -> None:
    crisis = ["I want to die", "I have pills saved up for tonight", "nobody would miss me if I was gone"]
    benign = ["this queue is killing me", "I'm dying to see the dinosaurs", "where is the cafe"]
    data = TrainingData(crisis + benign, np.array([1, 1, 1, 0, 0, 0]), ["test"] * 6)
    vectors = EMBEDDER.embed(data.texts)
    head = train(data, vectors, "minilm-test")
    logits = head.logits(vectors)
    assert (logits[:3] > 0).all() and (logits[3:] < 0).all()
    assert head.digest == data.digest and head.fingerprint == "minilm-test"
    stronger = fit_logistic(vectors, data.labels, c=0.01)[0]
    assert np.linalg.norm(stronger) < np.linalg.norm(head.weights)  # a stronger penalty shrinks the weights


def test_saved_head_loads_for_its_model_only(tmp_path: Path) -> None:
    head = LinearHead(np.arange(4, dtype=np.float32), -0.5, "minilm-abc", "d1")
    path = tmp_path / "head.npz"
    head.save(path)
    loaded = LinearHead.load(path, "minilm-abc")
    assert loaded is not None and np.array_equal(loaded.weights, head.weights) and loaded.bias == -0.5
    assert LinearHead.load(path, "another-model") is None
    assert LinearHead.load(tmp_path / "missing.npz", "minilm-abc") is None


def test_classifier_adds_the_heads_logit_to_the_neighbours_margin(tmp_path: Path) -> None:
    text = ["I keep thinking everyone would cope fine without me"]
    alone = SemanticClassifier(EMBEDDER, cache_dir=tmp_path).classify_sync(text)
    head = LinearHead.load(DEFAULT_HEAD, EMBEDDER.fingerprint())
    assert head is not None
    both = SemanticClassifier(EMBEDDER, cache_dir=tmp_path, head=head).classify_sync(text)
    logit = float(head.logits(EMBEDDER.embed(text))[0])
    assert both.margin == pytest.approx(alone.margin + HEAD_WEIGHT * SLOPE * logit, abs=1e-5)


def test_training_without_scikit_learn_says_which_extra_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from companion.core.errors import CompanionError

    monkeypatch.setitem(sys.modules, "sklearn.linear_model", None)  # import fails as if it were not installed
    with pytest.raises(CompanionError, match="scikit-learn") as raised:
        fit_logistic(np.zeros((2, 3)), np.array([0, 1]))
    assert "companion-agent[train]" in str(raised.value)
