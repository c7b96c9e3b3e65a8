"""Number answers: every way of saying the value, tolerances, percent, units, and how close a wrong one was."""

from __future__ import annotations

import pytest

from companion.plugins.lessons.answers import assess
from companion.plugins.lessons.question import Question

THREE_QUARTERS = Question(prompt="What is 1/2 + 1/4?", kind="number", answer="3/4", allow_percent=True)
EXACT = Question(prompt="What is 1/2 + 1/4?", kind="number", answer=0.75)
MINUTES = Question(prompt="How many minutes?", kind="number", answer=8, tolerance=1, unit="minutes")
BIG = Question(prompt="How many?", kind="number", answer=1200, relative_tolerance=0.1)
THIRD = Question(prompt="What is 1/3?", kind="number", answer="1/3", tolerance=0.01)
COLD = Question(prompt="How cold?", kind="number", answer=-3)
PERCENT = Question(prompt="How many percent is 3/4?", kind="number", answer=75, unit="percent")

RIGHT = [
    (THREE_QUARTERS, "0.75"),
    (THREE_QUARTERS, ".75"),
    (THREE_QUARTERS, "3/4"),
    (THREE_QUARTERS, "3 / 4"),
    (THREE_QUARTERS, "three quarters"),
    (THREE_QUARTERS, "Three quarters."),
    (THREE_QUARTERS, "three fourths"),
    (THREE_QUARTERS, "six eighths"),
    (THREE_QUARTERS, "zero point seven five"),
    (THREE_QUARTERS, "point seven five"),
    (THREE_QUARTERS, "seventy five percent"),
    (THREE_QUARTERS, "75%"),
    (THREE_QUARTERS, "um, I think it's three quarters"),
    (THREE_QUARTERS, "is it 0.75?"),
    (THREE_QUARTERS, "three out of four"),
    (EXACT, "three quarters"),
    (EXACT, "0.750"),
    (MINUTES, "8"),
    (MINUTES, "eight minutes"),
    (MINUTES, "about nine minutes"),
    (MINUTES, "seven"),
    (MINUTES, "eight and a half"),
    (BIG, "twelve hundred"),
    (BIG, "1,200"),
    (BIG, "one thousand two hundred"),
    (BIG, "1100"),
    (BIG, "thirteen hundred"),
    (THIRD, "a third"),
    (THIRD, "one third"),
    (THIRD, "1/3"),
    (THIRD, "0.33"),
    (THIRD, "zero point three three"),
    (COLD, "minus three"),
    (COLD, "negative three"),
    (COLD, "-3"),
    (COLD, "minus 3 degrees"),
    (PERCENT, "75"),
    (PERCENT, "seventy five percent"),
    (PERCENT, "75%"),
]
WRONG = [
    (THREE_QUARTERS, "0.7"),
    (THREE_QUARTERS, "two thirds"),
    (THREE_QUARTERS, "75"),
    (EXACT, "seventy five percent"),  # percent not allowed here: 75 is the number said
    (MINUTES, "ten"),
    (MINUTES, "six minutes"),
    (BIG, "1000"),
    (BIG, "twelve"),
    (THIRD, "0.3"),
    (COLD, "three"),
    (PERCENT, "0.75"),
]
NOT_UNDERSTOOD = [
    (THREE_QUARTERS, "three or four"),
    (THREE_QUARTERS, "between a half and one"),
    (MINUTES, "a few"),
    (MINUTES, "um"),
    (MINUTES, "lots"),
    (BIG, "I'm thinking"),
]


@pytest.mark.parametrize(("question", "said"), RIGHT, ids=[f"{q.answer}:{s}" for q, s in RIGHT])
def test_right(question: Question, said: str) -> None:
    assessment = assess(question, said)
    assert assessment.correct and assessment.understood, assessment
    assert assessment.closeness == 1.0


@pytest.mark.parametrize(("question", "said"), WRONG, ids=[f"{q.answer}:{s}" for q, s in WRONG])
def test_wrong(question: Question, said: str) -> None:
    assessment = assess(question, said)
    assert assessment.understood and not assessment.correct, assessment
    assert 0.0 <= assessment.closeness < 1.0


@pytest.mark.parametrize(("question", "said"), NOT_UNDERSTOOD, ids=[f"{q.answer}:{s}" for q, s in NOT_UNDERSTOOD])
def test_not_understood(question: Question, said: str) -> None:
    assessment = assess(question, said)
    assert not assessment.understood and not assessment.correct, assessment


def test_heard_is_the_number_as_said() -> None:
    assert assess(THREE_QUARTERS, "three fourths").heard == "three quarters"
    assert assess(THREE_QUARTERS, "75%").heard == "75 percent"
    assert assess(THREE_QUARTERS, ".75").heard == "0.75"
    assert assess(COLD, "negative three").heard == "minus 3"


def test_closeness_falls_with_the_distance() -> None:
    near, far, farther = (assess(MINUTES, said).closeness for said in ("ten", "twelve", "thirty"))
    assert 1.0 > near > far > farther >= 0.0


def test_a_corrected_number_counts_the_last() -> None:
    assert assess(THREE_QUARTERS, "two thirds, no wait, three quarters").correct
    assert not assess(THREE_QUARTERS, "three quarters, I mean two thirds").correct
    assert assess(MINUTES, "twelve, sorry, eight").correct


def test_the_same_number_twice_is_one_answer() -> None:
    assert assess(THREE_QUARTERS, "three quarters, 0.75").correct
