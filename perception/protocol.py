"""Perception on MQTT (protocol: perception, version 1): what the robot sees, for other hosts and other programs.

``companion perceive`` (or the agent itself, with ``perception.publish: true``) publishes, under
``companion/<robot_id>/``:

* ``perception/state`` (QoS 0, not retained): one JSON object per analysed frame: presence, the face's place and
  size, gaze, the head pose, the facial actions as ARKit coefficients in the visitor's own frame, smiling, and
  affect only where emotion inference is allowed; plus the presence changes and gesture onsets/ends of that frame.
* ``perception/events`` (QoS 1, not retained): each presence change and gesture onset/end on its own, for
  programs that want the news without the stream.
* ``perception/status`` (QoS 1, retained): online/offline, with a last-will.

docs/PROTOCOL.md ("Perception") is the written spec. Decoding validates every field (types, finite numbers, sizes)
and raises ``ProtocolError`` for anything else: receivers count and drop it.
"""

from __future__ import annotations

import json
import math
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from companion.core.clock import Clock
from companion.core.decoding import total_decoder
from companion.face.emotions import Emotion, normalize_emotion
from companion.face.protocol import ProtocolError
from companion.perception.actions import ACTION_NAMES, FacialActions, HeadPose
from companion.perception.head_gestures import HeadGestureEvent
from companion.perception.presence import PresenceEvent
from companion.perception.visitor import VisitorState

PERCEPTION_VERSION = 1
MAX_PAYLOAD = 16 * 1024  # a state message is about 1 KB


class _Strict(BaseModel):
    model_config = ConfigDict(extra="ignore", allow_inf_nan=False, frozen=True, strict=True)


class _Face(_Strict):
    center: tuple[float, float]
    size: float = Field(ge=0.0, le=10.0)


class _Head(_Strict):
    yaw: float = Field(ge=-180, le=180)
    pitch: float = Field(ge=-180, le=180)
    roll: float = Field(ge=-180, le=180)


class _Affect(_Strict):
    emotion: str
    confidence: float = Field(ge=0.0, le=1.0)
    probabilities: dict[str, float] = Field(default_factory=dict, max_length=16)


class _Gesture(_Strict):
    kind: Literal["nod", "shake"]
    phase: Literal["onset", "end"]
    t_ms: float
    amplitude_deg: float = Field(ge=0.0, le=360.0)


class _Presence(_Strict):
    change: Literal["arrived", "engaged", "disengaged", "left"]
    t_ms: float


class StateMessage(_Strict):
    v: Literal[1]
    seq: int = Field(ge=0, lt=2**63)
    t_ms: float
    present: bool
    presence: Literal["absent", "present", "engaged"] = "absent"
    faces: int = Field(0, ge=0, le=1000)
    face: _Face | None = None
    gaze: tuple[float, float] | None = None
    head: _Head | None = None
    actions: dict[str, float] | None = Field(None, max_length=64)
    calibrated: bool = False
    smiling: bool = False
    affect: _Affect | None = None
    gestures: list[_Gesture] = Field(default_factory=list, max_length=8)
    presence_events: list[_Presence] = Field(default_factory=list, max_length=8)


def encode_state(state: VisitorState, seq: int, clock: Clock, emotion_inference: bool) -> bytes:
    """A ``perception/state`` payload. Affect is left out unless ``emotion_inference`` (privacy.deployment)."""
    actions = state.actions
    data: dict[str, Any] = {
        "v": PERCEPTION_VERSION,
        "seq": seq,
        "t_ms": round(clock.wall_ms(state.updated_t), 1),
        "present": state.present,
        "presence": state.presence,
        "faces": state.faces,
        "smiling": state.smiling,
        "calibrated": bool(actions and actions.calibrated),
    }
    if state.face_center is not None and state.face_size is not None:
        data["face"] = {"center": [round(v, 4) for v in state.face_center], "size": round(state.face_size, 4)}
    if state.gaze is not None:
        data["gaze"] = [round(v, 2) for v in state.gaze]
    if state.head_pose is not None:
        pose = state.head_pose
        data["head"] = {
            "yaw": round(pose.yaw_deg, 2),
            "pitch": round(pose.pitch_deg, 2),
            "roll": round(pose.roll_deg, 2),
        }
    if actions is not None:
        data["actions"] = {name: round(value, 3) for name, value in actions.coefficients.items()}
    if emotion_inference and state.affect is not None:
        data["affect"] = {
            "emotion": state.affect.value,
            "confidence": round(state.affect_confidence, 3),
            "probabilities": {e.value: round(p, 3) for e, p in state.affect_probabilities.items()},
        }
    data["gestures"] = [_gesture(event, clock) for event in state.gesture_events]
    data["presence_events"] = [
        {"change": event.change, "t_ms": round(clock.wall_ms(event.t), 1)} for event in state.presence_events
    ]
    return json.dumps(data, separators=(",", ":")).encode()


