"""Every decoder of network input in face/ takes anything and lets out nothing but ``ProtocolError``.

Property-based (hypothesis): hostile payloads (random bytes, non-finite numbers, deep nesting, oversize, wrong
types) and mutations of the protocol's own valid messages. A decoder that accepts a message must return values a
receiver can use without further checks: finite numbers, integers in their field's range.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from companion.face.channels import SPEC_BY_NAME
from companion.face.config import ControllerConfig
from companion.face.controller.rig import load_rig, packaged_rig
from companion.face.controller.service import FacePipeline
from companion.face.drivers.sim import decode_page_message
from companion.face.protocol import (
    DEFAULT_LAYOUT,
    U32,
    ChannelLayout,
    Command,
    Frame,
    LayoutBook,
    ProtocolError,
    decode_audio,
    decode_expression,
    decode_frame,
    decode_status,
    encode_frame,
    encode_frame_json,
    encode_status,
)
from tests.support.hostile import hostile_payloads, mutated

RIG = load_rig(packaged_rig("sample"))
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SMALL = ChannelLayout((SPEC_BY_NAME["jawOpen"], SPEC_BY_NAME["headYaw"]))
VALID_FRAME = json.loads(encode_frame_json(Frame(3, 7, 1.7e12, np.array([0.5, -10.0], dtype=np.float32)), SMALL))
VALID_LAYOUT = json.loads(SMALL.to_json(60, "binary"))
VALID_COMMANDS = [json.loads(Command(c, utterance_id=4, on=True, yaw=5.0).encode()) for c in ("flush", "mirror")]
VALID_COMMANDS.append(json.loads(Command("look_at", yaw=10.0, pitch=-5.0).encode()))
VALID_STATUS = json.loads(encode_status("offline", layout_wanted=0, session="x", reason="shutdown"))
VALID_EXPRESSION = {"v": 1, "emotion": "happy", "intensity": 0.5, "utt": 3, "since": 1.7e12}


def book() -> LayoutBook:
    layouts = LayoutBook()
    layouts.add(SMALL)
    return layouts


def check_frame(frame: Frame) -> None:
    assert 0 <= frame.seq <= U32 and 0 <= frame.utterance_id <= U32 and 0 <= frame.flags <= 0xFF
    assert math.isfinite(frame.pts_ms) and np.all(np.isfinite(frame.values))


def total(decode: Callable[[bytes], Any], payload: bytes) -> Any:
    """Run ``decode``; only ``ProtocolError`` may come out."""
    try:
        return decode(payload)
    except ProtocolError:
        return None


@FUZZ
@given(st.one_of(hostile_payloads, mutated(VALID_FRAME)))
def test_frames(payload: bytes) -> None:
    frame = total(lambda p: decode_frame(p, book()), payload)
    if frame is not None:
        check_frame(frame)


@FUZZ
@given(st.binary(min_size=24, max_size=24 + 2 * 3), st.integers(0, 2**16 - 1))
def test_binary_frames_with_any_header(body: bytes, count: int) -> None:
    payload = b"\x01" + body[1:2] + count.to_bytes(2, "little") + SMALL.layout_id.to_bytes(4, "little") + body[8:]
    frame = total(lambda p: decode_frame(p, book()), payload)
    if frame is not None:
        check_frame(frame)


@FUZZ
@given(st.one_of(hostile_payloads, mutated(VALID_LAYOUT)))
def test_layouts(payload: bytes) -> None:
    layout = total(ChannelLayout.from_json, payload)
    if layout is not None:
        assert 1 <= len(layout.channels) <= 512
        assert all(math.isfinite(c.minimum) and math.isfinite(c.maximum) for c in layout.channels)


@FUZZ
@given(st.one_of(hostile_payloads, st.sampled_from(VALID_COMMANDS).flatmap(mutated)))
def test_commands(payload: bytes) -> None:
    command = total(Command.decode, payload)
    if command is not None:
        assert 0 <= command.utterance_id <= U32 and isinstance(command.on, bool)
        assert math.isfinite(command.yaw) and math.isfinite(command.pitch)


@FUZZ
@given(st.one_of(hostile_payloads, mutated(VALID_STATUS)))
def test_statuses(payload: bytes) -> None:
    status = total(decode_status, payload)
    if status is not None:
        assert status["state"] in ("online", "offline")


@FUZZ
@given(st.one_of(hostile_payloads, mutated(VALID_EXPRESSION)))
def test_expressions(payload: bytes) -> None:
    expression = total(decode_expression, payload)
    if expression is not None:
        assert 0.0 <= expression["intensity"] <= 1.0 and math.isfinite(expression["since"])


@FUZZ
@given(st.one_of(st.binary(max_size=400), hostile_payloads))
def test_audio_packets(payload: bytes) -> None:
    packet = total(decode_audio, payload)
    if packet is not None:
        assert math.isfinite(packet.pts_ms) and 8000 <= packet.sample_rate <= 96000


@FUZZ
@given(st.one_of(hostile_payloads, mutated({"t": "ping", "c": 1.7e12})))
def test_simulator_page_messages(payload: bytes) -> None:
    text = payload.decode("utf-8", errors="replace")
    page_ms = total(decode_page_message, text)  # type: ignore[arg-type]
    if page_ms is not None:
        assert math.isfinite(page_ms)


@FUZZ
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["frame", "command", "layout", "status"]),
            st.one_of(hostile_payloads, mutated(VALID_STATUS), mutated(VALID_FRAME), mutated(VALID_LAYOUT)),
        ),
        max_size=6,
    )
)
def test_the_controller_pipeline_survives_anything_and_the_face_stays_finite(
    messages: list[tuple[str, bytes]],
) -> None:
    pipeline = FacePipeline(RIG, ControllerConfig())
    now = 1.7e12
    for kind, payload in messages:
        if kind == "frame":
            pipeline.on_frame(payload, now)
        elif kind == "command":
            pipeline.on_command(payload, now)
        elif kind == "layout":
            pipeline.on_layout(payload)
        else:
            pipeline.on_agent_status(payload, now)
    good = Frame(1, 0, now + 200, DEFAULT_LAYOUT.neutral_values())
    pipeline.on_frame(encode_frame(good), now)
    tick = pipeline.tick(now + 10)
    assert np.all(np.isfinite(tick.channels))
    assert all(math.isfinite(v) for v in tick.actuators.values())
