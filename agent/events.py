"""What a conversation session reports, as typed events on a small bus: the documented event stream.

The CLI prints them (``companion chat --json`` prints one JSON object per event), tests wait for them, metrics
count them. Subscribers are plain callables run on the event loop; a failing subscriber is logged, never fatal.

Every event class names its JSON ``type`` (``event_type``) and is registered by defining it: its fields *are* its
schema. ``companion.agent.event_schema`` turns the registered classes into the JSON Schema committed as
``docs/events.schema.json``; a test validates every event a real session emits against that file, so an event
type added anywhere (perception, lessons, safety) fails loudly until its schema is regenerated. In JSON an event is
``{"type", "epoch_ms", "mono_s", ...its fields}``: ``epoch_ms`` is wall-clock milliseconds since 1970 (stamped by
the bus from its clock), ``mono_s`` the monotonic loop time in seconds; any other field ending in ``_t`` is a time
on the same monotonic clock as ``mono_s``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar, TypeVar

from companion.core.clock import Clock

log = logging.getLogger(__name__)

EVENT_TYPES: dict[str, type[Event]] = {}  # JSON type -> class, filled as event classes are defined


@dataclass(frozen=True)
class Event:
    """The base of every event. Subclasses set ``event_type``, the ``type`` in JSON (unique)."""

    event_type: ClassVar[str] = ""
    t: float  # loop time (monotonic seconds): when it happened
    epoch_ms: float | None = field(default=None, kw_only=True, compare=False)  # stamped by the bus

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not cls.event_type:
            raise TypeError(f"event class {cls.__name__} must set event_type = '<json type>'")
        existing = EVENT_TYPES.get(cls.event_type)
        if existing is not None and existing.__qualname__ != cls.__qualname__:
            raise TypeError(f"event type {cls.event_type!r} is taken by {existing.__qualname__}")
        EVENT_TYPES[cls.event_type] = cls

    @property
    def type(self) -> str:
        return self.event_type

    def as_dict(self) -> dict[str, Any]:
        """The JSON object of this event (docs/events.schema.json)."""
        data = asdict(self)
        mono = data.pop("t")
        epoch = data.pop("epoch_ms")
        return {"type": self.event_type, "epoch_ms": None if epoch is None else round(epoch, 1), "mono_s": mono, **data}


# --- the session ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionStarted(Event):
    """The models are loaded and the robot is ready: who it is and where its face goes."""

    event_type: ClassVar[str] = "session_started"
    persona: str  # the persona's key in the config
    name: str  # the persona's name
    robot_id: str
    face_topics: str | None  # the MQTT topic prefix of the face, None when no face is published


@dataclass(frozen=True)
class WarningEvent(Event):
    """Something the user should know that does not stop the robot, e.g. no face-controller answering."""

    event_type: ClassVar[str] = "warning"
    code: str  # stable, for programs: "no_face_controller", "face_controller_offline", ...
    message: str


@dataclass(frozen=True)
class ErrorEvent(Event):
    """Something failed and was handled (the language model failed and the fallback line was said, a reply broke
    off); the conversation goes on."""

    event_type: ClassVar[str] = "error"
    code: str  # "llm_failed", "reply_failed", ...
    message: str
    utterance_id: int | None = None


@dataclass(frozen=True)
class ReplyScreened(Event):
    """A clause of the language model's reply failed the output screen (docs/SAFETY.md): it was not spoken, a safe
    line was said instead with a concerned face, and the reply ended there."""

    event_type: ClassVar[str] = "reply_screened"
    turn_id: int
    utterance_id: int
    category: str  # encouragement, method, boundary
    signals: list[str]


@dataclass(frozen=True)
class CrisisAlert(Event):
    """A crisis started, or its level rose (docs/SAFETY.md, "The crisis protocol"). The agent publishes it retained
    on ``safety/alert/<alert_id>`` until an operator acknowledges it. No words of the visitor are in it."""

    event_type: ClassVar[str] = "crisis_alert"
    alert_id: str
    change: str  # started, raised
    category: str  # the detector's category, or "reported" when a plugin reported the risk
    reason: str  # the detector's category, or the plugin's reason (phq9_item9)
    level: str  # unknown, low, moderate, high
    turn_id: int
    answers: dict[str, bool | None] = field(default_factory=dict)  # follow-up question -> yes/no/unclear


@dataclass(frozen=True)
class ModelAsked(Event):
    """A plugin asked the language model for something narrow (a hint, a paraphrase): ``ok`` when its answer came
    back and passed the output screen, else the reason (docs/PLUGINS.md, "Asking the model")."""

    event_type: ClassVar[str] = "model_asked"
    plugin: str
    task: str  # hint, paraphrase, explain, encourage
    ok: bool
    reason: str  # "", no_model, error, timeout, empty, gave_away, unsafe:<category>


@dataclass(frozen=True)
class ToolCalled(Event):
    """The language model called a tool (docs/PLUGINS.md, "Tools"): ``ok``, or the ``error`` the model was told."""

    event_type: ClassVar[str] = "tool_called"
    tool: str
    arguments: dict[str, Any]
    ok: bool
    error: str  # "" when ok: not allowed, bad arguments, a timeout, a failure, a result withheld by the screen


@dataclass(frozen=True)
class CrisisEnded(Event):
    """Crisis mode ended for this visitor: an operator acknowledged the alert, or the visitor left (the alert then
    stays until acknowledged)."""

    event_type: ClassVar[str] = "crisis_ended"
    alert_id: str
    reason: str  # acknowledged, visitor_left, shutdown (the alert stays published in the last two cases)


@dataclass(frozen=True)
class CrisisAcknowledged(Event):
    """An operator acknowledged an alert (``crisis_ack`` command): its retained message is cleared."""

    event_type: ClassVar[str] = "crisis_acknowledged"
    alert_id: str
    by: str  # who acknowledged, as the command said it (an operator's name), or ""


# --- hearing --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UserSpeechStarted(Event):
    """The user started to speak (voice activity)."""

    event_type: ClassVar[str] = "speech_started"
    robot_speaking: bool  # the robot was speaking: this may become a barge-in


@dataclass(frozen=True)
class PartialTranscript(Event):
    """A draft of what the user is saying, while they speak."""

    event_type: ClassVar[str] = "transcript_partial"
    text: str


@dataclass(frozen=True)
class UserTurnEvent(Event):
    """The user's turn is over: the final transcript (source "voice") or a typed line (source "text")."""

    event_type: ClassVar[str] = "user_turn"
    turn_id: int
    text: str
    source: str
    # Voice turns: the last voiced audio, and where the audio the transcript was made from ends. A transcript that
    # ends before the speech does missed its last words (``companion bench latency`` counts these).
    end_of_speech_t: float | None = None
    heard_until_t: float | None = None


