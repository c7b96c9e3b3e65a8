"""How well the learner is doing, and which quiz question to ask next (Elo, as in chess and adaptive tutors).

A question's ``difficulty`` 1-5 is a rating on the Elo scale: 3 is 1000 and each step is 200 points (1 = 600,
5 = 1400). The learner starts at 1000 too. The chance that a learner rated R answers an item rated D is
``1 / (1 + 10 ** ((D - R) / 400))``: equal ratings 50 %, an item 200 points easier 76 %. After each graded answer
the learner's rating moves by K x (score - expected): a right answer at the first try scores 1, after hints less
(``hint_credit`` per hint), a wrong answer or giving up 0. K starts large, so a short lesson adapts within a few
questions, and shrinks to ``k_min`` as evidence builds up.

``choose_next`` picks the unasked question whose expected success is closest to ``TARGET_SUCCESS`` (70 %): hard
enough to teach, easy enough to keep a visitor's confidence (the usual range in adaptive practice is 60-85 %).
Among near-equal candidates it draws one with a seeded generator, so two visitors need not get the same sequence
while a run stays reproducible.
"""

from __future__ import annotations

import math
import random
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

START_RATING = 1000.0
POINTS_PER_LEVEL = 200.0
MIDDLE_LEVEL = 3.0
TARGET_SUCCESS = 0.7
_SCALE = 400.0


class Rated(Protocol):
    """A question as the chooser sees it."""

    @property
    def id(self) -> str | None: ...

    @property
    def difficulty(self) -> float: ...


Q = TypeVar("Q", bound=Rated)


def item_rating(difficulty: float) -> float:
    """A difficulty level (1-5) on the Elo scale: 3 -> 1000, each level 200 points."""
    return START_RATING + (difficulty - MIDDLE_LEVEL) * POINTS_PER_LEVEL


def expected_score(learner: float, difficulty: float) -> float:
    """The chance (0..1) that a learner rated ``learner`` answers a question of ``difficulty`` right."""
    return 1.0 / (1.0 + 10.0 ** ((item_rating(difficulty) - learner) / _SCALE))


def level_for(rating: float, target: float = TARGET_SUCCESS) -> float:
    """The difficulty level a learner rated ``rating`` answers right with probability ``target``."""
    item = rating - _SCALE * math.log10(target / (1.0 - target))
    return MIDDLE_LEVEL + (item - START_RATING) / POINTS_PER_LEVEL


def answer_score(correct: bool, hints_used: int = 0, hint_credit: float = 0.5) -> float:
    """1 for a right answer at the first try, ``hint_credit`` to the power of the hints heard before a right
    answer, 0 for a wrong answer or giving up."""
    return hint_credit**hints_used if correct else 0.0


@dataclass
class LearnerModel:
    """One learner's estimated level during a lesson."""

    rating: float = START_RATING
    answered: int = 0
    k_start: float = 96.0
    k_min: float = 32.0
    k_decay: float = 0.8

    @property
    def k(self) -> float:
        """How far one answer moves the rating now: ``k_start``, shrinking by ``k_decay`` per answer to ``k_min``."""
        return max(self.k_min, self.k_start * self.k_decay**self.answered)

    @property
    def level(self) -> float:
        """The difficulty level this learner answers right 70 % of the time (for reports and logs)."""
        return level_for(self.rating)

    def expected(self, difficulty: float) -> float:
        return expected_score(self.rating, difficulty)

    def update(self, difficulty: float, correct: bool, hints_used: int = 0, hint_credit: float = 0.5) -> float:
        """Record one graded answer; returns how much the rating moved."""
        change = self.k * (answer_score(correct, hints_used, hint_credit) - self.expected(difficulty))
        self.rating += change
        self.answered += 1
        return change


def choose_next(
    pool: Sequence[Q],
    asked: Collection[str | None],
    rating: float,
    *,
    seed: int | str = 0,
    target: float = TARGET_SUCCESS,
    band: float = 0.05,
) -> Q | None:
    """The unasked question of ``pool`` that fits a learner rated ``rating`` best (expected success nearest
    ``target``); among those within ``band`` of the best fit, one drawn with ``seed``. None when all were asked."""
    left = [question for question in pool if question.id not in asked]
    if not left:
        return None
    distance = [abs(expected_score(rating, question.difficulty) - target) for question in left]
    best = min(distance)
    near = [question for question, d in zip(left, distance, strict=True) if d <= best + band]
    draw = random.Random(f"{seed}|{len(asked)}|{'|'.join(sorted(str(a) for a in asked))}")
    return draw.choice(near)
