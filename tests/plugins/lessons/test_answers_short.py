"""Short answers matched fuzzily against the accepted ones (rapidfuzz), with known wrong answers kept apart."""

from __future__ import annotations

import pytest

from companion.plugins.lessons.answers import assess
from companion.plugins.lessons.question import Question

MARS = Question(prompt="Which planet is red?", kind="short", answer="Mars", accept=["the red planet"], reject=["Venus"])
GAS = Question(
    prompt="Which gas do plants take in?", kind="short", answer="carbon dioxide", accept=["CO2"], reject=["oxygen"]
)
EIGHT = Question(prompt="How many planets?", kind="short", answer="8 planets", accept=["eight"])
NEIL = Question(
    prompt="Who first walked on the Moon?",
    kind="short",
    answer="Neil Armstrong",
    accept=["Armstrong"],
    reject=["Louis Armstrong"],
)
STRICT = Question(prompt="Spell it", kind="short", answer="Uranus", similarity=100)

RIGHT = [
    (MARS, "Mars"),
    (MARS, "mars"),
    (MARS, "MARS!"),
    (MARS, "the planet mars"),
    (MARS, "planet Mars"),
    (MARS, "it's mars I think"),
    (MARS, "I think it's Mars."),
    (MARS, "um, mars?"),
    (MARS, "is it mars"),
    (MARS, "maybe mars"),
    (MARS, "marss"),
    (MARS, "the red planet"),
    (MARS, "red planet"),
    (MARS, "it's the red planet"),
    (MARS, "I don't know, maybe mars"),
    (GAS, "carbon dioxide"),
    (GAS, "Carbon-dioxide"),
    (GAS, "carbon dioxid"),
    (GAS, "co2"),
    (GAS, "CO2."),
    (EIGHT, "eight planets"),
    (EIGHT, "8 planets"),
    (EIGHT, "8"),
    (EIGHT, "eight"),
    (EIGHT, "there are eight"),
    (NEIL, "Neil Armstrong"),
    (NEIL, "neil armstrong"),
    (NEIL, "armstrong"),
    (NEIL, "it was Neil Armstrong"),
    (NEIL, "neal armstrong"),
    (STRICT, "uranus"),
]
WRONG = [
    (MARS, "Venus"),
    (MARS, "it's venus"),
    (MARS, "pluto"),
    (MARS, "the sun"),
    (MARS, "jupiter"),
    (MARS, "mars bar no wait venus"),
    (GAS, "oxygen"),
    (GAS, "carbon"),
    (GAS, "nitrogen"),
    (EIGHT, "nine planets"),
    (EIGHT, "9"),
    (EIGHT, "eighteen"),
    (NEIL, "Buzz Aldrin"),
    (NEIL, "Louis Armstrong"),
    (STRICT, "uranos"),
]
NOT_UNDERSTOOD = [
    (MARS, "mars or venus"),
    (MARS, "Mars or Jupiter"),
    (MARS, "mars and venus"),
    (MARS, "not mars"),
    (MARS, "it's not mars"),
    (MARS, "um"),
    (MARS, "hmm, let me think"),
    (MARS, ""),
    (MARS, "..."),
]


@pytest.mark.parametrize(("question", "said"), RIGHT, ids=[f"{q.answer}:{s}" for q, s in RIGHT])
def test_right(question: Question, said: str) -> None:
    assessment = assess(question, said)
    assert assessment.correct and assessment.understood, assessment
    assert assessment.closeness >= question.similarity / 100


@pytest.mark.parametrize(("question", "said"), WRONG, ids=[f"{q.answer}:{s}" for q, s in WRONG])
def test_wrong(question: Question, said: str) -> None:
    assessment = assess(question, said)
    assert assessment.understood and not assessment.correct, assessment


@pytest.mark.parametrize(("question", "said"), NOT_UNDERSTOOD, ids=[f"{q.answer}:{s}" for q, s in NOT_UNDERSTOOD])
def test_not_understood(question: Question, said: str) -> None:
    assessment = assess(question, said)
    assert not assessment.understood and not assessment.correct, assessment


def test_heard_is_the_answer_recognised_or_the_learners_words() -> None:
    assert assess(MARS, "it's the planet marss").heard == "Mars"
    assert assess(MARS, "the red planet").heard == "the red planet"
    assert assess(MARS, "it's venus").heard == "Venus"
    assert assess(MARS, "um, pluto I think").heard == "pluto"


def test_a_near_miss_scores_closer_than_a_far_one() -> None:
    near, far = assess(GAS, "carbon monoxide"), assess(GAS, "helium")
    assert not near.correct and not far.correct
    assert near.closeness > far.closeness


def test_a_known_wrong_answer_beats_a_looser_right_one() -> None:
    question = Question(prompt="?", kind="short", answer="carbon dioxide", reject=["carbon monoxide"], similarity=70)
    assert not assess(question, "carbon monoxide").correct
    assert assess(question, "carbon dioxide").correct
