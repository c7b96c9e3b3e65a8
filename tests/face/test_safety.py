"""Safety: the watchdog eases to neutral, resuming ramps from where the face is, and slew limits hold."""

from __future__ import annotations

import numpy as np
import pytest

from companion.face.controller.safety import Blend, SlewLimiter, Stop, Supervisor, smoothstep

T0 = 1_700_000_000_000.0
NEUTRAL = np.array([0.0, 0.0], dtype=np.float32)
SMILE = np.array([0.8, -20.0], dtype=np.float32)


def _supervisor(**kw: float) -> Supervisor:
    settings = {"watchdog_ms": 300.0, "ease_ms": 600.0, "ramp_ms": 150.0, **kw}
    return Supervisor(NEUTRAL, **settings)


def _follow(supervisor: Supervisor, start: float, end: float, target: np.ndarray = SMILE, step: float = 10.0) -> None:
    """Frames arrive every ``step`` ms and the buffer always has ``target`` to show."""
    t = start
    while t <= end:
        supervisor.frame_arrived(t)
        supervisor.step(target, t)
        t += step


def test_follows_after_a_ramp_from_neutral() -> None:
    supervisor = _supervisor()
    supervisor.frame_arrived(T0)
    first = supervisor.step(SMILE, T0)
    np.testing.assert_allclose(first, NEUTRAL)  # the ramp starts where the face is: no jump
    _follow(supervisor, T0 + 10, T0 + 150)
    np.testing.assert_allclose(supervisor.shown, SMILE)
    assert supervisor.following


def test_watchdog_eases_to_neutral_and_never_holds_the_last_command() -> None:
    supervisor = _supervisor()
    _follow(supervisor, T0, T0 + 1000)
    last_arrival = T0 + 1000
    # The buffer keeps offering the stale frame; only the arrivals stopped.
    at_watchdog = supervisor.step(SMILE, last_arrival + 300)
    np.testing.assert_allclose(at_watchdog, SMILE)
    assert supervisor.following
    trip = last_arrival + 301
    shown = [supervisor.step(SMILE, trip + dt).copy() for dt in np.arange(0.0, 601.0, 50.0)]
    assert not supervisor.following and supervisor.last_stop is Stop.WATCHDOG
    assert supervisor.watchdog_trips == 1
    distances = [float(np.abs(s - NEUTRAL).max()) for s in shown]
    assert distances == sorted(distances, reverse=True)  # monotonic approach
    assert 0 < distances[len(distances) // 2] < distances[0]  # halfway: on the way, not jumped
    np.testing.assert_allclose(shown[-1], NEUTRAL, atol=1e-6)  # at ease_ms: neutral
    supervisor.step(SMILE, trip + 5000)
    assert supervisor.watchdog_trips == 1  # a trip is counted once


def test_resume_after_dropout_ramps_from_where_the_face_is() -> None:
    supervisor = _supervisor()
    _follow(supervisor, T0, T0 + 500)
    trip = T0 + 500 + 301
    supervisor.step(SMILE, trip)
    mid_ease = supervisor.step(SMILE, trip + 200).copy()  # part way back to neutral
    assert 0 < abs(mid_ease[0]) < SMILE[0]
    other = np.array([0.1, 15.0], dtype=np.float32)
    resume = trip + 210
    supervisor.frame_arrived(resume)
    first = supervisor.step(other, resume)
    np.testing.assert_allclose(first, mid_ease, atol=1e-6)  # continues from there, no jump
    ramp = [supervisor.step(other, resume + dt).copy() for dt in (30.0, 75.0, 120.0)]
    for value in ramp:
        assert min(mid_ease[1], other[1]) < value[1] < max(mid_ease[1], other[1])
    supervisor.frame_arrived(resume + 150)
    np.testing.assert_allclose(supervisor.step(other, resume + 150), other, atol=1e-6)


def test_agent_offline_stops_at_once_and_only_newer_frames_resume() -> None:
    supervisor = _supervisor()
    _follow(supervisor, T0, T0 + 500)
    supervisor.stop(Stop.AGENT_OFFLINE, T0 + 505)
    supervisor.step(SMILE, T0 + 510)
    assert not supervisor.following and supervisor.last_stop is Stop.AGENT_OFFLINE
    assert supervisor.watchdog_trips == 0
    np.testing.assert_allclose(supervisor.step(SMILE, T0 + 510 + 600), NEUTRAL, atol=1e-6)
    supervisor.step(SMILE, T0 + 1200)
    assert not supervisor.following  # frames that arrived before the stop are not followed
    supervisor.frame_arrived(T0 + 1300)
    supervisor.step(SMILE, T0 + 1300)
    assert supervisor.following


def test_nothing_to_show_eases_to_neutral_even_while_frames_arrive() -> None:
    supervisor = _supervisor()
    _follow(supervisor, T0, T0 + 500)
    supervisor.frame_arrived(T0 + 510)
    supervisor.step(None, T0 + 510)  # e.g. the utterance was flushed
    assert not supervisor.following and supervisor.last_stop is Stop.STARVED
    assert supervisor.watchdog_trips == 0


def test_zero_ease_goes_straight_to_neutral() -> None:
    supervisor = _supervisor(ease_ms=0.0)
    _follow(supervisor, T0, T0 + 300)
    supervisor.stop(Stop.NEUTRAL_COMMAND, T0 + 305)
    np.testing.assert_allclose(supervisor.step(SMILE, T0 + 310), NEUTRAL)


def test_smoothstep_and_blend_endpoints() -> None:
    assert smoothstep(-1) == 0 and smoothstep(0) == 0 and smoothstep(1) == 1 and smoothstep(2) == 1
    assert smoothstep(0.5) == pytest.approx(0.5)
    blend = Blend(NEUTRAL, T0, 100)
    np.testing.assert_allclose(blend.apply(SMILE, T0), NEUTRAL)
    np.testing.assert_allclose(blend.apply(SMILE, T0 + 100), SMILE)
    assert blend.done(T0 + 100) and not blend.done(T0 + 99)


def test_slew_limiter_bounds_speed_per_actuator() -> None:
    limiter = SlewLimiter(np.array([1500.0, 1500.0]), np.array([1000.0, 4000.0]), max_dt_ms=20)
    target = np.array([2000.0, 2000.0])
    limiter.step(target, T0)
    positions = [limiter.step(target, T0 + 10 * k).copy() for k in range(1, 60)]  # 500 us at 1000 us/s: 0.5 s
    steps = np.diff(np.vstack([[1500.0, 1500.0], *positions]), axis=0)
    assert np.all(steps[:, 0] <= 1000.0 * 0.010 + 1e-9)
    assert np.all(steps[:, 1] <= 4000.0 * 0.010 + 1e-9)
    np.testing.assert_allclose(positions[-1], target)  # it does get there
    assert limiter.limited_ticks > 0


def test_a_stalled_loop_does_not_license_a_jump() -> None:
    limiter = SlewLimiter(np.array([1500.0]), np.array([1000.0]), max_dt_ms=20)
    limiter.step(np.array([1500.0]), T0)
    after_stall = limiter.step(np.array([2500.0]), T0 + 2000)  # two seconds without a tick
    assert after_stall[0] == pytest.approx(1500.0 + 1000.0 * 0.020)
