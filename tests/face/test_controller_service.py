"""The face-controller: the pipeline on an explicit timeline, then the real service against mosquitto."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import sys
import time
import uuid
from collections.abc import Callable
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from companion.agent.config.schema import BrokerConfig, Config, ControllerConfig, Persona, RobotConfig
from companion.cli import build_parser, face_command
from companion.core.errors import BrokerUnreachableError, CompanionError, ConfigError
from companion.core.mqtt import MqttLink
from companion.face.channels import SPEC_BY_NAME, ChannelSpec
from companion.face.config import DriverConfig
from companion.face.controller.jitter import Insert
from companion.face.controller.rig import Rig, load_rig, packaged_rig
from companion.face.controller.safety import Stop
from companion.face.controller.service import FaceController, FacePipeline
from companion.face.drivers.base import OutputTick
from companion.face.drivers.log import LogDriver
from companion.face.drivers.registry import create_driver, describe_output
from companion.face.protocol import (
    DEFAULT_LAYOUT,
    ChannelLayout,
    Command,
    Frame,
    Topics,
    decode_status,
    encode_frame,
    encode_frame_json,
    encode_status,
    values_from_mapping,
)
from tests.support.broker import Broker, free_port, start_mosquitto

T0 = 1_700_000_000_000.0
SAMPLE = packaged_rig("sample")


def expected_positions(rig: Rig, channels: dict[str, float]) -> dict[str, float]:
    """The rig formula written out independently of the Mixer: neutral + gain * sum(w * offset), clamped."""
    out = {}
    for actuator in rig.actuators:
        total = sum(
            w * (channels.get(c, SPEC_BY_NAME[c].neutral) - SPEC_BY_NAME[c].neutral) for c, w in actuator.mix.items()
        )
        out[actuator.name] = actuator.clamp(actuator.neutral + actuator.gain * total)
    return out


def _pipeline(**settings: Any) -> FacePipeline:
    return FacePipeline(load_rig(SAMPLE), ControllerConfig(**settings), driver_name="test")


def _frame(seq: int, pts: float, channels: dict[str, float], utterance: int = 1) -> bytes:
    return encode_frame(Frame(seq, utterance, pts, values_from_mapping(channels)))


def _run(
    pipeline: FacePipeline,
    start: float,
    end: float,
    channels: Callable[[float], dict[str, float]] | dict[str, float] | None,
    *,
    utterance: int = 1,
    lookahead: float = 150.0,
    step: float = 10.0,
) -> list[OutputTick]:
    """Frames published ``lookahead`` ms ahead every ``step`` ms (none if ``channels`` is None), ticking each step."""
    ticks = []
    t = start
    while t <= end:
        if channels is not None:
            values = channels(t + lookahead) if callable(channels) else channels
            pipeline.on_frame(_frame(int((t - T0) / step), t + lookahead, values, utterance), t)
        ticks.append(pipeline.tick(t))
        t += step
    return ticks


def _shown(tick: OutputTick, name: str) -> float:
    return float(tick.channels[DEFAULT_LAYOUT.index()[name]])


# --- the pipeline, on an explicit timeline ---------------------------------------------------------------------


def test_frames_become_the_rig_positions() -> None:
    pipeline = _pipeline()
    face = {"jawOpen": 0.5, "mouthSmileLeft": 0.75, "mouthSmileRight": 0.75, "headYaw": 20.0, "eyeBlinkLeft": 1.0}
    ticks = _run(pipeline, T0, T0 + 1000, face, utterance=9)
    last = ticks[-1]
    for name, position in expected_positions(pipeline.rig, face).items():
        assert last.actuators[name] == pytest.approx(position, abs=1e-6), name
    assert last.utterance_id == 9
    assert pipeline.stats.frames_received == len(ticks) and pipeline.stats.frames_late == 0


def test_each_frame_plays_at_its_pts_minus_the_actuator_latency() -> None:
    pipeline = _pipeline()
    latency = pipeline.rig.latency_ms
    assert latency > 0

    def ramp(pts: float) -> dict[str, float]:
        return {"jawOpen": (pts - T0) / 2000.0}  # linear in pts, so interpolation is exact

    ticks = _run(pipeline, T0, T0 + 800, ramp, step=7.0)  # ticks fall between frames
    for tick in ticks[-20:]:
        assert _shown(tick, "jawOpen") == pytest.approx((tick.t_wall_ms + latency - T0) / 2000.0, abs=1e-3)


def test_malformed_payloads_are_counted_and_dropped() -> None:
    pipeline = _pipeline()
    other_layout = encode_frame(Frame(1, 1, T0 + 150, values_from_mapping({"jawOpen": 1.0}), layout_id=12345))
    bad_json = (
        b"{not json",
        b'{"v": 1, "seq": 1, "pts": "soon", "ch": {}}',
        b'{"v": 1, "seq": 1, "pts": 5, "ch": {}, "flags": "x"}',
    )
    for payload in (b"", b"\x01\x00", *bad_json, other_layout):
        assert pipeline.on_frame(payload, T0) is None
    assert pipeline.on_command(b'{"cmd": "explode"}', T0) is None
    assert not pipeline.on_layout(b'{"channels": 3}')
    pipeline.on_agent_status(b'{"state": "sleeping"}', T0)
    assert pipeline.stats.malformed == 8
    assert pipeline.stats.frames_unknown_layout == 1 and pipeline.stats.layout_wanted == 12345  # asked for
    assert pipeline.stats.frames_received == 0
    assert pipeline.stats.last_error.startswith("agent status:")
    ticks = _run(pipeline, T0, T0 + 500, {"jawOpen": 1.0})  # and the next good frames play
    assert _shown(ticks[-1], "jawOpen") == 1.0


def test_out_of_range_values_are_clamped_not_dropped() -> None:
    pipeline = _pipeline()
    ticks = _run(pipeline, T0, T0 + 500, {"jawOpen": 1.5, "headYaw": -90.0})
    assert _shown(ticks[-1], "jawOpen") == SPEC_BY_NAME["jawOpen"].maximum
    assert _shown(ticks[-1], "headYaw") == SPEC_BY_NAME["headYaw"].minimum
    assert pipeline.stats.frames_clamped == pipeline.stats.frames_received > 0
    assert pipeline.stats.malformed == 0


def test_frames_decode_against_the_announced_layout() -> None:
    pipeline = _pipeline()
    layout = ChannelLayout((SPEC_BY_NAME["headYaw"], SPEC_BY_NAME["jawOpen"], ChannelSpec("ears", 0, 1, 0, "c")))
    frame = Frame(1, 1, T0 + 150, np.array([10.0, 0.5, 1.0], dtype=np.float32), layout_id=layout.layout_id)
    assert pipeline.on_frame(encode_frame(frame), T0) is None  # not announced yet: dropped, and asked for
    assert pipeline.stats.layout_wanted == layout.layout_id and pipeline.stats.frames_unknown_layout == 1
    assert pipeline.on_layout(layout.to_json(60, "binary"))
    assert pipeline.stats.layout_id == layout.layout_id and pipeline.stats.layout_wanted == 0
    values = np.array([10.0, 0.5, 1.0], dtype=np.float32)
    for i in range(40):  # binary and JSON frames alternate; both are decoded against the announced layout
        t = T0 + 10 * i
        frame = Frame(i, 1, t + 150, values, layout_id=layout.layout_id)
        pipeline.on_frame(encode_frame(frame) if i % 2 else encode_frame_json(frame, layout), t)
        tick = pipeline.tick(t)
    assert pipeline.stats.frames_received == 40 and pipeline.stats.malformed == 0
    assert _shown(tick, "headYaw") == 10.0 and _shown(tick, "jawOpen") == 0.5  # re-ordered by name
    # A default-layout frame carries the default layout's id, which a receiver always knows.
    assert pipeline.on_frame(_frame(99, T0 + 600, {"jawOpen": 1.0}), T0 + 400) is Insert.ADDED


def test_a_bogus_retained_layout_does_not_disable_the_face() -> None:
    """A stranger's layout (retained, so also seen again after a restart) only adds a layout to the book: frames
    carry their layout's id and keep decoding against the real one."""
    bogus = ChannelLayout((ChannelSpec("tentacle", 0, 1, 0, "c"),)).to_json(60, "binary")
    for restart in range(2):
        pipeline = _pipeline()
        assert pipeline.on_layout(bogus)  # a well-formed announcement, delivered first (retained)
        ticks = _run(pipeline, T0, T0 + 500, {"jawOpen": 1.0})
        assert _shown(ticks[-1], "jawOpen") == 1.0, restart
        assert pipeline.stats.malformed == 0 and pipeline.stats.frames_unknown_layout == 0


