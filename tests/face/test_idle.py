"""Idle life: blinks, saccades, breathing, gaze, listening nods and thinking look-aways, deterministic by seed."""

from __future__ import annotations

import numpy as np
import pytest

from companion.face.idle import IdleLife, IdlePose


def run(life: IdleLife, start: float, seconds: float, rate: float = 100.0) -> tuple[np.ndarray, list[IdlePose]]:
    times = start + np.arange(int(seconds * rate)) / rate
    return times, [life.sample(float(t)) for t in times]


def episodes(times: np.ndarray, active: np.ndarray) -> list[tuple[float, float]]:
    """(start, duration) of each run of samples where ``active`` is true; a sample counts for one period."""
    period = float(times[1] - times[0])
    edges = np.diff(np.concatenate([[0], active.astype(int), [0]]))
    starts, ends = np.nonzero(edges == 1)[0], np.nonzero(edges == -1)[0]
    return [(float(times[s]), (e - s) * period) for s, e in zip(starts, ends, strict=True)]


def test_same_seed_same_face_and_different_seeds_differ() -> None:
    _, first = run(IdleLife(seed=3), 10.0, 20.0)
    _, again = run(IdleLife(seed=3), 10.0, 20.0)
    _, other = run(IdleLife(seed=4), 10.0, 20.0)
    assert first == again
    assert first != other


def test_blinks_come_at_natural_intervals_with_some_double_blinks() -> None:
    times, poses = run(IdleLife(seed=1), 0.0, 400.0)
    blinks = episodes(times, np.array([p.blink > 0.0 for p in poses]))
    durations = np.array([duration for _, duration in blinks])
    starts = np.array([start for start, _ in blinks])
    gaps = np.diff(starts)
    assert 90 <= len(blinks) <= 160  # 15-20 a minute at rest would be 100-133
    assert 3.0 <= np.mean(gaps) <= 4.0
    assert np.all((durations >= 0.14) & (durations <= 0.26))
    assert np.sum(gaps < 0.5) >= 3  # double blinks
    assert np.sum(gaps < 0.5) <= 0.3 * len(gaps)
    assert max(p.blink for p in poses) == pytest.approx(1.0, abs=0.05)  # the lids really close


def test_saccades_are_small_jumps_of_the_eyes() -> None:
    times, poses = run(IdleLife(seed=2), 0.0, 30.0)
    yaw = np.array([p.eye_yaw for p in poses])
    pitch = np.array([p.eye_pitch for p in poses])
    assert np.abs(yaw).max() <= 3.01 and np.abs(pitch).max() <= 3.01
    moves = np.hypot(np.diff(yaw), np.diff(pitch))
    fixation_changes = episodes(times, moves > 0.05)
    assert 10 <= len(fixation_changes) <= 100
    # A saccade is fast: each lasts a few frames, not a drift.
    assert all(duration <= 0.06 for _, duration in fixation_changes)


def test_breathing_is_slow_and_small() -> None:
    _, poses = run(IdleLife(seed=5), 0.0, 60.0, rate=20.0)
    pitch = np.array([p.head_pitch for p in poses])
    assert 0.2 <= pitch.max() - pitch.min() <= 2.0
    spectrum = np.abs(np.fft.rfft(pitch - pitch.mean()))
    frequencies = np.fft.rfftfreq(len(pitch), d=1 / 20.0)
    assert 0.15 <= frequencies[np.argmax(spectrum)] <= 0.35  # 9-21 breaths a minute


def test_gaze_goes_to_the_visitor_eyes_first_then_head() -> None:
    life = IdleLife(seed=0)
    run(life, 0.0, 1.0)
    life.set_gaze_target(20.0, -5.0)
    times, poses = run(life, 1.0, 3.0)
    total_yaw = np.array([p.head_yaw + p.eye_yaw for p in poses])
    head_yaw = np.array([p.head_yaw for p in poses])
    soon = times <= 1.15
    assert total_yaw[soon][-1] >= 12.0  # the eyes are most of the way there within 150 ms
    assert head_yaw[soon][-1] <= 8.0  # while the head has only begun to turn
    late = times >= 3.0
    assert np.all(np.abs(total_yaw[late] - 20.0) <= 4.0)  # on target, give or take saccades and sway
    assert 8.0 <= np.mean(head_yaw[late]) <= 16.0  # the head took a share
    assert np.mean([p.head_pitch + p.eye_pitch for p in poses[-50:]]) == pytest.approx(-5.0, abs=2.0)
    life.set_gaze_target(None, None)
    _, back = run(life, 4.0, 3.0)
    assert abs(np.mean([p.head_yaw + p.eye_yaw for p in back[-50:]])) <= 2.0


def head_dips(poses: list[IdlePose]) -> int:
    pitch = np.array([p.head_pitch for p in poses])
    return len(episodes(np.arange(len(pitch), dtype=float), pitch < -2.0))


def test_listening_brings_small_nods_and_other_states_do_not() -> None:
    quiet = IdleLife(seed=8)
    _, idle_poses = run(quiet, 0.0, 20.0)
    listener = IdleLife(seed=8)
    listener.set_conversation_state("listening", 0.0)
    _, listening_poses = run(listener, 0.0, 20.0)
    assert head_dips(idle_poses) == 0
    assert head_dips(listening_poses) >= 2
    assert min(p.head_pitch for p in listening_poses) >= -8.0  # small nods
    listener.set_conversation_state("speaking", 20.0)
    _, after = run(listener, 21.0, 20.0)
    assert head_dips(after) == 0


def test_thinking_looks_up_and_aside_briefly_then_back() -> None:
    life = IdleLife(seed=11)
    life.set_gaze_target(0.0, 0.0)
    run(life, 0.0, 1.0)
    life.set_conversation_state("thinking", 1.0)
    times, poses = run(life, 1.0, 6.0)
    pitch = np.array([p.head_pitch + p.eye_pitch for p in poses])
    yaw = np.array([p.head_yaw + p.eye_yaw for p in poses])
    away = (pitch > 4.0) & (np.abs(yaw) > 6.0)
    assert away[times <= 2.0].any()  # looks away within a second
    assert not away.all()  # and comes back in between
    life.set_conversation_state("speaking", 7.0)
    _, after = run(life, 7.0, 3.0)
    assert all(abs(p.head_yaw + p.eye_yaw) < 5.0 for p in after[150:])  # back on the visitor while speaking


def test_unknown_conversation_state_is_refused() -> None:
    with pytest.raises(ValueError, match="conversation state"):
        IdleLife().set_conversation_state("dreaming", 0.0)
