"""The Perceiver: fakes for its threading, pacing and privacy rules; real videos and models end to end."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from companion.agent.assembly import build_perceiver
from companion.agent.config.schema import Config, ModelsConfig, Persona, PrivacyConfig
from companion.core.errors import CompanionError
from companion.face.emotions import Emotion
from companion.perception.config import AffectConfig, PerceptionConfig
from companion.perception.faces import FaceBox
from companion.perception.perceiver import Perceiver
from companion.perception.video import VideoFileSource, VideoFrame
from companion.perception.visitor import VisitorState
from companion.tools.tiny.affect import make_tiny_affect_model
from tests.support.video import expected_face_center, face_offset, make_face_video

SIZE = (320, 240)
FACE_RIGHT_OF_CENTRE = FaceBox(200, 60, 60, 60)


def make_config(
    fps: float = 10.0,
    deployment: str = "public",
    emotion_inference: bool | None = None,
    affect_path: Path | None = None,
) -> Config:
    return Config(
        persona="p",
        personas={"p": Persona(name="P", style="You are kind.")},
        perception=PerceptionConfig(fps=fps, emotion_inference=emotion_inference),
        privacy=PrivacyConfig(deployment=deployment),  # type: ignore[arg-type]
        models=ModelsConfig(affect=AffectConfig(path=affect_path, **TINY_AFFECT) if affect_path else None),
    )


FERPLUS = ["neutral", "happy", "surprised", "sad", "angry", "disgusted", "fearful", "contempt"]
# The tiny test classifier's input: 64x64 grey, [0, 1] pixels, no alignment.
TINY_AFFECT = {"labels": FERPLUS, "input_size": 64, "grayscale": True, "pixel_scale": 1 / 255, "pixel_offset": 0.0,
               "align": False}  # fmt: skip


def perceiver_for(config: Config, source: object, detector: object, affect: object, **options: object) -> Perceiver:
    """A Perceiver with the given parts and the settings ``config`` gives it (as the agent builds one)."""
    return Perceiver(
        source, detector, affect, config.perception, emotion_inference=config.emotion_inference_enabled, **options
    )  # type: ignore[arg-type]


def default_perceiver(config: Config, source: VideoFileSource) -> Perceiver:
    """The agent's perception for ``config`` (the configured detector and affect model) on ``source``."""
    return build_perceiver(config, source, realtime=False)


class FakeSource:
    """A recording of blank frames at ``fps``, or a live feed of them when ``live``."""

    def __init__(self, seconds: float, fps: float = 30.0, live: bool = False, delay_s: float = 0.0) -> None:
        self.name = "fake"
        self.live = live
        self.frames = round(seconds * fps)
        self.fps = fps
        self.delay_s = delay_s
        self.index = 0
        self.closed = False
        self.image = np.zeros((SIZE[1], SIZE[0], 3), dtype=np.uint8)

    def read(self) -> VideoFrame | None:
        if not self.live and self.index >= self.frames:
            return None
        if self.delay_s:
            time.sleep(self.delay_s)
        t = time.monotonic() if self.live else self.index / self.fps
        frame = VideoFrame(self.image, t, self.index)
        self.index += 1
        return frame

    def close(self) -> None:
        self.closed = True


class FakeDetector:
    def __init__(self, box: FaceBox | None = FACE_RIGHT_OF_CENTRE, delay_s: float = 0.0) -> None:
        self.box = box
        self.delay_s = delay_s
        self.calls = 0

    def detect(self, image: np.ndarray) -> list[FaceBox]:
        self.calls += 1
        if self.delay_s:
            time.sleep(self.delay_s)
        return [self.box] if self.box else []


class SpyAffect:
    emotions = (Emotion.NEUTRAL, Emotion.HAPPY)

    def __init__(self) -> None:
        self.calls = 0

    def predict(self, face: np.ndarray) -> dict[Emotion, float]:
        self.calls += 1
        return {Emotion.NEUTRAL: 0.3, Emotion.HAPPY: 0.7}


async def collect(perceiver: Perceiver) -> list[VisitorState]:
    states: list[VisitorState] = []
    await perceiver.run(states.append)
    return states


