"""Face clips made offline from a real photograph: the astronaut portrait scikit-image ships (public domain).

For tests and benchmarks (scikit-image and scipy come with the ``test`` extra).

A neutral frame is made once; actions are image warps placed by the face's own landmarks (found once on the
neutral frame): the jaw drops (the lower face moves down, the mouth's inside is dark), a mouth corner lifts, the
mouth narrows (pucker), the brows rise, an eye closes (inpainted lid), a tongue comes out (a lip-coloured,
shaded tongue over the lower lip), and the head turns in 3-D: the face is treated as the front of an ellipsoid,
rotated, and seen again (ray-cast), so a nod and a shake change the face's shape the way a turning head does, not
just its place. Every action takes a value in [0, 1] (the head: degrees), so a clip is a timeline of values.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from companion.core.registry import require
from companion.perception.landmarks.face_mesh import FaceMeshLandmarker

FRAME_SIZE = (640, 480)
Timeline = Callable[[float], Mapping[str, float]]  # time -> {action: value}


def neutral_frame(size: tuple[int, int] = FRAME_SIZE, face_height: float = 0.45) -> np.ndarray:
    """The portrait's head, centred, its face ``face_height`` of the frame's height, on the photo's background."""
    data = require("skimage.data", extra="test", what="the face clips (the astronaut photo)")

    portrait = cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR)
    width, height = size
    face_x, face_y, face_w, face_h = 177, 66, 95, 95  # where the face is in the 512x512 photo
    scale = face_height * height / face_h
    matrix = np.array(
        [[scale, 0, width / 2 - scale * (face_x + face_w / 2)], [0, scale, height / 2 - scale * (face_y + face_h / 2)]],
        np.float32,
    )
    return cv2.warpAffine(portrait, matrix, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)


