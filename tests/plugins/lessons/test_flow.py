"""A whole lesson as a conversation (LessonRun), typed: right and wrong answers, hints, tries, giving up, answers
that cannot be read, adaptive quizzes, stopping early. The shipped lessons are the material; right answers are
said the way the robot itself would say them (``spoken_answer``), so every kind of question is exercised."""

from __future__ import annotations

import re

import pytest

from companion.plugins.lessons.flow import Asked, Assessed, Finished, HintGiven, LessonRun
from companion.plugins.lessons.loader import load_lesson_named
from companion.plugins.lessons.question import Question

LESSONS = ["fractions", "solar-system"]


def current(run: LessonRun) -> Question:
    assert run.question is not None
    return run.question


def wrong_answer(question: Question) -> str:
    """An answer that is understood and wrong, for any kind of question."""
    if question.kind == "choice":
        options = question.options or []
        wrong = next(i for i in range(len(options)) if i != question.correct_option)
        return f"option {'ABCDEFGH'[wrong]}"
    if question.kind == "number":
        return str(question.number_value + 1000)
    if question.kind == "yesno":
        return "no" if question.answer else "yes"
    return question.reject[0] if question.reject else "banana"


@pytest.mark.parametrize("name", LESSONS)
def test_a_learner_who_knows_every_answer_hears_praise_and_a_full_score(name: str) -> None:
    run = LessonRun(load_lesson_named(name), seed=1)
    opening = run.start()
    assert opening.text.startswith("[happy] ") and run.lesson.intro in opening.text
    assert [type(h) for h in opening.happenings] == [Asked]
    while not run.finished:
        question = current(run)
        said = run.answer(question.spoken_answer)
        (assessed,) = [h for h in said.happenings if isinstance(h, Assessed)]
        assert assessed.correct and assessed.understood, (question.id, question.spoken_answer, assessed)
        assert said.text.startswith("[happy:0.8] ")
    assert run.correct == run.asked == run.lesson.asked_count
    assert said.happenings[-1] == Finished(run.asked, run.asked, "completed")
    assert run.lesson.summary_line(run.asked, run.asked) in said.text


def test_a_wrong_answer_gets_a_hint_then_the_explanation_and_no_point() -> None:
    run = LessonRun(load_lesson_named("fractions"))
    run.start()
    question = current(run)
    assert question.id == "half-of-ten" and question.hints
    first = run.answer("seven")
    assert [type(h) for h in first.happenings] == [Assessed, HintGiven, Asked]
    hint = first.happenings[1]
    assert isinstance(hint, HintGiven) and hint.hint == question.hints[0] and hint.hint in first.text
    assert first.happenings[2] == Asked("half-of-ten", question.prompt, "number", 2)
    assert run.question is question  # the same question again
    second = run.answer("eight")  # the lesson allows two tries
    assessed = second.happenings[0]
    assert isinstance(assessed, Assessed) and not assessed.correct and assessed.attempt == 2
    assert question.explanation is not None and question.explanation in second.text
    assert run.question is not question and run.correct == 0 and run.asked == 2


def test_an_answer_that_cannot_be_read_is_asked_again_without_spending_a_try() -> None:
    run = LessonRun(load_lesson_named("fractions"))
    run.start()
    question = current(run)
    for mumble in ["um", "sorry?", "three or four"]:
        said = run.answer(mumble)
        (assessed,) = said.happenings
        assert isinstance(assessed, Assessed) and not assessed.understood and assessed.attempt == 1
        assert question.prompt in said.text
    said = run.answer("I think it's five")
    assert isinstance(said.happenings[0], Assessed) and said.happenings[0].correct and run.correct == 1


def test_giving_up_explains_at_once() -> None:
    run = LessonRun(load_lesson_named("fractions"))
    run.start()
    question = current(run)
    said = run.answer("I don't know")
    assessed = said.happenings[0]
    assert isinstance(assessed, Assessed) and assessed.gave_up and not assessed.correct
    assert not any(isinstance(h, HintGiven) for h in said.happenings)
    assert question.explanation is not None and question.explanation in said.text


def quiz_difficulties(answer_right: bool, seed: int) -> list[float]:
    """The difficulty of every quiz question asked to a learner who answers everything right (or gives up)."""
    lesson = load_lesson_named("solar-system")
    quiz_ids = {q.id for step in lesson.steps if step.quiz is not None for q in step.quiz.questions}
    run = LessonRun(lesson, seed=seed)
    run.start()
    asked: list[float] = []
    while not run.finished:
        question = current(run)
        if question.id in quiz_ids:
            asked.append(question.difficulty)
        run.answer(question.spoken_answer if answer_right else "I don't know")
    return asked


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_quizzes_adapt_to_the_learner_harder_after_right_answers(seed: int) -> None:
    strong, weak = quiz_difficulties(True, seed), quiz_difficulties(False, seed)
    assert len(strong) == len(weak) > 0
    assert sum(strong) / len(strong) > sum(weak) / len(weak), (strong, weak)


def test_stopping_early_says_the_score_so_far() -> None:
    run = LessonRun(load_lesson_named("fractions"))
    run.start()
    run.answer(current(run).spoken_answer)
    said = run.stop()
    assert said.happenings == (Finished(1, 1, "stopped"),)  # the question left open does not count
    assert re.search(r"1 out of 1", said.text) and run.finished and run.question is None
    with pytest.raises(RuntimeError):
        run.answer("five")
