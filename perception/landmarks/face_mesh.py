"""MediaPipe Face Mesh with attention (478 landmarks: mesh, refined lips, eyelids, irises) run by onnxruntime.

Why this model: it installs from the package registry and runs offline, and it is the one that sees what mirroring
needs. The ``mediapipe`` 0.10.x wheels on PyPI carry its TFLite networks; ``companion models fetch`` downloads
one wheel (never installing it: mediapipe pins numpy < 2, protobuf < 5 and a second OpenCV), checks the two files
against their sha256, and converts them to ONNX once (``tflite_to_onnx``). At run time only onnxruntime, numpy
and OpenCV are needed. Measured against the alternatives (docs/PERCEPTION.md): the plain 468-point mesh misses
one-eyed blinks and small mouth openings; dlib's 68-point predictor cannot tell which eye winks and its training
data (iBUG 300-W) forbids commercial use. Models: Apache-2.0, (c) Google, from MediaPipe 0.10.21.

The pipeline follows MediaPipe's face_landmark_front_cpu graph: the short-range face detector -> a rotated square
region 1.5x the face -> the landmark network; while tracking, each frame's region comes from the previous
landmarks and the detector runs only when the face is lost.
"""

from __future__ import annotations

import hashlib
import math
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from companion.core.errors import CompanionError
from companion.core.models import MAKE_TINY_HINT, BuiltSource, ModelNeed
from companion.core.registry import DEFAULT_MODELS_DIR, BuildContext, Configurable, require
from companion.perception.landmarks.base import MESH_POINTS, FaceLandmarks
from companion.perception.opencv import opencv

DETECTOR_FILE = "face_detection_short_range.onnx"
LANDMARK_FILE = "face_landmark_with_attention.onnx"
MEDIAPIPE = "mediapipe==0.10.21"  # the last release whose wheel carries modules/*.tflite (0.10.30+ ship none)
# The files inside the wheel (byte-identical in 0.10.14 ... 0.10.21 and on every platform) and their sha256.
SOURCES = {
    "mediapipe/modules/face_detection/face_detection_short_range.tflite": (
        DETECTOR_FILE,
        "bbff11cebd1eb27a1e004cae0b0e63ec8c551cbf34a4451148b4908b8db3eca8",
    ),
    "mediapipe/modules/face_landmark/face_landmark_with_attention.tflite": (
        LANDMARK_FILE,
        "e06a804e0144f9929eda782122916b35d60c697c3c9344013ca2bbe76a6ce2b4",
    ),
}
LICENCE = "Apache-2.0, (c) Google, from MediaPipe 0.10.21"

# Vertices replaced by the attention model's refined outputs
# (mediapipe/modules/face_landmark/tensors_to_face_landmarks_with_attention.pbtxt).
LIPS = [61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291, 185, 40, 39, 37, 0, 267, 269, 270, 409, 78, 95, 88, 178, 87,
        14, 317, 402, 318, 324, 308, 191, 80, 81, 82, 13, 312, 311, 310, 415, 76, 77, 90, 180, 85, 16, 315, 404, 320,
        307, 306, 184, 74, 73, 72, 11, 302, 303, 304, 408, 62, 96, 89, 179, 86, 15, 316, 403, 319, 325, 292, 183, 42,
        41, 38, 12, 268, 271, 272, 407]  # fmt: skip
EYE_RIGHT = [33, 7, 163, 144, 145, 153, 154, 155, 133, 246, 161, 160, 159, 158, 157, 173, 130, 25, 110, 24, 23, 22, 26,
             112, 243, 247, 30, 29, 27, 28, 56, 190, 226, 31, 228, 229, 230, 231, 232, 233, 244, 113, 225, 224, 223,
             222, 221, 189, 35, 124, 46, 53, 52, 65, 143, 111, 117, 118, 119, 120, 121, 128, 245, 156, 70, 63, 105, 66,
             107, 55, 193]  # fmt: skip  # the subject's right eye (the image's left)