async def test_analyses_at_most_fps_frames_a_second() -> None:
    source = FakeSource(seconds=2.0, fps=30.0)
    detector = FakeDetector()
    perceiver = perceiver_for(make_config(fps=10.0), source, detector, None, realtime=False)
    states = await collect(perceiver)
    assert len(states) == round(2.0 * 10.0)
    assert detector.calls == len(states) == perceiver.stats.frames_analysed
    assert perceiver.stats.frames_read == source.frames
    gaps = np.diff([s.updated_t for s in states])
    assert gaps.min() >= 0.1 - 1e-3
    assert source.closed


async def test_updates_arrive_on_the_event_loop_thread() -> None:
    threads: set[int] = set()
    perceiver = perceiver_for(make_config(), FakeSource(0.5), FakeDetector(), None, realtime=False)
    await perceiver.run(lambda state: threads.add(threading.get_ident()))
    assert threads == {threading.get_ident()}


@pytest.mark.parametrize(
    ("deployment", "switch"), [("workplace", None), ("education", None), ("public", False), ("home", False)]
)
async def test_emotion_inference_off_never_runs_the_model(deployment: str, switch: bool | None) -> None:
    config = make_config(deployment=deployment, emotion_inference=switch)
    assert not config.emotion_inference_enabled
    spy = SpyAffect()
    perceiver = perceiver_for(config, FakeSource(1.0), FakeDetector(), spy, realtime=False)
    states = await collect(perceiver)
    assert states and all(s.present for s in states)
    assert spy.calls == 0
    assert all(s.affect is None and not s.affect_probabilities for s in states)
    assert not perceiver.emotion_inference


async def test_emotion_inference_on_runs_the_model_per_analysed_face() -> None:
    spy = SpyAffect()
    perceiver = perceiver_for(make_config(), FakeSource(1.0), FakeDetector(), spy, realtime=False)
    states = await collect(perceiver)
    assert spy.calls == len(states) > 0
    assert all(s.affect is Emotion.HAPPY for s in states)
    # No face, no model call.
    spy_no_face = SpyAffect()
    absent = await collect(
        perceiver_for(make_config(), FakeSource(1.0), FakeDetector(box=None), spy_no_face, realtime=False)
    )
    assert spy_no_face.calls == 0
    assert not any(s.present for s in absent)


async def test_worker_errors_are_raised_by_run() -> None:
    class BrokenCamera(FakeSource):
        def read(self) -> VideoFrame | None:
            raise CompanionError("camera 0 stopped delivering frames")

    with pytest.raises(CompanionError, match="stopped delivering"):
        await collect(perceiver_for(make_config(), BrokenCamera(1.0, live=True), FakeDetector(), None))


async def test_cancellation_stops_the_worker_and_nothing_arrives_after() -> None:
    source = FakeSource(seconds=0, fps=30.0, live=True, delay_s=1 / 30)
    perceiver = perceiver_for(make_config(fps=30.0), source, FakeDetector(), None)
    states: list[VisitorState] = []
    three = asyncio.Event()

    def on_update(state: VisitorState) -> None:
        states.append(state)
        if len(states) >= 3:
            three.set()

    task = asyncio.create_task(perceiver.run(on_update))
    await asyncio.wait_for(three.wait(), timeout=10)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    count = len(states)
    assert source.closed
    read_at_stop = source.index
    await asyncio.sleep(0.2)
    assert len(states) == count
    assert source.index == read_at_stop  # the worker thread has stopped reading
    # Live frames are stamped with their capture time on the loop's clock.
    now = asyncio.get_running_loop().time()
    assert all(now - 10 < s.updated_t <= now for s in states)


async def test_realtime_never_delivers_a_frame_before_its_time() -> None:
    loop = asyncio.get_running_loop()
    delivered: list[tuple[float, float]] = []
    perceiver = perceiver_for(make_config(), FakeSource(0.6), FakeDetector(), None, realtime=True)
    await perceiver.run(lambda s: delivered.append((loop.time(), s.updated_t)))
    assert len(delivered) == 6
    assert all(at >= t - 0.005 for at, t in delivered)
    # The states' times are the run's start plus video time: 0.1 s apart like the analysed frames.
    np.testing.assert_allclose(np.diff([t for _, t in delivered]), 0.1, atol=1e-6)


