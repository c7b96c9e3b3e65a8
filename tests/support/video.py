"""Test videos of a real face (scikit-image's astronaut portrait) that stays still, nods, shakes or is absent.

The "camera" sees the portrait scaled so the face is about a third of the frame height; a nod or shake moves the
whole view by a fraction of the face size, which is what a face detector sees when a head nods in front of a fixed
camera. MJPG in an .avi container is written and read by opencv-python-headless's bundled FFmpeg everywhere.

Timeline (for seconds >= 2.2; a shorter video holds a prefix of it):
- "nod": still until 0.3 s, then twice (0.3-0.9 s and 1.3-1.9 s) the face moves down by 0.3 face heights and back;
- "shake": same times, the face moves left, right and back to centre by 0.3 face widths;
- "still": the face never moves; "none": no face at all; "appear": no face for the first half, still after.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Literal

import cv2
import numpy as np

Motion = Literal["still", "nod", "shake", "none", "appear"]

# The astronaut's face box as opencv's frontal cascade finds it in the 512x512 original: x, y, w, h.
_FACE_IN_PORTRAIT = (177, 66, 95, 95)
FACE_HEIGHT_FRACTION = 0.3  # the face's height as a fraction of the frame height
GESTURE_STARTS_S = (0.3, 1.3)
GESTURE_DURATION_S = 0.6
GESTURE_AMPLITUDE = 0.3  # in face sizes


def _portrait_bgr() -> np.ndarray:
    from skimage import data

    return cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR)


def face_offset(motion: Motion, t: float) -> tuple[float, float]:
    """The face's displacement (right, down) at time ``t``, in face sizes (0 when still)."""
    for start in GESTURE_STARTS_S:
        phase = (t - start) / GESTURE_DURATION_S
        if 0.0 <= phase <= 1.0:
            if motion == "nod":
                return 0.0, GESTURE_AMPLITUDE * math.sin(math.pi * phase)
            if motion == "shake":
                return -GESTURE_AMPLITUDE * math.sin(2.0 * math.pi * phase), 0.0
    return 0.0, 0.0


def _empty_frame(size: tuple[int, int]) -> np.ndarray:
    """A smooth gradient: nothing a face detector could mistake for a face."""
    width, height = size
    ramp = np.linspace(90, 160, width, dtype=np.float32)
    gray = np.broadcast_to(ramp, (height, width)).astype(np.uint8)
    return cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR)


def face_frame(portrait: np.ndarray, size: tuple[int, int], offset: tuple[float, float]) -> np.ndarray:
    """The portrait scaled and placed so the face is centred in a ``size`` frame, then moved by ``offset``."""
    width, height = size
    fx, fy, fw, fh = _FACE_IN_PORTRAIT
    scale = FACE_HEIGHT_FRACTION * height / fh
    face_size = fh * scale
    target_x = width / 2 + offset[0] * face_size
    target_y = height / 2 + offset[1] * face_size
    matrix = np.array(
        [[scale, 0.0, target_x - (fx + fw / 2) * scale], [0.0, scale, target_y - (fy + fh / 2) * scale]],
        dtype=np.float64,
    )
    return cv2.warpAffine(portrait, matrix, (width, height), flags=cv2.INTER_AREA, borderMode=cv2.BORDER_REPLICATE)


def expected_face_center(size: tuple[int, int], offset: tuple[float, float] = (0.0, 0.0)) -> tuple[float, float]:
    """Where the face's centre is in a frame, in pixels: what a detector should find."""
    width, height = size
    face_size = FACE_HEIGHT_FRACTION * height
    return width / 2 + offset[0] * face_size, height / 2 + offset[1] * face_size


def make_face_video(
    path: Path,
    seconds: float,
    fps: int,
    motion: Motion = "still",
    size: tuple[int, int] = (320, 240),
) -> Path:
    """Write a MJPG .avi of ``seconds`` at ``fps`` with the face doing ``motion``; return ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, size)
    if not writer.isOpened():
        raise RuntimeError(f"opencv cannot write MJPG video to {path}")
    portrait = _portrait_bgr()
    empty = _empty_frame(size)
    try:
        for index in range(max(1, round(seconds * fps))):
            t = index / fps
            if motion == "none" or (motion == "appear" and t < seconds / 2):
                writer.write(empty)
            else:
                writer.write(face_frame(portrait, size, face_offset(motion, t)))
    finally:
        writer.release()
    return path
