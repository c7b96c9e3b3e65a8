"""Facial actions from the real landmark model on a real face, each action made on the photo: the right channel,
on the right side, and not the others; the head's rotation with its signs; the rest learned per visitor."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

import numpy as np
import pytest

from companion.perception.actions import ActionEstimator, FacialActions, coefficients_from, measure
from companion.perception.landmarks.face_mesh import FaceMeshLandmarker
from companion.perception.tongue import tongue_measure
from companion.tools.face_clips import FRAME_SIZE, FaceRig, neutral_frame

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def rig(landmark_models: Path) -> FaceRig:
    return FaceRig.of(neutral_frame(), landmark_models)


@pytest.fixture
def estimator(rig: FaceRig, landmark_models: Path) -> Iterator[tuple[ActionEstimator, FaceMeshLandmarker]]:
    """An estimator calibrated on a second of the neutral face."""
    landmarker = FaceMeshLandmarker(landmark_models, tracking=False)
    actions = ActionEstimator()
    frame = rig.render({})
    for i in range(15):
        found = landmarker.process(frame)
        assert found is not None
        actions.update(i / 15, found, FRAME_SIZE, tongue_measure(frame, found.points))
    yield actions, landmarker


def seen(
    estimator: tuple[ActionEstimator, FaceMeshLandmarker], rig: FaceRig, action: Mapping[str, float]
) -> FacialActions:
    actions, landmarker = estimator
    frame = rig.render(action)
    found = landmarker.process(frame)
    assert found is not None
    return actions.update(1.1, found, FRAME_SIZE, tongue_measure(frame, found.points))


@pytest.mark.parametrize(
    ("action", "channel", "quiet"),
    [
        ({"jaw": 0.5}, "jawOpen", ["tongueOut", "mouthPucker"]),
        ({"smile_left": 1.0}, "mouthSmileLeft", ["mouthSmileRight", "jawOpen"]),
        ({"smile_right": 1.0}, "mouthSmileRight", ["mouthSmileLeft", "jawOpen"]),
        ({"pucker": 1.0}, "mouthPucker", ["jawOpen", "tongueOut"]),
        ({"brows": 1.0}, "browInnerUp", ["jawOpen", "eyeBlinkLeft", "eyeBlinkRight"]),
        ({"blink_left": 1.0}, "eyeBlinkLeft", ["eyeBlinkRight"]),
        ({"blink_right": 1.0}, "eyeBlinkRight", ["eyeBlinkLeft"]),
        ({"tongue": 1.0}, "tongueOut", ["mouthSmileLeft", "mouthSmileRight"]),
    ],
)
def test_each_action_moves_its_channel_on_its_side(
    estimator: tuple[ActionEstimator, FaceMeshLandmarker],
    rig: FaceRig,
    action: dict[str, float],
    channel: str,
    quiet: list[str],
) -> None:
    result = seen(estimator, rig, action)
    assert result.calibrated
    assert result.coefficients[channel] >= 0.4, result.coefficients
    for other in quiet:
        assert result.coefficients[other] < 0.3, (other, result.coefficients)


def test_a_neutral_face_is_neutral(estimator: tuple[ActionEstimator, FaceMeshLandmarker], rig: FaceRig) -> None:
    result = seen(estimator, rig, {})
    assert max(result.coefficients.values()) < 0.15, result.coefficients
    assert result.pose is not None and max(abs(result.pose.yaw_deg), abs(result.pose.pitch_deg)) < 3


@pytest.mark.parametrize(("axis", "degrees"), [("yaw", 20.0), ("yaw", -20.0), ("pitch", 15.0), ("pitch", -15.0),
                                               ("roll", 15.0), ("roll", -15.0)])  # fmt: skip
def test_the_head_pose_follows_a_3d_turn_with_the_visitors_signs(
    estimator: tuple[ActionEstimator, FaceMeshLandmarker], rig: FaceRig, axis: str, degrees: float
) -> None:
    result = seen(estimator, rig, {axis: degrees})
    assert result.pose is not None
    measured = {"yaw": result.pose.yaw_deg, "pitch": result.pose.pitch_deg, "roll": result.pose.roll_deg}
    assert measured[axis] * degrees > 0 and abs(measured[axis]) >= 0.4 * abs(degrees), measured
    for other, value in measured.items():
        if other != axis:
            assert abs(value) < 0.5 * abs(measured[axis]), measured
    # Looking down must not read as a smile, turning as a blink.
    assert max(result.coefficients[c] for c in ("mouthSmileLeft", "mouthSmileRight", "eyeBlinkLeft")) < 0.35


def test_the_rest_is_the_visitors_own() -> None:
    """Coefficients are changes from the learned rest: a face that always looks surprised reads neutral at rest."""
    measures = {"ear_right": 0.4, "ear_left": 0.4, "brow_inner_right": 0.5, "brow_inner_left": 0.5,
                "brow_outer_right": 0.4, "brow_outer_left": 0.4, "mouth_open": 0.2, "mouth_width": 0.7,
                "corner_right": 0.1, "corner_left": 0.1}  # fmt: skip
    assert max(coefficients_from(measures, measures).values()) == 0.0
    raised = dict(measures, brow_inner_right=0.58, brow_inner_left=0.58)
    assert coefficients_from(raised, measures)["browInnerUp"] == pytest.approx(1.0)


def test_measures_refuse_degenerate_landmarks() -> None:
    with pytest.raises(ValueError, match="degenerate"):
        measure(np.zeros((478, 3), np.float32))
