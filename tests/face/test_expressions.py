"""Emotion targets (FACS-informed, scaled by intensity) and the spring-smoothed, schedulable expression layer."""

from __future__ import annotations

import numpy as np
import pytest

from companion.face.channels import CHANNEL_INDEX, CHANNEL_NAMES, SPEC_BY_NAME
from companion.face.emotions import Emotion, EmotionState
from companion.face.expressions import EXPRESSION_TARGETS, ExpressionLayer, Spring, expression_values


def full(emotion: Emotion) -> dict[str, float]:
    return expression_values(EmotionState(emotion, 1.0))


def test_every_emotion_has_valid_targets() -> None:
    assert set(EXPRESSION_TARGETS) == set(Emotion)
    for emotion, targets in EXPRESSION_TARGETS.items():
        for name, value in targets.items():
            spec = SPEC_BY_NAME[name]
            assert spec.minimum <= value <= spec.maximum, (emotion, name)
    assert full(Emotion.NEUTRAL) == {}


def test_targets_carry_the_facial_actions_of_each_emotion() -> None:
    happy, sad, surprised = full(Emotion.HAPPY), full(Emotion.SAD), full(Emotion.SURPRISED)
    angry, fearful, disgusted = full(Emotion.ANGRY), full(Emotion.FEARFUL), full(Emotion.DISGUSTED)
    listening, thinking, concerned = full(Emotion.LISTENING), full(Emotion.THINKING), full(Emotion.CONCERNED)
    both = ("Left", "Right")
    assert all(happy[f"mouthSmile{s}"] >= 0.5 and happy[f"cheekSquint{s}"] > 0 for s in both)
    assert 0 < happy["eyeSquintLeft"] < happy["mouthSmileLeft"]
    assert sad["browInnerUp"] >= 0.5 and sad["mouthFrownLeft"] >= 0.4
    assert surprised["browInnerUp"] > 0.5 and surprised["browOuterUpLeft"] > 0.5 and surprised["eyeWideLeft"] > 0.5
    assert 0 < surprised["jawOpen"] <= 0.35
    assert angry["browDownLeft"] >= 0.5 and angry["noseSneerLeft"] > 0 and angry["mouthPressLeft"] > 0
    assert fearful["eyeWideLeft"] > 0.5 and fearful["browInnerUp"] > 0.5 and fearful["mouthStretchLeft"] > 0
    assert disgusted["noseSneerLeft"] >= 0.5 and disgusted["mouthUpperUpLeft"] > 0
    assert listening["browInnerUp"] > 0 and abs(listening["headRoll"]) >= 3
    assert thinking["eyePitch"] > 5 and abs(thinking["eyeYaw"]) > 5 and thinking["browInnerUp"] > 0
    assert concerned["browInnerUp"] > 0.3 and concerned["mouthFrownLeft"] > 0
    assert concerned["mouthFrownLeft"] < sad["mouthFrownLeft"]  # concern is softer than sadness


def test_intensity_scales_the_targets() -> None:
    for emotion in Emotion:
        half = expression_values(EmotionState(emotion, 0.5))
        for name, value in full(emotion).items():
            assert half[name] == pytest.approx(value / 2)
    assert expression_values(EmotionState(Emotion.HAPPY, 0.0)) == {k: 0.0 for k in full(Emotion.HAPPY)}


def test_spring_is_exact_for_any_step_and_never_overshoots() -> None:
    coarse, fine = Spring(np.zeros(1), 9.0), Spring(np.zeros(1), 9.0)
    coarse.target = fine.target = np.ones(1)
    coarse.advance(0.5)
    trace = []
    for _ in range(500):
        fine.advance(0.001)
        trace.append(float(fine.value[0]))
    assert fine.value[0] == pytest.approx(coarse.value[0], rel=1e-9)
    assert np.all(np.diff(trace) >= 0) and max(trace) <= 1.0


def test_switching_happy_to_angry_at_60_hz_changes_each_frame_by_a_bounded_step() -> None:
    layer = ExpressionLayer()
    layer.set_emotion(EmotionState(Emotion.HAPPY, 1.0), 0.0)
    rate = 60.0
    frames = [layer.sample(k / rate).copy() for k in range(int(2 * rate))]
    happy = frames[-1]
    layer.set_emotion(EmotionState(Emotion.ANGRY, 1.0), 2.0)
    frames = [happy] + [layer.sample(2.0 + k / rate).copy() for k in range(1, int(2 * rate))]
    angry = layer.targets_for(EmotionState(Emotion.ANGRY, 1.0))
    steps = np.abs(np.diff(frames, axis=0)).max(axis=0)
    blendshapes = np.array([SPEC_BY_NAME[n].unit == "coefficient" for n in CHANNEL_NAMES])
    total = np.abs(angry - happy)
    assert total[blendshapes].max() >= 0.7  # the switch is large...
    assert steps[blendshapes].max() <= 0.1  # ...but no frame jumps
    assert steps[~blendshapes].max() <= 0.5  # degrees per frame for head and eyes
    assert np.abs(frames[-1] - angry).max() < 0.02  # and it gets there
    low, high = np.minimum(happy, angry) - 1e-9, np.maximum(happy, angry) + 1e-9
    assert all(np.all((f >= low) & (f <= high)) for f in frames)  # no overshoot


def test_an_emotion_scheduled_ahead_waits_for_its_time() -> None:
    layer = ExpressionLayer()
    smile = CHANNEL_INDEX["mouthSmileLeft"]
    layer.sample(0.0)
    layer.set_emotion(EmotionState(Emotion.HAPPY, 1.0), 1.0)
    assert layer.sample(0.99)[smile] == 0.0
    assert layer.sample(1.3)[smile] > 0.3


def test_a_later_decision_replaces_what_was_scheduled_after_it() -> None:
    layer = ExpressionLayer()
    layer.sample(0.0)
    layer.set_emotion(EmotionState(Emotion.HAPPY, 1.0), 5.0)  # an old reply's tag for its third clause
    layer.set_emotion(EmotionState(Emotion.SAD, 1.0), 2.0)  # a new reply after a barge-in
    values = layer.sample(8.0)
    assert values[CHANNEL_INDEX["mouthSmileLeft"]] == pytest.approx(0.0, abs=1e-6)
    assert values[CHANNEL_INDEX["mouthFrownLeft"]] == pytest.approx(full(Emotion.SAD)["mouthFrownLeft"], abs=1e-3)


def test_a_change_for_a_time_already_sampled_applies_from_the_last_sample() -> None:
    layer = ExpressionLayer()
    layer.sample(0.0)
    layer.sample(1.0)
    layer.set_emotion(EmotionState(Emotion.SURPRISED, 1.0), 0.2)  # "now", behind the lookahead
    assert layer.sample(1.0)[CHANNEL_INDEX["eyeWideLeft"]] == 0.0  # the past is not rewritten
    assert layer.sample(1.2)[CHANNEL_INDEX["eyeWideLeft"]] > 0.2