def test_frames_of_an_unannounced_layout_play_once_the_agent_announces_it() -> None:
    pipeline = _pipeline()
    layout = ChannelLayout((SPEC_BY_NAME["jawOpen"], SPEC_BY_NAME["mouthSmileLeft"]))
    values = np.array([1.0, 0.5], dtype=np.float32)
    shown = []
    for i in range(60):
        t = T0 + 10 * i
        if i == 20:  # the controller asked (layout_wanted); the agent answers with its layout
            assert pipeline.stats.layout_wanted == layout.layout_id
            assert pipeline.on_layout(layout.to_json(60, "binary"))
        pipeline.on_frame(encode_frame(Frame(i, 1, t + 150, values, layout_id=layout.layout_id)), t)
        shown.append(_shown(pipeline.tick(t), "jawOpen"))
    assert pipeline.stats.frames_unknown_layout == 20 and pipeline.stats.layout_wanted == 0
    assert shown[19] == 0.0 and shown[-1] == 1.0


def test_late_frames_are_counted() -> None:
    pipeline = _pipeline()
    latency = pipeline.rig.latency_ms
    pipeline.on_frame(_frame(1, T0 + latency - 1, {"jawOpen": 1.0}), T0)
    pipeline.on_frame(_frame(2, T0 + latency + 1, {"jawOpen": 1.0}), T0)
    assert pipeline.stats.frames_late == 1 and pipeline.stats.frames_played == 1


