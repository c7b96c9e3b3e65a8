"""Nods and shakes from the head pose: onsets with their start time, ends once the head settles, no false ones."""

from __future__ import annotations

import math

from companion.perception.actions import HeadPose
from companion.perception.head_gestures import HeadGestureDetector, HeadGestureEvent

FPS = 15.0


def run(detector: HeadGestureDetector, pose_at, seconds: float) -> list[HeadGestureEvent]:  # type: ignore[no-untyped-def]
    events: list[HeadGestureEvent] = []
    for i in range(int(seconds * FPS)):
        t = i / FPS
        yaw, pitch = pose_at(t)
        events += detector.update(t, HeadPose(yaw, pitch, 0.0))
    return events


def nod(t: float, start: float = 0.5, length: float = 0.6, depth: float = 12.0) -> float:
    phase = (t - start) / length
    return -depth * math.sin(math.pi * phase) if 0 <= phase <= 1 else 0.0


def test_a_nod_has_an_onset_at_its_start_and_an_end_once_the_head_settles() -> None:
    events = run(HeadGestureDetector(), lambda t: (0.0, nod(t)), 2.5)
    assert [(e.kind, e.phase) for e in events] == [("nod", "onset"), ("nod", "end")]
    onset, end = events
    assert 0.4 <= onset.t <= 0.7  # when the head started to go down
    assert onset.recognised_t <= 1.3  # seen as the head came back up
    assert end.t >= 1.1 and onset.amplitude_deg >= 8


def test_a_shake_is_three_swings_and_a_single_turn_is_not() -> None:
    def shake(t: float) -> tuple[float, float]:
        phase = (t - 0.4) / 1.0
        return (15.0 * math.sin(2 * math.pi * phase) if 0 <= phase <= 1 else 0.0), 0.0

    events = run(HeadGestureDetector(), shake, 2.5)
    assert [(e.kind, e.phase) for e in events] == [("shake", "onset"), ("shake", "end")]

    def look_away(t: float) -> tuple[float, float]:  # turns to look at something and stays there
        return (20.0 * min(1.0, max(0.0, t - 0.5)), 0.0)

    assert run(HeadGestureDetector(), look_away, 3.0) == []


def test_slow_looking_down_jitter_and_a_diagonal_wobble_are_not_gestures() -> None:
    assert run(HeadGestureDetector(), lambda t: (0.0, -4.0 * t), 3.0) == []  # looking down slowly, never back
    assert run(HeadGestureDetector(), lambda t: (1.5 * math.sin(20 * t), 1.5 * math.cos(17 * t)), 3.0) == []
    # Both axes moving as much: a head rolling around, not a nod.
    assert run(HeadGestureDetector(), lambda t: (nod(t), nod(t)), 2.5) == []


def test_two_nods_with_a_pause_between_are_two_gestures() -> None:
    events = run(HeadGestureDetector(), lambda t: (0.0, nod(t, 0.3) + nod(t, 1.5)), 3.0)
    assert [(e.kind, e.phase) for e in events] == [("nod", "onset"), ("nod", "end")] * 2
