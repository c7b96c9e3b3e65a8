"""Understanding a learner's answer, spoken or typed, for any kind of question.

``assess(question, text)`` is the one entry point. The words around an answer are handled the same for every kind
(``spoken``): a request to hear the question again is not an answer; "I don't know" / "tell me" / "skip" is giving
up, unless an answer was said as well ("I don't know, maybe Mars"); a self-correction ("B, no wait, C"; "twelve,
I mean thirteen") counts the last answer. The answer itself is read per kind: ``choices``, ``numbers``, ``short``,
``yesno``. docs/LESSONS.md lists the rules with examples and their limits.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction

from companion.core.yes_no import read_yes_no
from companion.plugins.lessons.assessment import GAVE_UP, NOT_UNDERSTOOD, Assessment
from companion.plugins.lessons.choices import read_choice, say_option
from companion.plugins.lessons.numbers import read_numbers
from companion.plugins.lessons.question import Question
from companion.plugins.lessons.short import read_short
from companion.plugins.lessons.spoken import asks_again, correction_segments, normalise, take_give_up, vocabulary, words

__all__ = ["Assessment", "assess"]


def assess(question: Question, text: str) -> Assessment:
    """Read ``text`` (a transcript or typed answer) as an answer to ``question``."""
    said = normalise(text)
    if not words(said) or asks_again(said):
        return NOT_UNDERSTOOD
    keep = vocabulary(question.answer_words())
    rest, gave_up = take_give_up(said, keep)
    for segment in correction_segments(rest, keep, no_corrects=question.kind != "yesno"):
        assessment = _READERS[question.kind](question, segment, keep)
        if assessment.understood:
            return assessment
    return GAVE_UP if gave_up else NOT_UNDERSTOOD


def _choice(question: Question, text: str, keep: set[str]) -> Assessment:
    options = question.options or []
    choice = read_choice(text, options, question.similarity, keep)
    if choice.index is None:
        return NOT_UNDERSTOOD
    correct = choice.index == question.correct_option
    heard = "option " + say_option(choice.index, options[choice.index])
    return Assessment(correct=correct, understood=True, heard=heard, closeness=1.0 if correct else 0.0)


def _number(question: Question, text: str, keep: set[str]) -> Assessment:
    found = read_numbers(text, percent=question.allow_percent)
    if len({number.value for number in found}) != 1:
        return NOT_UNDERSTOOD  # nothing, or two different numbers ("three or four")
    number = found[-1]
    answer = question.number_value
    allowed = max(Fraction(str(question.tolerance)), Fraction(str(question.relative_tolerance)) * abs(answer))
    error = abs(number.value - answer)
    correct = error <= allowed
    scale = abs(answer) if answer != 0 else Fraction(1)
    closeness = 1.0 if correct else max(0.0, 1.0 - float((error - allowed) / scale))
    return Assessment(correct=correct, understood=True, heard=number.spoken(), closeness=closeness)


def _short(question: Question, text: str, keep: set[str]) -> Assessment:
    reading = read_short(text, question.accepted, question.reject, question.similarity, keep)
    if reading.verdict is None:
        return NOT_UNDERSTOOD
    heard = reading.matched if reading.matched is not None else reading.said
    return Assessment(correct=reading.verdict, understood=True, heard=heard, closeness=reading.score)


def _yes_no(question: Question, text: str, keep: set[str]) -> Assessment:
    said = read_yes_no(text)
    if said is None:
        return NOT_UNDERSTOOD
    correct = said == question.answer
    return Assessment(correct=correct, understood=True, heard="yes" if said else "no", closeness=float(correct))


_READERS: dict[str, Callable[[Question, str, set[str]], Assessment]] = {
    "choice": _choice,
    "number": _number,
    "short": _short,
    "yesno": _yes_no,
}