def test_flush_drops_one_utterance_and_the_face_follows_the_rest() -> None:
    pipeline = _pipeline()
    flush_at, reply_ends = T0 + 200, T0 + 300  # frames of utterance 5 still in flight after the flush
    ticks: list[OutputTick] = []
    for i in range(80):
        t = T0 + 10 * i
        if t < reply_ends:
            pipeline.on_frame(_frame(i, t + 150, {"jawOpen": 1.0}, utterance=5), t)
        else:
            pipeline.on_frame(_frame(i, t + 150, {"mouthSmileLeft": 1.0}, utterance=0), t)
        if t == flush_at:
            buffered = len(pipeline.buffer)  # all of utterance 5, none played yet but the one at the playhead
            assert buffered > 1
            command = pipeline.on_command(Command("flush", utterance_id=5).encode(), t)
            assert command is not None and command.utterance_id == 5
            assert pipeline.stats.frames_flushed == buffered and len(pipeline.buffer) == 0
        tick = pipeline.tick(t)
        if t > flush_at:
            ticks.append(tick)
    stragglers = sum(1 for i in range(80) if flush_at < T0 + 10 * i < reply_ends)
    assert pipeline.stats.frames_flushed == buffered + stragglers
    assert all(_shown(t, "jawOpen") < 1.0 for t in ticks)  # the flushed jaw never comes back
    assert _shown(ticks[-1], "mouthSmileLeft") == 1.0 and ticks[-1].utterance_id == 0


def test_resume_after_a_flush_shows_the_utterances_new_frames() -> None:
    # A barge-in pause flushes utterance 5; the user only said "mhm", so the reply goes on under the same id.
    pipeline = _pipeline()
    pipeline.on_command(Command("flush", utterance_id=5).encode(), T0)
    pipeline.on_frame(_frame(1, T0 + 150, {"jawOpen": 1.0}, utterance=5), T0)
    assert pipeline.stats.frames_flushed == 1  # a straggler of the paused part
    pipeline.on_command(Command("resume", utterance_id=5).encode(), T0 + 50)
    for i in range(2, 40):
        pipeline.on_frame(_frame(i, T0 + 10 * i + 150, {"jawOpen": 1.0}, utterance=5), T0 + 10 * i)
    ticks = [pipeline.tick(T0 + 10 * i) for i in range(2, 40)]
    assert pipeline.stats.frames_flushed == 1
    assert any(t.utterance_id == 5 and _shown(t, "jawOpen") > 0.5 for t in ticks)


