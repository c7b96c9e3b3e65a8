"""The Haar face detector finds the astronaut's face and nothing in an empty frame; the smile cue."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from companion.core.errors import CompanionError
from companion.perception.faces import FaceBox, HaarFaceDetector, HaarSmileDetector, largest_face
from tests.support.video import expected_face_center, face_frame

pytestmark = pytest.mark.integration

SIZE = (320, 240)


@pytest.fixture(scope="module")
def portrait() -> np.ndarray:
    from skimage import data

    return cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR)


@pytest.fixture(scope="module")
def detector() -> HaarFaceDetector:
    return HaarFaceDetector(min_face_px=48)


def test_finds_the_face_in_the_photo(portrait: np.ndarray, detector: HaarFaceDetector) -> None:
    faces = detector.detect(portrait)
    assert len(faces) == 1
    # The portrait is a head and shoulders: the face is in the upper half, horizontally near the middle.
    cx, cy = faces[0].center
    height, width = portrait.shape[:2]
    assert cy < height / 2
    assert width / 4 < cx < 3 * width / 4


def test_finds_the_face_where_the_video_frame_puts_it(portrait: np.ndarray, detector: HaarFaceDetector) -> None:
    offset = (0.5, -0.2)
    frame = face_frame(portrait, SIZE, offset)
    faces = detector.detect(frame)
    assert len(faces) == 1
    ex, ey = expected_face_center(SIZE, offset)
    cx, cy = faces[0].center
    assert abs(cx - ex) < 0.15 * faces[0].w
    assert abs(cy - ey) < 0.15 * faces[0].h


def test_no_face_in_an_empty_frame(detector: HaarFaceDetector) -> None:
    blank = np.full((SIZE[1], SIZE[0], 3), 128, dtype=np.uint8)
    assert detector.detect(blank) == []


def test_faces_smaller_than_the_minimum_are_ignored(portrait: np.ndarray) -> None:
    frame = face_frame(portrait, SIZE, (0.0, 0.0))
    found = HaarFaceDetector(min_face_px=48).detect(frame)
    assert found
    assert HaarFaceDetector(min_face_px=found[0].w + 20).detect(frame) == []


def test_two_faces_largest_first(portrait: np.ndarray, detector: HaarFaceDetector) -> None:
    near = face_frame(portrait, SIZE, (0.0, 0.0))
    far = face_frame(portrait, (SIZE[0] * 3 // 4, SIZE[1] * 3 // 4), (0.0, 0.0))
    canvas = np.full((SIZE[1], SIZE[0] * 2, 3), 128, dtype=np.uint8)
    canvas[:, : SIZE[0]] = near
    canvas[: far.shape[0], SIZE[0] + 40 : SIZE[0] + 40 + far.shape[1]] = far
    faces = detector.detect(canvas)
    assert len(faces) == 2
    assert faces[0].area > faces[1].area
    assert faces[0].center[0] < SIZE[0] < faces[1].center[0]
    assert largest_face(list(reversed(faces))) == faces[0]
    assert largest_face([]) is None


def test_smile_on_the_smiling_astronaut_not_on_a_covered_mouth(
    portrait: np.ndarray, detector: HaarFaceDetector
) -> None:
    smiles = HaarSmileDetector()
    for frame in (portrait, face_frame(portrait, SIZE, (0.0, 0.0))):
        face = detector.detect(frame)[0]
        assert smiles.smiling(frame, face)
        covered = frame.copy()
        lower = face.y + face.h // 2
        covered[lower : face.y + face.h, face.x : face.x + face.w] = covered[lower, face.x + face.w // 2]
        assert not smiles.smiling(covered, face)


def test_box_geometry() -> None:
    box = FaceBox(10, 20, 40, 60)
    assert box.center == (30.0, 50.0)
    assert box.area == 2400
    assert box.iou(box) == pytest.approx(1.0)
    assert box.iou(FaceBox(50, 20, 40, 60)) == 0.0
    assert box.iou(FaceBox(30, 20, 40, 60)) == pytest.approx(20 * 60 / (2400 + 2400 - 20 * 60))
    image = np.zeros((50, 45, 3), dtype=np.uint8)
    assert box.crop(image).shape == (30, 35, 3)  # clipped at the bottom and right edges


def test_missing_cascade_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CompanionError) as caught:
        HaarFaceDetector(cascade_dir=tmp_path)
    assert "haarcascade_frontalface_default.xml" in caught.value.message
    assert "opencv" in (caught.value.hint or "")
