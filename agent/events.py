"""What a conversation session reports, as typed events on a small bus.

The CLI prints them (``companion chat --json`` prints one JSON object per event), tests wait for them, metrics
count them. Subscribers are plain callables run on the event loop; a failing subscriber is logged, never fatal.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, TypeVar

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Event:
    t: float  # loop time

    @property
    def type(self) -> str:
        name = type(self).__name__
        return "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")

    def as_dict(self) -> dict[str, Any]:
        return {"type": self.type, **asdict(self)}


@dataclass(frozen=True)
class UserSpeechStarted(Event):
    robot_speaking: bool


@dataclass(frozen=True)
class PartialTranscript(Event):
    text: str


@dataclass(frozen=True)
class UserTurnEvent(Event):
    turn_id: int
    text: str
    source: str


@dataclass(frozen=True)
class ReplyStarted(Event):
    turn_id: int
    utterance_id: int
    source: str


@dataclass(frozen=True)
class ClauseScheduled(Event):
    turn_id: int
    utterance_id: int
    text: str
    emotion: str
    intensity: float
    start_t: float
    duration_s: float


@dataclass(frozen=True)
class ReplyFinished(Event):
    turn_id: int
    utterance_id: int
    text: str
    emotion: str
    intensity: float
    source: str
    interrupted: bool
    audio_path: str | None
    timings_ms: dict[str, float] = field(default_factory=dict)  # milestones, ms after the end of speech
    end_of_speech_t: float | None = None  # loop time the timings are measured from


@dataclass(frozen=True)
class BargeIn(Event):
    utterance_id: int
    onset_t: float  # when the user's speech started
    silent_t: float | None  # when the robot's audio was faded out


@dataclass(frozen=True)
class InterruptionResolved(Event):
    utterance_id: int
    kind: str  # "interrupted": the user took the turn; "resumed": a backchannel or noise, the reply went on
    text: str


@dataclass(frozen=True)
class VisitorPresence(Event):
    change: str  # "arrived", "engaged", "disengaged", "left"
    began_t: float  # when the condition began (the hysteresis confirmed it at ``t``)


@dataclass(frozen=True)
class VisitorSession(Event):
    phase: str  # "started" or "ended": everything conversational belongs to one visitor's session
    visitor: int  # counts up from 1 in this run; never an identity
    reason: str  # "arrived", "left", "new_visitor command", "shutdown"


@dataclass(frozen=True)
class HeadGesture(Event):
    kind: str  # "nod" or "shake"
    phase: str  # "onset" or "end"
    began_t: float
    amplitude_deg: float


@dataclass(frozen=True)
class AffectChanged(Event):
    """The visitor's smoothed facial affect changed label (only where emotion inference is allowed)."""

    emotion: str
    confidence: float


@dataclass(frozen=True)
class MirrorChanged(Event):
    on: bool
    reason: str  # "persona", "--mirror", "command", "camera lost"


E = TypeVar("E", bound=Event)


class EventBus:
    def __init__(self) -> None:
        self._subscribers: list[Callable[[Event], None]] = []
        self.history: deque[Event] = deque(maxlen=5000)  # recent events, for wait_for and tests
        self._waiters: list[tuple[type[Event], Callable[[Any], bool], asyncio.Future[Any]]] = []

    def subscribe(self, callback: Callable[[Event], None]) -> None:
        self._subscribers.append(callback)

    def emit(self, event: Event) -> None:
        self.history.append(event)
        for callback in list(self._subscribers):
            try:
                callback(event)
            except Exception:
                log.exception("event subscriber failed on %s", event.type)
        for waiter in list(self._waiters):
            kind, predicate, future = waiter
            if isinstance(event, kind) and not future.done() and predicate(event):
                future.set_result(event)
                self._waiters.remove(waiter)

    async def wait_for(self, kind: type[E], predicate: Callable[[E], bool] = lambda e: True) -> E:
        for event in self.history:
            if isinstance(event, kind) and predicate(event):
                return event
        future: asyncio.Future[E] = asyncio.get_running_loop().create_future()
        self._waiters.append((kind, predicate, future))
        return await future

    def of_type(self, kind: type[E]) -> list[E]:
        return [e for e in self.history if isinstance(e, kind)]
