"""The animator: how emotion, mirror, speech and idle life layer into one frame, and its small API."""

from __future__ import annotations

import numpy as np
import pytest

from companion.face.animator import FaceAnimator
from companion.face.channels import CHANNELS, ChannelSpec
from companion.face.emotions import Emotion, EmotionState
from companion.face.expressions import expression_values
from companion.face.phonemes import TimedPhoneme
from companion.face.protocol import DEFAULT_LAYOUT, ChannelLayout
from tests.support.phonemes import timed

INDEX = DEFAULT_LAYOUT.index()
RATE = 100.0


def play(animator: FaceAnimator, start: float, end: float) -> dict[float, np.ndarray]:
    """Sample like the publisher does: a fixed rate, non-decreasing times."""
    frames = {}
    for k in range(round(start * RATE), round(end * RATE)):
        t = k / RATE
        frames[t] = animator.sample(t).values
    return frames


def value(values: np.ndarray, name: str) -> float:
    return float(values[INDEX[name]])


def segment_centre(phonemes: list[TimedPhoneme], index: int, start_t: float) -> float:
    return start_t + (phonemes[index].start_s + phonemes[index].end_s) / 2


@pytest.mark.parametrize("emotion", [Emotion.HAPPY, Emotion.SURPRISED, Emotion.DISGUSTED])
def test_speaking_while_smiling_still_closes_the_lips_for_a_b(emotion: Emotion) -> None:
    animator = FaceAnimator(seed=1)
    animator.set_emotion(EmotionState(emotion, 1.0), 0.0)
    play(animator, 0.0, 2.0)  # the expression has settled
    phonemes = timed(("^", 0.1), ("b", 0.03), ("ɑ", 0.15), ("b", 0.03), ("ɑ", 0.15), ("$", 0.1))
    animator.add_speech(1, phonemes, 2.0)
    frames = play(animator, 2.0, 2.6)
    for index in (1, 3):  # the first b (speech just taking over) and the one between open vowels
        centre = segment_centre(phonemes, index, 2.0)
        values = animator_at(frames, centre)
        assert value(values, "jawOpen") <= 0.05
        assert max(value(values, "mouthClose"), value(values, "mouthPressLeft")) >= 0.4
        for opener in ("mouthUpperUpLeft", "mouthLowerDownLeft", "mouthFunnel"):
            assert value(values, opener) <= 0.1, opener
    if emotion is Emotion.HAPPY:  # and the smile stays on while speaking
        assert value(animator_at(frames, segment_centre(phonemes, 3, 2.0)), "mouthSmileLeft") >= 0.5


def animator_at(frames: dict[float, np.ndarray], t: float) -> np.ndarray:
    nearest = min(frames, key=lambda f: abs(f - t))
    return frames[nearest]


def test_a_strong_smile_does_not_stop_the_jaw_opening_for_open_vowels() -> None:
    phonemes = timed(("^", 0.1), ("m", 0.06), ("ɑ", 0.2), ("$", 0.1))
    jaw = {}
    for emotion in (Emotion.NEUTRAL, Emotion.HAPPY):
        animator = FaceAnimator(seed=2)
        animator.set_emotion(EmotionState(emotion, 1.0), 0.0)
        play(animator, 0.0, 2.0)
        animator.add_speech(1, phonemes, 2.0)
        frames = play(animator, 2.0, 2.5)
        jaw[emotion] = value(animator_at(frames, segment_centre(phonemes, 2, 2.0)), "jawOpen")
    assert jaw[Emotion.NEUTRAL] >= 0.4
    assert jaw[Emotion.HAPPY] >= 0.95 * jaw[Emotion.NEUTRAL]


