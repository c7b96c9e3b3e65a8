"""AffectSmoother: exponential smoothing on real time steps, and hysteresis on the reported label."""

from __future__ import annotations

import math

import pytest

from companion.face.emotions import Emotion
from companion.perception.affect import AffectSmoother

N, H, S = Emotion.NEUTRAL, Emotion.HAPPY, Emotion.SAD


def step_response(time_constant_s: float, steps: list[float]) -> float:
    """The smoothed HAPPY after neutral at t=0, then happy at each time step."""
    smoother = AffectSmoother(time_constant_s)
    smoother.update(0.0, {N: 1.0, H: 0.0})
    t = 0.0
    for dt in steps:
        t += dt
        estimate = smoother.update(t, {N: 0.0, H: 1.0})
    return estimate.probabilities[H]


@pytest.mark.parametrize("tau", [0.25, 1.0, 3.0])
def test_step_response_reaches_63_percent_after_one_time_constant(tau: float) -> None:
    assert step_response(tau, [tau]) == pytest.approx(1.0 - math.exp(-1.0))
    assert step_response(tau, [tau / 2] * 6) == pytest.approx(1.0 - math.exp(-3.0))


def test_frame_rate_does_not_change_the_response() -> None:
    irregular = [0.05, 0.3, 0.02, 0.13, 0.5]  # sums to 1.0
    assert step_response(0.8, irregular) == pytest.approx(step_response(0.8, [1.0]))
    assert step_response(0.8, [0.1] * 10) == pytest.approx(step_response(0.8, [1.0]))


def test_no_time_no_change_and_zero_constant_follows_at_once() -> None:
    smoother = AffectSmoother(1.0)
    smoother.update(5.0, {N: 1.0, H: 0.0})
    assert smoother.update(5.0, {N: 0.0, H: 1.0}).probabilities[H] == 0.0
    assert smoother.update(4.0, {N: 0.0, H: 1.0}).probabilities[H] == 0.0  # out of order: ignored
    instant = AffectSmoother(0.0)
    instant.update(0.0, {N: 1.0, H: 0.0})
    assert instant.update(0.1, {N: 0.2, H: 0.8}).probabilities == {N: pytest.approx(0.2), H: pytest.approx(0.8)}


def test_probabilities_stay_normalised() -> None:
    smoother = AffectSmoother(0.5)
    frames = [{N: 0.7, H: 0.2, S: 0.1}, {N: 0.1, H: 0.1, S: 0.8}, {N: 0.3, H: 0.6, S: 0.1}]
    for i, frame in enumerate(frames * 4):
        estimate = smoother.update(i * 0.1, frame)
        assert sum(estimate.probabilities.values()) == pytest.approx(1.0)
        assert estimate.confidence == estimate.probabilities[estimate.emotion]


def test_hysteresis_holds_the_label_between_close_classes() -> None:
    smoother = AffectSmoother(0.0, margin=0.1)
    assert smoother.update(0.0, {N: 0.52, H: 0.48}).emotion is N
    # HAPPY edges ahead, then NEUTRAL, then HAPPY again: all within the margin, no flicker.
    for i, (n, h) in enumerate([(0.47, 0.53), (0.51, 0.49), (0.46, 0.54)]):
        assert smoother.update(0.1 * (i + 1), {N: n, H: h}).emotion is N
    # A clear lead switches it.
    assert smoother.update(1.0, {N: 0.3, H: 0.7}).emotion is H
    # And it does not switch straight back on a small lead.
    assert smoother.update(1.1, {N: 0.53, H: 0.47}).emotion is H


def test_without_margin_the_leader_always_wins() -> None:
    smoother = AffectSmoother(0.0, margin=0.0)
    smoother.update(0.0, {N: 0.52, H: 0.48})
    assert smoother.update(0.1, {N: 0.47, H: 0.53}).emotion is H


def test_reset_forgets() -> None:
    smoother = AffectSmoother(10.0)
    smoother.update(0.0, {H: 1.0, N: 0.0})
    smoother.reset()
    assert smoother.current is None
    assert smoother.update(1.0, {H: 0.0, N: 1.0}).emotion is N
