"""Mirror mode end to end: a real face's clips -> the real landmark model -> the session -> the robot's face.

Each clip is a recording (MJPG .avi) made from the astronaut photo: a left smile, a tongue, a nod (a 3-D head
turn), a shake, an empty room. The session runs with fake speech and language models (what is under test is
perception and the face), mirror mode on; the animator's output is the robot's face as the controller would get it.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import pytest

from companion.agent.assembly import build_perceiver
from companion.agent.config.schema import Config, Persona
from companion.agent.events import HeadGesture, MirrorChanged, ReplyFinished, VisitorPresence, VisitorSession
from companion.agent.session import ConversationSession, SessionParts
from companion.core.errors import CompanionError
from companion.face.protocol import DEFAULT_LAYOUT
from companion.perception.video import VideoFileSource, VideoFrame
from companion.perception.visitor import VisitorState
from companion.tools.face_clips import FRAME_SIZE, FaceRig, bump, neutral_frame, write_clip
from companion.tools.testing.fakes import FakeLLM, FakeTTS

pytestmark = pytest.mark.integration
INDEX = DEFAULT_LAYOUT.index()


@pytest.fixture(scope="module")
def rig(landmark_models: Path) -> FaceRig:
    return FaceRig.of(neutral_frame(), landmark_models)


@pytest.fixture(scope="module")
def clips(rig: FaceRig, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("clips")
    smile, tongue = bump(1.0, 2.2), bump(1.0, 2.2)
    shake = lambda t: 18 * math.sin(2 * math.pi * (t - 1.0) / 1.2) if 1.0 <= t <= 2.2 else 0.0  # noqa: E731
    timelines: dict[str, Callable[[float], dict[str, float]]] = {
        "smile_left": lambda t: {"smile_left": smile(t)},
        "tongue": lambda t: {"tongue": tongue(t)},
        "nod": lambda t: {"pitch": -14 * bump(1.0, 1.7)(t)},
        "shake": lambda t: {"yaw": shake(t)},
    }
    clips = {
        name: write_clip(folder / f"{name}.avi", rig, timeline, 3.0, fps=15) for name, timeline in timelines.items()
    }
    # A visitor at rest, then smiling from 0.8 s, walks out of view at 1.5 s: the camera films an empty room.
    writer = cv2.VideoWriter(str(folder / "leaves.avi"), cv2.VideoWriter_fourcc(*"MJPG"), 15, FRAME_SIZE)
    empty = np.full_like(rig.frame, 120)
    for index in range(45):
        writer.write(rig.render({"smile_left": float(index >= 12)}) if index < 22 else empty)
    writer.release()
    clips["leaves"] = folder / "leaves.avi"
    return clips


def make_config() -> Config:
    config = Config(persona="p", personas={"p": Persona(name="P", style="You are kind.", mirror=True)})
    config.perception.fps = 15
    return config


async def watch(
    clip: Path | object, config: Config | None = None
) -> tuple[ConversationSession, list[tuple[float, np.ndarray]], list[VisitorState]]:
    """Run the clip through a mirroring session; the robot's face sampled just after each frame."""
    config = config or make_config()
    session = ConversationSession(config, SessionParts(tts=FakeTTS(delay_s=0.001), llm=FakeLLM(first_token_s=0.01)))
    await session.start()
    faces: list[tuple[float, np.ndarray]] = []
    states: list[VisitorState] = []

    def record(state: VisitorState) -> None:
        states.append(state)
        faces.append((state.updated_t, session.face.animator.sample(state.updated_t + 0.05).values))

    source = VideoFileSource(clip) if isinstance(clip, Path) else clip
    await session.watch(build_perceiver(config, source, realtime=False), also=record)  # type: ignore[arg-type]
    return session, faces, states


def channel(faces: list[tuple[float, np.ndarray]], name: str, start: float, end: float) -> list[float]:
    t0 = faces[0][0]
    return [float(values[INDEX[name]]) for t, values in faces if start <= t - t0 <= end]


async def test_a_left_smile_shows_on_the_robots_right_like_a_mirror(clips: dict[str, Path]) -> None:
    session, faces, _ = await watch(clips["smile_left"])
    try:
        peak_right = max(channel(faces, "mouthSmileRight", 1.4, 1.9))
        assert peak_right > 0.3
        assert max(channel(faces, "mouthSmileLeft", 1.4, 1.9)) < 0.5 * peak_right
        assert max(channel(faces, "mouthSmileRight", 0.0, 0.7)) < 0.15  # at rest before the smile
        assert session.events.of_type(MirrorChanged)[0].on  # the persona turned it on
    finally:
        await session.close()