def encode_events(state: VisitorState, clock: Clock) -> list[bytes]:
    """The ``perception/events`` payloads of one state: one per presence change or gesture onset/end."""
    out = [
        json.dumps(
            {"v": PERCEPTION_VERSION, "type": "presence", "change": e.change, "t_ms": round(clock.wall_ms(e.t), 1)}
        )
        for e in state.presence_events
    ]
    out += [
        json.dumps({"v": PERCEPTION_VERSION, "type": "gesture", **_gesture(e, clock)}) for e in state.gesture_events
    ]
    return [payload.encode() for payload in out]


def _gesture(event: HeadGestureEvent, clock: Clock) -> dict[str, Any]:
    return {
        "kind": event.kind,
        "phase": event.phase,
        "t_ms": round(clock.wall_ms(event.t), 1),
        "amplitude_deg": round(event.amplitude_deg, 1),
    }


@total_decoder(ProtocolError)  # whatever the bytes, only ProtocolError comes out (companion.core.decoding)
def decode_state(payload: bytes) -> StateMessage:
    """A validated ``perception/state`` message. Raises ``ProtocolError`` for anything malformed."""
    if len(payload) > MAX_PAYLOAD:
        raise ProtocolError(f"perception state of {len(payload)} bytes (at most {MAX_PAYLOAD})")
    try:
        # pydantic's own JSON parser: strict types, no NaN or Infinity, a nesting limit, no partial Python objects.
        message = StateMessage.model_validate_json(payload)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise ProtocolError(f"bad perception state: {where}: {first['msg']}") from None
    if not all(math.isfinite(v) for v in (message.actions or {}).values()):
        raise ProtocolError("bad perception state: a non-finite action value")
    return message


def state_from_message(message: StateMessage, clock: Clock) -> VisitorState:
    """The ``VisitorState`` a message describes, its times on this process's loop clock."""

    def loop_t(t_ms: float) -> float:
        return clock.loop_time_of_wall_ms(t_ms)

    pose = HeadPose(message.head.yaw, message.head.pitch, message.head.roll) if message.head else None
    actions = None
    if message.actions is not None:
        known = {name: min(1.0, max(0.0, value)) for name, value in message.actions.items() if name in ACTION_NAMES}
        actions = FacialActions(known, pose, message.calibrated)
    affect: Emotion | None = None
    probabilities: dict[Emotion, float] = {}
    if message.affect is not None:
        affect = normalize_emotion(message.affect.emotion)
        for name, value in message.affect.probabilities.items():
            emotion = normalize_emotion(name)
            if emotion is not None and math.isfinite(value):
                probabilities[emotion] = min(1.0, max(0.0, value))
    gestures = tuple(
        HeadGestureEvent(g.kind, g.phase, loop_t(g.t_ms), loop_t(message.t_ms), g.amplitude_deg)
        for g in message.gestures
    )
    changes = tuple(PresenceEvent(p.change, loop_t(p.t_ms), loop_t(message.t_ms)) for p in message.presence_events)
    last = next((g for g in reversed(gestures) if g.phase == "onset"), None)
    return VisitorState(
        present=message.present,
        updated_t=loop_t(message.t_ms),
        face_center=message.face.center if message.face else None,
        face_size=message.face.size if message.face else None,
        gaze=message.gaze,
        head_pose=pose,
        affect=affect,
        affect_confidence=message.affect.confidence if message.affect and affect else 0.0,
        affect_probabilities=probabilities if affect else {},
        smiling=message.smiling,
        gesture=last.kind if last else None,
        gesture_t=last.recognised_t if last else None,
        faces=message.faces,
        actions=actions,
        gesture_events=gestures,
        presence=message.presence,
        presence_events=changes,
    )