def test_agent_offline_and_neutral_command_ease_to_neutral() -> None:
    for stop in (encode_status("offline"), Command("neutral").encode()):
        pipeline = _pipeline(neutral_ease_ms=200)
        _run(pipeline, T0, T0 + 500, {"jawOpen": 1.0})
        if b"cmd" in stop:
            pipeline.on_command(stop, T0 + 505)
            expected = Stop.NEUTRAL_COMMAND
        else:
            pipeline.on_agent_status(stop, T0 + 505)
            expected = Stop.AGENT_OFFLINE
            assert pipeline.stats.agent_offline == 1
        ticks = _run(pipeline, T0 + 510, T0 + 800, None)
        assert pipeline.supervisor.last_stop is expected
        jaw = [_shown(t, "jawOpen") for t in ticks]
        assert 0 < jaw[5] < 1.0 and jaw[-1] == 0.0  # eased, not jumped
        neutral = {a.name: a.neutral for a in pipeline.rig.actuators}
        assert ticks[-1].actuators == pytest.approx(neutral)
        assert pipeline.stats.frames_flushed > 0 and pipeline.stats.watchdog_trips == 0


def test_online_agent_status_changes_nothing() -> None:
    pipeline = _pipeline()
    _run(pipeline, T0, T0 + 400, {"jawOpen": 1.0})
    pipeline.on_agent_status(encode_status("online"), T0 + 405)
    assert _shown(_run(pipeline, T0 + 410, T0 + 500, {"jawOpen": 1.0})[-1], "jawOpen") == 1.0


def test_look_at_turns_the_eyes_then_the_head_and_mirror_is_recorded() -> None:
    pipeline = _pipeline()
    eye_limit = SPEC_BY_NAME["eyeYaw"].maximum
    pipeline.on_command(Command("look_at", yaw=eye_limit + 10.0, pitch=-10.0).encode(), T0)
    pipeline.on_command(Command("mirror", on=True).encode(), T0)
    tick = _run(pipeline, T0, T0 + 500, {"headYaw": 5.0})[-1]
    assert _shown(tick, "eyeYaw") == eye_limit
    assert _shown(tick, "headYaw") == pytest.approx(5.0 + 10.0)  # what the eyes cannot reach turns the head
    assert _shown(tick, "eyePitch") == -10.0
    assert pipeline.stats.mirror and pipeline.stats.gaze_yaw == eye_limit + 10.0
    pipeline.on_command(Command("look_at", yaw=0.0, pitch=0.0).encode(), T0 + 505)
    tick = _run(pipeline, T0 + 510, T0 + 600, {"headYaw": 5.0})[-1]
    assert _shown(tick, "eyeYaw") == 0.0 and _shown(tick, "headYaw") == 5.0


def test_watchdog_eases_to_neutral_when_frames_stop() -> None:
    pipeline = _pipeline(watchdog_ms=300, neutral_ease_ms=200)
    _run(pipeline, T0, T0 + 500, {"jawOpen": 1.0})
    ticks = _run(pipeline, T0 + 510, T0 + 1500, None)
    assert pipeline.stats.watchdog_trips == 1
    jaw = [_shown(t, "jawOpen") for t in ticks]
    assert jaw[-1] == 0.0 and ticks[-1].utterance_id == 0
    assert jaw == sorted(jaw, reverse=True)


def test_actuators_are_slew_limited_and_inside_limits() -> None:
    pipeline = _pipeline(neutral_ease_ms=0)
    rng = np.random.default_rng(3)
    names = list(DEFAULT_LAYOUT.names)

    def noise(pts: float) -> dict[str, float]:
        spec_values = {}
        for name in rng.choice(names, size=8, replace=False):
            spec = SPEC_BY_NAME[str(name)]
            spec_values[str(name)] = float(rng.uniform(spec.minimum, spec.maximum))
        return spec_values

    ticks = _run(pipeline, T0, T0 + 2000, noise)
    for actuator in pipeline.rig.actuators:
        track = np.array([t.actuators[actuator.name] for t in ticks])
        assert track.min() >= actuator.limits[0] and track.max() <= actuator.limits[1]
        assert np.abs(np.diff(track)).max() <= actuator.max_slew * 0.010 + 1e-6
    assert pipeline.stats.slew_limited_ticks > 0


# --- the service against a real broker -----------------------------------------------------------------------


def _config(broker: Broker, tmp_path: Path, **controller: Any) -> Config:
    return Config(
        robot=RobotConfig(id=f"t{uuid.uuid4().hex[:8]}"),
        broker=BrokerConfig(url=broker.url, connect_timeout_s=2.0),
        controller=ControllerConfig(
            rig=SAMPLE, driver=DriverConfig(backend="log", path=tmp_path / "face.jsonl"), **controller
        ),
        persona="test",
        personas={"test": Persona(name="Test", style="test")},
    )


