"""Head gestures from face-box trajectories: synthetic ones (exact), and the test videos through the real detector."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import pytest

from companion.perception.faces import HaarFaceDetector
from companion.perception.gestures import GestureDetector, GestureEvent, turning_points
from companion.perception.video import VideoFileSource
from tests.support.video import make_face_video

FPS = 10.0
FACE = 80.0  # px


def run(
    path: Callable[[float], tuple[float, float]], seconds: float, face: float = FACE, fps: float = FPS
) -> tuple[GestureDetector, list[GestureEvent]]:
    """Feed a trajectory (face-size offsets (right, down) over time) of a face centred at (160, 120)."""
    detector = GestureDetector()
    events = []
    for i in range(round(seconds * fps) + 1):
        t = i / fps
        dx, dy = path(t)
        event = detector.update(t, (160.0 + dx * face, 120.0 + dy * face), face)
        if event is not None:
            events.append(event)
    return detector, events


def bump(start: float, duration: float, amplitude: float) -> Callable[[float], float]:
    """0 -> amplitude -> 0 as a half sine between start and start + duration."""

    def value(t: float) -> float:
        phase = (t - start) / duration
        return amplitude * math.sin(math.pi * phase) if 0.0 <= phase <= 1.0 else 0.0

    return value


def wave(start: float, duration: float, amplitude: float) -> Callable[[float], float]:
    """0 -> amplitude -> -amplitude -> 0 as one full sine."""

    def value(t: float) -> float:
        phase = (t - start) / duration
        return amplitude * math.sin(2 * math.pi * phase) if 0.0 <= phase <= 1.0 else 0.0

    return value


def test_turning_points_ignore_wiggles_below_the_threshold() -> None:
    values = [0.0, 0.02, -0.01, 0.3, 0.28, 0.31, 0.05, 0.04, 0.35]
    assert turning_points(values, 0.1) == [2, 5, 7, 8]
    assert turning_points([0.0, 0.05, -0.04, 0.03], 0.1) == []
    assert turning_points([], 0.1) == []


def test_nod_is_recognised_once_per_dip() -> None:
    first, second = bump(0.5, 0.6, 0.3), bump(2.0, 0.6, 0.3)
    _, events = run(lambda t: (0.0, first(t) + second(t)), 3.5)
    assert [e.kind for e in events] == ["nod", "nod"]
    # Each is recognised on the way back up, inside its own dip.
    assert 0.8 <= events[0].t <= 1.1
    assert 2.3 <= events[1].t <= 2.6


def test_shake_is_recognised() -> None:
    shake = wave(0.5, 0.8, 0.3)
    _, events = run(lambda t: (shake(t), 0.0), 2.0)
    assert [e.kind for e in events] == ["shake"]


def test_nod_looks_the_same_at_any_distance() -> None:
    dip = bump(0.5, 0.6, 0.3)
    for face in (40.0, 80.0, 200.0):
        _, events = run(lambda t: (0.0, dip(t)), 1.5, face=face)
        assert [e.kind for e in events] == ["nod"], face


def test_nod_at_a_higher_frame_rate() -> None:
    dip = bump(0.5, 0.6, 0.3)
    _, events = run(lambda t: (0.0, dip(t)), 1.5, fps=30.0)
    assert [e.kind for e in events] == ["nod"]


@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("a slow look down and back", lambda t: (0.0, bump(0.5, 2.5, 0.3)(t))),
        ("jitter below the threshold", lambda t: (0.04 * math.sin(17 * t), 0.04 * math.cos(23 * t))),
        ("looking up and back", lambda t: (0.0, -bump(0.5, 0.6, 0.3)(t))),
        ("a diagonal dip", lambda t: (bump(0.5, 0.6, 0.3)(t), bump(0.5, 0.6, 0.3)(t))),
        ("one glance sideways", lambda t: (bump(0.5, 0.6, 0.3)(t), 0.0)),
        ("a tiny dip", lambda t: (0.0, bump(0.5, 0.6, 0.08)(t))),
    ],
)
def test_no_gesture(name: str, path: Callable[[float], tuple[float, float]]) -> None:
    _, events = run(path, 4.0)
    assert events == [], name


def test_a_jump_of_a_whole_face_breaks_the_trajectory() -> None:
    detector = GestureDetector()
    # Down by 0.3 faces, then the "face" jumps 3 faces up (another person), then back: no nod out of that.
    for t, y in [(0.0, 0.0), (0.1, 0.15), (0.2, 0.3), (0.3, -3.0), (0.4, -3.0)]:
        assert detector.update(t, (160.0, 120.0 + y * FACE), FACE) is None


def test_pose_signs_follow_the_visitors_frame() -> None:
    detector = GestureDetector()
    detector.update(0.0, (160.0, 120.0), FACE)
    assert detector.pose is not None and detector.pose.yaw_deg == 0.0 and detector.pose.pitch_deg == 0.0
    # Face moves to the image's right (the visitor turned toward their own left) and up: yaw and pitch positive.
    detector.update(0.1, (160.0 + 0.2 * FACE, 120.0 - 0.1 * FACE), FACE)
    assert detector.pose is not None
    assert detector.pose.yaw_deg > 0
    assert detector.pose.pitch_deg > 0
    # The documented model: offset = head_radius * sin(angle), the offset measured from a baseline that has
    # followed the new position for 0.1 s of its time constant.
    remaining = math.exp(-0.1 / detector.baseline_s)
    assert detector.pose.yaw_deg == pytest.approx(math.degrees(math.asin(0.2 * remaining / detector.head_radius)))
    assert detector.pose.pitch_deg == pytest.approx(math.degrees(math.asin(0.1 * remaining / detector.head_radius)))


def test_pose_returns_to_zero_as_the_baseline_follows() -> None:
    detector = GestureDetector(baseline_s=1.0)
    detector.update(0.0, (160.0, 120.0), FACE)
    t = 0.0
    for _ in range(100):  # the visitor turned and stays turned for 10 s
        t += 0.1
        detector.update(t, (160.0 + 0.3 * FACE, 120.0), FACE)
    assert detector.pose is not None
    assert abs(detector.pose.yaw_deg) < 0.1


@pytest.mark.integration
@pytest.mark.parametrize(
    ("motion", "expected"), [("nod", ["nod", "nod"]), ("shake", ["shake", "shake"]), ("still", [])]
)
def test_gestures_in_test_videos_through_the_real_detector(tmp_path: Path, motion: str, expected: list[str]) -> None:
    path = make_face_video(tmp_path / f"{motion}.avi", seconds=2.5, fps=20, motion=motion)  # type: ignore[arg-type]
    source = VideoFileSource(path)
    faces = HaarFaceDetector()
    gestures = GestureDetector()
    events: list[str] = []
    seen = 0
    while (frame := source.read()) is not None:
        if frame.index % 2:
            continue  # analyse at 10 fps, as the perceiver does by default
        found = faces.detect(frame.image)
        if found:
            seen += 1
            event = gestures.update(frame.t, found[0].center, float(found[0].w))
            if event is not None:
                events.append(event.kind)
    source.close()
    assert seen >= 20  # the face was found in (nearly) every analysed frame
    assert events == expected
