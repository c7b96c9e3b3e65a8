"""How the CLI shows a conversation: readable lines, or every event as one JSON object per line (``--json``).

Readable output follows the voice: each clause of a reply is printed when it starts to play (not when the whole
reply is over), with the emotion it is said with; the reply's timings and audio file follow when it ends. The JSON
stream is documented by ``docs/events.schema.json`` (docs/EVENTS.md).
"""

from __future__ import annotations

import json
import sys
from typing import TextIO

from companion.agent.events import (
    AffectChanged,
    BargeIn,
    ClauseScheduled,
    ClauseStarted,
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


class EventPrinter:
    def __init__(self, robot_name: str, as_json: bool, stream: TextIO | None = None, partials: bool = False) -> None:
        self.robot_name = robot_name
        self.as_json = as_json
        self.stream = stream or sys.stdout
        self.partials = partials
        self._emotions: dict[tuple[int, int], tuple[str, float]] = {}  # (utterance, clause index) -> emotion
        self._shown: dict[int, tuple[str, float] | None] = {}  # utterance -> the emotion last printed

    def __call__(self, event: Event) -> None:
        if self.as_json:
            print(json.dumps(event.as_dict(), default=str), file=self.stream, flush=True)
            return
        line = self._line(event)
        if line is not None:
            print(line, file=self.stream, flush=True)

    def _line(self, event: Event) -> str | None:
        if isinstance(event, UserTurnEvent):
            return f"you ({event.source}): {event.text}"
        if isinstance(event, ClauseScheduled):
            self._emotions[(event.utterance_id, event.index)] = (event.emotion, event.intensity)
            return None
        if isinstance(event, ClauseStarted):
            return self._clause(event)
        if isinstance(event, ReplyFinished):
            return self._finished(event)
        if isinstance(event, BargeIn):
            return f"  (you interrupted; audio faded out at +{_ms(event.silent_t, event.onset_t)} ms after your onset)"
        if isinstance(event, InterruptionResolved):
            return f"  (interruption {event.kind}: {event.text!r})"
        if isinstance(event, PartialTranscript) and self.partials:
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
        return None

    def _clause(self, event: ClauseStarted) -> str:
        emotion = self._emotions.get((event.utterance_id, event.index))
        first = event.utterance_id not in self._shown
        shown = self._shown.get(event.utterance_id)
        self._shown[event.utterance_id] = emotion
        tag = f"[{emotion[0]} {emotion[1]:.1f}]" if emotion is not None else ""
        if first:
            return f"{self.robot_name} {tag}: {event.text}".replace("  :", ":")
        return f"  {tag} {event.text}" if emotion != shown and tag else f"  {event.text}"

    def _finished(self, event: ReplyFinished) -> str | None:
        lines: list[str] = []
        if event.utterance_id not in self._shown:  # nothing was heard as it played (e.g. no audio): say it now
            lines.append(f"{self.robot_name} [{event.emotion} {event.intensity:.1f}]: {event.text}")
        elif event.interrupted:
            lines.append("  [interrupted]")
        self._shown.pop(event.utterance_id, None)
        self._emotions = {k: v for k, v in self._emotions.items() if k[0] != event.utterance_id}
        timing = ", ".join(f"{k} {v:.0f}" for k, v in event.timings_ms.items())
        if timing:
            lines.append(f"  timings (ms after end of speech): {timing}")
        if event.audio_path:
            lines.append(f"  audio: {event.audio_path}")
        return "\n".join(lines) or None


def _ms(t: float | None, since: float) -> str:
    return "?" if t is None else f"{(t - since) * 1000:.0f}"
