"""A counseling script file: what the robot says, what it asks, and how it scores (docs/COUNSELING.md, every key).

A script is a list of steps, each exactly one of ``say`` (a line, with an optional face ``emotion`` and
``pause_s``), ``ask`` (a question with an answer ``scale``), ``branch`` (``if`` a condition holds, ``goto`` a step
or run ``then`` steps), ``score`` (sum the scored answers, name the band, say the result) or ``loop`` (repeat
``steps`` ``times`` times). Decisions:

- unknown keys are refused with a suggestion (``Section``); checks that span the file (an unknown ``goto``, a
  branch on an answer not asked yet, bands that do not cover every total) blame the key to fix, with its line;
- ``score: true`` on an ``ask`` counts its answer; a ``score:`` mapping is the scoring step: one key, two meanings,
  told apart by the value;
- steps inside a ``loop`` have no ``id`` and ask nothing scored: a loop repeats, an answer must not;
- ``risk_at_least`` on an ``ask`` starts the crisis protocol when the answer reaches it (PHQ-9 item 9).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

from pydantic import Field, field_validator, model_validator

from companion.agent.emotion_tags import parse_tag
from companion.core.config import KeyProblemError, Section

Scale = Literal["frequency", "yesno", "free"]
Kind = Literal["screening", "exercise"]
SCALE_MAX: dict[str, int] = {"frequency": 3, "yesno": 1}  # the highest score an answer on the scale can give
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
END = "end"  # ``goto: end`` finishes the script
RESULT_FIELDS = ("total", "max", "band")
KeyPath = tuple[str | int, ...]


class Condition(Section):
    """``{answer: q9, at_least: 1}`` (an earlier answer) or ``{total: true, at_least: 10}`` (the scored sum so far).
    An answer that was not given never meets a condition."""

    answer: str | None = None
    total: bool = False
    at_least: int = Field(ge=0)

    @model_validator(mode="after")
    def _one_subject(self) -> Condition:
        if (self.answer is None) == (not self.total):
            raise KeyProblemError((), "a condition is on exactly one of 'answer: ID' or 'total: true'")
        return self


class Branch(Section):
    """``if`` the condition holds, ``goto`` a step's id (or ``end``), or run the ``then`` steps."""

    when: Condition = Field(alias="if")
    goto: str | None = None
    then: list[Step] | None = None

    @model_validator(mode="after")
    def _one_outcome(self) -> Branch:
        if (self.goto is None) == (self.then is None):
            raise KeyProblemError((), "a branch has exactly one of 'goto' or 'then'")
        return self


class Band(Section):
    """Totals from ``min`` to ``max`` (both included) are called ``label``."""

    min: int = Field(ge=0)
    max: int = Field(ge=0)
    label: str = Field(min_length=1)


class Score(Section):
    """Sum the scored answers asked so far, find the band, say ``say`` ({total}, {max}, {band})."""

    bands: list[Band] = Field(min_length=1)
    say: str = "Your score is {total} out of {max}, in the {band} range."

    @field_validator("say")
    @classmethod
    def _known_fields(cls, say: str) -> str:
        try:
            say.format(**dict.fromkeys(RESULT_FIELDS, ""))
        except (KeyError, IndexError, ValueError) as error:
            raise ValueError(f"unknown placeholder or brace ({error}); use {{total}}, {{max}} and {{band}}") from None
        return say

    def band_for(self, total: int) -> Band:
        return next((band for band in self.bands if band.min <= total <= band.max), self.bands[-1])


class Loop(Section):
    """Repeat ``steps`` ``times`` times (breathing cycles)."""

    times: int = Field(ge=1, le=20)
    steps: list[Step] = Field(min_length=1)


class Step(Section):
    """Exactly one of ``say``, ``ask``, ``branch``, ``score`` (a mapping) or ``loop``."""

    id: str | None = Field(None, pattern=ID_PATTERN)
    say: str | None = None
    emotion: str | None = None  # a face tag for the line, like ``calm:0.4``
    pause_s: float | None = Field(None, gt=0, le=30)  # silence after the line
    ask: str | None = None
    scale: Scale | None = None
    score: bool | Score | None = None  # ``true`` on an ask: counted; a mapping: the scoring step
    risk_at_least: int | None = Field(None, ge=1)
    branch: Branch | None = None
    loop: Loop | None = None

    @field_validator("emotion")
    @classmethod
    def _known_emotion(cls, emotion: str | None) -> str | None:
        if emotion is not None and parse_tag(emotion) is None:
            raise ValueError("not an emotion the face knows; try calm, happy, concerned or neutral (calm:0.4)")
        return emotion

    @field_validator("say", "ask")
    @classmethod
    def _not_blank(cls, line: str | None) -> str | None:
        if line is not None and not line.strip():
            raise ValueError("must not be blank")
        return line

    @property
    def kind(self) -> str:
        return next(key for key in ("say", "ask", "branch", "score", "loop") if self._given(key))

    def _given(self, key: str) -> bool:
        value = getattr(self, key)
        return isinstance(value, Score) if key == "score" else value is not None

    @model_validator(mode="after")
    def _one_kind(self) -> Step:
        given = [key for key in ("say", "ask", "branch", "score", "loop") if self._given(key)]
        if len(given) != 1:
            found = f"found {' and '.join(given)}" if given else "found none"
            raise KeyProblemError((), f"a step is exactly one of say, ask, branch, score or loop ({found})")
        belongs = {"emotion": "say", "pause_s": "say", "scale": "ask", "risk_at_least": "ask"}
        for key, owner in belongs.items():
            if getattr(self, key) is not None and given[0] != owner:
                raise KeyProblemError((key,), f"'{key}' goes with '{owner}'")
        if isinstance(self.score, bool) and self.ask is None:
            raise KeyProblemError(("score",), "'score: true' goes with 'ask'; the scoring step is a mapping (bands)")
        if self.ask is not None:
            self._check_ask()
        return self

    def _check_ask(self) -> None:
        if self.scale is None:
            raise KeyProblemError(("scale",), "an 'ask' needs a 'scale': frequency, yesno or free")
        top = SCALE_MAX.get(self.scale)
        if self.score and top is None:
            raise KeyProblemError(("score",), "a free answer cannot be scored")
        if self.risk_at_least is not None and (top is None or self.risk_at_least > top):
            raise KeyProblemError(("risk_at_least",), f"the {self.scale} scale never reaches {self.risk_at_least}")

    @property
    def scored(self) -> bool:
        return self.score is True


