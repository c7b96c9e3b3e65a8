"""Facial actions: the visitor's face as ARKit-named coefficients in [0, 1] and a head pose, calibrated to them.

From the 478 face-mesh landmarks (``companion.perception.landmarks``) each frame gives geometric measures, every
distance divided by the inter-ocular distance (outer eye corners) so they do not depend on the face's size or
distance: the eye aspect ratio per eye, the brows' height over the eyes, the lips' gap, the mouth's width, each
mouth corner's height, and the head's rotation. A person's neutral face differs from anyone else's (eyes, lips,
brows), so coefficients are measured from **this visitor's rest**: ``Calibration`` keeps a few seconds of measures
and takes, per measure, the percentile where that feature rests (eyes are mostly open, the mouth mostly closed,
brows mostly down), which an occasional expression does not move. The coefficient is the change from rest divided
by the change of a full expression (``FULL_RANGE``, in inter-ocular distances: a full smile lifts a corner by about
a tenth of it).

Sides and signs are the **visitor's own**: ``mouthSmileLeft`` is their left corner (on the image's right for an
ordinary, unmirrored camera); head yaw is positive when they turn toward their left, pitch when they look up, roll
when they tilt toward their left shoulder (the same conventions as the robot's channels, in the visitor's frame).
Mirroring them onto the robot is the mirror's business (``companion.perception.mirror``).

The head pose comes from the visitor's own face: the landmarks of the calibration frame are the 3-D template
(their depth from the mesh), and each frame's 2-D landmarks are fitted to it (``solvePnP``), so the angles are
relative to how the visitor held their head at rest.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from companion.perception.landmarks.base import FaceLandmarks
from companion.perception.opencv import opencv

# Landmark indices of MediaPipe's face mesh ("right"/"left" = the visitor's own side).
RIGHT_EYE = (33, 160, 158, 133, 153, 144)  # outer corner, two upper-lid points, inner corner, two lower-lid points
LEFT_EYE = (263, 387, 385, 362, 380, 373)
BROW_INNER = {"right": 107, "left": 336}
BROW_OUTER = {"right": 70, "left": 300}
EYE_INNER = {"right": 133, "left": 362}
EYE_OUTER = {"right": 33, "left": 263}
MOUTH_CORNER = {"right": 61, "left": 291}
LIP_INNER_TOP, LIP_INNER_BOTTOM, LIP_OUTER_TOP, LIP_OUTER_BOTTOM = 13, 14, 0, 17
CHIN = 152
# Points that do not move with expressions: the head pose is fitted to these.
RIGID = (1, 4, 6, 168, 197, 195, 5, 33, 133, 263, 362, 10, 151, 9, 234, 454, 127, 356, 152, 175, 58, 288, 132, 361,
         93, 323, 129, 358, 98, 327)  # fmt: skip

# What a full expression changes, in inter-ocular distances (or as a fraction for the eyes and the mouth's width).
FULL_RANGE: dict[str, float] = {
    "blink": 0.8,  # a closed eye's aspect ratio falls by about 80 % of the open eye's
    "brow_inner_up": 0.08,
    "brow_outer_up": 0.08,
    "brow_down": 0.05,
    "mouth_open": 0.5,
    "smile": 0.1,
    "pucker": 0.25,  # the mouth narrows by a quarter
    "tongue": 0.4,  # a tongue out covers about 40 % of the region under the lower lip (perception/tongue.py)
}
# Per measure, the percentile of the calibration window where the feature rests.
REST_PERCENTILE: dict[str, float] = {
    "ear_right": 75, "ear_left": 75,  # blinks are brief dips
    "brow_inner_right": 35, "brow_inner_left": 35, "brow_outer_right": 35, "brow_outer_left": 35,
    "mouth_open": 20,  # talking and laughing open it
    "mouth_width": 60,  # puckering narrows it, smiling widens it
    "corner_right": 30, "corner_left": 30,  # smiling lifts the corners
    "tongue": 30,
}  # fmt: skip

ACTION_NAMES = (
    "eyeBlinkLeft", "eyeBlinkRight", "browInnerUp", "browOuterUpLeft", "browOuterUpRight", "browDownLeft",
    "browDownRight", "jawOpen", "mouthSmileLeft", "mouthSmileRight", "mouthPucker", "tongueOut",
)  # fmt: skip
POSE_NAMES = ("headPitch", "headYaw", "headRoll")


@dataclass(frozen=True)
class HeadPose:
    yaw_deg: float  # positive: the visitor turned toward their left
    pitch_deg: float  # positive: they look up
    roll_deg: float  # positive: they tilt toward their left shoulder


@dataclass(frozen=True)
class FacialActions:
    """One frame's actions: ARKit-named coefficients in [0, 1] and the head pose relative to the visitor's rest."""

    coefficients: dict[str, float]
    pose: HeadPose | None
    calibrated: bool  # False during the first frames, while the visitor's rest is still being learned

    def channels(self) -> dict[str, float]:
        """Coefficients and pose as channel values (``headYaw`` etc. in degrees), in the visitor's frame."""
        out = dict(self.coefficients)
        if self.pose is not None:
            out.update(headYaw=self.pose.yaw_deg, headPitch=self.pose.pitch_deg, headRoll=self.pose.roll_deg)
        return out


