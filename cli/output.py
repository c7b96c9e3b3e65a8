"""How the CLI shows a conversation: readable lines, or one JSON object per event (``--json``)."""

from __future__ import annotations

import json
import sys
from typing import TextIO

from companion.agent.events import (
    AffectChanged,
    BargeIn,
    Event,
    HeadGesture,
    InterruptionResolved,
    MirrorChanged,
    PartialTranscript,
    ReplyFinished,
    UserTurnEvent,
    VisitorPresence,
    VisitorSession,
)

_SHOWN = (
    UserTurnEvent, ReplyFinished, BargeIn, InterruptionResolved, VisitorPresence, VisitorSession, HeadGesture,
    AffectChanged, MirrorChanged,
)  # fmt: skip


class EventPrinter:
    def __init__(self, robot_name: str, as_json: bool, stream: TextIO | None = None, partials: bool = False) -> None:
        self.robot_name = robot_name
        self.as_json = as_json
        self.stream = stream or sys.stdout
        self.partials = partials

    def __call__(self, event: Event) -> None:
        if not isinstance(event, _SHOWN) and not (self.partials and isinstance(event, PartialTranscript)):
            return
        if self.as_json:
            print(json.dumps(event.as_dict(), default=str), file=self.stream, flush=True)
            return
        print(self._line(event), file=self.stream, flush=True)

    def _line(self, event: Event) -> str:
        if isinstance(event, UserTurnEvent):
            return f"you ({event.source}): {event.text}"
        if isinstance(event, ReplyFinished):
            cut = " [interrupted]" if event.interrupted else ""
            timing = ", ".join(f"{k} {v:.0f}" for k, v in event.timings_ms.items())
            line = f"{self.robot_name} [{event.emotion} {event.intensity:.1f}]{cut}: {event.text}"
            if timing:
                line += f"\n  timings (ms after end of speech): {timing}"
            if event.audio_path:
                line += f"\n  audio: {event.audio_path}"
            return line
        if isinstance(event, BargeIn):
            return f"  (you interrupted; audio faded out at +{_ms(event.silent_t, event.onset_t)} ms after your onset)"
        if isinstance(event, InterruptionResolved):
            return f"  (interruption {event.kind}: {event.text!r})"
        if isinstance(event, PartialTranscript):
            return f"  ... {event.text}"
        if isinstance(event, VisitorPresence):
            return f"  (visitor {event.change})"
        if isinstance(event, VisitorSession):
            return f"  (visitor session {event.visitor} {event.phase}: {event.reason})"
        if isinstance(event, HeadGesture):
            return f"  (visitor {event.kind} {event.phase}, {event.amplitude_deg:.0f} deg)"
        if isinstance(event, AffectChanged):
            return f"  (visitor looks {event.emotion}, {event.confidence:.2f})"
        if isinstance(event, MirrorChanged):
            return f"  (mirror mode {'on' if event.on else 'off'}: {event.reason})"
        return str(event)


def _ms(t: float | None, since: float) -> str:
    return "?" if t is None else f"{(t - since) * 1000:.0f}"