class Script(Section):
    """A whole script. ``name`` is the file's name (phq9.yaml -> phq9) when not given."""

    name: str | None = Field(None, pattern=ID_PATTERN)
    title: str = Field(min_length=1)
    kind: Kind
    intro: str = Field(min_length=1)
    asked_as: list[str] = Field(default_factory=list)  # how people ask for it ("depression questionnaire")
    steps: list[Step] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> Script:
        ids: dict[str, KeyPath] = {}
        for at, step, in_loop in self.located_steps():
            if step.id is None:
                continue
            if in_loop:
                raise KeyProblemError((*at, "id"), "a step inside a loop has no id (the loop repeats it)")
            if step.id == END or step.id in ids:
                raise KeyProblemError(
                    (*at, "id"), f"id {step.id!r} is {'reserved' if step.id == END else 'used twice'}"
                )
            ids[step.id] = at
        self._name_questions(ids)
        asked: set[str] = set()
        most = 0
        for at, step, in_loop in self.located_steps():
            if step.ask is not None:
                if in_loop and step.scored:
                    raise KeyProblemError((*at, "score"), "a question inside a loop cannot be scored")
                asked.add(step.id or "")
                most += SCALE_MAX.get(step.scale or "", 0) if step.scored else 0
            elif step.branch is not None:
                _check_branch(step.branch, at, ids, asked)
            elif isinstance(step.score, Score):
                _check_bands(step.score, (*at, "score"), most)
        if self.kind == "screening" and not any(isinstance(s.score, Score) for _, s, _ in self.located_steps()):
            raise KeyProblemError(("steps",), "a screening needs a 'score' step")
        return self

    def _name_questions(self, ids: dict[str, KeyPath]) -> None:
        """Questions without an id are named by their order ("q3")."""
        number = 0
        for at, step, _ in self.located_steps():
            if step.ask is None:
                continue
            number += 1
            if step.id is None:
                name = f"q{number}"
                while name in ids:
                    name += "x"
                step.id = name
                ids.setdefault(name, at)

    def located_steps(self) -> Iterator[tuple[KeyPath, Step, bool]]:
        """Every step, nested ones too, in file order, with its key path and whether it is inside a loop."""
        yield from _walk(self.steps, ("steps",), False)

    @property
    def scored_questions(self) -> int:
        return sum(1 for _, step, _ in self.located_steps() if step.scored)


def _walk(steps: list[Step], at: KeyPath, in_loop: bool) -> Iterator[tuple[KeyPath, Step, bool]]:
    for i, step in enumerate(steps):
        yield (*at, i), step, in_loop
        if step.loop is not None:
            yield from _walk(step.loop.steps, (*at, i, "loop", "steps"), True)
        elif step.branch is not None and step.branch.then is not None:
            yield from _walk(step.branch.then, (*at, i, "branch", "then"), in_loop)


def _check_branch(branch: Branch, at: KeyPath, ids: dict[str, KeyPath], asked: set[str]) -> None:
    if branch.goto is not None and branch.goto != END and branch.goto not in ids:
        known = ", ".join(sorted(ids)) or "none"
        raise KeyProblemError((*at, "branch", "goto"), f"no step has the id {branch.goto!r} (ids: {known}, or end)")
    answer = branch.when.answer
    if answer is not None and answer not in asked:
        raise KeyProblemError((*at, "branch", "if", "answer"), f"no question {answer!r} is asked before this branch")


def _check_bands(score: Score, at: KeyPath, most: int) -> None:
    expected = 0
    for i, band in enumerate(score.bands):
        if band.min != expected or band.max < band.min:
            raise KeyProblemError((*at, "bands", i), f"bands must run on from {expected} without gaps or overlaps")
        expected = band.max + 1
    if expected - 1 != most:
        raise KeyProblemError((*at, "bands"), f"the bands end at {expected - 1} but the highest total is {most}")


Branch.model_rebuild()
Loop.model_rebuild()
Step.model_rebuild()
Script.model_rebuild()