# --- replying -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReplyStarted(Event):
    """A reply to a turn is being made; ``source`` says who answers ("llm", "safety", "plugin:NAME", ...)."""

    event_type: ClassVar[str] = "reply_started"
    turn_id: int
    utterance_id: int
    source: str


@dataclass(frozen=True)
class ClauseScheduled(Event):
    """A clause of the reply is synthesized and placed on the audio timeline, with the emotion it is said with."""

    event_type: ClassVar[str] = "clause"
    turn_id: int
    utterance_id: int
    text: str
    emotion: str
    intensity: float
    start_t: float  # when its first sample plays (monotonic)
    duration_s: float
    index: int = 0  # its place in the reply (0, 1, ...)


@dataclass(frozen=True)
class ClauseStarted(Event):
    """A clause starts to play (``t`` is its first sample; it may start again after a resumed barge-in)."""

    event_type: ClassVar[str] = "clause_started"
    utterance_id: int
    index: int
    text: str


@dataclass(frozen=True)
class AudioStarted(Event):
    """The reply's first audio sample plays (``t``)."""

    event_type: ClassVar[str] = "audio_started"
    utterance_id: int


@dataclass(frozen=True)
class AudioEnded(Event):
    """The reply's audio is over (``t``: its last sample, or the end of the fade when it was cut)."""

    event_type: ClassVar[str] = "audio_ended"
    utterance_id: int
    interrupted: bool
    played_s: float