def _log_lines(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    lines = path.read_text().splitlines(keepends=True)
    return [json.loads(line) for line in lines if line.endswith("\n")]  # the last one may be half written


async def _wait_for(predicate: Callable[[], Any], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


class _Agent:
    """A test publisher that plays the agent: frames with pts ahead of the wall clock."""

    def __init__(self, broker: Broker, topics: Topics) -> None:
        self.link = MqttLink(broker.host, broker.port, name="test-agent")
        self.topics = topics
        self.seq = 0

    async def frames(self, channels: dict[str, float], count: int, utterance: int = 1, lookahead: float = 150) -> None:
        for _ in range(count):
            self.seq += 1
            frame = Frame(self.seq, utterance, time.time() * 1000 + lookahead, values_from_mapping(channels))
            await self.link.publish(self.topics.frames, encode_frame(frame))
            await asyncio.sleep(0.01)


async def _started(config: Config, **kw: Any) -> tuple[FaceController, LogDriver]:
    driver = LogDriver(config.controller.driver.options.path)
    controller = FaceController(config, driver, load_rig(config.controller.rig), **kw)
    await controller.start()
    return controller, driver


@pytest.mark.integration
async def test_frames_reach_the_log_driver(broker: Broker, tmp_path: Path) -> None:
    config = _config(broker, tmp_path)
    controller, driver = await _started(config)
    agent = _Agent(broker, Topics(config.robot.id))
    await agent.link.connect()
    face = {"jawOpen": 0.5, "mouthSmileLeft": 0.25, "browInnerUp": 0.75}
    expected = {name: round(value, 2) for name, value in expected_positions(controller.rig, face).items()}
    try:
        await agent.frames(face, 50, utterance=3)

        def settled() -> bool:
            return any(line["actuators"] == expected for line in _log_lines(driver.path))

        await _wait_for(settled)
        line = next(line for line in _log_lines(driver.path) if line["actuators"] == expected)
        assert line["utt"] == 3 and line["channels"] == face  # only the non-neutral channels
        assert abs(line["t"] - time.time() * 1000) < 60_000  # epoch ms, not loop time
        await _wait_for(lambda: controller.stats.frames_received == 50)
    finally:
        await agent.link.stop()
        await controller.stop()


@pytest.mark.integration
async def test_malformed_payloads_do_not_stop_the_service(broker: Broker, tmp_path: Path) -> None:
    config = _config(broker, tmp_path)
    controller, driver = await _started(config)
    topics = Topics(config.robot.id)
    agent = _Agent(broker, topics)
    await agent.link.connect()
    wrong_layout = Frame(1, 1, time.time() * 1000 + 150, DEFAULT_LAYOUT.neutral_values(), layout_id=7)
    bad = [
        (topics.frames, b"\x01\x02\x03"),
        (topics.frames, b"{"),
        (topics.frames, encode_frame(wrong_layout)),
        (topics.command, b'{"cmd": "explode"}'),
        (topics.layout, b"[]"),
        (topics.agent_status, b"\xff\xfe"),
    ]
    try:
        for topic, payload in bad:
            await agent.link.publish(topic, payload, qos=1)
        # The frame of a layout never announced is not malformed: it is dropped and its layout asked for.
        await _wait_for(lambda: controller.stats.malformed == len(bad) - 1)
        assert controller.stats.frames_unknown_layout == 1
        await agent.frames({"tongueOut": 1.0}, 40)
        await _wait_for(lambda: any(line["channels"].get("tongueOut") == 1.0 for line in _log_lines(driver.path)))
        assert controller.stats.malformed == len(bad) - 1
    finally:
        await agent.link.stop()
        await controller.stop()


@pytest.mark.integration
async def test_agent_offline_eases_the_face_to_neutral(broker: Broker, tmp_path: Path) -> None:
    # A long watchdog, so only the offline status can bring the face back to neutral in this test.
    config = _config(broker, tmp_path, watchdog_ms=20_000, neutral_ease_ms=200)
    controller, driver = await _started(config)
    topics = Topics(config.robot.id)
    agent = _Agent(broker, topics)
    await agent.link.connect()
    jaw = controller.rig.actuators[[a.name for a in controller.rig.actuators].index("jaw")]
    try:
        await agent.frames({"jawOpen": 1.0}, 40, utterance=8)
        await _wait_for(lambda: any(line["actuators"]["jaw"] != jaw.neutral for line in _log_lines(driver.path)))
        await agent.link.publish(topics.agent_status, encode_status("offline"), qos=1)
        await _wait_for(lambda: controller.stats.agent_offline == 1)
        await _wait_for(lambda: (lines := _log_lines(driver.path)) and lines[-1]["actuators"]["jaw"] == jaw.neutral)
        lines = _log_lines(driver.path)
        assert lines[-1]["channels"] == {} and lines[-1]["utt"] == 0
        opened = [line["actuators"]["jaw"] for line in lines]
        peak = opened.index(max(opened))
        assert sorted(set(opened[peak:]), reverse=True) == list(dict.fromkeys(opened[peak:]))  # a monotonic ease
        assert controller.stats.watchdog_trips == 0
    finally:
        await agent.link.stop()
        await controller.stop()


@pytest.mark.integration
async def test_status_is_retained_with_counters_and_offline_at_shutdown(broker: Broker, tmp_path: Path) -> None:
    config = _config(broker, tmp_path)
    controller, _ = await _started(config, status_interval_s=0.1)
    topics = Topics(config.robot.id)
    agent = _Agent(broker, topics)
    await agent.link.connect()
    statuses: list[dict[str, Any]] = []
    watcher = MqttLink(
        broker.host, broker.port, name="test-status", subscriptions=((topics.controller_status, 1),),
        on_message=lambda _t, p: statuses.append(decode_status(p)),
    )  # fmt: skip
    try:
        await agent.frames({"jawOpen": 0.3}, 20)
        await agent.link.publish(topics.command, Command("flush", utterance_id=1).encode(), qos=1)
        await _wait_for(lambda: controller.stats.commands == 1)
        await asyncio.sleep(0.3)  # let a status refresh carry the counters
        await watcher.connect()  # subscribes after the fact: only a retained status can arrive
        await _wait_for(lambda: statuses)
        first = statuses[0]
        assert first["state"] == "online" and first["driver"] == "log" and first["rig"] == controller.rig.name
        assert first["frames_received"] == 20 and first["commands"] == 1
        for counter in ("frames_late", "malformed", "frames_flushed", "watchdog_trips", "reconnects"):
            assert isinstance(first[counter], int)
        await controller.stop()
        await _wait_for(lambda: statuses[-1]["state"] == "offline")
        assert statuses[-1]["reason"] == "shutdown" and statuses[-1]["frames_received"] == 20
    finally:
        await agent.link.stop()
        await watcher.stop()


@pytest.mark.integration
async def test_unreachable_broker_fails_start_and_closes_the_driver(tmp_path: Path) -> None:
    config = Config(
        broker=BrokerConfig(url=f"mqtt://127.0.0.1:{free_port()}", connect_timeout_s=0.5),
        controller=ControllerConfig(rig=SAMPLE, driver=DriverConfig(backend="log", path=tmp_path / "face.jsonl")),
        persona="test",
        personas={"test": Persona(name="Test", style="test")},
    )
    driver = LogDriver(config.controller.driver.options.path)
    controller = FaceController(config, driver, load_rig(SAMPLE))
    with pytest.raises(BrokerUnreachableError, match="no MQTT broker answers"):
        await controller.start()
    assert driver._file is None  # closed again


# --- the command line ------------------------------------------------------------------------------------------

# `python -m companion.cli` needs every subcommand module; until they all exist, run this command's own
# module the way the CLI's main does.
_CLI_MODULES = [f"companion.cli.{name}_command" for name in ("chat", "run", "face", "check", "models", "bench")]
_FACE_ONLY = (
    "import argparse, asyncio, sys\n"
    "from companion.cli import face_command\n"
    "from companion.core.errors import CompanionError\n"
    "parser = argparse.ArgumentParser(prog='companion')\n"
    "face_command.register(parser.add_subparsers(dest='command', required=True))\n"
    "args = parser.parse_args(sys.argv[1:])\n"
    "try:\n"
    "    sys.exit(asyncio.run(args.handler(args)))\n"
    "except CompanionError as error:\n"
    "    print(f'companion: error: {error}', file=sys.stderr)\n"
    "    sys.exit(error.exit_code)\n"
)


def _cli() -> list[str]:
    if all(find_spec(name) is not None for name in _CLI_MODULES):
        return [sys.executable, "-m", "companion.cli"]
    return [sys.executable, "-c", _FACE_ONLY]


def _write_config(path: Path, broker_url: str, robot_id: str, log_path: Path, fallback: bool = True) -> Path:
    path.write_text(
        f"robot: {{id: {robot_id}}}\n"
        f"broker: {{url: '{broker_url}', connect_timeout_s: 1.0, embedded_fallback: {str(fallback).lower()}}}\n"
        f"controller: {{rig: '{SAMPLE}', driver: {{backend: log, path: '{log_path}'}}, neutral_ease_ms: 100}}\n"
        "persona: test\n"
        "personas: {test: {name: Test, style: test}}\n"
    )
    return path


async def _spawn(
    tmp_path: Path, broker_url: str, robot_id: str, *extra: str, fallback: bool = True
) -> asyncio.subprocess.Process:
    config = _write_config(tmp_path / "config.yaml", broker_url, robot_id, tmp_path / "cfg-log.jsonl", fallback)
    return await asyncio.create_subprocess_exec(
        *_cli(), "face", "-c", str(config), "--driver", "log", "--log", str(tmp_path / "face.jsonl"), *extra,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, cwd=tmp_path,
        env={**os.environ, "COMPANION_BROKER": ""},
    )  # fmt: skip


async def _watch_status(broker: Broker, topics: Topics) -> tuple[MqttLink, list[dict[str, Any]]]:
    statuses: list[dict[str, Any]] = []
    watcher = MqttLink(
        broker.host, broker.port, name="test-status", subscriptions=((topics.controller_status, 1),),
        on_message=lambda _t, p: statuses.append(decode_status(p)),
    )  # fmt: skip
    await watcher.connect()
    return watcher, statuses


@pytest.mark.integration
async def test_cli_last_will_on_abrupt_death_and_clean_exit_on_sigterm(broker: Broker, tmp_path: Path) -> None:
    robot_id = f"t{uuid.uuid4().hex[:8]}"
    topics = Topics(robot_id)
    watcher, statuses = await _watch_status(broker, topics)
    try:
        process = await _spawn(tmp_path, broker.url, robot_id)
        assert process.stdout is not None
        line = (await asyncio.wait_for(process.stdout.readline(), 30)).decode()
        assert f"face log at {tmp_path / 'face.jsonl'}" in line  # --log wins over the config's driver path
        await _wait_for(lambda: statuses and statuses[-1]["state"] == "online")
        process.kill()  # no chance to say goodbye: the broker publishes the last-will
        await process.wait()
        await _wait_for(lambda: statuses[-1]["state"] == "offline")
        assert statuses[-1]["reason"] == "connection lost" and statuses[-1]["driver"] == "log"

        process = await _spawn(tmp_path, broker.url, robot_id)
        assert process.stdout is not None
        await asyncio.wait_for(process.stdout.readline(), 30)
        await _wait_for(lambda: statuses[-1]["state"] == "online")
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 15) == 0
        await _wait_for(lambda: statuses[-1]["state"] == "offline")
        assert statuses[-1]["reason"] == "shutdown"
        assert _log_lines(tmp_path / "face.jsonl"), "the log driver wrote ticks"
    finally:
        await watcher.stop()


@pytest.mark.integration
async def test_cli_unreachable_broker_with_fail_fast_exits_non_zero_with_a_clear_message(tmp_path: Path) -> None:
    # Without the embedded fallback (with it, `companion face` starts a broker itself, as the agent does).
    process = await _spawn(tmp_path, f"mqtt://127.0.0.1:{free_port()}", "nobroker", "--fail-fast", fallback=False)
    _, stderr = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == BrokerUnreachableError.exit_code
    assert b"no MQTT broker answers" in stderr and b"Traceback" not in stderr


@pytest.mark.integration
async def test_cli_waits_for_a_broker_that_starts_later(tmp_path: Path) -> None:
    """A robot that boots in the wrong order: the controller is up first, says what it waits for, rests at
    neutral, and is online once the broker starts."""
    port = free_port()
    robot_id = f"t{uuid.uuid4().hex[:8]}"
    process = await _spawn(tmp_path, f"mqtt://127.0.0.1:{port}", robot_id, fallback=False)
    started: Broker | None = None
    try:
        assert process.stderr is not None and process.stdout is not None
        line = await asyncio.wait_for(process.stderr.readline(), 30)
        assert b"waiting for the MQTT broker" in line and b"mqtt://127.0.0.1" in line
        await asyncio.sleep(1.0)  # still waiting, not exited
        assert process.returncode is None
        started = start_mosquitto(tmp_path, port=port)
        watcher, statuses = await _watch_status(started, Topics(robot_id))
        try:
            ready = await asyncio.wait_for(process.stdout.readline(), 30)
            assert b"face log at" in ready
            await _wait_for(lambda: statuses and statuses[-1]["state"] == "online")
        finally:
            await watcher.stop()
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 15) == 0
        assert _log_lines(tmp_path / "face.jsonl"), "the face was driven (at neutral) while waiting"
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        if started is not None:
            started.stop()


