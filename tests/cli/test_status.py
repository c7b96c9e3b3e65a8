"""``companion status`` prints the robot's live state from the retained topics alone."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from companion.core.mqtt import MqttLink
from companion.face.config import ControllerConfig, DriverConfig, FaceControllerConfig
from companion.face.controller.rig import load_rig, packaged_rig
from companion.face.controller.service import FaceController
from companion.face.drivers.log import LogDriver
from companion.face.protocol import DEFAULT_LAYOUT, Topics, encode_expression, encode_status
from tests.support.broker import Broker


async def status(config: Path, *extra: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "companion.cli", "status", "-c", str(config), *extra,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert b"Traceback" not in err, err.decode()
    return process.returncode or 0, out.decode()


@pytest.mark.integration
async def test_status_shows_agent_controller_layout_expression_last_error_and_counters(
    broker: Broker, tmp_path: Path
) -> None:
    robot = f"s{uuid.uuid4().hex[:8]}"
    config = tmp_path / "config.yaml"
    config.write_text(f"robot: {{id: {robot}}}\nbroker: {{url: '{broker.url}'}}\n")
    topics = Topics(robot)
    face_config = FaceControllerConfig.model_validate({"robot": {"id": robot}, "broker": {"url": broker.url}})
    face_config.controller = ControllerConfig(
        rig=packaged_rig("sample"), driver=DriverConfig(backend="log", path=tmp_path / "f.jsonl")
    )
    controller = FaceController(
        face_config, LogDriver(tmp_path / "f.jsonl"), load_rig(packaged_rig("sample")), status_interval_s=0.2
    )
    await controller.start()
    agent = MqttLink(broker.host, broker.port, name="agent")
    await agent.connect()
    try:
        code, out = await status(config)
        assert code == 1 and "agent       unknown (problem never announced" in out  # no agent yet
        await agent.set_retained(topics.agent_status, encode_status("online", session="abc"))
        await agent.set_retained(topics.layout, DEFAULT_LAYOUT.to_json(60, "binary"))
        await agent.set_retained(topics.expression, encode_expression("happy", 0.7, 3, 1.7e12))
        await agent.publish(topics.command, b'{"v": 1, "cmd": "explode"}', qos=1)
        await asyncio.sleep(0.6)  # the controller's next status carries them
        code, out = await status(config)
        assert code == 0, out
        assert "agent       online (session abc)" in out
        assert "controller  online (driver log, rig sample-face)" in out and "sees the agent online" in out
        assert f"layout      {DEFAULT_LAYOUT.layout_id:#010x} (57 channels)" in out
        assert "expression  happy 0.70 (utterance 3)" in out
        assert "last error  command: unknown command 'explode'" in out
        assert "malformed 1" in out and "commands 0" in out
        code, out = await status(config, "--json")
        state = json.loads(out)
        assert state["counters"]["malformed"] == 1 and state["layout"]["id"] == DEFAULT_LAYOUT.layout_id
    finally:
        await agent.stop({topics.agent_status: encode_status("offline", reason="shutdown")})
        await controller.stop()
    code, out = await status(config)
    assert code == 1 and "agent       offline (reason shutdown)" in out and "controller  offline" in out
