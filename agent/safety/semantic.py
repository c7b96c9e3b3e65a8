"""The semantic layer: how close an utterance is to crisis exemplars, against benign exemplars that borrow the words.

A lexicon knows the phrases someone wrote down; people at risk say the same things in other words ("I've run out of
reasons to keep going"). The classifier embeds the utterance with a local sentence-embedding model and compares it
with curated exemplars (``data/exemplars.yaml``, plus a deployment's own): the mean similarity of the ``k`` closest
crisis exemplars minus that of the ``k`` closest benign ones (idioms, fiction, history, medical facts, negations,
ordinary sadness). Benign contrast matters: "I can't wait to wake up early" is as close to "I never want to wake up"
as many true paraphrases are, but it is closer still to benign exemplars about mornings. The margin is mapped to a
score in [0, 1] whose 0.5 is the decision threshold. The same vectors are also compared with setback exemplars
(serious losses told as facts): their closeness, ``SemanticResult.setback``, tells the conversation layer that a loss
was told in words no lexicon phrase knows; it takes no part in the margin.

Embedding takes 3 to 10 ms on one core, too long for the event loop: ``classify`` runs in the classifier's own
worker thread (``companion.core.worker``); ``classify_sync`` is for the command line and for that thread. Exemplar
vectors are computed once and cached on disk, keyed on the model and the exemplar texts.
"""

from __future__ import annotations

import hashlib
import logging
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import yaml

from companion.agent.safety.embedders import DATA_DIR, Embedder
from companion.agent.safety.head import LinearHead
from companion.core.errors import ConfigError
from companion.core.worker import ModelWorker

log = logging.getLogger(__name__)
T = TypeVar("T")

DEFAULT_EXEMPLARS = DATA_DIR / "exemplars.yaml"
DEFAULT_CACHE = Path("~/.cache/companion/safety").expanduser()
TOP_K = 3
THRESHOLD = 0.12  # margin (crisis minus benign similarity) at which the score is 0.5
SLOPE = 0.05  # margin per logit unit: the score's steepness around the threshold
# The linear head's logit joins the neighbours' margin at this weight (in margin units, HEAD_WEIGHT * SLOPE per logit).
# Chosen with the whole detector, each labelled set left out of the head's training in turn (docs/SAFETY.md): 0.5 kept
# almost all the recall of 1.0 (0.978 against 0.982 over 937 risk items) with fewer false alarms (1.7 % against 2.7 %).
HEAD_WEIGHT = 0.5
SETBACK_TOP_K = 3


@dataclass(frozen=True)
class Exemplars:
    crisis: list[tuple[str, str]]  # (category, text)
    benign: list[tuple[str, str]]  # (group, text)
    # Serious losses told as facts ("they let me go after nineteen years"): not a risk, and not in the margin, but a
    # turn close to them is a setback for the conversation layer (a means question after it is a warning sign).
    setback: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def load(cls, paths: Sequence[Path] = ()) -> Exemplars:
        """The built-in exemplars plus each file in ``paths`` (same format), which only add."""
        crisis: list[tuple[str, str]] = []
        benign: list[tuple[str, str]] = []
        setback: list[tuple[str, str]] = []
        for path in (DEFAULT_EXEMPLARS, *paths):
            data = _read(path)
            crisis.extend(_pairs(data.get("crisis"), path, "crisis"))
            benign.extend(_pairs(data.get("benign"), path, "benign"))
            setback.extend(_pairs(data.get("setback"), path, "setback"))
        return cls(crisis, benign, setback)


@dataclass(frozen=True)
class SemanticResult:
    score: float  # in [0, 1]; >= 0.5 is a risk on its own
    margin: float  # crisis minus benign similarity, the raw evidence
    category: str  # the category of the nearest crisis exemplars
    nearest: str  # the closest crisis exemplar (for audits)
    benign: str  # the closest benign exemplar
    setback: float = 0.0  # mean similarity of the nearest setback exemplars (SETBACK_TOP_K), over the texts

    @property
    def signal(self) -> str:
        return f"semantic:{self.category}:{self.score:.2f}"


