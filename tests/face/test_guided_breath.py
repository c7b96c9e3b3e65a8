"""Guided breathing in idle life: the head rises over a breath in, settles over a breath out, a new cue cuts the
breath in progress where it is, and the face's own breathing comes back after the last guided breath."""

from __future__ import annotations

import pytest

from companion.face.idle import GUIDED_BREATH_PITCH_DEG, IdleLife


def pitch(idle: IdleLife, t: float) -> float:
    return idle.sample(t).head_pitch


def test_in_then_out_and_back_to_its_own_breathing() -> None:
    idle, plain = IdleLife(seed=3), IdleLife(seed=3)
    pitch(idle, 0.0), pitch(plain, 0.0)
    idle.breathe("in", 1.0, 4.0)
    idle.breathe("out", 5.0, 6.0)
    rising = [pitch(idle, t) - pitch(plain, t) for t in (1.0, 3.0, 4.99)]
    falling = [pitch(idle, t) - pitch(plain, t) for t in (5.5, 8.0, 10.99)]
    assert rising[0] < rising[1] < rising[2] and rising[2] > 0.8 * GUIDED_BREATH_PITCH_DEG
    assert falling[0] > falling[1] > falling[2] and falling[2] < -0.8 * GUIDED_BREATH_PITCH_DEG
    assert abs(pitch(idle, 20.0) - pitch(plain, 20.0)) < 0.05  # its own breathing again


def test_a_new_breath_cuts_the_one_in_progress_where_it_is() -> None:
    idle = IdleLife(seed=1)
    pitch(idle, 0.0)
    idle.breathe("in", 0.0, 4.0)
    idle.breathe("out", 1.0, 4.0)  # the count out began after one second
    assert pitch(idle, 1.5) < pitch(idle, 1.0) + 0.5  # already settling, not still rising


def test_a_bad_cue_is_refused() -> None:
    with pytest.raises(ValueError, match="phase"):
        IdleLife().breathe("hold", 0.0, 4.0)