def test_registry_builds_drivers_by_name_and_suggests_on_typos(tmp_path: Path) -> None:
    driver = create_driver(DriverConfig(backend="log", path=tmp_path / "x.jsonl"))
    assert isinstance(driver, LogDriver) and driver.path == tmp_path / "x.jsonl"
    assert describe_output(driver) == f"face log at {tmp_path / 'x.jsonl'}"
    maestro = create_driver(DriverConfig(backend="maestro", port="/dev/ttyUSB7"))
    assert maestro.name == "maestro" and describe_output(maestro) == "Maestro on /dev/ttyUSB7"
    with pytest.raises(ConfigError, match="did you mean 'maestro'"):
        create_driver(DriverConfig(backend="maestr0"))
    with pytest.raises(ConfigError, match="baud"):
        create_driver(DriverConfig(backend="maestro", baud="fast"))


def test_command_line_options_override_the_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = _write_config(tmp_path / "config.yaml", "mqtt://127.0.0.1:1883", "cli", tmp_path / "cfg.jsonl")
    parser = build_parser()
    monkeypatch.chdir(tmp_path)
    args = parser.parse_args(["face", "-c", str(config)])
    controller = face_command.build_controller(args)
    assert isinstance(controller.driver, LogDriver) and controller.driver.path == tmp_path / "cfg.jsonl"
    args = parser.parse_args(["face", "-c", str(config), "--log", "here.jsonl", "--rig", "sample"])
    controller = face_command.build_controller(args)
    assert isinstance(controller.driver, LogDriver) and controller.driver.path == tmp_path / "here.jsonl"
    assert controller.rig.name == load_rig(SAMPLE).name
    args = parser.parse_args(["face", "-c", str(config), "--rig", "missing.yaml"])
    with pytest.raises(CompanionError, match="rig file not found"):
        face_command.build_controller(args)
    args = parser.parse_args(["face", "-c", str(config), "--driver", "servo"])
    with pytest.raises(ConfigError, match="unknown face driver 'servo'"):
        face_command.build_controller(args)