class SemanticClassifier:
    """Nearest crisis exemplars against nearest benign exemplars, on a sentence-embedding model."""

    def __init__(
        self,
        embedder: Embedder,
        exemplars: Exemplars | None = None,
        *,
        cache_dir: Path | None = DEFAULT_CACHE,
        top_k: int = TOP_K,
        threshold: float = THRESHOLD,
        prepare: Callable[[str], str] | None = None,
        inline: bool = False,
        head: LinearHead | None = None,
    ) -> None:
        self.embedder = embedder
        self.head = head  # adds its logit (in margin units) to the neighbours' margin
        self.prepare = prepare or (lambda text: text)  # exemplars go through what inputs go through
        self.exemplars = exemplars or Exemplars.load()
        self.cache_dir = cache_dir
        self.top_k = top_k
        self.threshold = threshold
        self.inline = inline  # classify on the caller's thread (tests in virtual time, the command line)
        self.worker = ModelWorker("safety-semantic")
        self._crisis: np.ndarray | None = None
        self._benign: np.ndarray | None = None
        self._setback: np.ndarray | None = None

    # -- loading ---------------------------------------------------------------------------------------------------

    @property
    def loaded(self) -> bool:
        return self._crisis is not None

    def load(self) -> None:
        """Load the model and embed the exemplars (blocking; cached on disk after the first time)."""
        if self._crisis is not None:
            return
        vectors = self._cached_vectors()
        crisis, benign = len(self.exemplars.crisis), len(self.exemplars.benign)
        self._crisis, self._benign = vectors[:crisis], vectors[crisis : crisis + benign]
        self._setback = vectors[crisis + benign :]

    async def warm_up(self) -> None:
        await self.run(self.load)

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` with the model: on the caller's thread when inline, otherwise in the worker thread."""
        if self.inline:
            return fn(*args)
        return await self.worker.run(fn, *args)

    def _cached_vectors(self) -> np.ndarray:
        exemplars = self.exemplars
        texts = [self.prepare(t) for _, t in (*exemplars.crisis, *exemplars.benign, *exemplars.setback)]
        digest = hashlib.sha256("\n".join(texts).encode()).hexdigest()[:16]  # the texts as embedded
        name = f"exemplars-{self.embedder.fingerprint()}-{digest}.npy"
        path = self.cache_dir / name if self.cache_dir is not None else None
        if path is not None and path.is_file():
            try:
                cached = np.load(path)
                if cached.shape[0] == len(texts):
                    self._embedder_ready()
                    return cached
            except (OSError, ValueError):
                log.warning("safety: unreadable exemplar cache %s, recomputing", path)
        vectors = self._embed_many(texts)
        if path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp = path.with_suffix(".tmp.npy")
                np.save(tmp, vectors)
                tmp.replace(path)
            except OSError as error:  # a read-only home is no reason to fail: the vectors are in memory
                log.info("safety: exemplar cache not written (%s)", error)
        return vectors

    def _embedder_ready(self) -> None:
        load = getattr(self.embedder, "load", None)
        if callable(load):
            load()

    def _embed_many(self, texts: Sequence[str], batch: int = 32) -> np.ndarray:
        # Similar lengths batch together (less padding); the order is restored after.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        rows: dict[int, np.ndarray] = {}
        for start in range(0, len(order), batch):
            chunk = order[start : start + batch]
            rows.update(zip(chunk, self.embedder.embed([texts[i] for i in chunk]), strict=True))
        return np.stack([rows[i] for i in range(len(texts))])

    # -- classifying -----------------------------------------------------------------------------------------------

    def classify_sync(self, texts: Sequence[str]) -> SemanticResult:
        """The strongest evidence over ``texts`` (a turn, its sentences, a report turned to the first person)."""
        self.load()
        assert self._crisis is not None and self._benign is not None and self._setback is not None
        vectors = self.embedder.embed(list(texts))
        crisis_sims = vectors @ self._crisis.T
        benign_sims = vectors @ self._benign.T
        k = min(self.top_k, crisis_sims.shape[1], benign_sims.shape[1])
        margins = neighbour_margins(crisis_sims, benign_sims, k)
        if self.head is not None:
            margins = with_head(margins, self.head.logits(vectors))
        best = int(np.argmax(margins))
        nearest = np.argsort(crisis_sims[best])[::-1][:k]
        categories = [self.exemplars.crisis[i][0] for i in nearest]
        category = max(set(categories), key=lambda c: (categories.count(c), -categories.index(c)))
        margin = float(margins[best])
        return SemanticResult(
            score=margin_score(margin, self.threshold),
            margin=margin,
            category=category,
            nearest=self.exemplars.crisis[int(nearest[0])][1],
            benign=self.exemplars.benign[int(np.argmax(benign_sims[best]))][1],
            setback=self._setback_similarity(vectors),
        )

    def _setback_similarity(self, vectors: np.ndarray) -> float:
        assert self._setback is not None
        if not len(self._setback):
            return 0.0
        sims = vectors @ self._setback.T
        k = min(SETBACK_TOP_K, sims.shape[1])
        return float(np.sort(sims, axis=1)[:, -k:].mean(axis=1).max())

    async def classify(self, texts: Sequence[str]) -> SemanticResult:
        """``classify_sync`` in the classifier's worker thread: the event loop is never blocked by the model."""
        return await self.run(self.classify_sync, list(texts))

    def close(self) -> None:
        self.worker.shutdown()


def neighbour_margins(crisis_sims: np.ndarray, benign_sims: np.ndarray, k: int = TOP_K) -> np.ndarray:
    """Per row: the mean similarity of the ``k`` nearest crisis exemplars minus that of the ``k`` nearest benign."""
    return np.sort(crisis_sims, axis=1)[:, -k:].mean(axis=1) - np.sort(benign_sims, axis=1)[:, -k:].mean(axis=1)


def with_head(margins: np.ndarray, logits: np.ndarray) -> np.ndarray:
    """The neighbours' margins with a linear head's logits added at ``HEAD_WEIGHT`` (in margin units)."""
    return margins + HEAD_WEIGHT * SLOPE * logits


def margin_score(margin: float, threshold: float) -> float:
    """A classifier margin as a score in [0, 1], 0.5 at the threshold."""
    return 1.0 / (1.0 + math.exp(-(margin - threshold) / SLOPE))


def _read(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as error:
        raise ConfigError(f"safety.extra_exemplars: cannot read {path}: {error.strerror}") from None
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: YAML syntax error: {error}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected 'crisis:', 'benign:' and/or 'setback:' sections")
    return data


def _pairs(section: object, path: Path, name: str) -> list[tuple[str, str]]:
    if section is None:
        return []
    if not isinstance(section, Mapping):
        raise ConfigError(f"{path}: {name}: expected categories, each a list of sentences")
    pairs = []
    for category, texts in section.items():
        if not isinstance(texts, list) or not all(isinstance(t, str) and t.strip() for t in texts):
            raise ConfigError(f"{path}: {name}.{category}: expected a list of sentences")
        pairs.extend((str(category), t.strip()) for t in texts)
    return pairs
