"""The output screen: each clause the language model produces is checked before it is spoken.

A model can say what no script would: encourage self-harm ("you'd be better off..."), give method details (doses,
heights, how to tie something), or talk about a topic the persona declines (medication dosing in a museum, say). The
screen checks each clause: the patterns in ``data/output_screen.yaml`` (encouragement, method), supportive language
that must pass ("please don't hurt yourself, call ..."), and the persona's declined topics (by their words, and by
meaning when a semantic classifier is given). An unsafe clause gets a verdict with a safe replacement line; the
caller (the responder) speaks that line instead, ends the reply there, and never shows joy on it.

Screening is pure text work (well under a millisecond without the classifier), so ``screen_sync`` may run inline;
with a classifier ``screen`` runs the model in its worker thread.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from companion.agent.safety.lexicon import DATA_DIR, compile_pattern, expand_macros
from companion.agent.safety.normalise import normalise
from companion.agent.safety.semantic import SemanticClassifier

DEFAULT_SCREEN = DATA_DIR / "output_screen.yaml"
TOPIC_SIMILARITY = 0.55  # cosine of a clause to a declined topic's description that counts as the topic
_STOPWORDS = frozenset(
    "a an the and or of to in on for with about any your my our their his her its is are be do not no what how "
    "when where why which who whom this that these those it as at by from into than then there here".split()
)


@dataclass(frozen=True)
class ScreenVerdict:
    """``safe`` is False when the clause must not be spoken; ``replacement`` is the line to say instead."""

    safe: bool
    category: str | None = None  # "encouragement", "method" or "boundary"
    signals: tuple[str, ...] = ()
    replacement: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "safe": self.safe,
            "category": self.category,
            "signals": list(self.signals),
            "replacement": self.replacement,
        }


@dataclass(frozen=True)
class _Topic:
    name: str
    stems: tuple[str, ...]


class OutputScreen:
    """Screens the model's clauses. ``declined_topics``: the persona's topics it must not discuss."""

    def __init__(
        self,
        declined_topics: Sequence[str] = (),
        classifier: SemanticClassifier | None = None,
        path: Path = DEFAULT_SCREEN,
        replacements: dict[str, str] | None = None,
    ) -> None:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        macros = {k: str(v) for k, v in (data.get("macros") or {}).items()}
        where = str(path)

        def compiled(key: str) -> list[re.Pattern[str]]:
            return [
                compile_pattern(expand_macros(p, macros, f"{where}: {key}"), f"{where}: {key}")
                for p in data.get(key) or []
            ]

        self.encouragement = compiled("encouragement")
        self.method = compiled("method")
        self.support = compiled("support")
        self.replacements = {**(data.get("replacements") or {}), **(replacements or {})}
        self.topics = [_Topic(t, _stems(t)) for t in declined_topics if t.strip()]
        self.classifier = classifier
        self._topic_vectors: np.ndarray | None = None

    def screen_sync(self, clause: str) -> ScreenVerdict:
        """The verdict on one clause (blocking only when a classifier checks topics by meaning)."""
        norm = normalise(clause)
        text = norm.text
        supportive = any(p.search(text) for p in self.support)
        for pattern in self.method:
            found = pattern.search(text)
            if found:
                return self._unsafe("method", f"output:method:{found.group(0)}")
        if not supportive:
            for pattern in self.encouragement:
                found = pattern.search(text)
                if found and not norm.is_negated(found.start()):
                    return self._unsafe("encouragement", f"output:encouragement:{found.group(0)}")
        topic = self._declined_topic(text)
        if topic is not None:
            return self._unsafe("boundary", f"output:boundary:{topic}")
        return ScreenVerdict(True, signals=("output:supportive",) if supportive else ())

    async def screen(self, clause: str) -> ScreenVerdict:
        """``screen_sync``, in the classifier's worker thread when topics are checked by meaning."""
        if self.classifier is None or not self.topics:
            return self.screen_sync(clause)
        return await self.classifier.run(self.screen_sync, clause)

    async def topic_in(self, text: str) -> str | None:
        """The declined topic ``text`` is about (a user's question, for the persona's boundaries), or None."""
        if not self.topics:
            return None
        norm = normalise(text).text
        if self.classifier is None:
            return self._declined_topic(norm)
        return await self.classifier.run(self._declined_topic, norm)

    def _unsafe(self, category: str, signal: str) -> ScreenVerdict:
        return ScreenVerdict(False, category, (signal,), self.replacements.get(category))

    def _declined_topic(self, text: str) -> str | None:
        if not self.topics:
            return None
        words = set(re.findall(r"[a-z][a-z'-]+", text))
        for topic in self.topics:
            if topic.stems and all(any(w.startswith(stem) for w in words) for stem in topic.stems):
                return topic.name
        if self.classifier is not None:
            embed = self.classifier.embedder.embed
            if self._topic_vectors is None:
                self._topic_vectors = embed([t.name for t in self.topics])
            similarity = embed([text]) @ self._topic_vectors.T
            best = int(np.argmax(similarity[0]))
            if float(similarity[0, best]) >= TOPIC_SIMILARITY:
                return self.topics[best].name
        return None


def _stems(topic: str) -> tuple[str, ...]:
    """A topic's content words, cut to a stem so "politics" also finds "political" ("polit")."""
    words = [w for w in re.findall(r"[a-z][a-z'-]+", normalise(topic).text) if w not in _STOPWORDS and len(w) > 2]
    return tuple(w[: max(4, len(w) - 3)] if len(w) > 5 else w for w in words)
