"""What a lesson reports (``companion chat --json``, docs/EVENTS.md): integrators and tests follow a lesson by
these. Every event names the lesson; question events name the question by its id in the lesson file."""

from __future__ import annotations

from dataclasses import dataclass

from companion.agent.events import Event


@dataclass(frozen=True)
class LessonStarted(Event):
    event_type = "lesson_started"
    lesson: str
    title: str
    questions: int  # how many questions this run asks


@dataclass(frozen=True)
class QuestionAsked(Event):
    event_type = "question_asked"
    lesson: str
    question_id: str
    text: str
    kind: str  # choice, number, short, yesno
    attempt: int  # 1 the first time; 2 after a wrong answer and a hint, ...


@dataclass(frozen=True)
class AnswerAssessed(Event):
    event_type = "answer_assessed"
    lesson: str
    question_id: str
    answer: str  # what the learner said or typed
    heard: str | None  # what was understood ("option B, Mars", "three quarters"); None when nothing was
    correct: bool
    understood: bool  # False: no answer could be read, asked again without spending a try
    gave_up: bool
    attempt: int
    level: float  # the learner's estimated difficulty level (1-5) after this answer


@dataclass(frozen=True)
class HintGiven(Event):
    event_type = "hint_given"
    lesson: str
    question_id: str
    hint: str
    number: int  # 1 for the first hint of this question


@dataclass(frozen=True)
class LessonFinished(Event):
    event_type = "lesson_finished"
    lesson: str
    correct: int
    asked: int
    score_percent: int
    reason: str  # completed, stopped (the learner asked), visitor_left, safety (the safety layer took over)