EYE_LEFT = [263, 249, 390, 373, 374, 380, 381, 382, 362, 466, 388, 387, 386, 385, 384, 398, 359, 255, 339, 254, 253,
            252, 256, 341, 463, 467, 260, 259, 257, 258, 286, 414, 446, 261, 448, 449, 450, 451, 452, 453, 464, 342,
            445, 444, 443, 442, 441, 413, 265, 353, 276, 283, 282, 295, 372, 340, 346, 347, 348, 349, 350, 357, 465,
            383, 300, 293, 334, 296, 336, 285, 417]  # fmt: skip


class FaceMeshOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: Path | None = Field(None, description=f"a folder with {DETECTOR_FILE} and {LANDMARK_FILE}")
    threads: int = Field(1, ge=1, le=16)
    tracking: bool = Field(True, description="follow the face from frame to frame; detect only when it is lost")
    min_detection_score: float = Field(0.5, gt=0.0, lt=1.0)
    min_presence: float = Field(0.5, gt=0.0, lt=1.0, description="below this the landmarks are not a face")
    source_wheel: Path | None = Field(None, description="a local mediapipe 0.10.x wheel to convert from (offline)")


def _complete(folder: Path) -> bool:
    return (folder / DETECTOR_FILE).is_file() and (folder / LANDMARK_FILE).is_file()


def model_need(options: FaceMeshOptions, models_dir: Path) -> ModelNeed:
    if options.path is not None:
        return ModelNeed(
            "landmarks", str(options.path), [options.path], _complete,
            f"fix perception.landmarks.path to a folder with {DETECTOR_FILE} and {LANDMARK_FILE}, or remove it",
            explicit=True,
        )  # fmt: skip
    target = models_dir / "landmarks" / "mediapipe-face-mesh"
    # The shared models folder too: the model is the same for every config (a tiny test config finds it there).
    shared = DEFAULT_MODELS_DIR / "landmarks" / "mediapipe-face-mesh"
    candidates = [target] if shared == target else [target, shared]
    return ModelNeed(
        "landmarks", "mediapipe-face-mesh", candidates, _complete,
        f"run `companion models fetch --only landmarks` (converts the networks of {MEDIAPIPE} from PyPI), "
        f"{MAKE_TINY_HINT}",
        source=BuiltSource(
            f"converted from the {MEDIAPIPE} wheel on PyPI",
            target,
            lambda folder: build_models(folder, options.source_wheel),
            LICENCE,
        ),
        describe="face-landmark model (MediaPipe face mesh with attention, converted to ONNX)",
    )  # fmt: skip


def build_models(folder: Path, wheel: Path | None = None) -> None:
    """Download the mediapipe wheel (unless ``wheel`` is given), check and convert its two networks into ``folder``."""
    require("tflite", extra="perception", what="converting the face-mesh models")
    from companion.perception.landmarks.tflite_to_onnx import convert

    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        wheel = wheel or _download_wheel(work)
        with zipfile.ZipFile(wheel) as archive:
            for member, (target, digest) in SOURCES.items():
                data = archive.read(member)
                if hashlib.sha256(data).hexdigest() != digest:
                    raise CompanionError(f"{wheel.name}: {member} is not the expected file (sha256 differs)")
                tflite = work / Path(member).name
                tflite.write_bytes(data)
                partial = folder / f".{target}.partial"
                convert(str(tflite), str(partial))
                partial.replace(folder / target)  # never a half-written model under the real name