@dataclass
class FaceRig:
    """Actions on one neutral frame, placed by its landmarks."""

    frame: np.ndarray
    points: np.ndarray  # (478, 3) landmarks of the neutral frame

    @classmethod
    def of(cls, frame: np.ndarray, model_dir: Path) -> FaceRig:
        found = FaceMeshLandmarker(model_dir, tracking=False).process(frame)
        if found is None:
            raise RuntimeError("no face in the neutral frame")
        return cls(frame, found.points)

    @property
    def iod(self) -> float:
        return float(np.linalg.norm(self.points[33, :2] - self.points[263, :2]))

    def render(self, actions: Mapping[str, float]) -> np.ndarray:
        """The frame with ``actions``: jaw, smile_left, smile_right, pucker, brows, blink_left, blink_right,
        tongue (each 0..1), yaw, pitch, roll (degrees, the visitor's frame: yaw toward their left, pitch up, roll
        toward their left shoulder)."""
        image = self.frame.copy()
        get = actions.get
        if get("jaw", 0) > 0 or get("tongue", 0) > 0:
            image = self._jaw_drop(image, 0.45 * get("jaw", 0) + 0.12 * min(1.0, 4 * get("tongue", 0)))
        for side in ("left", "right"):
            if get(f"smile_{side}", 0) > 0:
                image = self._corner_lift(image, side, 0.12 * get(f"smile_{side}", 0))
        if get("pucker", 0) > 0:
            image = self._pucker(image, 1 + 0.45 * get("pucker", 0))
        if get("brows", 0) > 0:
            image = self._brow_raise(image, 0.1 * get("brows", 0))
        for side in ("left", "right"):
            if get(f"blink_{side}", 0) > 0.5:
                image = self._close_eye(image, side)
        if get("tongue", 0) > 0:
            image = self._tongue(image, get("tongue", 0))
        if any(get(axis, 0) for axis in ("yaw", "pitch", "roll")):
            image = self._turn(image, get("yaw", 0), get("pitch", 0), get("roll", 0))
        return image

    # --- expressions --------------------------------------------------------------------------------------------

    def _grid(self) -> tuple[np.ndarray, np.ndarray]:
        height, width = self.frame.shape[:2]
        yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
        return xx, yy

    @staticmethod
    def _remap(image: np.ndarray, map_x: np.ndarray, map_y: np.ndarray) -> np.ndarray:
        return cv2.remap(image, map_x.astype(np.float32), map_y.astype(np.float32), cv2.INTER_LINEAR,
                         borderMode=cv2.BORDER_REPLICATE)  # fmt: skip

    @staticmethod
    def _falloff(distance: np.ndarray, fall: float) -> np.ndarray:
        return np.where(distance < fall, 0.5 * (1 + np.cos(np.pi * np.minimum(distance / fall, 1))), 0.0)

    def _jaw_drop(self, image: np.ndarray, fraction: float) -> np.ndarray:
        p, iod = self.points, self.iod
        xx, yy = self._grid()
        drop = fraction * iod
        lip_line = (p[13, 1] + p[14, 1]) / 2
        right, left = p[61, 0], p[291, 0]
        across = self._falloff(np.maximum(np.maximum(right - 0.6 * iod - xx, xx - left - 0.6 * iod), 0), 0.4 * iod)
        chin = p[152, 1] + 0.4 * iod  # the neck below the chin does not move
        below = np.clip((yy - lip_line) / max(drop, 1e-3), 0, 1) * np.clip((chin - yy) / (0.3 * iod), 0, 1)
        out = self._remap(image, xx, yy - drop * across * below)
        inside = np.zeros(image.shape[:2], np.uint8)
        centre = (int((right + left) / 2), int(lip_line + drop / 2))
        cv2.ellipse(inside, centre, (int(0.42 * (left - right)), max(1, int(drop / 2))), 0, 0, 360, 255, -1)
        out[inside > 0] = (35, 25, 70)  # the mouth's dark inside
        return out

    def _corner_lift(self, image: np.ndarray, side: str, fraction: float) -> np.ndarray:
        p, iod = self.points, self.iod
        xx, yy = self._grid()
        index = 291 if side == "left" else 61  # the visitor's left corner is on the image's right
        px, py = p[index, :2]
        outward = 1 if side == "left" else -1
        radius = 0.3 * iod
        weight = np.exp(-((xx - px) ** 2 + (yy - py) ** 2) / (2 * radius * radius))
        dx, dy = outward * 0.3 * fraction * iod, -fraction * iod
        return self._remap(image, xx - dx * weight, yy - dy * weight)

    def _pucker(self, image: np.ndarray, squeeze: float) -> np.ndarray:
        p, iod = self.points, self.iod
        xx, yy = self._grid()
        cx, cy = (p[61, 0] + p[291, 0]) / 2, (p[13, 1] + p[14, 1]) / 2
        half = (p[291, 0] - p[61, 0]) / 2
        weight = self._falloff(np.maximum(np.abs(xx - cx) - half - 0.1 * iod, 0), 0.35 * iod) * self._falloff(
            np.maximum(np.abs(yy - cy) - 0.3 * iod, 0), 0.25 * iod
        )
        return self._remap(image, cx + (xx - cx) * (1 + (squeeze - 1) * weight), yy)

    def _brow_raise(self, image: np.ndarray, fraction: float) -> np.ndarray:
        p, iod = self.points, self.iod
        xx, yy = self._grid()
        lid, brow = min(p[159, 1], p[386, 1]), min(p[105, 1], p[334, 1])
        t = np.clip((lid - yy) / max(lid - brow, 1.0), 0, None)
        up = np.where(t <= 1, t, np.clip(2 - t, 0, 1))
        across = self._falloff(np.maximum(np.maximum(p[70, 0] - 0.1 * iod - xx, xx - p[300, 0] - 0.1 * iod), 0),
                               0.3 * iod)  # fmt: skip
        return self._remap(image, xx, yy + fraction * iod * up * across)

    def _close_eye(self, image: np.ndarray, side: str) -> np.ndarray:
        p, iod = self.points, self.iod
        ring = (
            [263, 249, 390, 373, 374, 380, 381, 382, 362, 398, 384, 385, 386, 387, 388, 466]
            if side == "left"
            else [33, 7, 163, 144, 145, 153, 154, 155, 133, 173, 157, 158, 159, 160, 161, 246]
        )
        mask = np.zeros(image.shape[:2], np.uint8)
        cv2.fillPoly(mask, [p[ring, :2].astype(np.int32)], 255)
        mask = cv2.dilate(mask, np.ones((5, 5), np.uint8), iterations=max(1, int(iod / 40)))
        out = cv2.inpaint(image, mask, 5, cv2.INPAINT_TELEA)
        lid = p[ring[:9], :2].copy()  # the lower lid, corner to corner
        lid[:, 1] -= 0.02 * iod
        cv2.polylines(out, [lid.astype(np.int32)], False, (40, 40, 60), max(1, int(iod / 60)), cv2.LINE_AA)
        return out

    def _tongue(self, image: np.ndarray, amount: float) -> np.ndarray:
        """A tongue over the lower lip and down the chin, the lips' colour a little lighter, shaded to its edge."""
        p, iod = self.points, self.iod
        outer = p[[61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291], :2]
        inner = p[[308, 415, 310, 311, 312, 13, 82, 81, 80, 191, 78], :2]
        upper_lip = np.concatenate([outer, inner]).astype(np.int32)
        mask = np.zeros(image.shape[:2], np.uint8)
        cv2.fillPoly(mask, [upper_lip], 255)
        lip = np.median(self.frame[mask > 0].astype(np.float32), axis=0)
        colour = np.clip(lip * 1.12 + np.array([12, 8, 18]), 0, 255)
        mouth_width = p[291, 0] - p[61, 0]
        top = (p[13, :2] + p[14, :2]) / 2 + np.array([0, 0.12 * iod * min(1.0, 4 * amount)])
        length = (0.15 + 0.45 * amount) * iod
        centre = (int(top[0]), int(top[1] + length / 2))
        axes = (max(1, int(0.3 * mouth_width)), max(1, int(length / 2 + 0.05 * iod)))
        tongue = np.zeros(image.shape[:2], np.float32)
        cv2.ellipse(tongue, centre, axes, 0, 0, 360, 1.0, -1)
        tongue = cv2.GaussianBlur(tongue, (0, 0), max(1.0, 0.02 * iod))
        xx, _ = self._grid()
        shade = 1.0 - 0.25 * ((xx - centre[0]) / max(axes[0], 1)) ** 2  # rounder toward its sides
        layer = colour[None, None, :] * np.clip(shade, 0.6, 1.0)[..., None]
        return (image * (1 - tongue[..., None]) + layer * tongue[..., None]).astype(np.uint8)

    # --- the head in 3-D ----------------------------------------------------------------------------------------

    def _turn(self, image: np.ndarray, yaw: float, pitch: float, roll: float) -> np.ndarray:
        """Turn the head in 3-D: the face mesh (its depth from the landmark model) and a ring around it are rotated
        and seen again orthographically, the image warped triangle by triangle, far triangles first."""
        from scipy.spatial import Delaunay

        p = self.points[:468].astype(np.float64)
        centre = p.mean(0)
        (x0, y0), (x1, y1) = p[:, :2].min(0), p[:, :2].max(0)
        angles = np.linspace(0, 2 * np.pi, 24, endpoint=False)
        half = np.array([(x1 - x0) / 2, (y1 - y0) / 2])
        back = np.full(24, p[:, 2].max())
        ring = np.stack([centre[0] + 1.3 * half[0] * np.cos(angles), centre[1] + 1.35 * half[1] * np.sin(angles),
                         back], 1)  # fmt: skip  # hair and ears: behind the face, turning with it
        anchor = np.stack([centre[0] + 2.2 * half[0] * np.cos(angles), centre[1] + 2.0 * half[1] * np.sin(angles),
                           back], 1)  # fmt: skip  # the background: does not move
        source = np.concatenate([p, ring, anchor])
        moved = (source - centre) @ _rotation(yaw, pitch, roll).T + centre
        moved[-24:] = anchor
        triangles = Delaunay(source[:, :2]).simplices
        out = image.copy()
        depth = moved[triangles, 2].mean(1)
        for triangle in triangles[np.argsort(-depth)]:  # the farthest (largest z) first
            _warp_triangle(image, out, source[triangle, :2], moved[triangle, :2])
        return out


