"""What a counseling script reports (``companion chat --json``, docs/EVENTS.md). Numbers only: a result names the
script, the total, the band and each scored item's score, never what the person said."""

from __future__ import annotations

from dataclasses import dataclass

from companion.agent.events import Event


@dataclass(frozen=True)
class CounselingStarted(Event):
    event_type = "counseling_started"
    script: str
    title: str
    kind: str  # screening or exercise


@dataclass(frozen=True)
class CounselingResult(Event):
    event_type = "counseling_result"
    script: str
    total: int
    max: int
    band: str
    items: dict[str, int | None]  # question id -> score (0-3 on the frequency scale); null: not answered
    complete: bool  # False when a scored question was left unanswered


@dataclass(frozen=True)
class CounselingEnded(Event):
    event_type = "counseling_ended"
    script: str
    reason: str  # completed, stopped (the person asked), visitor_left, safety (a risk answer or the safety layer)
