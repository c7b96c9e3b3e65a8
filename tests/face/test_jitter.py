"""The jitter buffer: interpolation, out-of-order arrival, late drop, duplicates, flush, hold and bounds."""

from __future__ import annotations

import numpy as np
import pytest

from companion.face.controller.jitter import BufferedFrame, Insert, JitterBuffer

T0 = 1_700_000_000_000.0  # an epoch-ms timeline


def _frame(seq: int, pts: float, value: float, utterance: int = 1) -> BufferedFrame:
    return BufferedFrame(pts, seq, utterance, np.array([value, -value], dtype=np.float32))


def test_interpolates_between_neighbours() -> None:
    buffer = JitterBuffer()
    a, b = _frame(1, T0 + 100, 0.2), _frame(2, T0 + 120, 0.6)
    assert buffer.insert(a, T0) is Insert.ADDED
    assert buffer.insert(b, T0) is Insert.ADDED
    for offset in (100.0, 105.0, 110.0, 119.0):
        u = (offset - 100.0) / 20.0
        sample = buffer.sample(T0 + offset)
        assert sample is not None
        np.testing.assert_allclose(sample.values, a.values + (b.values - a.values) * u, rtol=1e-6)
        assert sample.utterance_id == 1


def test_nothing_before_the_first_frame() -> None:
    buffer = JitterBuffer()
    buffer.insert(_frame(1, T0 + 100, 0.5), T0)
    assert buffer.sample(T0 + 99) is None


def test_out_of_order_arrival_plays_in_pts_order() -> None:
    in_order, shuffled = JitterBuffer(), JitterBuffer()
    frames = [_frame(i, T0 + 100 + 10 * i, float(i) / 10) for i in range(6)]
    for frame in frames:
        in_order.insert(frame, T0)
    for i in (3, 0, 5, 1, 4, 2):
        shuffled.insert(frames[i], T0)
    for offset in np.arange(100.0, 150.0, 3.0):
        expected, got = in_order.sample(T0 + offset), shuffled.sample(T0 + offset)
        assert expected is not None and got is not None
        np.testing.assert_allclose(got.values, expected.values)


def test_frames_behind_the_playhead_are_late_and_dropped() -> None:
    buffer = JitterBuffer()
    buffer.insert(_frame(1, T0 + 100, 0.1), T0)
    assert buffer.insert(_frame(2, T0 + 90, 0.9), T0 + 95) is Insert.LATE
    assert buffer.insert(_frame(3, T0 + 95, 0.9), T0 + 95) is Insert.LATE  # exactly at the playhead: too late too
    assert len(buffer) == 1


def test_duplicates_are_ignored_and_a_new_frame_at_the_same_pts_replaces() -> None:
    buffer = JitterBuffer()
    assert buffer.insert(_frame(1, T0 + 100, 0.1), T0) is Insert.ADDED
    assert buffer.insert(_frame(1, T0 + 100, 0.9), T0) is Insert.DUPLICATE
    sample = buffer.sample(T0 + 100)
    assert sample is not None and sample.values[0] == pytest.approx(0.1)
    assert buffer.insert(_frame(7, T0 + 100, 0.7), T0) is Insert.REPLACED
    sample = buffer.sample(T0 + 100)
    assert sample is not None and sample.values[0] == pytest.approx(0.7)
    # A restarted publisher reuses seq numbers with new pts: those are new frames, not duplicates.
    assert buffer.insert(_frame(1, T0 + 140, 0.3), T0) is Insert.ADDED


def test_flush_removes_one_utterance_and_the_rest_plays_on() -> None:
    buffer = JitterBuffer()
    for i in range(5):
        buffer.insert(_frame(i, T0 + 100 + 10 * i, 0.5, utterance=7), T0)
    buffer.insert(_frame(9, T0 + 200, 0.2, utterance=0), T0)
    assert buffer.flush(7) == 5
    assert buffer.flush(7) == 0
    assert buffer.sample(T0 + 120) is None  # the remaining frame is still ahead
    sample = buffer.sample(T0 + 200)
    assert sample is not None and sample.utterance_id == 0 and sample.values[0] == pytest.approx(0.2)
    assert buffer.flush() == 1 and len(buffer) == 0


def test_last_frame_is_held_only_for_hold_ms() -> None:
    buffer = JitterBuffer(hold_ms=300)
    buffer.insert(_frame(1, T0 + 100, 0.4), T0)
    held = buffer.sample(T0 + 100 + 300)
    assert held is not None and held.values[0] == pytest.approx(0.4)
    assert buffer.sample(T0 + 100 + 301) is None


def test_played_frames_are_pruned() -> None:
    buffer = JitterBuffer()
    for i in range(10):
        buffer.insert(_frame(i, T0 + 100 + 10 * i, 0.1), T0)
    buffer.sample(T0 + 155)
    assert len(buffer) == 5  # the frame at 150 (still needed to interpolate) and the four after it


def test_bounded_buffer_keeps_the_nearest_frames() -> None:
    buffer = JitterBuffer(capacity=3)
    for i in range(3):
        assert buffer.insert(_frame(i, T0 + 100 + 10 * i, 0.1), T0) is Insert.ADDED
    assert buffer.insert(_frame(5, T0 + 500, 0.5), T0) is Insert.OVERFLOW  # furthest ahead: refused
    assert buffer.insert(_frame(6, T0 + 105, 0.5), T0) is Insert.ADDED  # nearer: the furthest (T0+120) goes
    assert len(buffer) == 3 and buffer.last_pts_ms == T0 + 110
    assert buffer.overflowed == 2


def test_frames_absurdly_far_ahead_are_refused() -> None:
    buffer = JitterBuffer(max_ahead_ms=5_000)
    assert buffer.insert(_frame(1, T0 + 6_000, 0.1), T0) is Insert.TOO_EARLY
    assert len(buffer) == 0
