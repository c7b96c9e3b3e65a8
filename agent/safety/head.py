"""A linear head on the sentence embeddings: logistic regression trained on every labelled utterance the project has.

Nearest exemplars judge an utterance by a handful of neighbours; a linear head weighs all 384 dimensions at once,
learned from about 14,300 labelled turns (the exemplars, the labelled sets and the training corpora in
``tools/safety/data``). The two err on different utterances, and their sum generalises better than either: on each of
the 55 labelled sets left out of training in turn, the semantic layer's recall at 5 % false alarms went from 0.53
(neighbours alone) to 0.80 (docs/SAFETY.md, "The linear head"). The classifier adds half the head's logit to the
neighbours' margin (``SemanticClassifier``, ``HEAD_WEIGHT``).

The head is trained offline (``companion safety train-head``: scikit-learn's logistic regression, deterministic) and
shipped as ``data/semantic_head.npz`` with the fingerprint of the embedding model it was trained on; another model
gets no head (neighbours only), since its vectors mean something else. The file also records a digest of the
training texts, and a test fails when the data changed without retraining.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from companion.agent.safety.embedders import DATA_DIR

log = logging.getLogger(__name__)

DEFAULT_HEAD = DATA_DIR / "semantic_head.npz"


@dataclass(frozen=True)
class LinearHead:
    weights: np.ndarray  # (dim,)
    bias: float
    fingerprint: str  # the embedder it was trained on
    digest: str  # of the training texts and labels

    def logits(self, vectors: np.ndarray) -> np.ndarray:
        return vectors @ self.weights + self.bias

    def save(self, path: Path) -> None:
        with path.open("wb") as file:  # np.savez would append .npz to a name without it
            np.savez(
                file,
                weights=self.weights.astype(np.float32),
                bias=np.float32(self.bias),
                fingerprint=self.fingerprint,
                digest=self.digest,
            )

    @classmethod
    def load(cls, path: Path, fingerprint: str) -> LinearHead | None:
        """The head in ``path`` if it was trained on the model ``fingerprint``; otherwise None (neighbours only)."""
        if not path.is_file():
            log.info("safety: no linear head at %s; the nearest exemplars decide alone", path)
            return None
        with np.load(path) as data:
            head = cls(data["weights"], float(data["bias"]), str(data["fingerprint"]), str(data["digest"]))
        if head.fingerprint != fingerprint:
            log.info("safety: the linear head in %s is for %s, not %s; not used", path, head.fingerprint, fingerprint)
            return None
        return head


def training_digest(texts: Sequence[str], labels: Sequence[int]) -> str:
    joined = "\n".join(f"{label}\t{text}" for text, label in zip(texts, labels, strict=True))
    return hashlib.sha256(joined.encode()).hexdigest()[:16]
