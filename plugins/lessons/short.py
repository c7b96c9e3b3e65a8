"""Short spoken answers ("Mars", "the planet mars", "it's jupiter I think") matched against the accepted ones.

Each accepted answer, and each known wrong one in ``reject``, is looked for in what was said (``matching``: word
runs compared with rapidfuzz, articles skipped, numbers exact). The answer is right when an accepted answer is found
with at least the question's ``similarity`` and no rejected one fits better. Alternatives ("mars or venus") that
would be judged differently leave the answer not understood; an answer found only after "not" is not an answer.
"""

from __future__ import annotations

from dataclasses import dataclass

from companion.plugins.lessons.matching import best_window
from companion.plugins.lessons.numbers import number_tokens
from companion.plugins.lessons.spoken import strip_fillers

_ARTICLES = {"the", "a", "an"}
_CLEARLY_BETTER = 5.0  # points of fuzzy score by which a right answer must beat a wrong one said alongside


@dataclass(frozen=True)
class ShortReading:
    """``verdict``: True right, False wrong, None not understood. ``matched`` is the accepted or rejected answer
    found (None: neither, then ``said`` is the learner's own words); ``score`` 0..1 the best accepted match."""

    verdict: bool | None
    matched: str | None
    said: str
    score: float


def read_short(text: str, accepted: list[str], rejected: list[str], similarity: float, keep: set[str]) -> ShortReading:
    tokens = strip_fillers(number_tokens(text), keep)
    said = " ".join(t for t in tokens if t not in _ARTICLES)
    if not said:
        return ShortReading(None, None, said, 0.0)
    alternatives = _alternatives(tokens, keep)
    if len(alternatives) > 1:
        readings = [_judge(part, accepted, rejected, similarity) for part in alternatives]
        if len({(r.verdict, r.matched) for r in readings}) > 1:
            return ShortReading(None, None, said, 0.0)
    reading = _judge(tokens, accepted, rejected, similarity)
    return ShortReading(reading.verdict, reading.matched, said, reading.score)


def _judge(tokens: list[str], accepted: list[str], rejected: list[str], similarity: float) -> ShortReading:
    said = " ".join(t for t in tokens if t not in _ARTICLES)
    right = _best(tokens, accepted, negated_ok=False)
    wrong = _best(tokens, rejected, negated_ok=False)
    if right[1] >= similarity and wrong[1] >= similarity and abs(right[1] - wrong[1]) < _CLEARLY_BETTER:
        return ShortReading(None, None, said, 0.0)  # a right and a wrong answer, both said ("mars and venus")
    if right[1] >= similarity and right[1] > wrong[1]:
        return ShortReading(True, right[0], said, right[1] / 100)
    if wrong[1] >= similarity:
        return ShortReading(False, wrong[0], said, right[1] / 100)
    if max(_best(tokens, [*accepted, *rejected], negated_ok=True)[1], 0) >= similarity:
        return ShortReading(None, None, said, 0.0)  # only "not X": no answer given
    return ShortReading(False, None, said, right[1] / 100)


def _best(tokens: list[str], answers: list[str], *, negated_ok: bool) -> tuple[str | None, float]:
    best: tuple[str | None, float] = (None, 0.0)
    for answer in answers:
        window = best_window(tokens, number_tokens(answer), skip=_ARTICLES, negated_ok=negated_ok)
        if window is not None and window.score > best[1]:
            best = (answer, window.score)
    return best


def _alternatives(tokens: list[str], keep: set[str]) -> list[list[str]]:
    if "or" in keep:
        return [tokens]
    parts: list[list[str]] = [[]]
    for token in tokens:
        if token == "or":
            parts.append([])
        else:
            parts[-1].append(token)
    return [part for part in parts if any(t not in _ARTICLES for t in part)]