async def test_the_tongue_comes_out_on_the_robot(clips: dict[str, Path]) -> None:
    session, faces, _ = await watch(clips["tongue"])
    try:
        assert max(channel(faces, "tongueOut", 1.4, 1.9)) > 0.3
        assert max(channel(faces, "tongueOut", 0.0, 0.7)) < 0.1
    finally:
        await session.close()


async def test_a_nod_tilts_the_robots_head_and_is_reported(clips: dict[str, Path]) -> None:
    session, faces, _ = await watch(clips["nod"])
    try:
        assert min(channel(faces, "headPitch", 1.2, 1.6)) < -4.0  # the visitor looks down: so does the robot
        gestures = session.events.of_type(HeadGesture)
        assert [(g.kind, g.phase) for g in gestures][:1] == [("nod", "onset")]
    finally:
        await session.close()


async def test_a_shake_turns_the_robots_head_the_mirror_way(clips: dict[str, Path]) -> None:
    session, faces, states = await watch(clips["shake"])
    try:
        yaw = channel(faces, "headYaw", 1.0, 2.2)
        visitor = [s.head_pose.yaw_deg for s in states if s.head_pose is not None]
        assert max(visitor) > 5 and min(visitor) < -5
        assert max(yaw) > 3 and min(yaw) < -3
        # While the visitor turns toward their left (positive), the robot turns toward its right (negative).
        t_left = max(states, key=lambda s: s.head_pose.yaw_deg if s.head_pose else -99).updated_t
        robot_then = next(v[INDEX["headYaw"]] for t, v in faces if t == t_left)
        assert robot_then < 0
        assert "shake" in {g.kind for g in session.events.of_type(HeadGesture)}
    finally:
        await session.close()


async def test_the_mirror_fades_out_when_the_face_goes(clips: dict[str, Path]) -> None:
    session, faces, states = await watch(clips["leaves"])
    try:
        assert max(channel(faces, "mouthSmileRight", 1.0, 1.45)) > 0.3  # mirroring the smile
        assert any(not s.present for s in states)
        assert max(channel(faces, "mouthSmileRight", 2.7, 3.0)) < 0.05  # faded out while the room was empty
        # Mirror mode itself stayed on through the empty room, waiting for the next face, until the video ended.
        assert [(c.on, c.reason) for c in session.events.of_type(MirrorChanged)] == [
            (True, "persona"),
            (False, "video ended"),
        ]
    finally:
        await session.close()


class VanishingCamera:
    """A live camera that delivers the smiling clip's frames, then stops delivering (unplugged)."""

    live = True
    name = "camera:test"

    def __init__(self, clip: Path, frames: int) -> None:
        self._file = VideoFileSource(clip)
        self._left = frames
        self._t = 0.0

    def read(self) -> VideoFrame | None:
        if self._left <= 0:
            raise CompanionError("camera 0 stopped delivering frames")
        self._left -= 1
        frame = self._file.read()
        assert frame is not None
        self._t += 1 / 15
        import time

        return VideoFrame(frame.image, time.monotonic(), frame.index)

    def close(self) -> None:
        self._file.close()


async def test_a_camera_that_disappears_ends_mirroring_and_the_conversation_goes_on(clips: dict[str, Path]) -> None:
    session, _, _ = await watch(VanishingCamera(clips["smile_left"], frames=20))
    try:
        changes = session.events.of_type(MirrorChanged)
        assert [c.on for c in changes] == [True, False] and changes[-1].reason == "camera lost"
        finished = await asyncio.wait_for(session.say("Are you still there?"), 10)
        assert isinstance(finished, ReplyFinished) and finished.text
    finally:
        await session.close()


async def test_presence_starts_a_fresh_visitor_session(clips: dict[str, Path]) -> None:
    config = make_config()
    config.perception.presence.leave_s = 0.3
    session, _, _ = await watch(clips["smile_left"], config)
    try:
        changes = [e.change for e in session.events.of_type(VisitorPresence)]
        assert changes[0] == "arrived"
        sessions = [(e.phase, e.reason) for e in session.events.of_type(VisitorSession)]
        assert ("started", "arrived") in sessions
    finally:
        await session.close()