def test_a_rounded_vowel_puckers_through_a_smile_and_relaxes_its_corners() -> None:
    animator = FaceAnimator(seed=3)
    animator.set_emotion(EmotionState(Emotion.HAPPY, 1.0), 0.0)
    play(animator, 0.0, 2.0)
    phonemes = timed(("^", 0.1), ("i", 0.12), ("u", 0.05), ("i", 0.12), ("$", 0.1))
    animator.add_speech(1, phonemes, 2.0)
    frames = play(animator, 2.0, 2.6)
    u = animator_at(frames, segment_centre(phonemes, 2, 2.0))
    i = animator_at(frames, segment_centre(phonemes, 1, 2.0))
    assert value(u, "mouthPucker") >= 0.6
    assert value(u, "mouthSmileLeft") < value(i, "mouthSmileLeft")


def test_the_expression_keeps_the_face_while_speech_owns_the_mouth() -> None:
    animator = FaceAnimator(seed=4)
    animator.set_emotion(EmotionState(Emotion.SAD, 1.0), 0.0)
    phonemes = timed(("^", 0.1), ("ɑ", 0.3), ("$", 0.1))
    animator.add_speech(1, phonemes, 2.0)
    frames = play(animator, 0.0, 3.0)
    sad = expression_values(EmotionState(Emotion.SAD, 1.0))
    during = animator_at(frames, segment_centre(phonemes, 1, 2.0))
    assert value(during, "browInnerUp") == pytest.approx(sad["browInnerUp"], abs=0.02)
    assert value(during, "mouthFrownLeft") == pytest.approx(sad["mouthFrownLeft"], abs=0.02)
    assert value(during, "jawOpen") >= 0.5


def test_emotion_switch_is_smooth_in_the_animator_output() -> None:
    animator = FaceAnimator(seed=5)
    animator.set_emotion(EmotionState(Emotion.HAPPY, 1.0), 0.0)
    play(animator, 0.0, 2.0)
    animator.set_emotion(EmotionState(Emotion.ANGRY, 1.0), 2.0)
    frames = np.array(list(play(animator, 2.0, 3.0).values()))
    for name in ("mouthSmileLeft", "browDownLeft", "noseSneerLeft"):
        column = frames[:, INDEX[name]]
        assert np.abs(np.diff(column)).max() <= 0.1
    assert frames[-1, INDEX["browDownLeft"]] >= 0.7


def test_sample_reports_the_utterance_and_viseme_and_speech_end() -> None:
    animator = FaceAnimator()
    assert animator.speech_end_t() is None
    phonemes = timed(("^", 0.1), ("s", 0.1), ("u", 0.2), ("$", 0.1))
    animator.add_speech(42, phonemes, 1.0)
    assert animator.speech_end_t() == pytest.approx(1.5)
    before, during, after = animator.sample(0.5), animator.sample(1.25), animator.sample(1.7)
    assert (before.utterance_id, before.viseme) == (0, "sil")
    assert (during.utterance_id, during.viseme) == (42, "U")
    assert (after.utterance_id, after.viseme) == (0, "sil")


def test_barge_in_closes_the_mouth_within_100_ms() -> None:
    animator = FaceAnimator(seed=6)
    phonemes = timed(("^", 0.1), *[("ɑ", 0.2), ("t", 0.05)] * 6, ("$", 0.1))
    animator.add_speech(7, phonemes, 1.0)
    frames = play(animator, 0.0, 1.3)
    assert value(animator_at(frames, 1.2), "jawOpen") > 0.4
    animator.cancel_utterance(7, 1.2)  # "now" = 1.2; frames up to 1.29 were already published
    later = [animator.sample(1.3 + k / RATE) for k in range(50)]
    assert all(s.values[INDEX["jawOpen"]] <= 0.01 for s in later)
    assert all(s.utterance_id == 0 for s in later)
    assert animator.speech_end_t() == pytest.approx(1.2)


