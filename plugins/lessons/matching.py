"""Where an expected phrase was said in an answer, allowing for small slips ("jupitor", "sat urn").

The phrase is compared with every run of the answer's words about as long as the phrase (one word shorter to one
longer) with rapidfuzz's ratio, spaces counted and not, so "the planet mars" contains "mars" at full score and a
misheard letter costs a few points. Articles are skipped on both sides. Numbers must match exactly: "8 planets" is
not "9 planets", however alike the letters look.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from companion.core.registry import require

_fuzz = require("rapidfuzz.fuzz", extra="lessons", what="matching lesson answers")


@dataclass(frozen=True)
class Window:
    """Words ``start:end`` of the answer matched the phrase with ``score`` (0-100)."""

    start: int
    end: int
    score: float


def best_window(
    tokens: Sequence[str],
    phrase: Sequence[str],
    taken: Sequence[bool] | None = None,
    skip: Collection[str] = (),
    *,
    negated_ok: bool = True,
) -> Window | None:
    """The run of ``tokens`` most like ``phrase`` (ties: the shorter, then the later run: people end with their
    answer). Words in ``skip`` are passed over; words already ``taken`` break runs. With ``negated_ok`` False, runs
    right after "not" / "isn't" do not count."""
    content = [i for i, token in enumerate(tokens) if token not in skip]
    wanted = [word for word in phrase if word not in skip]
    if not wanted or not content:
        return None
    target = " ".join(wanted)
    best: Window | None = None
    for length in range(max(1, len(wanted) - 1), len(wanted) + 2):
        for first in range(len(content) - length + 1):
            picked = content[first : first + length]
            start, end = picked[0], picked[-1] + 1
            if taken is not None and any(taken[start:end]):
                continue
            if not negated_ok and negated(tokens, start):
                continue
            score = similarity([tokens[i] for i in picked], wanted, target)
            if best is None or (score, -(end - start), start) > (best.score, -(best.end - best.start), best.start):
                best = Window(start, end, score)
    return best


def similarity(said: Sequence[str], wanted: Sequence[str], target: str | None = None) -> float:
    """0-100: how alike two runs of words are; 0 when their numbers differ."""
    if _numbers(said) != _numbers(wanted):
        return 0.0
    text, target = " ".join(said), target if target is not None else " ".join(wanted)
    return max(_fuzz.ratio(text, target), _fuzz.ratio(text.replace(" ", ""), target.replace(" ", "")))


def negated(tokens: Sequence[str], start: int) -> bool:
    """The word before ``start`` negates what follows ("not mars", "isn't b")."""
    before = tokens[start - 1] if start > 0 else ""
    return before in ("not", "never", "neither", "nor") or before.endswith("n't")


def _numbers(words: Sequence[str]) -> list[str]:
    return sorted(word for word in words if any(ch.isdigit() for ch in word))