def measure(points: np.ndarray) -> dict[str, float]:
    """The geometric measures of one face (normalised by the inter-ocular distance; see the module docstring)."""
    xy = points[:, :2].astype(np.float64)
    iod = float(np.linalg.norm(xy[EYE_OUTER["left"]] - xy[EYE_OUTER["right"]]))
    if iod < 1e-3:
        raise ValueError("degenerate landmarks: the eyes coincide")
    across = (xy[EYE_OUTER["left"]] - xy[EYE_OUTER["right"]]) / iod  # the face's own horizontal axis
    down = np.array([-across[1], across[0]])  # and its vertical one (image y grows downward)

    def distance(a: int, b: int) -> float:
        return float(np.linalg.norm(xy[a] - xy[b])) / iod

    def ear(eye: tuple[int, ...]) -> float:
        outer, up1, up2, inner, low1, low2 = eye
        return (distance(up1, low2) + distance(up2, low1)) / (2 * distance(outer, inner))

    out = {
        "ear_right": ear(RIGHT_EYE),
        "ear_left": ear(LEFT_EYE),
        "mouth_open": float(np.dot(xy[LIP_INNER_BOTTOM] - xy[LIP_INNER_TOP], down)) / iod,
        "mouth_width": distance(MOUTH_CORNER["right"], MOUTH_CORNER["left"]),
    }
    for side in ("right", "left"):
        out[f"brow_inner_{side}"] = float(np.dot(xy[EYE_INNER[side]] - xy[BROW_INNER[side]], down)) / iod
        out[f"brow_outer_{side}"] = float(np.dot(xy[EYE_OUTER[side]] - xy[BROW_OUTER[side]], down)) / iod
        # A corner's height above the upper lip's top, which jaw movement does not move (higher = more smile).
        out[f"corner_{side}"] = float(np.dot(xy[LIP_OUTER_TOP] - xy[MOUTH_CORNER[side]], down)) / iod
    return out


@dataclass
class Calibration:
    """The visitor's rest, learned from the measures of the last ``window_s`` seconds (see the module docstring).

    ``ready`` once ``min_s`` of frames are in. ``template`` is the landmarks of the frame nearest the rest, the
    head pose's reference."""

    window_s: float = 8.0
    min_s: float = 0.6
    _samples: deque[tuple[float, dict[str, float]]] = field(default_factory=deque)
    rest: dict[str, float] = field(default_factory=dict)
    template: np.ndarray | None = None
    _template_score: float = math.inf
    _first_t: float | None = None

    def add(self, t: float, measures: Mapping[str, float], points: np.ndarray) -> None:
        if self._first_t is None:
            self._first_t = t
        self._samples.append((t, dict(measures)))
        while self._samples and t - self._samples[0][0] > self.window_s:
            self._samples.popleft()
        keys = measures.keys()
        self.rest = {
            key: float(np.percentile([m[key] for _, m in self._samples], REST_PERCENTILE.get(key, 50))) for key in keys
        }
        # The template: the frame whose mouth, eyes and brows are nearest their rest, over the visitor's first frames
        # (later frames would move the pose's zero as the visitor moves).
        if t - self._first_t <= self.window_s:
            score = sum(abs(measures[key] - self.rest[key]) for key in keys)
            if score < self._template_score:
                self._template_score, self.template = score, points.copy()

    @property
    def ready(self) -> bool:
        return self._first_t is not None and bool(self._samples) and self._samples[-1][0] - self._first_t >= self.min_s


class ActionEstimator:
    """Landmarks in, ``FacialActions`` out, for one visitor (``reset`` when another one comes)."""

    def __init__(self, fov_deg: float = 60.0, calibration_s: float = 0.6, window_s: float = 8.0) -> None:
        self.fov_deg = fov_deg
        self.calibration_s = calibration_s
        self.window_s = window_s
        self.reset()

    def reset(self) -> None:
        self.calibration = Calibration(window_s=self.window_s, min_s=self.calibration_s)

    def update(
        self, t: float, landmarks: FaceLandmarks, frame_size: tuple[int, int], tongue: float | None = None
    ) -> FacialActions:
        template = self.calibration.template
        fitted = head_pose(landmarks.points, template, frame_size, self.fov_deg) if template is not None else None
        pose, rotation = fitted if fitted is not None else (None, None)
        # Measured on the face turned back to the rest pose: looking down must not read as a smile.
        frontal = frontalise(landmarks.points, rotation) if rotation is not None else landmarks.points
        measures = measure(frontal)
        if tongue is not None:
            measures["tongue"] = tongue
        self.calibration.add(t, measures, landmarks.points)
        coefficients = coefficients_from(measures, self.calibration.rest)
        return FacialActions(coefficients, pose, self.calibration.ready)


