"""The face benchmark's controller side: a real ``FaceController`` in a child interpreter, recording what it does.

It runs as deployed (its own process, event loop and GIL), records each frame's arrival and every output tick it
commands, and hands the recordings back to ``face_bench`` through a pickle file when told to stop.
"""

from __future__ import annotations

import asyncio
import pickle
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from companion.agent.config.schema import Config, FaceConfig, Persona
from companion.core.errors import CompanionError
from companion.face.controller.jitter import Insert
from companion.face.controller.realtime import raise_priority
from companion.face.controller.rig import Rig, load_rig
from companion.face.controller.service import FaceController, FacePipeline
from companion.face.drivers.base import BaseDriver, OutputTick
from companion.face.protocol import FRAME_HEADER, PROTOCOL_VERSION

BENCH_ROBOT_ID = "face-bench"
STARTUP_TIMEOUT_S = 30.0
_CONTROLLER_CODE = (
    "from companion.tools.bench.face_controller_process import controller_main; raise SystemExit(controller_main())"
)


class _TickRecorder(BaseDriver):
    """A driver that keeps every tick it is asked to command (wall time, channels as shown, utterance)."""

    name = "bench-recorder"

    def __init__(self) -> None:
        self.t_wall_ms: list[float] = []
        self.channels: list[np.ndarray] = []
        self.utterances: list[int] = []

    def write(self, tick: OutputTick) -> None:
        self.t_wall_ms.append(tick.t_wall_ms)
        self.channels.append(np.array(tick.channels, dtype=np.float32))
        self.utterances.append(tick.utterance_id)


class _RecordingPipeline(FacePipeline):
    """The controller's pipeline, noting each frame's arrival (wall ms, seq, pts, what the buffer did with it)
    and, per tick, whether the face followed the frames rather than neutral."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.arrivals: list[tuple[float, int, float, str]] = []
        self.following: list[bool] = []

    def on_frame(self, payload: bytes, now_ms: float) -> Insert | None:
        result = super().on_frame(payload, now_ms)
        if result is not None and len(payload) >= FRAME_HEADER.size and payload[0] == PROTOCOL_VERSION:
            _, _, _, _, seq, _, pts_ms = FRAME_HEADER.unpack_from(payload)
            self.arrivals.append((now_ms, seq, pts_ms, result.value))
        return result

    def tick(self, now_ms: float) -> OutputTick:
        tick = super().tick(now_ms)
        self.following.append(self.supervisor.following)
        return tick


class _RecordingController(FaceController):
    """The real service with the recording pipeline in place of its own (nothing else differs)."""

    def __init__(self, config: Config, driver: _TickRecorder, rig: Rig) -> None:
        super().__init__(config, driver, rig)
        self.pipeline = _RecordingPipeline(rig, self.settings, driver_name=driver.name)


def bench_config(host: str, port: int, face: FaceConfig | None = None) -> Config:
    """The defaults, on the benchmark's broker (never an embedded fallback), with binary frames."""
    config = Config(persona="bench", personas={"bench": Persona(name="Bench", style="A face timing benchmark.")})
    config.robot.id = BENCH_ROBOT_ID
    config.broker.url = f"mqtt://{host}:{port}"
    config.broker.embedded_fallback = False
    if face is not None:
        config.face = face
    return config


def controller_main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the controller's process (``HOST PORT RIG RESULT_PATH PRIORITY``; PRIORITY "none": normal).

    Prints ``ready`` once subscribed, serves until a line (or end of file) arrives on stdin, then pickles its
    recordings to ``RESULT_PATH`` and prints ``done``. A failure ends it with a traceback on stderr.
    """
    host, port, rig, result_path, priority = argv if argv is not None else sys.argv[1:]
    scheduling = raise_priority(int(priority) if priority != "none" else None)  # as `companion face` does
    asyncio.run(_serve_controller(host, int(port), rig, Path(result_path), scheduling))
    return 0


async def _serve_controller(host: str, port: int, rig: str, result: Path, scheduling: str) -> None:
    config = bench_config(host, port)
    driver = _TickRecorder()
    controller = _RecordingController(config, driver, load_rig(rig))
    await controller.start()
    print("ready", flush=True)
    await asyncio.to_thread(sys.stdin.readline)
    await controller.stop()
    pipeline = controller.pipeline
    assert isinstance(pipeline, _RecordingPipeline)
    clock = controller.clock
    recordings = {
        "tick_ms": np.array(driver.t_wall_ms, dtype=np.float64),
        "tick_channels": np.stack(driver.channels) if driver.channels else np.zeros((0, 0), np.float32),
        "tick_utterances": np.array(driver.utterances, dtype=np.int64),
        "tick_following": np.array(pipeline.following[: len(driver.t_wall_ms)], dtype=bool),
        "arrivals": pipeline.arrivals,
        "stats": controller.stats.as_dict(),
        "clock_probe": (clock.now(), clock.wall_ms()),
        "scheduling": scheduling,
    }
    await asyncio.to_thread(result.write_bytes, pickle.dumps(recordings))
    print("done", flush=True)


class ControllerProcess:
    """The face-controller in a child interpreter, as deployed: no shared GIL or event loop with the agent.

    A plain subprocess rather than ``multiprocessing``: spawning re-imports the caller's main module, which breaks
    scripts without a ``__main__`` guard; this way any caller can run the benchmark.
    """

    def __init__(self, process: asyncio.subprocess.Process, result: Path, stderr: Path) -> None:
        self.process = process
        self.result = result
        self.stderr = stderr

    @classmethod
    async def start(
        cls, host: str, port: int, rig: str, workdir: Path, priority: int | None = None
    ) -> ControllerProcess:
        result, stderr = workdir / "controller.pickle", workdir / "controller.stderr"
        args = [host, str(port), rig, str(result), "none" if priority is None else str(priority)]
        with stderr.open("wb") as errors:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-c", _CONTROLLER_CODE, *args,
                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=errors,
            )  # fmt: skip
        return cls(process, result, stderr)

    async def _expect(self, word: str, timeout_s: float) -> None:
        assert self.process.stdout is not None
        try:
            line = await asyncio.wait_for(self.process.stdout.readline(), timeout_s)
        except asyncio.TimeoutError:
            raise CompanionError(f"the face-controller process said nothing for {timeout_s:g} s") from None
        if line.decode(errors="replace").strip() != word:
            await self.process.wait()
            lines = self.stderr.read_text(encoding="utf-8", errors="replace").strip().splitlines()
            raise CompanionError(f"the face-controller process failed: {lines[-1] if lines else 'no message'}")

    async def wait_ready(self, timeout_s: float = STARTUP_TIMEOUT_S) -> None:
        await self._expect("ready", timeout_s)

    async def finish(self, timeout_s: float = 15.0) -> dict[str, Any]:
        """Stop the controller (it eases to neutral first) and read back its recordings."""
        assert self.process.stdin is not None
        self.process.stdin.write(b"stop\n")
        await self.process.stdin.drain()
        await self._expect("done", timeout_s)
        await self.process.wait()
        recordings: dict[str, Any] = pickle.loads(self.result.read_bytes())
        return recordings

    async def close(self) -> None:
        """Make sure the child is gone (after a failure on either side)."""
        if self.process.returncode is None:
            self.process.terminate()
            try:
                await asyncio.wait_for(self.process.wait(), 5.0)
            except asyncio.TimeoutError:
                self.process.kill()
                await self.process.wait()