@dataclass(frozen=True)
class ReplyFinished(Event):
    """A reply is over: what was actually said (up to the cut when interrupted), its emotion and its timings."""

    event_type: ClassVar[str] = "reply_finished"
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


# --- interruptions --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BargeIn(Event):
    """The user spoke over the robot: its audio was faded out and the reply paused."""

    event_type: ClassVar[str] = "barge_in"
    utterance_id: int
    onset_t: float  # when the user's speech started
    silent_t: float | None  # when the robot's audio was faded out


@dataclass(frozen=True)
class InterruptionResolved(Event):
    """What a barge-in turned out to be."""

    event_type: ClassVar[str] = "interruption_resolved"
    utterance_id: int
    kind: str  # "interrupted": the user took the turn; "resumed": a backchannel or noise, the reply went on
    text: str


@dataclass(frozen=True)
class VisitorPresence(Event):
    """The visitor's presence changed: arrived, engaged (near and facing the robot), disengaged, left."""

    event_type: ClassVar[str] = "visitor_presence"
    change: str  # "arrived", "engaged", "disengaged", "left"
    began_t: float  # when the condition began (the hysteresis confirmed it at ``t``)


@dataclass(frozen=True)
class VisitorSession(Event):
    """A visitor's session started or ended: everything conversational belongs to one session."""

    event_type: ClassVar[str] = "visitor_session"
    phase: str  # "started" or "ended": everything conversational belongs to one visitor's session
    visitor: int  # counts up from 1 in this run; never an identity
    reason: str  # "arrived", "left", "new_visitor command", "shutdown"


@dataclass(frozen=True)
class HeadGesture(Event):
    """The visitor began or ended a nod or a head shake."""

    event_type: ClassVar[str] = "head_gesture"
    kind: str  # "nod" or "shake"
    phase: str  # "onset" or "end"
    began_t: float
    amplitude_deg: float


@dataclass(frozen=True)
class AffectChanged(Event):
    """The visitor's smoothed facial affect changed label (only where emotion inference is allowed)."""

    event_type: ClassVar[str] = "affect_changed"
    emotion: str
    confidence: float


@dataclass(frozen=True)
class MirrorChanged(Event):
    """Mirror mode was switched on or off."""

    event_type: ClassVar[str] = "mirror_changed"
    on: bool
    reason: str  # "persona", "--mirror", "command", "camera lost"


@dataclass(frozen=True)
class PersonaChanged(Event):
    """The robot became another persona (the ``persona`` command), or refused to (``refused`` says why)."""

    event_type: ClassVar[str] = "persona_changed"
    persona: str  # the config key asked for
    name: str  # the persona's name ("Ada"), or "" when refused
    previous: str
    refused: str = ""  # why the switch did not happen: unknown persona, another voice, a crisis


E = TypeVar("E", bound=Event)


class EventBus:
    def __init__(self, clock: Clock | None = None) -> None:
        self.clock = clock  # stamps epoch_ms on every event it emits
        self._subscribers: list[Callable[[Event], None]] = []
        self.history: deque[Event] = deque(maxlen=5000)  # recent events, for wait_for and tests
        self._waiters: list[tuple[type[Event], Callable[[Any], bool], asyncio.Future[Any]]] = []

    def subscribe(self, callback: Callable[[Event], None]) -> None:
        self._subscribers.append(callback)

    def emit(self, event: Event) -> None:
        if event.epoch_ms is None and self.clock is not None:
            event = dataclasses.replace(event, epoch_ms=self.clock.wall_ms(event.t))
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
