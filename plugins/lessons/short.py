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
    if right.score >= similarity and wrong.score >= similarity and abs(right.score - wrong.score) < _CLEARLY_BETTER:
        longer = _longer(right, wrong)  # "louis armstrong" (rejected) holds "armstrong" (accepted): it wins
        if longer is None:
            return ShortReading(None, None, said, 0.0)  # a right and a wrong answer, both said ("mars and venus")
        right, wrong = (right, _Found()) if longer is right else (_Found(), wrong)
    if right.score >= similarity and right.score > wrong.score:
        return ShortReading(True, right.answer, said, right.score / 100)
    if wrong.score >= similarity:
        return ShortReading(False, wrong.answer, said, right.score / 100)
    if _best(tokens, [*accepted, *rejected], negated_ok=True).score >= similarity:
        return ShortReading(None, None, said, 0.0)  # only "not X": no answer given
    return ShortReading(False, None, said, right.score / 100)


@dataclass(frozen=True)
class _Found:
    answer: str | None = None
    score: float = 0.0
    start: int = 0
    end: int = 0


def _best(tokens: list[str], answers: list[str], *, negated_ok: bool) -> _Found:
    best = _Found()
    for answer in answers:
        window = best_window(tokens, number_tokens(answer), skip=_ARTICLES, negated_ok=negated_ok)
        if window is not None and window.score > best.score:
            best = _Found(answer, window.score, window.start, window.end)
    return best


def _longer(a: _Found, b: _Found) -> _Found | None:
    """Of two matches on overlapping words, the one that covers more of them; None if apart or as long."""
    if a.end <= b.start or b.end <= a.start or a.end - a.start == b.end - b.start:
        return None
    return a if a.end - a.start > b.end - b.start else b


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
