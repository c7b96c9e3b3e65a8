"""What a dialogue policy step sees (the user's turn and the dialogue context) and what it returns (a reply).

These types are the public plugin API too (``companion.plugins.api`` re-exports them): keep them small. Plugins
are found by name in the ``companion.plugins`` entry-point group (``PLUGINS``).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

from companion.agent.config.schema import Config, Persona
from companion.agent.events import Event
from companion.agent.policy.crisis import CrisisState
from companion.agent.policy.model_requests import ModelAnswer, ModelRequest, no_model
from companion.agent.safety.context import TurnMemory
from companion.core.registry import BackendKind
from companion.face.emotions import EmotionState
from companion.perception.visitor import VisitorState


@dataclass(frozen=True)
class UserTurn:
    turn_id: int
    text: str
    source: Literal["voice", "text"]
    t: float  # loop time the turn ended (end of speech, or when the text arrived)


@dataclass
class Exchange:
    """One past turn: what the user said and what the robot said back (``interrupted``: cut off by the user)."""

    user: str
    robot: str
    emotion: EmotionState | None = None
    source: str = ""
    interrupted: bool = False


@dataclass
class DialogueContext:
    persona: Persona
    history: list[Exchange] = field(default_factory=list)
    visitor: VisitorState | None = None
    emotion_inference: bool = True  # False: the visitor's affect must not be used (privacy, law)
    crisis: CrisisState | None = None  # set by the safety step; plugins are skipped while it is on
    plugin_state: dict[str, dict[str, Any]] = field(default_factory=dict)  # each plugin's own scratch space
    # The crisis detector's memory of this conversation's last turns (evidence only, no text): the safety step's.
    safety_memory: TurnMemory = field(default_factory=TurnMemory, repr=False)
    config: Config | None = field(default=None, repr=False)  # plugins get a copy: changing it changes nothing
    emit: Callable[[Event], None] = field(default=lambda event: None, repr=False)  # report an event (--json)
    now: Callable[[], float] = field(default=time.monotonic, repr=False)  # the session's loop clock, for events
    # A plugin that hears a risk the detector may not (an answer to PHQ-9 item 9) calls this with a short reason:
    # the chain then starts the crisis protocol and the plugin's own reply is dropped (docs/SAFETY.md).
    report_risk: Callable[[str], None] = field(default=lambda reason: None, repr=False)
    # A narrow, typed request to the language model (a hint, a paraphrase), screened before the plugin gets it.
    ask_model: Callable[[ModelRequest], Awaitable[ModelAnswer]] = field(default=no_model, repr=False)

    def for_plugins(self) -> DialogueContext:
        """What plugins see: the same conversation, with copies of the persona, config and history, so a plugin
        cannot rewrite the system prompt, the settings or the past. ``plugin_state`` is shared (it is theirs)."""
        return dataclasses.replace(
            self,
            persona=self.persona.model_copy(deep=True),
            config=None if self.config is None else self.config.model_copy(deep=True),
            history=list(self.history),
        )

    @property
    def crisis_active(self) -> bool:
        """In crisis mode: from a detected (or reported) risk until an operator acknowledges it or the visitor
        leaves."""
        return self.crisis is not None

    def last_reply(self) -> Exchange | None:
        return self.history[-1] if self.history else None

    def robot_just_said(self) -> str:
        """The robot's last words: its last reply, or the persona's greeting before the first turn (what a plugin
        checks to know whether it has just offered something)."""
        last = self.last_reply()
        return last.robot if last is not None else (self.persona.greeting or "")

    def state_for(self, plugin_name: str) -> dict[str, Any]:
        return self.plugin_state.setdefault(plugin_name, {})


@dataclass
class Reply:
    """A reply being produced: text pieces (emotion tags allowed inside) and the emotion it starts with."""

    source: str  # "safety", "plugin:<name>", "llm", "fallback"
    pieces: AsyncIterator[str]
    emotion: EmotionState | None = None


async def _iterate(pieces: Iterable[str]) -> AsyncIterator[str]:
    for piece in pieces:
        yield piece


def fixed_reply(text: str, source: str, emotion: EmotionState | None = None) -> Reply:
    """A reply whose whole text is known (safety lines, plugin scripts)."""
    return Reply(source=source, pieces=_iterate([text]), emotion=emotion)


class PolicyStep(Protocol):
    async def respond(self, turn: UserTurn, context: DialogueContext) -> Reply | None:
        """A reply, or None to let the next step answer."""
        ...


PLUGINS = BackendKind("companion.plugins", "plugin")


@runtime_checkable
class Plugin(Protocol):
    """A plugin: a ``name`` and ``on_turn``. Optional hooks, found by name when defined (docs/PLUGINS.md):
    ``async def opening(self, context) -> Reply | None`` (a new conversation starts: say this instead of the
    persona's greeting), ``async def on_perception(self, event, context) -> Reply | None`` (a nod or shake onset,
    a presence or affect change, while the robot is silent), ``async def visitor_left(self, context) -> None``
    (the conversation is over), ``async def on_start(self) -> None`` and ``async def on_stop(self) -> None``."""

    name: str

    async def on_turn(self, turn: UserTurn, context: DialogueContext) -> Reply | None:
        """A reply for this turn, or None to pass."""
        ...
