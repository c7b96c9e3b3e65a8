"""Multiple choice, said every way people say it: letters, positions, the option's words, numbers as values."""

from __future__ import annotations

import pytest

from companion.plugins.lessons.answers import assess
from companion.plugins.lessons.question import Question

PLANETS = Question(
    prompt="Which planet is the biggest?", kind="choice", options=["Mars", "Jupiter", "Venus"], answer="Jupiter"
)
FOUR = Question(
    prompt="Which is a gas giant?", kind="choice", options=["Mercury", "Earth", "Mars", "Saturn"], answer="D"
)
NUMBERS = Question(prompt="Which is bigger?", kind="choice", options=["2/3", "3/5", "1/2"], answer="2/3")
COUNTS = Question(prompt="How many legs has a spider?", kind="choice", options=["6", "8", "10"], answer="8")
ORDINALS = Question(
    prompt="Where is Earth, counting from the Sun?", kind="choice", options=["second", "third", "fourth"], answer="B"
)
LONGER = Question(
    prompt="What is the Moon?",
    kind="choice",
    options=["a star", "a planet", "a natural satellite"],
    answer="a natural satellite",
)

# (question, what was said, the option meant; None: not understood, ask again)
CASES = [
    (PLANETS, "B", 1),
    (PLANETS, "b.", 1),
    (PLANETS, "B!", 1),
    (PLANETS, "option b", 1),
    (PLANETS, "Option B.", 1),
    (PLANETS, "answer b", 1),
    (PLANETS, "letter B", 1),
    (PLANETS, "I'd say B", 1),
    (PLANETS, "um, I think it's B", 1),
    (PLANETS, "is it b?", 1),
    (PLANETS, "bee", 1),
    (PLANETS, "Option Bee", 1),
    (PLANETS, "the second one", 1),
    (PLANETS, "the second", 1),
    (PLANETS, "second", 1),
    (PLANETS, "the 2nd one", 1),
    (PLANETS, "the second option", 1),
    (PLANETS, "number two", 1),
    (PLANETS, "number 2", 1),
    (PLANETS, "option two", 1),
    (PLANETS, "2", 1),
    (PLANETS, "two", 1),
    (PLANETS, "the middle one", 1),
    (PLANETS, "second to last", 1),
    (PLANETS, "the last one", 2),
    (PLANETS, "the last", 2),
    (PLANETS, "the final one", 2),
    (PLANETS, "the first", 0),
    (PLANETS, "the first one", 0),
    (PLANETS, "first one", 0),
    (PLANETS, "A", 0),
    (PLANETS, "a", 0),
    (PLANETS, "A.", 0),
    (PLANETS, "I think it's A", 0),
    (PLANETS, "A, I think", 0),
    (PLANETS, "C", 2),
    (PLANETS, "see", 2),
    (PLANETS, "jupiter", 1),
    (PLANETS, "Jupiter.", 1),
    (PLANETS, "it's jupiter I think", 1),
    (PLANETS, "I'm going to say Jupiter", 1),
    (PLANETS, "the planet jupiter", 1),
    (PLANETS, "jupitor", 1),
    (PLANETS, "JUPITER", 1),
    (PLANETS, "mars", 0),
    (PLANETS, "venus", 2),
    (PLANETS, "the second one, Jupiter", 1),
    (PLANETS, "B, jupiter", 1),
    (PLANETS, "not Mars, Jupiter", 1),
    (PLANETS, "it isn't A, it's B", 1),
    (PLANETS, "the one with the red spot", None),
    (PLANETS, "it's a planet", None),
    (PLANETS, "B or C", None),
    (PLANETS, "b or c", None),
    (PLANETS, "a or b", None),
    (PLANETS, "Mars or Jupiter", None),
    (PLANETS, "the second one, Venus", None),
    (PLANETS, "not B", None),
    (PLANETS, "it's not jupiter", None),
    (PLANETS, "neither", None),
    (PLANETS, "none of them", None),
    (PLANETS, "both", None),
    (PLANETS, "E", None),
    (PLANETS, "option F", None),
    (PLANETS, "the fifth one", None),
    (PLANETS, "seven", None),
    (PLANETS, "pluto", None),
    (PLANETS, "um", None),
    (FOUR, "D", 3),
    (FOUR, "dee", 3),
    (FOUR, "the fourth one", 3),
    (FOUR, "the last one", 3),
    (FOUR, "the third one", 2),
    (FOUR, "second to last", 2),
    (FOUR, "the 2nd from last", 2),
    (FOUR, "four", 3),
    (FOUR, "saturn", 3),
    (FOUR, "earth", 1),
    (FOUR, "the middle one", None),
    # Options that are numbers: a bare number is an option's value, never a position.
    (NUMBERS, "two thirds", 0),
    (NUMBERS, "2/3", 0),
    (NUMBERS, "2 / 3", 0),
    (NUMBERS, "zero point six", 1),
    (NUMBERS, "three fifths", 1),
    (NUMBERS, "a half", 2),
    (NUMBERS, "one half", 2),
    (NUMBERS, "A", 0),
    (NUMBERS, "the first one", 0),
    (NUMBERS, "the last one", 2),
    (NUMBERS, "option two", 1),
    (NUMBERS, "two", None),
    (NUMBERS, "number two", None),
    (NUMBERS, "this one", None),
    (NUMBERS, "two thirds or three fifths", None),
    (COUNTS, "eight", 1),
    (COUNTS, "8", 1),
    (COUNTS, "eight legs", 1),
    (COUNTS, "it's 8", 1),
    (COUNTS, "number eight", 1),
    (COUNTS, "ten", 2),
    (COUNTS, "the second one", 1),
    (COUNTS, "the first one", 0),
    (COUNTS, "two", None),
    (COUNTS, "six or eight", None),
    # Options that are ordinals: the option's own words win over positions.
    (ORDINALS, "third", 1),
    (ORDINALS, "the third", 1),
    (ORDINALS, "second", 0),
    (ORDINALS, "B", 1),
    (LONGER, "a natural satellite", 2),
    (LONGER, "natural satellite", 2),
    (LONGER, "satellite", 2),
    (LONGER, "a star", 0),
    (LONGER, "star", 0),
    (LONGER, "a planet", 1),
    (LONGER, "C", 2),
    (LONGER, "a", 0),
]


