"""``companion status``: the robot's live state, from the retained topics alone.

An operator asks "why is the face still?" from any computer that reaches the broker (as the ``operator`` user of
deploy/mosquitto): is the agent up, is the controller up and following frames, which layout is announced and which
one the controller decodes or wants, the current expression, the last dropped message or driver error, and every
counter. It reads only what the agent and the controller keep retained, so it needs neither of them to answer.
Exits 0 when the agent and the controller are both online, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from companion.cli import config_choice
from companion.core.decoding import MalformedPayloadError, get_float, get_int, get_str
from companion.core.mqtt import read_retained
from companion.face.config import load_controller_config
from companion.face.protocol import (
    ChannelLayout,
    ProtocolError,
    Topics,
    decode_expression,
    decode_status,
)

COUNTERS = (
    "frames_received", "frames_played", "frames_late", "frames_duplicate", "frames_clamped", "frames_overflow",
    "frames_flushed", "frames_unknown_layout", "malformed", "commands", "layouts", "watchdog_trips", "agent_offline",
    "tick_overruns", "driver_errors", "reconnects",
)  # fmt: skip


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "status",
        help="the robot's live state from the broker: agent, controller, layout, last error, counters",
        description="Reads the robot's retained topics (agent and face-controller status, layout, expression) and "
        "prints them. Exits 0 when the agent and the face-controller are both online, 1 otherwise.",
    )
    parser.add_argument("--robot", metavar="ID", help="another robot on the same broker (default: robot.id)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(handler=run_status)


def _decoded(decode: Any, payload: bytes | None) -> tuple[Any, str]:
    """(the decoded message, "") or (None, why not)."""
    if payload is None:
        return None, "never announced (nothing retained)"
    try:
        return decode(payload), ""
    except ProtocolError as error:
        return None, f"malformed ({error})"


def robot_state(topics: Topics, retained: dict[str, bytes]) -> dict[str, Any]:
    """The state the retained messages describe, as plain data (what --json prints)."""
    agent, agent_problem = _decoded(decode_status, retained.get(topics.agent_status))
    face, face_problem = _decoded(decode_status, retained.get(topics.controller_status))
    layout, layout_problem = _decoded(ChannelLayout.from_json, retained.get(topics.layout))
    expression, expression_problem = _decoded(decode_expression, retained.get(topics.expression))
    state: dict[str, Any] = {"robot": topics.robot_id}
    state["agent"] = _status_part(agent, agent_problem, ("session", "reason"))
    state["controller"] = _status_part(face, face_problem, ("driver", "rig", "reason", "agent", "last_error"))
    if face is not None:
        state["controller"]["following"] = face.get("following") is True
        state["controller"]["layout_id"] = _int(face, "layout_id")
        state["controller"]["layout_wanted"] = _int(face, "layout_wanted")
        state["counters"] = {name: _int(face, name) for name in COUNTERS if name in face}
    announced = {"id": layout.layout_id, "channels": len(layout.channels)} if layout is not None else None
    state["layout"] = announced or {"problem": layout_problem}
    state["expression"] = expression if expression is not None else {"problem": expression_problem}
    return state


def _status_part(status: dict[str, Any] | None, problem: str, details: tuple[str, ...]) -> dict[str, Any]:
    if status is None:
        return {"state": "unknown", "problem": problem}
    part: dict[str, Any] = {"state": status["state"]}
    for key in details:
        try:
            text = get_str(status, key, "", max_length=200)
        except MalformedPayloadError:
            text = "(malformed)"
        if text:
            part[key] = text
    return part


def _int(data: dict[str, Any], key: str) -> int | None:
    try:
        return get_int(data, key, None)
    except MalformedPayloadError:
        return None


def _line(label: str, text: str) -> str:
    return f"{label:<11} {text}"


def describe(state: dict[str, Any]) -> list[str]:
    agent, face, layout = state["agent"], state["controller"], state["layout"]
    lines = [f"robot {state['robot']}"]
    lines.append(_line("agent", agent["state"] + _extras(agent, ("session", "reason", "problem"))))
    text = face["state"] + _extras(face, ("driver", "rig", "reason", "problem"))
    if face["state"] == "online":
        text += "; following frames" if face.get("following") else "; at or easing to neutral"
        text += f"; sees the agent {face.get('agent', 'unknown')}"
    lines.append(_line("controller", text))
    if "id" in layout:
        text = f"{layout['id']:#010x} ({layout['channels']} channels)"
    else:
        text = layout["problem"]
    if face.get("layout_id") is not None:
        text += f"; the controller's newest {face['layout_id']:#010x}"
    if face.get("layout_wanted"):
        text += f"; it WANTS {face['layout_wanted']:#010x} (frames arrive in a layout never announced)"
    lines.append(_line("layout", text))
    expression = state["expression"]
    if "problem" in expression:
        lines.append(_line("expression", expression["problem"]))
    else:
        intensity = get_float(expression, "intensity", 0.0)
        lines.append(_line("expression", f"{expression['emotion']} {intensity:.2f} (utterance {expression['utt']})"))
    lines.append(_line("last error", face.get("last_error") or "none"))
    counters = state.get("counters")
    if counters:
        lines.append(_line("counters", ", ".join(f"{k} {v}" for k, v in counters.items())))
    return lines


def _extras(part: dict[str, Any], keys: tuple[str, ...]) -> str:
    found = [f"{key} {part[key]}" for key in keys if part.get(key)]
    return f" ({', '.join(found)})" if found else ""


async def run_status(args: argparse.Namespace) -> int:
    choice = config_choice(args)
    config = load_controller_config(choice.path, base_dir=choice.base_dir)
    topics = Topics(args.robot or config.robot.id)
    wanted = [topics.agent_status, topics.controller_status, topics.layout, topics.expression]
    retained = await read_retained(config.broker, wanted)
    state = robot_state(topics, retained)
    state["broker"] = config.broker.display_url
    if args.json:
        print(json.dumps(state))
    else:
        print("\n".join([*describe(state), _line("broker", config.broker.display_url)]))
    both_online = state["agent"]["state"] == "online" and state["controller"]["state"] == "online"
    return 0 if both_online else 1
