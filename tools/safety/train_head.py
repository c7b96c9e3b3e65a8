"""``companion safety train-head``: fit the semantic layer's linear head, and measure it by leaving each set out.

Training data: the built-in exemplars (crisis 1, benign 0), the training corpora in ``tools/safety/data/training``
(labelled utterances written only to train on, never to measure) and every labelled set in ``tools/safety/data``. A risk
item's last turn is a positive, except a ``setback_means`` item, whose last turn ("which bridge is the highest?") is
harmless on its own: the conversation layer judges it, so it trains as a negative. Texts are embedded as the detector
embeds them (normalised, idioms masked).

``--cross-validate`` prints, for each labelled set left out of training, the semantic layer's AUC and its recall at
5 % false alarms with the nearest exemplars alone and with the head added: the evidence that the head generalises.
Exemplars and corpus rows nearly identical to the left-out set's items (cosine >= 0.93) are left out with it.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from statistics import mean

import numpy as np

from companion.agent.safety.embedders import Embedder, MiniLMEmbedder
from companion.agent.safety.head import DEFAULT_HEAD, LinearHead, training_digest
from companion.agent.safety.lexicon import Lexicon
from companion.agent.safety.semantic import THRESHOLD, Exemplars, neighbour_margins, with_head
from companion.core.errors import CompanionError
from companion.tools.safety.evaluation import DATA_DIR, builtin_sets, load_set

# Training is offline and embeds every turn again (about 14,000): it uses every core (up to four), where the robot's
# detector embeds with one thread. The vectors agree to float rounding (the head reproduces within 1e-5).
TRAINING_THREADS = max(1, min(os.cpu_count() or 1, 4))
NEAR_COPY = 0.93  # an exemplar or corpus row this close to a left-out item is left out too
REGULARISATION = 10.0  # inverse L2 strength (scikit-learn's C); chosen by leaving each labelled set out in turn


@dataclass(frozen=True)
class TrainingData:
    texts: list[str]  # as embedded
    labels: np.ndarray  # 1 crisis, 0 benign
    sources: list[str]  # "exemplars", "training" (a corpus) or the labelled set's file stem

    @property
    def digest(self) -> str:
        return training_digest(self.texts, self.labels.tolist())


TRAINING_DIR = DATA_DIR / "training"
TRAINING = "training"  # the source name of the training corpora's rows


def training_data() -> TrainingData:
    lexicon = Lexicon.load()
    exemplars = Exemplars.load()
    texts = [t for _, t in exemplars.crisis] + [t for _, t in exemplars.benign]
    labels = [1] * len(exemplars.crisis) + [0] * len(exemplars.benign)
    sources = ["exemplars"] * len(texts)
    corpora = [(path, TRAINING) for path in sorted(TRAINING_DIR.glob("*.yaml"))]
    for path, source in corpora + [(path, path.stem) for path in builtin_sets()]:
        for item in load_set(path):
            texts.append(item.text)
            labels.append(int(item.risk and item.category != "setback_means"))
            sources.append(source)
    prepared = [lexicon.embedding_text(t) for t in texts]
    return TrainingData(prepared, np.array(labels), sources)


def embed(embedder: Embedder, texts: Sequence[str], batch: int = 64) -> np.ndarray:
    return np.vstack([embedder.embed(list(texts[i : i + batch])) for i in range(0, len(texts), batch)])


def fit_logistic(vectors: np.ndarray, labels: np.ndarray, c: float = REGULARISATION) -> tuple[np.ndarray, float]:
    """L2-regularised logistic regression (the intercept is not penalised); returns the weights and the bias."""
    try:
        from sklearn.linear_model import LogisticRegression  # the `train` extra; the robot only reads the result
    except ImportError as error:
        raise CompanionError(
            "training the safety head needs scikit-learn, which is not installed",
            "pip install 'companion-agent[train]' (the [test] extra includes it)",
        ) from error

    model = LogisticRegression(C=c, max_iter=1000, tol=1e-6).fit(vectors.astype(np.float64), labels)
    return model.coef_[0], float(model.intercept_[0])


def train(data: TrainingData, vectors: np.ndarray, fingerprint: str) -> LinearHead:
    weights, bias = fit_logistic(vectors, data.labels)
    return LinearHead(weights.astype(np.float32), bias, fingerprint, data.digest)


def train_and_save(out: Path = DEFAULT_HEAD, embedder: Embedder | None = None) -> LinearHead:
    embedder = embedder or MiniLMEmbedder(threads=TRAINING_THREADS)
    data = training_data()
    head = train(data, embed(embedder, data.texts), embedder.fingerprint())
    head.save(out)
    return head


@dataclass(frozen=True)
class FoldResult:
    name: str
    risk: int
    safe: int
    neighbours: tuple[float, float]  # AUC, recall at 5 % false alarms
    with_head: tuple[float, float]


def cross_validate(embedder: Embedder | None = None) -> list[FoldResult]:
    """Each labelled set left out in turn: the semantic layer with and without a head trained on the rest."""
    embedder = embedder or MiniLMEmbedder(threads=TRAINING_THREADS)
    data = training_data()
    vectors = embed(embedder, data.texts)
    sources = np.array(data.sources)
    exemplar = sources == "exemplars"
    pool = exemplar | (sources == TRAINING)  # always trained on; near copies of the left-out set are left out too
    results = []
    for name in sorted(set(data.sources) - {"exemplars", TRAINING}):
        test = sources == name
        near_copy = (vectors[test] @ vectors[pool].T).max(axis=0) >= NEAR_COPY
        excluded = test.copy()
        excluded[np.flatnonzero(pool)[near_copy]] = True
        train_rows = ~excluded
        keep_exemplars = exemplar & train_rows
        crisis = vectors[keep_exemplars & (data.labels == 1)]
        benign = vectors[keep_exemplars & (data.labels == 0)]
        margins = neighbour_margins(vectors[test] @ crisis.T, vectors[test] @ benign.T)
        weights, bias = fit_logistic(vectors[train_rows], data.labels[train_rows])
        combined = with_head(margins, vectors[test] @ weights + bias)
        labels = data.labels[test]
        results.append(
            FoldResult(
                name,
                int(labels.sum()),
                int((1 - labels).sum()),
                _quality(margins - THRESHOLD, labels),
                _quality(combined - THRESHOLD, labels),
            )
        )
    return results


def _quality(scores: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """AUC, and recall at the threshold that keeps false alarms at or below 5 %."""
    positive, negative = scores[labels == 1], scores[labels == 0]
    auc = float((positive[:, None] > negative[None, :]).mean())
    cutoff = np.sort(negative)[int(np.ceil(0.95 * len(negative))) - 1]
    return auc, float((positive > cutoff).mean())


def format_folds(results: Sequence[FoldResult]) -> str:
    lines = [f"{'left out':12s} {'risk':>5s} {'safe':>5s}   neighbours: AUC  recall@5%FA   with head: AUC  recall@5%FA"]
    for r in results:
        lines.append(
            f"{r.name:12s} {r.risk:5d} {r.safe:5d}   {r.neighbours[0]:16.3f} {r.neighbours[1]:12.2f}"
            f"   {r.with_head[0]:15.3f} {r.with_head[1]:12.2f}"
        )
    lines.append(
        f"{'mean':12s} {'':5s} {'':5s}   {mean(r.neighbours[0] for r in results):16.3f}"
        f" {mean(r.neighbours[1] for r in results):12.2f}   {mean(r.with_head[0] for r in results):15.3f}"
        f" {mean(r.with_head[1] for r in results):12.2f}"
    )
    return "\n".join(lines)