def coefficients_from(measures: Mapping[str, float], rest: Mapping[str, float]) -> dict[str, float]:
    """ARKit coefficients from measures and the visitor's rest (both from ``measure``)."""

    def clip(value: float) -> float:
        return float(min(1.0, max(0.0, value)))

    def change(key: str) -> float:
        return measures[key] - rest[key]

    out: dict[str, float] = {}
    for side, name in (("left", "Left"), ("right", "Right")):
        out[f"eyeBlink{name}"] = clip(-change(f"ear_{side}") / (FULL_RANGE["blink"] * max(rest[f"ear_{side}"], 1e-3)))
        out[f"browOuterUp{name}"] = clip(change(f"brow_outer_{side}") / FULL_RANGE["brow_outer_up"])
        lowered = (change(f"brow_inner_{side}") + change(f"brow_outer_{side}")) / 2
        out[f"browDown{name}"] = clip(-lowered / FULL_RANGE["brow_down"])
        out[f"mouthSmile{name}"] = clip(change(f"corner_{side}") / FULL_RANGE["smile"])
    inner = (change("brow_inner_left") + change("brow_inner_right")) / 2
    out["browInnerUp"] = clip(inner / FULL_RANGE["brow_inner_up"])
    out["jawOpen"] = clip(change("mouth_open") / FULL_RANGE["mouth_open"])
    out["mouthPucker"] = clip(-change("mouth_width") / (FULL_RANGE["pucker"] * max(rest["mouth_width"], 1e-3)))
    has_tongue = "tongue" in measures and "tongue" in rest
    out["tongueOut"] = clip(change("tongue") / FULL_RANGE["tongue"]) if has_tongue else 0.0
    return out


def frontalise(points: np.ndarray, rotation: np.ndarray) -> np.ndarray:
    """The landmarks turned back by the head's rotation (about their centre), as if the visitor faced the camera
    the way they did at rest. The mesh's depth makes this a 3-D turn, not a 2-D one."""
    centre = points.mean(0)
    return ((points - centre) @ rotation + centre).astype(np.float32)


def head_pose(
    points: np.ndarray, template: np.ndarray, frame_size: tuple[int, int], fov_deg: float
) -> tuple[HeadPose, np.ndarray] | None:
    """The head's rotation from ``template`` (the visitor at rest) to ``points``, fitted on the rigid landmarks, as
    angles and as the rotation matrix (OpenCV camera axes).

    The template's depth is the mesh's own z (same scale as x and y). The camera is a pinhole of ``fov_deg``
    horizontal field of view; the fit returns the template's rotation as the camera sees it now, and the template
    is the rest, so that rotation is the visitor's head movement.
    """
    cv2 = opencv()
    width, height = frame_size
    rigid = list(RIGID)
    model = template[rigid].astype(np.float64)
    model -= model.mean(0)
    image = points[rigid, :2].astype(np.float64)
    focal = (width / 2) / math.tan(math.radians(fov_deg) / 2)
    camera = np.array([[focal, 0, width / 2], [0, focal, height / 2], [0, 0, 1]], np.float64)
    # Start from the template's own pose seen where it is now: no rotation, at the distance its size implies.
    scale = _spread(template[rigid, :2]) / max(_spread(points[rigid, :2]), 1e-6)
    centre = points[rigid, :2].mean(0)
    distance = focal * scale
    start_t = np.array([(centre[0] - width / 2) * distance / focal, (centre[1] - height / 2) * distance / focal,
                        distance])  # fmt: skip
    ok, rvec, _ = cv2.solvePnP(
        model, image, camera, None, rvec=np.zeros(3), tvec=start_t, useExtrinsicGuess=True, flags=cv2.SOLVEPNP_ITERATIVE
    )
    if not ok:
        return None
    rotation, _ = cv2.Rodrigues(rvec)
    # OpenCV camera axes: x right, y down, z forward (away from the camera). Euler angles, x then y then z.
    pitch_down = math.degrees(math.atan2(rotation[2, 1], rotation[2, 2]))
    turn_right_in_image = math.degrees(math.asin(max(-1.0, min(1.0, -rotation[2, 0]))))
    clockwise = math.degrees(math.atan2(rotation[1, 0], rotation[0, 0]))
    # The visitor faces the camera: turning toward their left moves their nose to the image's right, looking up is
    # a negative pitch in these axes, tilting toward their left shoulder (the image's right) turns it clockwise.
    return HeadPose(yaw_deg=-turn_right_in_image, pitch_deg=-pitch_down, roll_deg=clockwise), rotation


def _spread(xy: np.ndarray) -> float:
    return float(np.sqrt(((xy - xy.mean(0)) ** 2).sum(1).mean()))
