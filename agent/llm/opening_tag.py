"""The reply's opening emotion tag in as few model steps as its tokens allow ("jump-forward" decoding).

The persona prompt (``prompt.EMOTION_INSTRUCTIONS``) asks every reply to begin with a tag such as ``[happy]``.
Written token by token, "[happy" costs two to four decode steps before the first spoken word, about 35 ms each for
a 0.5B model on 2 CPU cores. But the tag's word is one of a few known emotions: the "[" is certain, and once the
word's first token is chosen, the rest of the word usually is too. So the model is asked only where the tags
differ: the prompt's forward pass, which runs anyway, chooses among the tags' next tokens, and the tokens that are
then certain are fed in one pass with the generation that follows. The model still writes what comes after the
word (``]``, or an intensity such as ``:0.6]``), and every opening tag names a real emotion.

The transformers backend uses it (``TransformersLLM``); a server (``models.llm.backend: openai``) decodes on its
own side, where this cannot reach.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from companion.agent.llm.base import ChatMessage
from companion.agent.llm.prompt import EMOTION_INSTRUCTIONS, EXPRESSIVE_EMOTIONS


def asks_for_opening_tag(messages: Sequence[ChatMessage]) -> bool:
    """True when the system prompt carries the emotion-tag instructions (the persona's ``emotion_tags``)."""
    return bool(messages) and messages[0].role == "system" and EMOTION_INSTRUCTIONS in messages[0].content


@dataclass(frozen=True)
class OpeningTags:
    """The token sequences of ``[word`` for each emotion word, as a prefix tree walked one token at a time."""

    sequences: tuple[tuple[int, ...], ...]

    @classmethod
    def build(cls, tokenizer: Any, words: Sequence[str] = EXPRESSIVE_EMOTIONS) -> OpeningTags | None:
        """None when the tokenizer's pieces for a tag change with what follows the word (the model must then write
        the tag itself), or when one tag's tokens are the start of another's (the walk would not know where to
        stop)."""
        sequences = []
        for word in words:
            ids = tuple(tokenizer(f"[{word}", add_special_tokens=False).input_ids)
            for ending in ("]", ":0.6]", "] Sure."):
                if tuple(tokenizer(f"[{word}{ending}", add_special_tokens=False).input_ids[: len(ids)]) != ids:
                    return None
            sequences.append(ids)
        for a in sequences:
            if any(a != b and b[: len(a)] == a for b in sequences):
                return None
        return cls(tuple(sequences)) if sequences else None

    def next_tokens(self, prefix: Sequence[int]) -> list[int]:
        """The tokens that may follow ``prefix`` in some tag (none: the word is complete)."""
        n = len(prefix)
        tokens = {s[n] for s in self.sequences if len(s) > n and list(s[:n]) == list(prefix)}
        return sorted(tokens)


def choose(
    values: Sequence[float], options: Sequence[int], temperature: float, rng: random.Random, top_p: float = 1.0
) -> int:
    """One of ``options`` by the model's scores for them (``values``, in the same order): the best at temperature
    0, else sampled at ``temperature`` from the smallest set holding ``top_p`` of the probability, as the rest of
    the reply is. When the scores rule every option out (a logits processor forcing another token), the first."""
    best = max(values)
    if best == -math.inf:
        return options[0]
    if temperature <= 0:
        return options[list(values).index(best)]
    weights = [math.exp((v - best) / temperature) for v in values]
    ranked = sorted(zip(weights, options, strict=True), reverse=True)
    total, kept, mass = sum(weights), [], 0.0
    for weight, option in ranked:
        kept.append((weight, option))
        mass += weight / total
        if mass >= top_p:
            break
    return rng.choices([o for _, o in kept], weights=[w for w, _ in kept])[0]
