"""One person going through one counseling script: what the robot says next, and what happened.

``ScriptRun`` has no I/O and no clock, so a whole script can be tested by typing answers at it. ``start()`` gives
the opening; ``answer(text)`` reads one answer and gives what follows; ``stop(reason)`` ends it early. The rules
(docs/COUNSELING.md):

- the opening is ``AI_DISCLOSURE``, then the intro; a screening adds that it is not a diagnosis and that "stop"
  ends it at any time;
- an answer that is not understood is asked again once with the options listed; a second miss, or "skip", leaves
  the question unanswered (not scored; the result then says the score is incomplete);
- an answer that reaches an ask's ``risk_at_least`` ends the run for safety and names the risk (``Turn.risk``):
  the plugin reports it and the crisis protocol answers instead;
- only numbers are kept (item scores, the total, the band): free answers are read and let go.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from companion.agent.policy.disclosure import AI_DISCLOSURE
from companion.plugins.counseling.answers import OPTIONS_LINES, read_answer
from companion.plugins.counseling.program import Ask, Instruction, Jump, Say, Tally, compile_script
from companion.plugins.counseling.schema import Condition, Script

VOICE = "calm:0.4"  # the face for lines that name none: calm folds onto neutral, a quiet face
SCREENING_NOTE = "This is a screening, not a diagnosis. You can say stop at any time."
EXERCISE_NOTE = "You can say stop at any time."
NOT_CAUGHT = "Sorry, I didn't quite catch that."
MOVE_ON = "That's okay, let's go on."
STOPPED = "Of course. We can stop here. Thank you for taking this time for yourself."
INCOMPLETE = "I didn't get an answer to {missing} of the questions, so this score is incomplete."
EndReason = Literal["completed", "stopped", "visitor_left", "safety"]


@dataclass(frozen=True)
class Line:
    """A line to say (emotion tags included) and the silence after it."""

    text: str
    pause_s: float = 0.0


@dataclass(frozen=True)
class Result:
    total: int
    max: int
    band: str
    items: dict[str, int | None]  # question id -> score; None: not answered
    complete: bool


@dataclass(frozen=True)
class Ended:
    reason: EndReason


Happening = Result | Ended


@dataclass(frozen=True)
class Turn:
    lines: tuple[Line, ...]
    happenings: tuple[Happening, ...] = ()
    risk: str | None = None  # set when an answer reached a risk threshold: the crisis protocol must answer

    @property
    def text(self) -> str:
        return " ".join(line.text for line in self.lines)


@dataclass
class ScriptRun:
    script: Script
    finished: bool = False
    scores: dict[str, int | None] = field(default_factory=dict)  # scale answers by question id; None: unanswered
    _program: list[Instruction] = field(default_factory=list)
    _at: int = 0
    _waiting: Ask | None = None
    _misses: int = 0
    _scored: set[str] = field(default_factory=set)  # the scored questions answered (or left unanswered) so far

    def __post_init__(self) -> None:
        self._program = compile_script(self.script)

    @property
    def waiting_on(self) -> str | None:
        """The id of the question waiting for an answer, if any."""
        return self._waiting.id if self._waiting is not None else None

    def start(self) -> Turn:
        note = SCREENING_NOTE if self.script.kind == "screening" else EXERCISE_NOTE
        lines = [Line(f"[{VOICE}] {AI_DISCLOSURE} {self.script.intro} {note}")]
        happenings: list[Happening] = []
        self._advance(lines, happenings)
        return Turn(tuple(lines), tuple(happenings))

    def answer(self, text: str) -> Turn:
        ask = self._waiting
        if ask is None or self.finished:
            raise RuntimeError("the script is not waiting for an answer")
        reading = read_answer(ask.scale, text)
        lines: list[Line] = []
        if not reading.understood:
            self._misses += 1
            if self._misses == 1:
                return Turn((Line(f"[{VOICE}] {NOT_CAUGHT} {ask.text} {OPTIONS_LINES[ask.scale]}"),))
            lines.append(Line(f"[{VOICE}] {MOVE_ON}"))
        elif reading.skipped:
            lines.append(Line(f"[{VOICE}] {MOVE_ON}"))
        if ask.scale != "free":
            self.scores[ask.id] = reading.value
        if ask.scored:
            self._scored.add(ask.id)
        self._waiting, self._misses = None, 0
        if ask.risk_at_least is not None and reading.value is not None and reading.value >= ask.risk_at_least:
            self.finished = True
            line = Line("[concerned:0.5] Thank you for telling me. I want to make sure you're okay.")
            return Turn((line,), (Ended("safety"),), risk=f"{self.script.name}_{ask.id}")
        happenings: list[Happening] = []
        self._advance(lines, happenings)
        return Turn(tuple(lines), tuple(happenings))

    def stop(self, reason: EndReason = "stopped") -> Turn:
        self.finished = True
        self._waiting = None
        return Turn((Line(f"[{VOICE}] {STOPPED}"),), (Ended(reason),))

    def _advance(self, lines: list[Line], happenings: list[Happening]) -> None:
        """Say lines until the next question is asked, or the end."""
        while self._at < len(self._program):
            instruction = self._program[self._at]
            self._at += 1
            match instruction:
                case Say():
                    text = instruction.text
                    tag = instruction.emotion or (None if text.lstrip().startswith("[") else VOICE)
                    lines.append(Line(f"[{tag}] {text}" if tag else text, instruction.pause_s))
                case Ask():
                    self._waiting = instruction
                    lines.append(Line(f"[{VOICE}] {instruction.text}"))
                    return
                case Jump():
                    if self._holds(instruction.condition) == instruction.jump_when:
                        self._at = int(instruction.target)
                case Tally():
                    result = self._tally(instruction)
                    happenings.append(result)
                    line = instruction.score.say.format(total=result.total, max=result.max, band=result.band)
                    missing = sum(1 for value in result.items.values() if value is None)
                    if missing:
                        line += " " + INCOMPLETE.format(missing=missing)
                    lines.append(Line(f"[{VOICE}] {line}"))
        self.finished = True
        happenings.append(Ended("completed"))

    def _holds(self, condition: Condition) -> bool:
        if condition.answer is not None:
            value = self.scores.get(condition.answer)
            return value is not None and value >= condition.at_least
        return sum(self.scores.get(question) or 0 for question in self._scored) >= condition.at_least

    def _tally(self, tally: Tally) -> Result:
        items = {question: self.scores.get(question) for question, _ in tally.items}
        total = sum(value for value in items.values() if value is not None)
        most = sum(top for _, top in tally.items)
        band = tally.score.band_for(total).label
        return Result(total, most, band, items, all(value is not None for value in items.values()))
