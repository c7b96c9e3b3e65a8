"""VisitorTracker: gaze signs, presence with detector misses, following one person, affect, smile and gestures."""

from __future__ import annotations

import math

import pytest

from companion.face.emotions import Emotion
from companion.perception.faces import FaceBox
from companion.perception.visitor import CAMERA_FOV_DEG, VisitorTracker, gaze_angles

FRAME = (320, 240)
HAPPY = {Emotion.NEUTRAL: 0.2, Emotion.HAPPY: 0.8}
SAD = {Emotion.NEUTRAL: 0.1, Emotion.SAD: 0.9}


def box_at(cx: float, cy: float, size: int = 60) -> FaceBox:
    return FaceBox(round(cx - size / 2), round(cy - size / 2), size, size)


def test_gaze_is_zero_at_the_centre_and_follows_the_robot_frame() -> None:
    width, height = FRAME
    assert gaze_angles((width / 2, height / 2), FRAME, 60.0) == (0.0, 0.0)
    yaw, pitch = gaze_angles((width * 0.8, height * 0.3), FRAME, 60.0)
    assert yaw < 0  # image right is the robot's right: negative yaw
    assert pitch > 0  # image top is up
    # The image's edges lie at half the field of view.
    assert gaze_angles((width, height / 2), FRAME, 60.0)[0] == pytest.approx(-30.0)
    assert gaze_angles((0, height / 2), FRAME, 90.0)[0] == pytest.approx(45.0)
    vertical_half = math.degrees(math.atan(math.tan(math.radians(30.0)) * height / width))
    assert gaze_angles((width / 2, 0), FRAME, 60.0)[1] == pytest.approx(vertical_half)


def test_state_of_a_visitor_in_view() -> None:
    tracker = VisitorTracker(smoothing_s=0.0)
    face = box_at(240, 90)
    state = tracker.update(1.0, FRAME, face, faces=1, probabilities=HAPPY, smiling=True)
    assert state.present
    assert state.updated_t == 1.0
    assert state.face_center == pytest.approx((240 / 320, 90 / 240))
    assert state.face_size == pytest.approx(60 / 320)
    assert state.gaze == pytest.approx(gaze_angles((240, 90), FRAME, CAMERA_FOV_DEG))
    assert state.gaze is not None and state.gaze[0] < 0 and state.gaze[1] > 0
    assert state.affect is Emotion.HAPPY
    assert state.affect_confidence == pytest.approx(0.8)
    assert state.smiling
    assert state.head_pose is not None


def test_mirrored_camera_flips_left_and_right() -> None:
    face = box_at(240, 120)
    plain = VisitorTracker().update(0.0, FRAME, face)
    mirrored = VisitorTracker(mirrored=True).update(0.0, FRAME, face)
    assert plain.gaze is not None and mirrored.gaze is not None
    assert mirrored.gaze[0] == pytest.approx(-plain.gaze[0])
    assert mirrored.face_center == pytest.approx((1 - 240 / 320, 0.5))


def test_no_affect_without_probabilities() -> None:
    tracker = VisitorTracker()
    state = tracker.update(0.0, FRAME, box_at(160, 120), probabilities=None)
    assert state.present
    assert state.affect is None
    assert state.affect_confidence == 0.0
    assert state.affect_probabilities == {}


def test_a_short_miss_keeps_the_visitor_a_long_one_loses_them() -> None:
    tracker = VisitorTracker(absent_after_s=1.0)
    seen = tracker.update(0.0, FRAME, box_at(100, 100), probabilities=HAPPY)
    missed = tracker.update(0.5, FRAME, None, faces=0)
    assert missed.present
    assert missed.gaze == seen.gaze
    assert missed.affect is Emotion.HAPPY
    assert missed.updated_t == 0.5
    gone = tracker.update(1.2, FRAME, None, faces=0)
    assert not gone.present
    assert gone.gaze is None and gone.affect is None and gone.face_center is None
    # Back again: affect starts fresh, not from the previous visitor's average.
    back = VisitorTracker(smoothing_s=100.0)
    back.update(0.0, FRAME, box_at(100, 100), probabilities=HAPPY)
    back.update(2.0, FRAME, None, faces=0)
    assert back.update(2.1, FRAME, box_at(100, 100), probabilities=SAD).affect is Emotion.SAD


def test_follows_the_same_person_until_someone_much_nearer_comes() -> None:
    tracker = VisitorTracker()
    visitor = box_at(100, 120, size=60)
    tracker.update(0.0, FRAME, tracker.select([visitor], FRAME[0]))
    slightly_larger = box_at(250, 120, size=66)
    assert tracker.select([slightly_larger, box_at(102, 120, size=60)], FRAME[0]) == box_at(102, 120, size=60)
    much_larger = box_at(250, 120, size=120)
    assert tracker.select([box_at(102, 120, size=60), much_larger], FRAME[0]) == much_larger
    assert VisitorTracker().select([visitor, slightly_larger], FRAME[0]) == slightly_larger
    assert tracker.select([], FRAME[0]) is None


def test_another_person_starts_fresh() -> None:
    tracker = VisitorTracker(smoothing_s=100.0)
    tracker.update(0.0, FRAME, box_at(60, 120), probabilities=HAPPY)
    assert tracker.update(0.1, FRAME, box_at(62, 120), probabilities=SAD).affect is Emotion.HAPPY  # smoothed
    other = tracker.update(0.2, FRAME, box_at(260, 120), probabilities=SAD)
    assert other.affect is Emotion.SAD


def test_nod_reaches_the_state_and_stays() -> None:
    tracker = VisitorTracker()
    state = None
    for i in range(16):
        t = i / 10
        phase = (t - 0.3) / 0.6
        dy = 0.3 * 60 * math.sin(math.pi * phase) if 0 <= phase <= 1 else 0.0
        state = tracker.update(t, FRAME, box_at(160, 120 + dy))
    assert state is not None
    assert state.gesture == "nod"
    assert state.gesture_t is not None and 0.6 < state.gesture_t < 1.0


def test_smile_needs_more_than_one_frame_to_change() -> None:
    tracker = VisitorTracker(smile_smoothing_s=0.3)
    face = box_at(160, 120)
    assert not tracker.update(0.0, FRAME, face, smiling=False).smiling
    assert not tracker.update(0.1, FRAME, face, smiling=True).smiling  # one flicker
    assert not tracker.update(0.2, FRAME, face, smiling=False).smiling
    states = [tracker.update(0.3 + i / 10, FRAME, face, smiling=True).smiling for i in range(6)]
    assert states[-1]
    assert not states[0]
    assert tracker.update(1.0, FRAME, face, smiling=False).smiling  # one miss keeps the smile
    assert tracker.update(1.0, FRAME, face, smiling=None).smiling  # no cue: unchanged