def test_values_are_float32_in_layout_order_and_clamped() -> None:
    animator = FaceAnimator()
    animator.set_gaze_target(80.0, -60.0)  # far outside what head and eyes can do
    animator.set_emotion(EmotionState(Emotion.SURPRISED, 1.0), 0.0)
    frames = play(animator, 0.0, 4.0)
    last = frames[max(frames)]
    assert last.dtype == np.float32 and last.shape == (len(DEFAULT_LAYOUT.channels),)
    for values in frames.values():
        for spec, v in zip(DEFAULT_LAYOUT.channels, values, strict=True):
            assert spec.minimum <= v <= spec.maximum, spec.name
    assert value(last, "eyeYaw") == pytest.approx(30.0)  # the eyes are at their limit...
    assert value(last, "headYaw") > 30.0  # ...and the head turned a good way


def test_a_custom_layout_gets_its_own_order_and_neutral_for_unknown_channels() -> None:
    lamp = ChannelSpec("lampBrightness", 0.0, 1.0, 0.5, "coefficient")
    by_name = {c.name: c for c in CHANNELS}
    layout = ChannelLayout((by_name["headPitch"], lamp, by_name["jawOpen"]))
    animator = FaceAnimator(layout)
    phonemes = timed(("^", 0.1), ("ɑ", 0.3), ("$", 0.1))
    animator.add_speech(1, phonemes, 1.0)
    values = animator.sample(1.25).values
    assert values.shape == (3,)
    assert values[1] == pytest.approx(0.5)
    assert values[2] >= 0.5  # jawOpen, now the third channel
    assert abs(values[0]) < 5.0


def test_mirror_blends_the_visitors_face_over_the_expression_and_lets_go() -> None:
    animator = FaceAnimator(seed=7)
    animator.set_emotion(EmotionState(Emotion.SAD, 1.0), 0.0)
    play(animator, 0.0, 2.0)
    animator.set_mirror({"mouthSmileLeft": 0.9, "mouthSmileRight": 0.9, "browInnerUp": 0.0, "tongueOut": 0.7})
    frames = play(animator, 2.0, 4.0)
    mirrored = frames[max(frames)]
    assert value(mirrored, "mouthSmileLeft") == pytest.approx(0.9, abs=0.03)
    assert value(mirrored, "browInnerUp") == pytest.approx(0.0, abs=0.03)
    assert value(mirrored, "tongueOut") == pytest.approx(0.7, abs=0.03)
    assert value(mirrored, "mouthFrownLeft") > 0.3  # channels the visitor does not drive keep the emotion
    smile = np.array([v[INDEX["mouthSmileLeft"]] for v in frames.values()])
    assert np.abs(np.diff(smile)).max() <= 0.1  # eased in
    animator.set_mirror(None)
    back = play(animator, 4.0, 6.0)
    assert value(back[max(back)], "browInnerUp") > 0.6  # sad again
    with pytest.raises(ValueError, match="unknown channels"):
        animator.set_mirror({"smile": 1.0})


def test_idle_life_shows_in_the_frames_and_is_deterministic() -> None:
    first = np.array(list(play(FaceAnimator(seed=9), 0.0, 12.0).values()))
    again = np.array(list(play(FaceAnimator(seed=9), 0.0, 12.0).values()))
    assert np.array_equal(first, again)
    assert first[:, INDEX["eyeBlinkLeft"]].max() >= 0.9  # blinked
    assert np.ptp(first[:, INDEX["eyeYaw"]]) > 0.5  # saccades
    assert np.ptp(first[:, INDEX["headPitch"]]) > 0.3  # breathing


def test_conversation_state_reaches_idle_life_and_bad_states_are_refused() -> None:
    animator = FaceAnimator(seed=10)
    animator.set_conversation_state("listening", 0.0)
    frames = np.array(list(play(animator, 0.0, 15.0).values()))
    assert frames[:, INDEX["headPitch"]].min() < -2.0  # a nod
    with pytest.raises(ValueError, match="conversation state"):
        animator.set_conversation_state("sleeping", 0.0)  # type: ignore[arg-type]
