"""The perception config sections: the camera and analysis (``perception``), the face detector
(``perception.detector``) and the facial-affect model (``models.affect``), each detector and model by name."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from companion.core.config import BackendSection, Section
from companion.core.registry import BackendKind
from companion.perception.affect import AFFECT_BACKENDS
from companion.perception.faces import FACE_DETECTORS
from companion.perception.landmarks.base import LANDMARKERS


class FaceDetectorConfig(BackendSection):
    kind: ClassVar[BackendKind] = FACE_DETECTORS
    backend: str = "haar"


class LandmarksConfig(BackendSection):
    """The face-landmark model: facial actions, head pose, gestures and mirroring come from it (null: off)."""

    kind: ClassVar[BackendKind] = LANDMARKERS
    backend: str = "face-mesh"


class AffectConfig(BackendSection):
    kind: ClassVar[BackendKind] = AFFECT_BACKENDS
    backend: str = "onnx"


class PresenceConfig(Section):
    """When a face in view becomes a visitor, an engaged one, and one who left (perception/presence.py)."""

    arrive_s: float = Field(0.5, ge=0.0, le=10.0, description="a face this long in view is a visitor who arrived")
    engage_s: float = Field(1.0, ge=0.0, le=10.0, description="near and facing the robot this long: engaged")
    leave_s: float = Field(3.0, ge=0.2, le=60.0, description="no face this long: the visitor left")
    min_face_size: float = Field(
        0.08, gt=0.0, lt=1.0, description="engaged only when the face is this wide (of the frame)"
    )
    facing_deg: float = Field(30.0, gt=0.0, le=90.0, description="engaged only when turned this far toward the robot")


class PerceptionConfig(Section):
    enabled: bool = True
    source: Literal["local", "mqtt"] = Field(
        "local", description="local: the camera here; mqtt: `companion perceive` on another host publishes it"
    )
    publish: bool = Field(False, description="publish local perception on perception/state for other programs")
    camera: int | None = Field(None, description="camera index for `companion run` without --video")
    fps: float = Field(10.0, gt=0, le=60, description="frames analysed per second")
    emotion_inference: bool | None = Field(
        None, description="null: on, except where privacy.deployment is workplace or education"
    )
    smoothing_s: float = Field(1.0, ge=0.0, description="time constant of the affect smoothing")
    fov_deg: float = Field(60.0, gt=10.0, lt=179.0, description="the camera's horizontal field of view")
    mirrored: bool = Field(False, description="true if the camera delivers mirrored (selfie) images")
    threads: int = Field(1, ge=1, le=16)
    detector: FaceDetectorConfig = Field(
        default_factory=FaceDetectorConfig, description="finds faces when no landmark model runs"
    )
    presence: PresenceConfig = Field(default_factory=PresenceConfig)
    landmarks: LandmarksConfig | None = Field(
        default_factory=LandmarksConfig, description="null: face boxes only (no facial actions or mirroring)"
    )
