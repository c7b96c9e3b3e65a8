"""``companion bench soak``: does a long conversation leak? Memory, tasks, threads and files over N turns.

A robot in a museum talks all day. This runs N typed turns through the real session (the config's models, the
tiny offline ones by default) with face frames published through a real mosquitto to a face-controller in the
same process, and samples after every turn: resident memory (VmRSS), asyncio tasks, threads and open file
descriptors. It reports the first and last values, the peak, and the memory slope over the second half (a leak
shows as a steady slope; allocator warm-up does not).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import threading
from dataclasses import asdict, dataclass
from pathlib import Path

from companion.agent.config import load_config
from companion.agent.runner import RunOptions, open_session
from companion.face.config import DriverConfig
from companion.face.controller.rig import load_rig, packaged_rig
from companion.face.controller.service import FaceController
from companion.face.drivers.log import LogDriver
from companion.tools.mosquitto import start_mosquitto

QUESTIONS = ("What is in this hall?", "Tell me about the oldest robot.", "How do you move your face?")


@dataclass
class Sample:
    turn: int
    rss_mb: float
    tasks: int
    threads: int
    fds: int


@dataclass
class SoakResult:
    turns: int
    rss_first_mb: float  # after the first turn (models loaded, warm)
    rss_last_mb: float
    rss_peak_mb: float
    rss_slope_kb_per_turn: float  # least squares over the second half of the turns
    tasks_first: int
    tasks_last: int
    tasks_peak: int
    threads_first: int
    threads_last: int
    fds_first: int
    fds_last: int
    controller_malformed: int
    controller_frames_received: int


def sample(turn: int) -> Sample:
    rss_kb = 0.0
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            rss_kb = float(line.split()[1])
    return Sample(
        turn,
        rss_kb / 1024.0,
        len(asyncio.all_tasks()),
        threading.active_count(),
        sum(1 for _ in Path("/proc/self/fd").iterdir()),
    )


def slope(points: list[tuple[float, float]]) -> float:
    if len(points) < 2:
        return 0.0
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(ys)
    den = sum((x - mean_x) ** 2 for x in xs)
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / den if den else 0.0


async def soak(config_path: Path, turns: int, workdir: Path, every: int, quiet: bool) -> SoakResult:
    config = load_config(config_path)
    config.audio.output.sink = "none"
    broker = start_mosquitto(workdir)
    config.broker.url = broker.url
    config.controller.driver = DriverConfig(backend="log", path=workdir / "face.jsonl")
    controller = FaceController(config, LogDriver(workdir / "face.jsonl"), load_rig(packaged_rig("sample")))
    samples: list[Sample] = []
    try:
        await controller.start()
        async with open_session(config, RunOptions(publish_face=True)) as session:
            for turn in range(1, turns + 1):
                await session.say(QUESTIONS[turn % len(QUESTIONS)])
                samples.append(sample(turn))
                if not quiet and (turn % every == 0 or turn == 1):
                    s = samples[-1]
                    print(f"turn {turn:4d}: rss {s.rss_mb:7.1f} MB, tasks {s.tasks}, threads {s.threads}, fds {s.fds}")
        stats = controller.stats
    finally:
        await controller.stop()
        broker.stop()
    first, last = samples[0], samples[-1]
    half = samples[len(samples) // 2 :]
    return SoakResult(
        turns=turns,
        rss_first_mb=round(first.rss_mb, 1),
        rss_last_mb=round(last.rss_mb, 1),
        rss_peak_mb=round(max(s.rss_mb for s in samples), 1),
        rss_slope_kb_per_turn=round(slope([(s.turn, s.rss_mb * 1024.0) for s in half]), 1),
        tasks_first=first.tasks,
        tasks_last=last.tasks,
        tasks_peak=max(s.tasks for s in samples),
        threads_first=first.threads,
        threads_last=last.threads,
        fds_first=first.fds,
        fds_last=last.fds,
        controller_malformed=stats.malformed,
        controller_frames_received=stats.frames_received,
    )


async def main(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="companion-soak-") as folder:
        workdir = Path(folder)
        config_path = args.config
        if config_path is None:
            from companion.tools.tiny import make_tiny_models

            config_path = make_tiny_models(workdir / "tiny", seed=0).config
        result = await soak(Path(config_path), args.turns, workdir, args.every, args.json)
    if args.json:
        print(json.dumps(asdict(result)))
    else:
        print(
            f"{result.turns} turns: memory {result.rss_first_mb} -> {result.rss_last_mb} MB (peak "
            f"{result.rss_peak_mb}, second-half slope {result.rss_slope_kb_per_turn} KB/turn); asyncio tasks "
            f"{result.tasks_first} -> {result.tasks_last} (peak {result.tasks_peak}); threads {result.threads_first}"
            f" -> {result.threads_last}; open files {result.fds_first} -> {result.fds_last}; controller: "
            f"{result.controller_frames_received} frames, {result.controller_malformed} malformed"
        )
    return 0
