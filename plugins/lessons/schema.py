"""A lesson file: who it is for, what the robot says, and the questions it asks (docs/LESSONS.md, every key).

A lesson is a list of steps, each exactly one of ``explain`` (a line to say, with an optional face ``emotion``),
``ask`` (one graded question) or ``quiz`` (a pool of questions of which ``count`` are asked, chosen by the
learner's level). Unknown keys are refused with a suggestion (``Section``), and the checks that span the file (a
question id used twice, a quiz asking more than its pool holds, a summary placeholder that does not exist) point at
the key to fix.
"""

from __future__ import annotations

import string
from collections.abc import Iterator

from pydantic import Field, field_validator, model_validator

from companion.core.config import KeyProblemError, Section
from companion.face.emotions import Emotion
from companion.plugins.lessons.question import ID_PATTERN, Question

SUMMARY_FIELDS = ("correct", "asked", "wrong", "percent")
DEFAULT_PRAISE = ["That's right!", "Well done!", "Exactly!", "Yes, correct!", "Great answer!"]
DEFAULT_ENCOURAGE = ["Not quite.", "Good try, but not quite.", "Hmm, not this time.", "Close, but no."]
LANGUAGES = ("en",)  # the answer reader's number words, fillers and yes/no are English


class Quiz(Section):
    """A pool of questions; ``count`` of them are asked, chosen by the learner's estimated level."""

    id: str | None = Field(None, pattern=ID_PATTERN)
    count: int = Field(ge=1)
    questions: list[Question]

    @field_validator("questions")
    @classmethod
    def _not_empty(cls, questions: list[Question]) -> list[Question]:
        if not questions:
            raise ValueError("the pool has no questions: add at least as many as 'count'")
        return questions

    @model_validator(mode="after")
    def _count_fits(self) -> Quiz:
        if self.count > len(self.questions):
            raise KeyProblemError(
                ("count",), f"asks {self.count} questions but the pool holds only {len(self.questions)}"
            )
        return self


class Step(Section):
    """Exactly one of ``explain``, ``ask`` or ``quiz``."""

    explain: str | None = None
    emotion: str | None = None
    ask: Question | None = None
    quiz: Quiz | None = None

    @field_validator("emotion")
    @classmethod
    def _known_emotion(cls, emotion: str | None) -> str | None:
        names = [e.value for e in Emotion]
        if emotion is not None and emotion not in names:
            raise ValueError(f"unknown emotion; one of: {', '.join(names)}")
        return emotion

    @field_validator("explain")
    @classmethod
    def _not_blank(cls, line: str | None) -> str | None:
        if line is not None and not line.strip():
            raise ValueError("must not be blank")
        return line

    @model_validator(mode="after")
    def _one_kind(self) -> Step:
        given = [key for key in ("explain", "ask", "quiz") if getattr(self, key) is not None]
        if len(given) != 1:
            found = f"found {' and '.join(given)}" if given else "found none"
            raise KeyProblemError((), f"a step is exactly one of 'explain', 'ask' or 'quiz' ({found})")
        if self.emotion is not None and self.explain is None:
            raise KeyProblemError(("emotion",), "'emotion' goes with 'explain'")
        return self


class Lesson(Section):
    """A whole lesson. ``id`` is the file's name (solar-system.yaml -> solar-system) when not given."""

    id: str | None = Field(None, pattern=ID_PATTERN)
    title: str = Field(min_length=1)
    audience: str = Field(min_length=1)
    language: str = "en"
    description: str = Field(min_length=1)
    intro: str = Field(min_length=1)
    tries: int = Field(2, ge=1, le=10)
    praise: list[str] = Field(default_factory=lambda: list(DEFAULT_PRAISE))
    encourage: list[str] = Field(default_factory=lambda: list(DEFAULT_ENCOURAGE))
    summary: str = "You got {correct} out of {asked} right."
    model_hints: bool = False  # when a question's own hints are used up, ask the language model for one (screened)
    steps: list[Step]

    @field_validator("language")
    @classmethod
    def _supported_language(cls, language: str) -> str:
        if language not in LANGUAGES:
            raise ValueError(f"answers can be understood in {', '.join(LANGUAGES)} only")
        return language

    @field_validator("summary")
    @classmethod
    def _summary_fields(cls, summary: str) -> str:
        try:
            names = [name for _, name, _, _ in string.Formatter().parse(summary) if name is not None]
        except ValueError as error:
            raise ValueError(f"a '{{' or '}}' without its pair ({error}); write {{correct}} and {{asked}}") from None
        unknown = [name for name in names if name not in SUMMARY_FIELDS]
        if unknown:
            known = ", ".join(f"{{{name}}}" for name in SUMMARY_FIELDS)
            raise ValueError(f"unknown placeholder {{{unknown[0]}}}; use {known}")
        return summary

    @field_validator("steps")
    @classmethod
    def _has_a_question(cls, steps: list[Step]) -> list[Step]:
        if not any(step.ask is not None or step.quiz is not None for step in steps):
            raise ValueError("a lesson needs at least one 'ask' or 'quiz' step")
        return steps

    @model_validator(mode="after")
    def _question_ids(self) -> Lesson:
        """Every id given must be unique; questions without one are named by their place ("q3", "q5.2")."""
        seen: dict[str, tuple[str | int, ...]] = {}
        for at, question in self.located_questions():
            if question.id is None:
                continue
            if question.id in seen:
                raise KeyProblemError(
                    (*at, "id"), f"question id {question.id!r} is used twice (first at {_dotted(seen[question.id])})"
                )
            seen[question.id] = at
        for at, question in self.located_questions():
            if question.id is None:
                name = f"q{at[1] + 1}" if len(at) == 3 else f"q{at[1] + 1}.{at[-1] + 1}"
                while name in seen:
                    name += "x"
                question.id = name
                seen[name] = at
        return self

    def located_questions(self) -> Iterator[tuple[tuple[str | int, ...], Question]]:
        """Every question with its key path in the file (``("steps", 2, "ask")``)."""
        for i, step in enumerate(self.steps):
            if step.ask is not None:
                yield ("steps", i, "ask"), step.ask
            elif step.quiz is not None:
                for k, question in enumerate(step.quiz.questions):
                    yield ("steps", i, "quiz", "questions", k), question

    def questions(self) -> list[Question]:
        """Every question of the lesson, asked or in a quiz pool."""
        return [question for _, question in self.located_questions()]

    @property
    def asked_count(self) -> int:
        """How many questions one run of the lesson asks (each ``ask`` plus each quiz's ``count``)."""
        return sum(1 if step.ask is not None else step.quiz.count if step.quiz else 0 for step in self.steps)

    def tries_for(self, question: Question) -> int:
        return question.tries or self.tries

    def summary_line(self, correct: int, asked: int) -> str:
        """The closing line with the score, e.g. "You got 7 out of 10 right."."""
        percent = round(100 * correct / asked) if asked else 0
        return self.summary.format(correct=correct, asked=asked, wrong=asked - correct, percent=percent)


def _dotted(at: tuple[str | int, ...]) -> str:
    return "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in at).lstrip(".")
