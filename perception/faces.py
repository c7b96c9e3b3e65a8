"""Finding faces in a frame, and a cheap smile cue inside one.

The default detector is OpenCV's frontal-face Haar cascade, shipped inside the opencv-python(-headless) 4.x wheel:
it works offline with nothing to download, costs a few milliseconds at 320x240, and is good enough to find the
visitor standing in front of the robot. Better detectors (YuNet, ...) implement the same one-method protocol.

The smile cue (OpenCV's smile cascade on the lower half of the face) reads a visible facial action, not an
emotion, so the robot can mirror a smile even where emotion inference is switched off.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from companion.core.errors import CompanionError
from companion.core.registry import BackendKind, Configurable
from companion.perception.opencv import opencv

FRONTAL_FACE_CASCADE = "haarcascade_frontalface_default.xml"
SMILE_CASCADE = "haarcascade_smile.xml"


FACE_DETECTORS = BackendKind("companion.face_detectors", "face detector")


@dataclass(frozen=True)
class FaceBox:
    """A face's bounding box in pixels (x, y: top-left corner)."""

    x: int
    y: int
    w: int
    h: int

    @property
    def area(self) -> int:
        return self.w * self.h

    @property
    def center(self) -> tuple[float, float]:
        return self.x + self.w / 2.0, self.y + self.h / 2.0

    def crop(self, image: np.ndarray) -> np.ndarray:
        """The face's pixels as a view into ``image`` (no copy), clipped to the image."""
        height, width = image.shape[:2]
        x0, y0 = max(0, self.x), max(0, self.y)
        x1, y1 = min(width, self.x + self.w), min(height, self.y + self.h)
        return image[y0:y1, x0:x1]

    def iou(self, other: FaceBox) -> float:
        """Intersection over union: how much two boxes are the same face."""
        ix = max(0, min(self.x + self.w, other.x + other.w) - max(self.x, other.x))
        iy = max(0, min(self.y + self.h, other.y + other.h) - max(self.y, other.y))
        inter = ix * iy
        union = self.area + other.area - inter
        return inter / union if union > 0 else 0.0


@runtime_checkable
class FaceDetector(Protocol):
    def detect(self, image: np.ndarray) -> list[FaceBox]:
        """The faces in a BGR (or grayscale) image, largest first."""
        ...


@runtime_checkable
class SmileDetector(Protocol):
    def smiling(self, image: np.ndarray, face: FaceBox) -> bool:
        """Whether the face in ``image`` shows a smile."""
        ...


def largest_face(faces: Sequence[FaceBox]) -> FaceBox | None:
    """The visitor: the largest face is the person nearest the robot."""
    return max(faces, key=lambda face: face.area, default=None)


def to_gray(image: np.ndarray) -> np.ndarray:
    cv2 = opencv()
    if image.ndim == 2:
        return image
    return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)


def load_cascade(name: str, folder: Path | None = None) -> Any:
    cv2 = opencv()
    """A Haar cascade from ``folder`` (default: the ones shipped in the opencv wheel), or a clear error."""
    base = Path(folder) if folder is not None else _shipped_cascades()
    path = base / name
    classifier = cv2.CascadeClassifier(str(path)) if path.is_file() else None
    if classifier is None or classifier.empty():
        raise CompanionError(
            f"the Haar cascade {name} is missing or unreadable at {path}",
            "install opencv-python-headless>=4.10,<5 (4.x ships the cascades in cv2.data.haarcascades; "
            "OpenCV 5 removed them)",
        )
    return classifier


def _shipped_cascades() -> Path:
    cv2 = opencv()
    data = getattr(cv2, "data", None)
    folder = getattr(data, "haarcascades", None)
    if not folder:
        raise CompanionError(
            f"this OpenCV ({cv2.__version__}) ships no Haar cascades",
            "install opencv-python-headless>=4.10,<5; OpenCV 5 removed CascadeClassifier and its cascades",
        )
    return Path(folder)


class HaarOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    min_face_px: int = Field(48, ge=16, description="smaller faces are too far away to talk to")
    scale_factor: float = Field(1.1, gt=1.0, le=2.0)
    min_neighbors: int = Field(5, ge=1, le=50)


class HaarFaceDetector(Configurable):
    """OpenCV's frontal-face cascade. Not thread-safe: use one instance per worker thread."""

    Options = HaarOptions

    def __init__(
        self,
        min_face_px: int = 48,
        scale_factor: float = 1.1,
        min_neighbors: int = 5,
        cascade_dir: Path | None = None,
    ) -> None:
        self.min_face_px = min_face_px
        self.scale_factor = scale_factor
        self.min_neighbors = min_neighbors
        self._cascade = load_cascade(FRONTAL_FACE_CASCADE, cascade_dir)

    def detect(self, image: np.ndarray) -> list[FaceBox]:
        gray = to_gray(image)
        found = self._cascade.detectMultiScale(
            gray,
            scaleFactor=self.scale_factor,
            minNeighbors=self.min_neighbors,
            minSize=(self.min_face_px, self.min_face_px),
        )
        faces = [FaceBox(int(x), int(y), int(w), int(h)) for x, y, w, h in found]
        return sorted(faces, key=lambda face: face.area, reverse=True)


class HaarSmileDetector:
    """OpenCV's smile cascade on the lower half of a face box.

    The mouth region is resized to a fixed width first, so the cascade's neighbour count means the same for a
    near and a far face (the raw cascade fires far more often on large regions), and the cost stays constant.
    """

    def __init__(self, region_width: int = 80, min_neighbors: int = 15, cascade_dir: Path | None = None) -> None:
        self.region_width = region_width
        self.min_neighbors = min_neighbors
        self._cascade = load_cascade(SMILE_CASCADE, cascade_dir)

    def smiling(self, image: np.ndarray, face: FaceBox) -> bool:
        cv2 = opencv()
        lower = FaceBox(face.x, face.y + face.h // 2, face.w, face.h - face.h // 2).crop(to_gray(image))
        if lower.size == 0:
            return False
        height = max(1, round(self.region_width * lower.shape[0] / max(1, lower.shape[1])))
        region = cv2.resize(lower, (self.region_width, height), interpolation=cv2.INTER_AREA)
        found = self._cascade.detectMultiScale(
            region,
            scaleFactor=1.1,
            minNeighbors=self.min_neighbors,
            # A mouth is at least a quarter of the face wide; smaller hits are teeth, dimples or noise.
            minSize=(self.region_width // 4, max(1, height // 4)),
        )
        return len(found) > 0
