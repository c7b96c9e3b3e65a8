"""Mirror mode's mapping: sides swapped as a mirror would (or kept), head turned the other way, gains, limits."""

from __future__ import annotations

import pytest

from companion.agent.mirror import Mirror, MirrorConfig


def test_a_mirror_shows_the_visitors_left_on_the_robots_right() -> None:
    mirror = Mirror(MirrorConfig())
    targets = mirror.targets(0.0, {"mouthSmileLeft": 0.8, "eyeBlinkRight": 1.0, "jawOpen": 0.4, "headYaw": 10.0,
                                   "headPitch": -5.0, "headRoll": 6.0})  # fmt: skip
    assert targets["mouthSmileRight"] == pytest.approx(0.8) and "mouthSmileLeft" not in targets
    assert targets["eyeBlinkLeft"] == pytest.approx(1.0)
    assert targets["jawOpen"] == pytest.approx(0.4)
    # The visitor turns toward their left: the robot facing them turns toward its right (negative yaw), like a mirror.
    assert targets["headYaw"] == pytest.approx(-8.0)  # head_gain 0.8
    assert targets["headPitch"] == pytest.approx(-4.0)
    assert targets["headRoll"] == pytest.approx(-4.8)


def test_anatomical_style_keeps_the_sides() -> None:
    targets = Mirror(MirrorConfig(style="anatomical")).targets(0.0, {"mouthSmileLeft": 0.8, "headYaw": 10.0})
    assert targets["mouthSmileLeft"] == pytest.approx(0.8) and targets["headYaw"] == pytest.approx(8.0)


def test_gains_limits_and_a_channel_allowlist() -> None:
    config = MirrorConfig(gain=2.0, max_coefficient=0.7, max_head_deg=5.0, channels=["jawOpen", "headYaw"])
    targets = Mirror(config).targets(0.0, {"jawOpen": 0.5, "mouthSmileLeft": 0.5, "headYaw": 30.0})
    assert targets == {"jawOpen": pytest.approx(0.7), "headYaw": pytest.approx(-5.0)}


def test_anticipation_leads_a_rising_expression() -> None:
    plain, ahead = Mirror(MirrorConfig()), Mirror(MirrorConfig(anticipation_ms=200))
    for step in range(10):
        t = step / 20
        value = {"jawOpen": 0.05 * step}
        now, led = plain.targets(t, value)["jawOpen"], ahead.targets(t, value)["jawOpen"]
    assert led > now + 0.1  # rising at 1/s: about 0.2 ahead after the velocity settles
    ahead.reset()
    assert ahead.targets(1.0, {"jawOpen": 0.3})["jawOpen"] == pytest.approx(0.3)  # a fresh visitor: no velocity yet
