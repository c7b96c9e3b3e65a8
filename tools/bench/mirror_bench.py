"""``companion bench mirror``: how fast perception runs, and how soon the robot's face follows the visitor's.

Three measures, each on the astronaut photo's face made to act (``companion.tools.face_clips``) at 640x480, with
the real landmark model, one thread everywhere:

* **perception rate**: frames a second one core analyses (landmarks, facial actions, tongue, smile cue, the
  visitor tracker), from the per-frame time (p50, p99) and the process CPU time;
* **camera to face frame**: a live camera delivers the clip at 30 fps; each frame's capture time to the publish
  of the first face frame (through a real mosquitto) that carries the mirror's answer to it; and, for the smile's
  start, the time until the published face shows half of its answer (the animator smooths the visitor's
  measurements, so the face eases in);
* **anticipation**: when the robot's smile starts (10 % of its peak, at the frame's presentation time) against
  when the visitor's smile peaks, with ``mirror.anticipation_ms`` off and on.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from companion.agent.config.schema import Config, Persona
from companion.agent.events import EventBus
from companion.agent.session import ConversationSession, SessionParts
from companion.core.clock import LoopClock
from companion.core.mqtt import MqttLink
from companion.core.registry import DEFAULT_MODELS_DIR
from companion.face.animator import FaceAnimator
from companion.face.protocol import DEFAULT_LAYOUT, Topics, decode_frame
from companion.face.publisher import FacePublisher
from companion.perception.landmarks.face_mesh import FaceMeshOptions, model_need
from companion.perception.perceiver import Perceiver
from companion.perception.video import VideoFrame
from companion.perception.visitor import VisitorState
from companion.tools.face_clips import FaceRig, bump, neutral_frame
from companion.tools.mosquitto import start_mosquitto
from companion.tools.testing.fakes import FakeLLM, FakeTTS

FPS = 30.0
SMILE = (1.0, 2.2)  # the visitor's smile rises from 1.0 s, peaks at 1.6 s, is gone at 2.2 s
SMILE_PEAK_S = (SMILE[0] + SMILE[1]) / 2
CLIP_S = 3.0
CHANNEL = "mouthSmileRight"  # the visitor's left smile, mirrored


@dataclass
class MirrorResult:
    frame_size: tuple[int, int] = (640, 480)
    analysis_p50_ms: float = 0.0
    analysis_p99_ms: float = 0.0
    perception_fps: float = 0.0  # 1000 / p50
    cpu_per_frame_ms: float = 0.0  # process CPU time per frame: one core's work, whatever the threads
    camera_to_frame_p50_ms: float = 0.0
    camera_to_frame_p90_ms: float = 0.0
    # The visitor's measured smile reaching half its peak (capture time) -> the robot's shown smile doing the same
    # (its frame's presentation time), by anticipation_ms; negative: the robot is ahead.
    half_lag_ms: dict[str, float] = field(default_factory=dict)
    # How long before the visitor's smile peaks the robot's starts (10 % of its peak, shown), by anticipation_ms.
    onset_lead_ms: dict[str, float] = field(default_factory=dict)


def _rig() -> FaceRig:
    model = model_need(FaceMeshOptions(), DEFAULT_MODELS_DIR).locate()
    return FaceRig.of(neutral_frame(), model)


def _frames(rig: FaceRig) -> list[np.ndarray]:
    smile = bump(*SMILE)
    return [rig.render({"smile_left": smile(i / FPS)}) for i in range(int(CLIP_S * FPS))]


def _perceiver(source: Any, realtime: bool) -> Perceiver:
    config = Config(persona="b", personas={"b": Persona(name="B", style="bench")})
    config.perception.fps = FPS
    return Perceiver.default(config.perception, source, realtime=realtime)


def measure_rate(frames: list[np.ndarray]) -> tuple[float, float, float]:
    """(p50 ms, p99 ms, CPU ms per frame) of ``Perceiver.analyse`` over the clip, twice round."""
    perceiver = _perceiver(None, realtime=False)
    import cv2

    cv2.setNumThreads(1)
    times: list[float] = []
    cpu_start = time.process_time()
    for index in range(2 * len(frames)):
        started = time.perf_counter()
        perceiver.analyse(frames[index % len(frames)], index / FPS)
        times.append((time.perf_counter() - started) * 1000)
    cpu = (time.process_time() - cpu_start) * 1000 / len(times)
    return statistics.median(times), float(np.percentile(times, 99)), cpu


class _LiveClip:
    """A camera that delivers the clip's frames at ``FPS``, stamped with their capture time (``time.monotonic``)."""

    live = True
    name = "camera:bench"

    def __init__(self, frames: list[np.ndarray]) -> None:
        self._frames = frames
        self._index = 0
        self._start: float | None = None
        self.captured: list[float] = []  # capture time of each frame, monotonic seconds

    def read(self) -> VideoFrame | None:
        if self._index >= len(self._frames):
            return None
        if self._start is None:
            self._start = time.monotonic()
        due = self._start + self._index / FPS
        pause = due - time.monotonic()
        if pause > 0:
            threading.Event().wait(pause)
        captured = time.monotonic()
        self.captured.append(captured)
        frame = VideoFrame(self._frames[self._index], captured, self._index)
        self._index += 1
        return frame

    def close(self) -> None:
        return None