async def test_realtime_skips_frames_it_cannot_keep_up_with() -> None:
    slow = FakeDetector(delay_s=0.25)  # 2.5 analysis intervals per frame
    perceiver = perceiver_for(make_config(fps=10.0), FakeSource(1.0), slow, None, realtime=True)
    states = await collect(perceiver)
    assert perceiver.stats.frames_late > 0
    assert len(states) < 10  # at full speed it would have analysed 10


# --- real videos, the real detector and the tiny ONNX affect model ----------------------------------------------


@pytest.fixture(scope="module")
def affect_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_tiny_affect_model(tmp_path_factory.mktemp("affect") / "tiny.onnx", FERPLUS)


@pytest.fixture(scope="module")
def videos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("videos")
    return {
        motion: make_face_video(folder / f"{motion}.avi", seconds=3.0, fps=25, motion=motion)  # type: ignore[arg-type]
        for motion in ("still", "shake", "nod", "appear")
    }


@pytest.mark.integration
async def test_still_video_end_to_end(videos: dict[str, Path], affect_path: Path) -> None:
    config = make_config(affect_path=affect_path)
    perceiver = default_perceiver(config, VideoFileSource(videos["still"]))
    states = await collect(perceiver)
    assert abs(len(states) - 3.0 * config.perception.fps) <= 1
    assert all(s.present for s in states)
    ex, ey = expected_face_center(SIZE)
    for state in states:
        assert state.face_center == pytest.approx((ex / SIZE[0], ey / SIZE[1]), abs=0.03)
        assert state.gaze is not None and abs(state.gaze[0]) < 2.0 and abs(state.gaze[1]) < 2.0
        assert state.affect is not None
        assert sum(state.affect_probabilities.values()) == pytest.approx(1.0, abs=1e-6)
        assert state.affect_probabilities[state.affect] == state.affect_confidence
    assert states[-1].smiling  # the astronaut smiles
    assert states[-1].gesture is None
    assert perceiver.stats.mean_analysis_ms > 0


@pytest.mark.integration
async def test_gaze_follows_the_face_and_the_shake_is_seen(videos: dict[str, Path]) -> None:
    perceiver = default_perceiver(make_config(), VideoFileSource(videos["shake"]))
    states = await collect(perceiver)
    start = states[0].updated_t
    off_centre = 0
    for state in states:
        assert state.present and state.face_center is not None and state.gaze is not None
        offset_x, _ = face_offset("shake", state.updated_t - start)
        if abs(offset_x) > 0.1:
            off_centre += 1
            # The face left of centre (image left = the robot's left) means a positive yaw, and vice versa.
            assert (state.face_center[0] - 0.5) * offset_x > 0
            assert state.gaze[0] * offset_x < 0
    assert off_centre >= 4
    assert states[-1].gesture == "shake"
    assert [s.gesture_t for s in states if s.gesture_t is not None]


@pytest.mark.integration
async def test_nod_video_gives_a_nod(videos: dict[str, Path]) -> None:
    states = await collect(default_perceiver(make_config(), VideoFileSource(videos["nod"])))
    nod_times = sorted({s.gesture_t for s in states if s.gesture == "nod"})
    assert len(nod_times) == 2  # the video nods twice


@pytest.mark.integration
async def test_visitor_appears_halfway(videos: dict[str, Path]) -> None:
    states = await collect(default_perceiver(make_config(), VideoFileSource(videos["appear"])))
    start = states[0].updated_t
    for state in states:
        if state.updated_t - start < 1.4:
            assert not state.present and state.faces == 0
        elif state.updated_t - start > 1.6:
            assert state.present and state.faces == 1


def test_storing_video_is_not_silently_pretended(caplog: pytest.LogCaptureFixture) -> None:
    config = make_config()
    config.privacy.store_face_crops = True
    with caplog.at_level("WARNING", logger="companion.agent.assembly"):
        build_perceiver(config, FakeSource(0.1))
    assert "not implemented" in caplog.text
    caplog.clear()
    with caplog.at_level("WARNING", logger="companion.agent.assembly"):
        build_perceiver(make_config(), FakeSource(0.1))
    assert caplog.text == ""
