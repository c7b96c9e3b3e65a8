"""A whole robot in real processes for fault injection: mosquitto, ``companion face`` (log driver) and
``companion chat`` (the agent, tiny models, its language model an in-process OpenAI-compatible server the test
controls), so a test can kill, freeze and restart any part and read what the face did from the controller's log.

What "nothing is lost" means here (``FaceLog``): after a fault the face is at neutral within 1 s on the
controller's own clock (every tick commanded later than that is neutral), no actuator ever moves faster than its
slew limit (no jump), and after recovery the face follows the agent again while the conversation answers.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import sys
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from companion.face.controller.rig import Rig, load_rig, packaged_rig
from companion.tools.mosquitto import LocalMosquitto, free_port, start_mosquitto
from companion.tools.tiny import TinyModels
from tests.support.openai_server import Behaviour, FakeOpenAIServer

CLI = [sys.executable, "-m", "companion.cli"]
LONG_REPLY = tuple(
    f"{word} " for word in (
        "Welcome to the hall of machines, dear friends."
    ).split()
)  # fmt: skip
NEUTRAL_WITHIN_MS = 1000.0


@dataclass
class FaceLog:
    """The controller's log driver output: one record per output tick."""

    path: Path
    rig: Rig

    def ticks(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        lines = self.path.read_text().splitlines(keepends=True)
        return [json.loads(line) for line in lines if line.endswith("\n")]

    def speaking_since(self, t_ms: float) -> bool:
        return any(tick["utt"] and tick["t"] >= t_ms for tick in self.ticks())

    def neutral_after(self, fault_ms: float, until_ms: float) -> tuple[float | None, list[dict[str, Any]]]:
        """(ms from the fault to the first tick of the final neutral run, the ticks after fault + 1 s that were not
        neutral) for the ticks between the fault and ``until_ms``."""
        window = [t for t in self.ticks() if fault_ms <= t["t"] <= until_ms]
        late = [t for t in window if t["t"] >= fault_ms + NEUTRAL_WITHIN_MS and t["channels"]]
        first = None
        for tick in reversed(window):
            if tick["channels"]:
                break
            first = tick["t"] - fault_ms
        return first, late

    def jumps(self) -> list[tuple[float, str, float]]:
        """(time, actuator, speed) of every move faster than the actuator's max_slew (with rounding slack)."""
        limits = {a.name: a.max_slew for a in self.rig.actuators}
        found = []
        ticks = self.ticks()
        for before, after in itertools.pairwise(ticks):
            dt = (after["t"] - before["t"]) / 1000.0
            if dt <= 0:
                continue
            for name, position in after["actuators"].items():
                step = abs(position - before["actuators"][name])
                if step > limits[name] * dt * 1.02 + 0.02:  # 2 % and the log's rounding
                    found.append((after["t"], name, step / dt))
        return found


@dataclass
class Robot:
    folder: Path
    tiny: TinyModels
    llm: FakeOpenAIServer
    port: int = field(default_factory=free_port)
    broker: LocalMosquitto | None = None
    controller: asyncio.subprocess.Process | None = None
    agent: asyncio.subprocess.Process | None = None
    agent_stderr: bytearray = field(default_factory=bytearray)
    config: Path | None = None

    @property
    def face(self) -> FaceLog:
        return FaceLog(self.folder / "face.jsonl", load_rig(packaged_rig("sample")))

    def write_config(self, plugins: list[str] | None = None) -> Path:
        data = yaml.safe_load(self.tiny.config.read_text())
        if plugins is not None:
            for persona in data["personas"].values():
                persona["plugins"] = plugins
        data["robot"] = {"id": f"f{uuid.uuid4().hex[:8]}"}
        data["broker"] = {"url": f"mqtt://127.0.0.1:{self.port}", "embedded_fallback": False, "keepalive_s": 2}
        data["models"]["llm"] = {
            "backend": "openai",
            "base_url": self.llm.base_url,
            "model": "test-model",
            "connect_timeout_s": 1.0,
            "first_token_timeout_s": 2.0,
            "idle_timeout_s": 1.0,
        }
        data["audio"] = {"output": {"sink": "none"}}
        data["controller"] = {
            "rig": str(packaged_rig("sample")),
            "driver": {"backend": "log", "path": str(self.folder / "face.jsonl")},
        }
        data["face"] = {"announce_interval_s": 2.0}
        # Beside the tiny models, so their relative paths resolve.
        path = self.tiny.config.parent / f"faults-{uuid.uuid4().hex[:8]}.yaml"
        path.write_text(yaml.safe_dump(data))
        self.config = path
        return path

    def start_broker(self) -> None:
        self.broker = start_mosquitto(self.folder, port=self.port)

    async def start_controller(self) -> None:
        assert self.config is not None
        self.controller = await asyncio.create_subprocess_exec(
            *CLI, "face", "-c", str(self.config), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        assert self.controller.stdout is not None
        line = await asyncio.wait_for(self.controller.stdout.readline(), 60)
        assert b"face log at" in line, line

    async def start_agent(self, env: dict[str, str] | None = None) -> None:
        assert self.config is not None
        self.agent = await asyncio.create_subprocess_exec(
            *CLI, "chat", "--json", "-c", str(self.config),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            env={**os.environ, **(env or {})},
        )  # fmt: skip
        assert self.agent.stderr is not None
        asyncio.get_running_loop().create_task(self._collect_stderr(self.agent))

    async def _collect_stderr(self, process: asyncio.subprocess.Process) -> None:
        assert process.stderr is not None
        while line := await process.stderr.readline():
            self.agent_stderr.extend(line)

    async def say(self, text: str, timeout: float = 60.0) -> dict[str, Any]:
        """Type a line to the agent; the reply_finished event of its answer."""
        assert self.agent is not None and self.agent.stdin is not None and self.agent.stdout is not None
        self.agent.stdin.write(text.encode() + b"\n")
        await self.agent.stdin.drain()
        deadline = time.monotonic() + timeout
        while True:
            line = await asyncio.wait_for(self.agent.stdout.readline(), max(0.1, deadline - time.monotonic()))
            assert line, f"the agent ended: {self.agent_stderr.decode()[-2000:]}"
            event = json.loads(line)
            if event.get("type") == "reply_finished":
                return event

    async def start_saying(self, text: str) -> None:
        assert self.agent is not None and self.agent.stdin is not None
        self.agent.stdin.write(text.encode() + b"\n")
        await self.agent.stdin.drain()

    async def next_reply(self, timeout: float = 60.0) -> dict[str, Any]:
        assert self.agent is not None and self.agent.stdout is not None
        deadline = time.monotonic() + timeout
        while True:
            line = await asyncio.wait_for(self.agent.stdout.readline(), max(0.1, deadline - time.monotonic()))
            assert line, f"the agent ended: {self.agent_stderr.decode()[-2000:]}"
            event = json.loads(line)
            if event.get("type") == "reply_finished":
                return event

    async def wait_speaking(self, since_ms: float, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while not self.face.speaking_since(since_ms):
            assert time.monotonic() < deadline, "the face never showed the reply"
            await asyncio.sleep(0.05)

    async def stop(self) -> None:
        for process in (self.agent, self.controller):
            if process is not None and process.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    process.terminate()
                try:
                    await asyncio.wait_for(process.wait(), 10)
                except asyncio.TimeoutError:
                    process.kill()
                    await process.wait()
        if self.broker is not None:
            self.broker.stop()
        if self.config is not None:
            self.config.unlink(missing_ok=True)


def now_ms() -> float:
    return time.time() * 1000.0


NORMAL = Behaviour(reply=LONG_REPLY, chunk_delay_s=0.01)
CRASHING_PLUGIN = """
class CrashingPlugin:
    name = "crashy"

    async def on_turn(self, turn, context):
        raise RuntimeError("a bug in a third-party plugin")
"""


def install_crashing_plugin(folder: Path) -> dict[str, str]:
    """A third-party plugin installed the way pip would (a module and its dist-info with the entry point), in a
    folder of its own; returns the environment that puts it on the agent's path."""
    site = folder / "plugin-site"
    info = site / "crashy_plugin-1.0.dist-info"
    info.mkdir(parents=True, exist_ok=True)
    (site / "crashy_plugin.py").write_text(CRASHING_PLUGIN)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: crashy-plugin\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[companion.plugins]\ncrashy = crashy_plugin:CrashingPlugin\n")
    return {"PYTHONPATH": os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH", "")]))}


async def both_online(robot: Robot, timeout: float = 20.0) -> None:
    """Until the agent and the controller have (re)connected and re-published their retained status."""
    from companion.core.config.shared import BrokerConfig
    from companion.core.errors import CompanionError
    from companion.core.mqtt import read_retained
    from companion.face.protocol import Topics, decode_status

    data = yaml.safe_load(robot.config.read_text()) if robot.config else {}
    topics = Topics(data["robot"]["id"])
    broker = BrokerConfig(url=f"mqtt://127.0.0.1:{robot.port}", connect_timeout_s=1.0)
    deadline = time.monotonic() + timeout
    while True:
        with contextlib.suppress(CompanionError):
            found = await read_retained(broker, [topics.agent_status, topics.controller_status], settle_s=0.3)
            states = [decode_status(found[t])["state"] for t in (topics.agent_status, topics.controller_status)
                      if t in found]  # fmt: skip
            if states == ["online", "online"]:
                return
        assert time.monotonic() < deadline, "agent and controller did not both come back online"
        await asyncio.sleep(0.2)


@contextlib.asynccontextmanager
async def running_robot(
    folder: Path, tiny: TinyModels, *, plugins: list[str] | None = None, env: dict[str, str] | None = None
) -> AsyncIterator[Robot]:
    """Broker, controller and agent, started and talking; stopped at the end."""
    llm = FakeOpenAIServer(behaviour=NORMAL)
    await llm.start()
    robot = Robot(folder, tiny, llm)
    robot.write_config(plugins)
    try:
        robot.start_broker()
        await robot.start_controller()
        await robot.start_agent(env)
        await both_online(robot)
        yield robot
    finally:
        await robot.stop()
        await llm.stop()
