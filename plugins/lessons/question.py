"""One graded question of a lesson, as a lesson file writes it (docs/LESSONS.md has every key with examples).

Four kinds, each with its own answer keys: ``choice`` (``options``, ``answer`` as a letter or an option's text),
``number`` (``answer`` as 12, 0.75, "3/4" or "1 1/2"; ``tolerance``, ``relative_tolerance``, ``allow_percent``,
``unit``), ``short`` (``answer`` plus ``accept`` for other right answers and ``reject`` for near misses that are
wrong) and ``yesno`` (``answer: yes`` or ``no``). A key that belongs to another kind is an error, so a typo'd kind
cannot silently ignore the answer keys. The validated answer is kept ready for grading (``correct_option``,
``number_value``, ``accepted``) and for speech (``spoken_answer``).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Literal

from pydantic import Field, PrivateAttr, ValidationInfo, field_validator, model_validator

from companion.core.config import KeyProblemError, Section
from companion.plugins.lessons.choices import option_letter, option_words, say_option
from companion.plugins.lessons.numbers import parse_number, read_numbers

Kind = Literal["choice", "number", "short", "yesno"]
_KIND_KEYS: dict[str, set[str]] = {
    "choice": {"options", "similarity"},
    "number": {"tolerance", "relative_tolerance", "allow_percent", "unit"},
    "short": {"accept", "reject", "similarity"},
    "yesno": set(),
}
_YES_NO_WORDS = {"yes": True, "no": False, "true": True, "false": False}
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
MAX_OPTIONS = 8


class Question(Section):
    """A question the learner answers; graded by ``companion.plugins.lessons.answers.assess``."""

    id: str | None = Field(None, pattern=ID_PATTERN)
    prompt: str = Field(min_length=1)
    kind: Kind
    options: list[str] | None = None
    answer: bool | int | float | str
    accept: list[str] = Field(default_factory=list)
    reject: list[str] = Field(default_factory=list)
    similarity: float = Field(85, ge=50, le=100)
    tolerance: float = Field(0, ge=0)
    relative_tolerance: float = Field(0, ge=0, le=1)
    allow_percent: bool = False
    unit: str | None = None
    hints: list[str] = Field(default_factory=list)
    tries: int | None = Field(None, ge=1, le=10)
    explanation: str | None = None
    difficulty: float = Field(3, ge=1, le=5)
    praise: list[str] = Field(default_factory=list)
    encourage: list[str] = Field(default_factory=list)

    _option: int | None = PrivateAttr(None)
    _value: Fraction | None = PrivateAttr(None)

    @field_validator("options", mode="before")
    @classmethod
    def _options_as_text(cls, value: Any) -> Any:
        if isinstance(value, list):
            for item in value:
                if isinstance(item, bool):
                    raise ValueError("an option reads as yes/no/true/false: put it in quotes, or use kind: yesno")
            return [str(item) if isinstance(item, int | float) else item for item in value]
        return value

    @field_validator("prompt", "explanation", "unit")
    @classmethod
    def _not_blank(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("must not be blank")
        return value

    @field_validator("hints", "accept", "reject", "praise", "encourage")
    @classmethod
    def _no_blank_lines(cls, value: list[str]) -> list[str]:
        for i, line in enumerate(value):
            if not line.strip():
                raise KeyProblemError((i,), "must not be blank")
        return value

    @field_validator("answer")
    @classmethod
    def _answer_fits_kind(cls, answer: bool | int | float | str, info: ValidationInfo) -> bool | int | float | str:
        kind = info.data.get("kind")
        if kind == "yesno":
            if isinstance(answer, str) and answer.strip().lower() in _YES_NO_WORDS:
                return _YES_NO_WORDS[answer.strip().lower()]
            if not isinstance(answer, bool):
                raise ValueError("a yes/no question's answer is yes or no")
        elif kind == "short":
            if isinstance(answer, bool):
                raise ValueError("the answer reads as yes/no/true/false: put it in quotes, or use kind: yesno")
            if not str(answer).strip():
                raise ValueError("must not be blank")
            return str(answer)
        elif kind == "number" and (isinstance(answer, bool) or parse_number(answer) is None):
            raise ValueError("a number question needs a number like 12, 0.75, 3/4 or 1 1/2")
        elif kind == "choice" and isinstance(answer, bool):
            raise ValueError("the answer reads as yes/no/true/false: put it in quotes")
        return answer

    @model_validator(mode="after")
    def _check_kind(self) -> Question:
        for key in sorted(self.model_fields_set):
            kinds = [kind for kind, keys in _KIND_KEYS.items() if key in keys]
            if kinds and self.kind not in kinds:
                raise KeyProblemError(
                    (key,), f"'{key}' is only for {' and '.join(kinds)} questions (this is kind: {self.kind})"
                )
        {"choice": self._check_choice, "number": self._check_number, "short": self._check_short}.get(
            self.kind, self._check_yes_no
        )()
        return self

    def _check_choice(self) -> None:
        options = self.options
        if options is None:
            raise KeyProblemError((), "a choice question needs 'options' (a list of 2 to 8)")
        if not 2 <= len(options) <= MAX_OPTIONS:
            raise KeyProblemError(("options",), f"give 2 to {MAX_OPTIONS} options; got {len(options)}")
        seen: dict[str, int] = {}
        for i, option in enumerate(options):
            said = " ".join(option_words(option))
            if not said:
                raise KeyProblemError(("options", i), "an option needs words a learner can say")
            if said in seen:
                first = option_letter(seen[said])
                raise KeyProblemError(("options", i), f"reads the same as option {first} when spoken: {option!r}")
            seen[said] = i
        self._option = self._resolve_option(options)

    def _resolve_option(self, options: list[str]) -> int:
        answer = self.answer
        if isinstance(answer, str) and len(answer.strip().rstrip(".)")) == 1:
            letter = answer.strip().rstrip(".)").lower()
            index = ord(letter) - ord("a")
            if 0 <= index < len(options):
                return index
        said = " ".join(option_words(str(answer)))
        for i, option in enumerate(options):
            if said and said == " ".join(option_words(option)):
                return i
        value = parse_number(answer)
        for i, option in enumerate(options):
            if value is not None and parse_number(option) == value:
                return i
        letters = f"A-{option_letter(len(options) - 1)}"
        listed = ", ".join(f"{option_letter(i)}: {o}" for i, o in enumerate(options))
        raise KeyProblemError(
            ("answer",), f"{answer!r} names no option; give a letter ({letters}) or an option's text ({listed})"
        )

    def _check_number(self) -> None:
        self._value = parse_number(self.answer)  # checked by _answer_fits_kind

    def _check_short(self) -> None:
        right = {" ".join(option_words(a)) for a in self.accepted}
        for i, wrong in enumerate(self.reject):
            if " ".join(option_words(wrong)) in right:
                raise KeyProblemError(("reject", i), f"{wrong!r} is also an accepted answer")

    def _check_yes_no(self) -> None:
        pass  # checked by _answer_fits_kind

    @property
    def correct_option(self) -> int:
        """The right option of a choice question (0-based)."""
        if self._option is None:
            raise TypeError(f"question {self.id!r} is not a choice question")
        return self._option

    @property
    def number_value(self) -> Fraction:
        """The right value of a number question."""
        if self._value is None:
            raise TypeError(f"question {self.id!r} is not a number question")
        return self._value

    @property
    def accepted(self) -> list[str]:
        """Every right answer of a short question: ``answer`` first, then ``accept``."""
        return [str(self.answer), *self.accept]

    @property
    def spoken_answer(self) -> str:
        """The right answer as the robot says it: "B, Mercury", "three quarters", "8 minutes", "yes"."""
        if self.kind == "choice":
            return say_option(self.correct_option, (self.options or [])[self.correct_option])
        if self.kind == "number":
            said = read_numbers(str(self.answer), percent=True)
            text = said[0].spoken() if len(said) == 1 else str(self.answer)
            return f"{text} {self.unit}" if self.unit else text
        if self.kind == "yesno":
            return "yes" if self.answer else "no"
        return str(self.answer)

    def answer_words(self) -> list[str]:
        """The texts of this question's answers (options, accepted and rejected answers, the unit): their words are
        never mistaken for filler or for a correction when an answer is read."""
        return [*(self.options or []), *self.accepted, *self.reject, *([self.unit] if self.unit else [])]