@pytest.mark.parametrize(("question", "said", "meant"), CASES, ids=[f"{q.options[0]}:{s}" for q, s, _ in CASES])
def test_the_option_meant(question: Question, said: str, meant: int | None) -> None:
    assessment = assess(question, said)
    if meant is None:
        assert not assessment.understood, assessment
        assert not assessment.correct
    else:
        assert assessment.understood, assessment
        assert assessment.correct == (meant == question.correct_option)
        assert assessment.heard is not None and assessment.heard.startswith(f"option {'ABCD'[meant]}, ")


def test_heard_says_the_option_back() -> None:
    assert assess(PLANETS, "it's the second one").heard == "option B, Jupiter"
    assert assess(NUMBERS, "the first one").heard == "option A, two thirds"


def test_a_wrong_option_is_understood_and_wrong() -> None:
    wrong = assess(PLANETS, "mars")
    assert (wrong.understood, wrong.correct, wrong.closeness) == (True, False, 0.0)


def test_a_question_with_a_letter_answer_and_one_with_a_text_answer_grade_alike() -> None:
    by_letter = Question(prompt="?", kind="choice", options=["Mars", "Jupiter"], answer="b")
    by_text = Question(prompt="?", kind="choice", options=["Mars", "Jupiter"], answer="jupiter")
    assert by_letter.correct_option == by_text.correct_option == 1
    assert assess(by_letter, "jupiter").correct and assess(by_text, "B").correct


def test_an_option_that_is_a_filler_word_stays_an_answer() -> None:
    question = Question(prompt="Where does water come from?", kind="choice", options=["a well", "a cloud"], answer="A")
    assert assess(question, "well").correct
    assert assess(question, "it's a well I think").correct
