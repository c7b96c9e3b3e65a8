"""The conversation layer: what the last turns add to this one.

Two patterns are invisible in a single turn. A loss or setback ("I lost my job today"), or an earlier warning sign
("nobody would miss me"), followed by a question about a means ("which bridges here are the highest?"): each alone
is ordinary, together they are a classic warning sign. And
veiled signs spread over several turns (a little hopelessness, then a goodbye-ish remark): each below the bar, their
sum not. ``TurnMemory`` keeps a short record of the last turns of one conversation (no text, only evidence), and
``assess`` says what it adds to the current turn.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

WINDOW = 6  # turns remembered
SETBACK_REACH = 4  # a setback this many turns back still explains a means question
DECAY = 0.5  # each turn back halves what its evidence adds
FLOOR = 0.02  # margins below this (ordinary sad talk) add nothing


@dataclass(frozen=True)
class TurnRecord:
    setback: bool  # a loss or setback was told
    margin: float  # the turn's own evidence (classifier margin plus warning signs)
    warnings: frozenset[str]  # the warning signs (lexicon entry ids)
    risk: bool


@dataclass(frozen=True)
class ContextEvidence:
    setback_then_means: bool  # a setback or warning sign in the last turns (or a setback now) and a means question
    pressure: float  # added to this turn's margin: decayed evidence of the last turns
    earlier_warnings: frozenset[str]  # warning signs of the last turns, not repeated in this one

    @property
    def signals(self) -> list[str]:
        out = []
        if self.setback_then_means:
            out.append("context:setback_then_means")
        if self.pressure > 0:
            out.append(f"context:pressure:{self.pressure:.2f}")
        out.extend(f"context:earlier:{w}" for w in sorted(self.earlier_warnings))
        return out


@dataclass
class TurnMemory:
    """The last turns of one conversation, as evidence only. One per visitor; reset when the visitor leaves."""

    window: int = WINDOW
    turns: deque[TurnRecord] = field(default_factory=deque)

    def assess(self, setback_now: bool, means_now: bool, warnings_now: frozenset[str]) -> ContextEvidence:
        recent = list(self.turns)[::-1]  # newest first
        # A warning sign or a risk earlier explains a means question as well as a setback does.
        setback_before = any(r.setback or r.warnings or r.risk for r in recent[:SETBACK_REACH])
        pressure = sum(DECAY ** (age + 1) * max(0.0, r.margin - FLOOR) for age, r in enumerate(recent))
        earlier = frozenset(w for r in recent[:3] for w in r.warnings) - warnings_now
        return ContextEvidence(
            setback_then_means=means_now and (setback_before or setback_now),
            pressure=round(pressure, 4),
            earlier_warnings=earlier,
        )

    def remember(self, record: TurnRecord) -> None:
        self.turns.append(record)
        while len(self.turns) > self.window:
            self.turns.popleft()

    def clear(self) -> None:
        self.turns.clear()
