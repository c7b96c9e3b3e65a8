"""Perception on MQTT: the spec's examples, a state's round trip, and malformed input refused (never a crash)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from companion.agent.commands import AgentCommand, CommandHandler, decode_command
from companion.core.clock import LoopClock
from companion.face.emotions import Emotion
from companion.face.protocol import ProtocolError
from companion.perception.actions import FacialActions, HeadPose
from companion.perception.head_gestures import HeadGestureEvent
from companion.perception.presence import PresenceEvent
from companion.perception.protocol import decode_state, encode_events, encode_state, state_from_message
from companion.perception.visitor import VisitorState

SPEC = (Path(__file__).resolve().parents[2] / "docs" / "PROTOCOL.md").read_text()


def example(name: str) -> bytes:
    found = re.search(rf"```json {name}\n(.*?)\n```", SPEC, flags=re.S)
    assert found, name
    return found.group(1).encode()


def test_the_spec_examples_decode() -> None:
    message = decode_state(example("perception-state-example"))
    assert message.presence == "engaged" and message.actions is not None and message.gestures[0].kind == "nod"
    assert decode_command(example("agent-command-example")) == AgentCommand(v=1, cmd="mirror", on=True)
    event = json.loads(example("perception-event-example"))
    assert event["type"] == "gesture" and event["phase"] == "onset"


async def test_a_state_survives_the_round_trip_and_affect_only_where_allowed() -> None:
    clock = LoopClock()
    now = clock.now()
    actions = FacialActions({"mouthSmileLeft": 0.6, "jawOpen": 0.2}, HeadPose(5.0, -3.0, 1.0), True)
    state = VisitorState(
        present=True, updated_t=now, face_center=(0.5, 0.4), face_size=0.2, gaze=(-1.0, 2.0),
        head_pose=actions.pose, affect=Emotion.HAPPY, affect_confidence=0.7,
        affect_probabilities={Emotion.HAPPY: 0.7, Emotion.NEUTRAL: 0.3}, smiling=True, faces=1, actions=actions,
        gesture_events=(HeadGestureEvent("nod", "onset", now - 0.5, now, 9.0),), presence="engaged",
        presence_events=(PresenceEvent("engaged", now - 1.0, now),),
    )  # fmt: skip
    back = state_from_message(decode_state(encode_state(state, 7, clock, emotion_inference=True)), clock)
    assert back.present and back.presence == "engaged" and back.affect is Emotion.HAPPY
    assert back.actions is not None and back.actions.coefficients["mouthSmileLeft"] == pytest.approx(0.6)
    assert back.head_pose == pytest.approx(state.head_pose)
    assert back.updated_t == pytest.approx(now, abs=1e-3)
    assert back.gesture_events[0].t == pytest.approx(now - 0.5, abs=1e-3)
    private = decode_state(encode_state(state, 8, clock, emotion_inference=False))
    assert private.affect is None  # a workplace or school: no affect leaves the perception host
    assert [json.loads(e)["type"] for e in encode_events(state, clock)] == ["presence", "gesture"]


@pytest.mark.parametrize(
    "payload",
    [
        b"",
        b"not json",
        b"[1, 2]",
        b'{"v": 2, "seq": 1, "t_ms": 1, "present": true}',
        b'{"v": 1, "seq": Infinity, "t_ms": 1, "present": true}',
        b'{"v": 1, "seq": 1, "t_ms": NaN, "present": true}',
        b'{"v": 1, "seq": 1, "t_ms": 1, "present": "yes"}',
        b'{"v": 1, "seq": 1, "t_ms": 1, "present": true, "actions": {"jawOpen": "wide"}}',
        b'{"v": 1, "seq": 1, "t_ms": 1, "present": true, "head": {"yaw": 1e308, "pitch": 0, "roll": 0}}',
        b'{"v": 1, "seq": 1, "t_ms": 1, "present": true, "gestures": [{"kind": "wave"}]}',
        b'{"a":' * 5000 + b"1" + b"}" * 5000,
        b'{"v": 1, "seq": 1, "t_ms": 1, "present": true, "pad": "' + b"x" * 20000 + b'"}',
    ],
)
def test_malformed_states_are_refused_with_a_protocol_error(payload: bytes) -> None:
    with pytest.raises(ProtocolError):
        decode_state(payload)


def test_commands_are_counted_and_dropped_when_malformed() -> None:
    calls: list[tuple[str, object]] = []

    class Target:
        def set_mirror(self, on: bool, reason: str = "command") -> None:
            calls.append(("mirror", on))

        def new_visitor(self, reason: str = "new_visitor command") -> None:
            calls.append(("new_visitor", reason))

    handler = CommandHandler(Target())
    for payload in (b'{"v":1,"cmd":"mirror","on":false}', b'{"v":1,"cmd":"new_visitor"}', b'{"v":1,"cmd":"mirror"}',
                    b'{"v":1,"cmd":"explode"}', b"\xff\xfe", b'{"v":1,"cmd":"mirror","on":Infinity}'):  # fmt: skip
        handler(payload)
    assert calls == [("mirror", False), ("new_visitor", "new_visitor command")]
    assert handler.handled == 2 and handler.malformed == 4
