"""What the lesson flow learns from one answer: right or wrong, understood at all, given up, and what was heard."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Assessment:
    """The reading of one answer.

    ``understood`` False means no answer could be read ("um", "B or C", "sorry?"): ask again without spending a try.
    ``gave_up`` ("I don't know", "tell me", "skip") means explain the answer now. ``heard`` is what was understood,
    ready to say back ("three quarters", "option B, Mars", "yes"). ``closeness`` 0..1: 1 for a number within the
    tolerance or an exact match, the fuzzy score for a short answer, less the further a number is off.
    """

    correct: bool
    understood: bool
    gave_up: bool = False
    heard: str | None = None
    closeness: float = 0.0


NOT_UNDERSTOOD = Assessment(correct=False, understood=False)
GAVE_UP = Assessment(correct=False, understood=True, gave_up=True)
