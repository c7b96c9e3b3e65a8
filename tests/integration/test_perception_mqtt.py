"""Perception on its own host: ``companion perceive`` publishes over a real mosquitto, an agent with
``perception.source: mqtt`` mirrors what it sees, and operators command the agent on ``agent/command``."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Callable
from pathlib import Path

import aiomqtt
import pytest

from companion.agent.config import load_config
from companion.agent.events import MirrorChanged, VisitorPresence, VisitorSession
from companion.agent.runner import RunOptions, open_session
from companion.face.protocol import DEFAULT_LAYOUT, Topics
from companion.tools.face_clips import FaceRig, bump, neutral_frame, write_clip
from companion.tools.tiny import TinyModels
from tests.support.broker import Broker

pytestmark = pytest.mark.integration
CLI = [sys.executable, "-m", "companion.cli"]


@pytest.fixture(scope="module")
def nod_clip(landmark_models: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    rig = FaceRig.of(neutral_frame(), landmark_models)
    folder = tmp_path_factory.mktemp("clips")
    nod = bump(1.0, 1.7)
    smile = bump(1.8, 2.6)

    def timeline(t: float) -> dict[str, float]:
        return {"pitch": -14 * nod(t), "smile_left": smile(t)}

    return write_clip(folder / "nod.avi", rig, timeline, 3.0, fps=15)


def perceive(clip: Path, config: Path, broker: Broker, robot: str) -> subprocess.Popen[str]:
    env = {**os.environ, "COMPANION_BROKER": broker.url, "COMPANION_ROBOT_ID": robot, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [*CLI, "perceive", "--video", str(clip), "-c", str(config)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


async def test_companion_perceive_publishes_states_and_events(
    nod_clip: Path, tiny_models: TinyModels, broker: Broker
) -> None:
    robot = f"p{uuid.uuid4().hex[:6]}"
    topics = Topics(robot)
    states: list[dict[str, object]] = []
    events: list[dict[str, object]] = []
    async with aiomqtt.Client(broker.host, broker.port) as client:
        await client.subscribe(f"companion/{robot}/perception/#", qos=1)
        process = perceive(nod_clip, tiny_models.config, broker, robot)

        async def collect() -> None:
            async for message in client.messages:
                payload = json.loads(bytes(message.payload or b"{}"))
                if str(message.topic) == topics.perception_state:
                    states.append(payload)
                elif str(message.topic) == topics.perception_events:
                    events.append(payload)

        collector = asyncio.ensure_future(collect())
        await asyncio.to_thread(process.wait, 60)
        await asyncio.sleep(0.3)
        collector.cancel()
    out, err = process.communicate()
    assert process.returncode == 0, err
    assert "perception/state" in out and "Traceback" not in err
    assert len(states) >= 30 and all(s["v"] == 1 for s in states)
    assert [s["seq"] for s in states] == sorted(s["seq"] for s in states)
    assert any(s.get("actions") for s in states)
    kinds = [(e["type"], e.get("change") or e.get("kind")) for e in events]
    assert ("presence", "arrived") in kinds and ("gesture", "nod") in kinds


async def test_an_agent_mirrors_remote_perception_and_obeys_commands(
    nod_clip: Path, tiny_models: TinyModels, broker: Broker, monkeypatch: pytest.MonkeyPatch
) -> None:
    robot = f"a{uuid.uuid4().hex[:6]}"
    monkeypatch.setenv("COMPANION_BROKER", broker.url)
    monkeypatch.setenv("COMPANION_ROBOT_ID", robot)
    config = load_config(tiny_models.config)
    config.perception.source = "mqtt"
    config.audio.output.sink = "none"
    config.sessions.greet_on_arrival = False
    topics = Topics(robot)
    async with open_session(config, RunOptions(publish_face=True, mirror=True)) as session:
        smile = DEFAULT_LAYOUT.index()["mouthSmileRight"]
        seen: list[float] = []
        original: Callable[..., None] = session.on_visitor

        def spy(state: object) -> None:
            original(state)
            seen.append(float(session.face.animator.sample(session.clock.now() + 0.05).values[smile]))

        session.on_visitor = spy  # type: ignore[method-assign]
        process = perceive(nod_clip, tiny_models.config, broker, robot)
        await asyncio.to_thread(process.wait, 60)
        assert process.returncode == 0, process.stderr.read() if process.stderr else ""
        await asyncio.sleep(0.3)
        assert len(seen) >= 30  # the states crossed the broker and reached the session
        assert max(seen) > 0.2  # the visitor's left smile, on the robot's right
        assert "arrived" in [e.change for e in session.events.of_type(VisitorPresence)]

        async with aiomqtt.Client(broker.host, broker.port) as operator:
            await operator.publish(topics.agent_command, b'{"v": 1, "cmd": "new_visitor"}', qos=1)
            await operator.publish(topics.agent_command, b'{"v": 1, "cmd": "mirror", "on": false}', qos=1)
            await operator.publish(topics.agent_command, b'{"v": 1, "cmd": "mirror", "on": Infinity}', qos=1)
        for _ in range(50):
            if session.events.of_type(MirrorChanged)[-1:] and not session.events.of_type(MirrorChanged)[-1].on:
                break
            await asyncio.sleep(0.05)
        reasons = [(e.phase, e.reason) for e in session.events.of_type(VisitorSession)]
        assert ("ended", "new_visitor command") in reasons and ("started", "new_visitor command") in reasons
        assert [(c.on, c.reason) for c in session.events.of_type(MirrorChanged)][-1] == (False, "command")
        assert session.context.history == []