def _download_wheel(folder: Path) -> Path:
    # Any platform's wheel carries the same files: ask for one that exists whatever this machine is.
    command = [
        sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:", "--python-version",
        "3.11", "--platform", "manylinux_2_28_x86_64", "-d", str(folder), MEDIAPIPE,
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    wheels = sorted(folder.glob("mediapipe-*.whl"))
    if result.returncode != 0 or not wheels:
        raise CompanionError(
            f"could not download {MEDIAPIPE} from the package index: {result.stderr.strip()[-300:]}",
            "check the connection to PyPI, or set perception.landmarks.source_wheel to a downloaded mediapipe wheel",
        )
    return wheels[0]


class FaceMeshLandmarker(Configurable):
    """``process(bgr)`` -> the 478 landmarks of the most confident face, or None. One caller at a time."""

    Options = FaceMeshOptions

    @classmethod
    def model_needs(cls, options: FaceMeshOptions, context: BuildContext) -> list[ModelNeed]:
        return [model_need(options, context.models_dir)]

    @classmethod
    def from_config(cls, options: FaceMeshOptions, context: BuildContext) -> FaceMeshLandmarker:
        require("onnxruntime", extra="perception", what="the face-mesh landmarks")
        folder = model_need(options, context.models_dir).locate()
        return cls(
            folder,
            threads=options.threads,
            tracking=options.tracking,
            min_detection_score=options.min_detection_score,
            min_presence=options.min_presence,
        )

    def __init__(
        self,
        model_dir: Path,
        threads: int = 1,
        tracking: bool = True,
        min_detection_score: float = 0.5,
        min_presence: float = 0.5,
    ) -> None:
        self._cv2 = opencv()
        self.detector = _session(model_dir / DETECTOR_FILE, threads)
        self.landmarker = _session(model_dir / LANDMARK_FILE, threads)
        self._detector_input = self.detector.get_inputs()[0].name
        self._landmark_input = self.landmarker.get_inputs()[0].name
        self.anchors = _anchors()
        self.tracking = tracking
        self.min_detection_score = min_detection_score
        self.min_presence = min_presence
        self.presence = 0.0  # the face score of the last landmark run
        self._previous: np.ndarray | None = None

    def reset(self) -> None:
        self._previous = None

    def process(self, bgr: np.ndarray) -> FaceLandmarks | None:
        rgb = self._cv2.cvtColor(bgr, self._cv2.COLOR_BGR2RGB)
        points = None
        if self.tracking and self._previous is not None:
            points = self._landmarks_in(rgb, _region_from_landmarks(self._previous))
        if points is None:
            region = self._detect(rgb)
            points = self._landmarks_in(rgb, region) if region is not None else None
        self._previous = points
        return None if points is None else FaceLandmarks(points, self.presence)

    def _detect(self, rgb: np.ndarray) -> tuple[float, float, float, float] | None:
        """The best face as a region (centre x, centre y, side, angle), pixels and radians."""
        cv2 = self._cv2
        height, width = rgb.shape[:2]
        scale = 128 / max(width, height)
        new_w, new_h = round(width * scale), round(height * scale)
        ox, oy = (128 - new_w) // 2, (128 - new_h) // 2
        canvas = np.zeros((128, 128, 3), np.float32)  # letterboxed, values in [-1, 1]
        canvas[oy : oy + new_h, ox : ox + new_w] = cv2.resize(rgb, (new_w, new_h), interpolation=cv2.INTER_AREA)
        raw, scores = self.detector.run(None, {self._detector_input: canvas[None] / 127.5 - 1.0})
        scores = _sigmoid(scores[0, :, 0])
        keep = np.flatnonzero(scores >= self.min_detection_score)
        if keep.size == 0:
            return None
        box = raw[0, keep] / 128.0  # cx, cy, w, h, then 6 keypoints (x, y), as offsets from the anchor
        box[:, 0::2][:, [0, 2, 3, 4, 5, 6, 7]] += self.anchors[keep, 0:1]
        box[:, 1::2][:, [0, 2, 3, 4, 5, 6, 7]] += self.anchors[keep, 1:2]
        weights = scores[keep]
        best = int(np.argmax(weights))  # weighted non-maximum suppression of the best face's cluster (IoU >= 0.3)
        x0, y0 = box[:, 0] - box[:, 2] / 2, box[:, 1] - box[:, 3] / 2
        x1, y1 = box[:, 0] + box[:, 2] / 2, box[:, 1] + box[:, 3] / 2
        inter_w = np.clip(np.minimum(x1, x1[best]) - np.maximum(x0, x0[best]), 0, None)
        inter_h = np.clip(np.minimum(y1, y1[best]) - np.maximum(y0, y0[best]), 0, None)
        union = box[:, 2] * box[:, 3] + box[best, 2] * box[best, 3] - inter_w * inter_h
        cluster = inter_w * inter_h / union >= 0.3
        merged = (box[cluster] * weights[cluster, None]).sum(0) / weights[cluster].sum()

        def px(v: float) -> float:
            return (v * 128 - ox) / scale

        def py(v: float) -> float:
            return (v * 128 - oy) / scale

        # Keypoints 0 and 1 are the eyes: the region is rotated so that the eye line is horizontal.
        angle = math.atan2(py(merged[7]) - py(merged[5]), px(merged[6]) - px(merged[4]))
        return px(merged[0]), py(merged[1]), 1.5 * max(merged[2], merged[3]) * 128 / scale, angle

    def _landmarks_in(self, rgb: np.ndarray, region: tuple[float, float, float, float]) -> np.ndarray | None:
        cv2 = self._cv2
        cx, cy, size, angle = region
        c, s, half = math.cos(angle), math.sin(angle), size / 2
        corners = np.array([[-half, -half], [half, -half], [-half, half]], np.float32)
        source = corners @ np.array([[c, s], [-s, c]], np.float32) + np.array([cx, cy], np.float32)
        matrix = cv2.getAffineTransform(source, np.array([[0, 0], [192, 0], [0, 192]], np.float32))
        crop = cv2.warpAffine(rgb, matrix, (192, 192), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        mesh, lips, eye_r, eye_l, iris_r, iris_l, flag = self.landmarker.run(
            None, {self._landmark_input: crop[None].astype(np.float32) / 255.0}
        )
        self.presence = float(_sigmoid(flag.reshape(-1)[0]))
        if self.presence < self.min_presence:
            return None
        mesh = mesh.reshape(468, 3)
        points = np.empty((MESH_POINTS, 3), np.float32)
        points[:468] = mesh
        points[LIPS, :2] = lips.reshape(80, 2)
        points[EYE_RIGHT, :2] = eye_r.reshape(71, 2)
        points[EYE_LEFT, :2] = eye_l.reshape(71, 2)
        points[468:473, :2] = iris_r.reshape(5, 2)  # centre, then 4 edge points
        points[473:478, :2] = iris_l.reshape(5, 2)
        points[468:473, 2] = mesh[EYE_RIGHT[:16], 2].mean()
        points[473:478, 2] = mesh[EYE_LEFT[:16], 2].mean()
        inverse = cv2.invertAffineTransform(matrix)  # crop pixels (192) -> frame pixels
        points[:, :2] = points[:, :2] @ inverse[:, :2].T + inverse[:, 2]
        points[:, 2] *= size / 192.0
        return points


def _region_from_landmarks(points: np.ndarray) -> tuple[float, float, float, float]:
    (x0, y0), (x1, y1) = points[:468, :2].min(0), points[:468, :2].max(0)
    angle = math.atan2(points[263, 1] - points[33, 1], points[263, 0] - points[33, 0])
    return float(x0 + x1) / 2, float(y0 + y1) / 2, 1.5 * float(max(x1 - x0, y1 - y0)), angle


def _session(path: Path, threads: int) -> Any:
    onnxruntime = require("onnxruntime", extra="perception", what="the face-mesh landmarks")
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")  # idle threads must not spin
    return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def _anchors() -> np.ndarray:
    """The short-range detector's SSD anchors: strides 8 (2 per cell) and 16 (6 per cell), 896 centres."""
    centres: list[tuple[float, float]] = []
    for stride, per_cell in ((8, 2), (16, 6)):
        cells = 128 // stride
        for y in range(cells):
            for x in range(cells):
                centres.extend([((x + 0.5) / cells, (y + 0.5) / cells)] * per_cell)
    return np.array(centres, np.float32)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -80.0, 80.0)))
