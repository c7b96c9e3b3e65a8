"""The perception state and agent command decoders take anything and let out nothing but ``ProtocolError``
(property-based, hypothesis; strategies shared with the face decoders' fuzz tests in tests/support/hostile.py).
A decoded state must turn into a ``VisitorState`` without error, its numbers finite."""

from __future__ import annotations

import asyncio
import json
import math
import re
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from companion.agent.commands import decode_command
from companion.core.clock import LoopClock
from companion.face.protocol import ProtocolError
from companion.perception.protocol import decode_state, state_from_message
from tests.support.hostile import hostile_payloads, mutated

SPEC = (Path(__file__).resolve().parents[2] / "docs" / "PROTOCOL.md").read_text()
CLOCK = LoopClock(asyncio.new_event_loop())  # only its time is read: the loop never runs
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def example(name: str) -> dict[str, Any]:
    found = re.search(rf"```json {name}\n(.*?)\n```", SPEC, flags=re.S)
    assert found, name
    return json.loads(found.group(1))


STATE = example("perception-state-example")
COMMAND = example("agent-command-example")


@FUZZ
@given(st.one_of(hostile_payloads, mutated(STATE)))
def test_perception_states(payload: bytes) -> None:
    try:
        message = decode_state(payload)
    except ProtocolError:
        return
    state = state_from_message(message, CLOCK)
    assert math.isfinite(state.updated_t)
    if state.face_center is not None:
        assert all(math.isfinite(v) for v in state.face_center)
    if state.actions is not None:
        assert all(0.0 <= v <= 1.0 for v in state.actions.coefficients.values())


@FUZZ
@given(st.one_of(hostile_payloads, mutated(COMMAND), mutated({"v": 1, "cmd": "new_visitor"})))
def test_agent_commands(payload: bytes) -> None:
    try:
        command = decode_command(payload)
    except ProtocolError:
        return
    assert command.cmd in ("mirror", "new_visitor") and (command.cmd != "mirror" or isinstance(command.on, bool))
