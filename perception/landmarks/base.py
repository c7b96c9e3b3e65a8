"""What a landmark backend gives: the visitor's face as points, in MediaPipe's 478-point face-mesh topology.

A backend is found by name in the ``companion.landmarks`` entry-point group (``perception.landmarks.backend``). Its
``process(bgr)`` returns the points of the most prominent face in pixels (x right, y down, z depth in the same
scale, smaller is nearer) or None. The facial actions (``companion.perception.actions``) read the topology's
indices, so a backend with another landmark model maps its points onto it (docs/PERCEPTION.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from companion.core.registry import BackendKind
from companion.perception.faces import FaceBox

LANDMARKERS = BackendKind("companion.landmarks", "face-landmark backend")
MESH_POINTS = 478  # 468 mesh vertices + 5 per iris


@dataclass(frozen=True)
class FaceLandmarks:
    points: np.ndarray  # (478, 3) float32, pixels
    presence: float  # the model's confidence that this is a face, 0..1

    def box(self) -> FaceBox:
        """The face's bounding box (mesh vertices), for gaze and the visitor tracker."""
        (x0, y0), (x1, y1) = self.points[:468, :2].min(0), self.points[:468, :2].max(0)
        x, y, w, h = (round(float(v)) for v in (x0, y0, x1 - x0, y1 - y0))
        return FaceBox(x, y, max(1, w), max(1, h))


@runtime_checkable
class FaceLandmarker(Protocol):
    def process(self, bgr: np.ndarray) -> FaceLandmarks | None:
        """The landmarks of the most prominent face in a BGR frame (blocking; perception's worker thread)."""
        ...

    def reset(self) -> None:
        """Forget any tracking state (a new video, a scene cut)."""
        ...