class _Recorder(MqttLink):
    def __init__(self, *args: Any, clock: LoopClock, frames_topic: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clock, self._frames_topic = clock, frames_topic
        self.sent: list[tuple[float, bytes]] = []  # loop time just before the send, payload

    async def publish(self, topic: str, payload: bytes, qos: int = 0) -> bool:
        sent = self._clock.now()
        ok = await super().publish(topic, payload, qos)
        if ok and topic == self._frames_topic:
            self.sent.append((sent, payload))
        return ok


async def measure_live(frames: list[np.ndarray], anticipation_ms: float, broker: Any) -> dict[str, Any]:
    """Run the clip live through a mirroring session publishing to ``broker``; return the timings."""
    clock = LoopClock()
    config = Config(persona="b", personas={"b": Persona(name="B", style="bench", mirror=True)})
    config.mirror.anticipation_ms = anticipation_ms
    config.face.rate_hz = 100
    topics = Topics(config.robot.id)
    link = _Recorder(broker.host, broker.port, name="mirror-bench", clock=clock, frames_topic=topics.frames)
    await link.connect()
    animator = FaceAnimator(seed=0)
    publisher = FacePublisher(link, topics, animator, clock, config.face)
    parts = SessionParts(tts=FakeTTS(), llm=FakeLLM(), publisher=publisher, animator=animator)
    session = ConversationSession(config, parts, clock, EventBus())
    await session.start()
    arrivals: list[tuple[float, int]] = []  # (loop time the state reached the session, frame index)
    measured: list[tuple[float, float]] = []  # (capture loop time, the visitor's mouthSmileLeft)
    source = _LiveClip(frames)
    offset = clock.now() - time.monotonic()

    def arrived(state: VisitorState) -> None:
        arrivals.append((clock.now(), len(arrivals)))
        if state.actions is not None:
            measured.append((state.updated_t, state.actions.coefficients["mouthSmileLeft"]))

    try:
        await session.watch(_perceiver(source, realtime=True), also=arrived)
        await asyncio.sleep(0.3)
    finally:
        await session.close()
    index = DEFAULT_LAYOUT.index()[CHANNEL]
    sent = [(t, decode_frame(payload)) for t, payload in link.sent]
    sent_t = np.array([t for t, _ in sent])
    values = np.array([frame.values[index] for _, frame in sent])
    pts = np.array([clock.loop_time_of_wall_ms(frame.pts_ms) for _, frame in sent])
    captured = [c + offset for c in source.captured]
    # Camera to face frame: each analysed frame's capture -> the first frame sent after its state arrived.
    latencies = []
    for arrival, k in arrivals:
        after = np.flatnonzero(sent_t >= arrival)
        if after.size and k < len(captured):
            latencies.append((sent_t[after[0]] - captured[k]) * 1000)
    peak = float(values.max()) if values.size else 0.0
    shown_half = np.flatnonzero((values >= 0.5 * peak) & (pts >= captured[0] + SMILE[0]))
    shown_onset = np.flatnonzero((values >= 0.1 * peak) & (pts >= captured[0] + SMILE[0] - 0.5))
    visitor_t = np.array([t for t, _ in measured])
    visitor = np.array([v for _, v in measured])
    visitor_half = np.flatnonzero(visitor >= 0.5 * visitor.max()) if visitor.size else np.array([], int)
    visitor_peak_t = float(visitor_t[int(np.argmax(visitor))]) if visitor.size else float("nan")
    nan = float("nan")
    return {
        "latencies": latencies,
        "half_lag_ms": (pts[shown_half[0]] - visitor_t[visitor_half[0]]) * 1000
        if shown_half.size and visitor_half.size
        else nan,
        "onset_lead_ms": (visitor_peak_t - pts[shown_onset[0]]) * 1000 if shown_onset.size else nan,
    }


async def run_mirror_bench(args: argparse.Namespace) -> MirrorResult:
    rig = await asyncio.to_thread(_rig)
    frames = await asyncio.to_thread(_frames, rig)
    p50, p99, cpu = await asyncio.to_thread(measure_rate, frames)
    result = MirrorResult(
        analysis_p50_ms=round(p50, 2),
        analysis_p99_ms=round(p99, 2),
        perception_fps=round(1000 / p50, 1),
        cpu_per_frame_ms=round(cpu, 2),
    )
    with tempfile.TemporaryDirectory(prefix="companion-mirror-bench-") as folder:
        broker = await asyncio.to_thread(start_mosquitto, Path(folder))
        try:
            plain = await measure_live(frames, 0.0, broker)
            led = await measure_live(frames, args.anticipation_ms, broker)
        finally:
            broker.stop()
    latencies = plain["latencies"]
    result.camera_to_frame_p50_ms = round(statistics.median(latencies), 1)
    result.camera_to_frame_p90_ms = round(float(np.percentile(latencies, 90)), 1)
    lead = str(int(args.anticipation_ms))
    result.half_lag_ms = {"0": round(plain["half_lag_ms"], 1), lead: round(led["half_lag_ms"], 1)}
    result.onset_lead_ms = {"0": round(plain["onset_lead_ms"], 1), lead: round(led["onset_lead_ms"], 1)}
    return result


async def main(args: argparse.Namespace) -> int:
    result = await run_mirror_bench(args)
    if args.json:
        print(json.dumps(asdict(result)))
        return 0
    out = sys.stdout
    print("perception at 640x480, one thread (landmarks, actions, tongue, smile cue, tracker):", file=out)
    print(f"  per frame p50 {result.analysis_p50_ms} ms, p99 {result.analysis_p99_ms} ms -> "
          f"{result.perception_fps} fps on one core (CPU {result.cpu_per_frame_ms} ms a frame)", file=out)  # fmt: skip
    print("camera frame -> the face frame that answers it, published through mosquitto (30 fps camera, 100 Hz face):",
          file=out)  # fmt: skip
    print(f"  p50 {result.camera_to_frame_p50_ms} ms, p90 {result.camera_to_frame_p90_ms} ms", file=out)
    for lead in result.half_lag_ms:
        print(
            f"  anticipation {lead} ms: the robot's smile shows half its height {result.half_lag_ms[lead]} ms after "
            f"the visitor's (negative: ahead); it starts {result.onset_lead_ms[lead]} ms before the visitor's peaks",
            file=out,
        )
    return 0