def _warp_triangle(image: np.ndarray, out: np.ndarray, src: np.ndarray, dst: np.ndarray) -> None:
    height, width = out.shape[:2]
    x0, y0 = np.floor(dst.min(0)).astype(int)
    x1, y1 = np.ceil(dst.max(0)).astype(int) + 1
    x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, width), min(y1, height)
    if x1 <= x0 or y1 <= y0:
        return
    matrix = cv2.getAffineTransform(src.astype(np.float32), (dst - [x0, y0]).astype(np.float32))
    patch = cv2.warpAffine(image, matrix, (x1 - x0, y1 - y0), flags=cv2.INTER_LINEAR,
                           borderMode=cv2.BORDER_REFLECT_101)  # fmt: skip
    mask = np.zeros((y1 - y0, x1 - x0), np.uint8)
    cv2.fillConvexPoly(mask, np.round(dst - [x0, y0]).astype(np.int32), 1)
    region = out[y0:y1, x0:x1]
    region[mask > 0] = patch[mask > 0]


def _rotation(yaw: float, pitch: float, roll: float) -> np.ndarray:
    """The mesh's axes (x right, y down, z away from the camera): yaw moves the nose to the image's right (the
    visitor turns to their left), pitch moves it up, roll turns the image clockwise (toward the visitor's left
    shoulder)."""
    y, p, r = (math.radians(v) for v in (yaw, pitch, roll))
    turn = np.array([[math.cos(y), 0, -math.sin(y)], [0, 1, 0], [math.sin(y), 0, math.cos(y)]])
    nod = np.array([[1, 0, 0], [0, math.cos(p), math.sin(p)], [0, -math.sin(p), math.cos(p)]])
    tilt = np.array([[math.cos(r), -math.sin(r), 0], [math.sin(r), math.cos(r), 0], [0, 0, 1]])
    return tilt @ nod @ turn


def frames(rig: FaceRig, timeline: Timeline, seconds: float, fps: float = 30.0) -> Iterator[tuple[float, np.ndarray]]:
    """(time, frame) at ``fps`` for ``seconds``, each frame rendered from the timeline's values at its time."""
    for index in range(int(seconds * fps)):
        t = index / fps
        yield t, rig.render(timeline(t))


def write_clip(path: Path, rig: FaceRig, timeline: Timeline, seconds: float, fps: float = 30.0) -> Path:
    """The clip as an MJPG .avi (what a camera recording would be)."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, FRAME_SIZE)
    for _, frame in frames(rig, timeline, seconds, fps):
        writer.write(frame)
    writer.release()
    return path


def bump(start: float, end: float, peak: float = 1.0) -> Callable[[float], float]:
    """0 outside [start, end], a smooth rise to ``peak`` and back inside it."""

    def value(t: float) -> float:
        if not start <= t <= end:
            return 0.0
        return peak * math.sin(math.pi * (t - start) / (end - start)) ** 2

    return value