async def test_the_controller_logs_the_agent_coming_and_going(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    settings = Config(
        robot=RobotConfig(id="r1"),
        controller=ControllerConfig(rig=SAMPLE, driver=DriverConfig(backend="log", path=tmp_path / "f.jsonl")),
        persona="test",
        personas={"test": Persona(name="Test", style="test")},
    )
    seen: list[bool] = []

    class Shows(LogDriver):
        def on_agent(self, online: bool) -> None:
            seen.append(online)

    controller = FaceController(settings, Shows(tmp_path / "f.jsonl"), load_rig(SAMPLE))
    topic = controller.topics.agent_status
    with caplog.at_level(logging.INFO, logger="companion.face.controller"):
        controller._on_message(topic, encode_status("online"))
        controller._on_message(topic, encode_status("online"))  # a refresh: said once
        controller._on_message(topic, encode_status("offline", reason="connection lost"))
    assert "agent online" in caplog.text
    assert "agent offline (connection lost)" in caplog.text
    assert caplog.text.count("agent online") == 1 and seen == [True, False]


def test_the_reported_latency_adds_the_drivers_transport(tmp_path: Path) -> None:
    """A servo rig reports its actuators' latency; the simulator adds the browser's hop, so the agent's fitted
    lookahead covers the page too."""
    from companion.face.drivers.sim import SimDriver, SimOptions

    config = Config(
        controller=ControllerConfig(rig=SAMPLE, driver=DriverConfig(backend="log", path=tmp_path / "face.jsonl")),
        persona="test",
        personas={"test": Persona(name="Test", style="test")},
    )
    rig = load_rig(SAMPLE)
    servo = FaceController(config, LogDriver(tmp_path / "face.jsonl"), rig)
    browser = FaceController(config, SimDriver(SimOptions(port=0)), rig)
    assert servo.latency_ms == rig.latency_ms
    assert browser.latency_ms == rig.latency_ms + SimDriver.transport_latency_ms > rig.latency_ms
