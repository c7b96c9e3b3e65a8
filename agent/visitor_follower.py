"""What the robot does with what it sees: look at the visitor, mirror their face, notice them come and go.

Each ``VisitorState`` from perception (local, or from another host over MQTT) updates the dialogue context, turns
the robot's gaze to the visitor, feeds mirror mode, and reports the visitor's presence changes, head gestures and
(where emotion inference is allowed) affect changes as events. Presence changes are handed to the session, which
starts and ends visitor sessions.

Mirroring follows only calibrated facial actions of a visitor in view; when the face goes, or the camera does,
the animator fades the mirror out. Mirroring a visible expression is not emotion recognition (EU AI Act, Recital
18): it stays available where emotion inference is switched off.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from companion.agent.events import AffectChanged, EventBus, HeadGesture, MirrorChanged, VisitorPresence
from companion.agent.face_port import AgentFace
from companion.agent.mirror import Mirror
from companion.core.clock import Clock
from companion.face.emotions import Emotion
from companion.perception.presence import PresenceEvent
from companion.perception.visitor import VisitorState

log = logging.getLogger(__name__)


class VisitorFollower:
    def __init__(
        self,
        face: AgentFace,
        events: EventBus,
        clock: Clock,
        mirror: Mirror,
        *,
        emotion_inference: bool,
        on_presence: Callable[[PresenceEvent], None],
    ) -> None:
        self.face = face
        self.events = events
        self.clock = clock
        self.mirror = mirror
        self.emotion_inference = emotion_inference
        self.on_presence = on_presence
        self.mirroring = False
        self.visitor: VisitorState | None = None
        self._affect: Emotion | None = None

    def set_mirror(self, on: bool, reason: str) -> None:
        if on == self.mirroring:
            return
        self.mirroring = on
        if not on:
            self.face.mirror(None)
        self.mirror.reset()
        self.events.emit(MirrorChanged(self.clock.now(), on, reason))
        log.info("mirror mode %s (%s)", "on" if on else "off", reason)

    def update(self, state: VisitorState) -> None:
        self.visitor = state
        now = self.clock.now()
        if state.present and state.gaze is not None:
            self.face.gaze(*state.gaze)
        else:
            self.face.gaze(None, None)
        self._mirror(state)
        for change in state.presence_events:
            self.events.emit(VisitorPresence(now, change.change, change.t))
            self.on_presence(change)
        for gesture in state.gesture_events:
            self.events.emit(HeadGesture(now, gesture.kind, gesture.phase, gesture.t, round(gesture.amplitude_deg, 1)))
        if self.emotion_inference and state.affect is not None and state.affect != self._affect:
            self.events.emit(AffectChanged(now, state.affect.value, round(state.affect_confidence, 3)))
        self._affect = state.affect

    def lost(self, reason: str) -> None:
        """Perception stopped (the camera went away): the robot stops looking and mirroring, the talk goes on."""
        self.visitor = None
        self.face.gaze(None, None)
        self.face.mirror(None)
        if self.mirroring:
            self.events.emit(MirrorChanged(self.clock.now(), False, reason))
            self.mirroring = False

    def _mirror(self, state: VisitorState) -> None:
        if not self.mirroring:
            return
        actions = state.actions
        if not state.present or actions is None or not actions.calibrated:
            self.face.mirror(None)  # fades out
            return
        self.face.mirror(self.mirror.targets(state.updated_t, actions.channels()))
