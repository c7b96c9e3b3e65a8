"""Video sources: a video file or a camera, read frame by frame with OpenCV.

Reading blocks (decoding, or waiting for the camera's next frame), so a source is read from a worker thread, never
from the event loop; the ``Perceiver`` owns that thread. Every frame carries a timestamp in seconds:

- a file's frame: the video's own presentation time from its start (the container's timestamps, so a 25 fps file
  gives 0.0, 0.04, 0.08, ... whatever the speed it is read at). Pacing a file in real time is the reader's job.
- a camera's frame: the capture time on ``time.monotonic()``, which is the clock of asyncio's default event loop,
  so it compares directly with ``Clock.now()``.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from companion.core.errors import CompanionError, InputError
from companion.perception.opencv import opencv


@dataclass(frozen=True)
class VideoFrame:
    image: np.ndarray  # BGR uint8, height x width x 3
    t: float  # seconds: video time for a file, time.monotonic() capture time for a camera (see module docstring)
    index: int  # the frame's number in the source, from 0


@runtime_checkable
class VideoSource(Protocol):
    name: str
    live: bool  # True: frames arrive in real time and `t` is monotonic; False: a recording, `t` is video time

    def read(self) -> VideoFrame | None:
        """The next frame, blocking until it is there; None at the end of a recording."""
        ...

    def close(self) -> None: ...


@contextlib.contextmanager
def _quiet_opencv() -> Iterator[None]:
    """Silence OpenCV's own warnings while probing: our error message says what went wrong, once."""
    cv2 = opencv()
    logging = cv2.utils.logging
    previous = logging.getLogLevel()
    logging.setLogLevel(logging.LOG_LEVEL_ERROR)
    try:
        yield
    finally:
        logging.setLogLevel(previous)


class VideoFileSource:
    """A video file (anything the FFmpeg in opencv can decode: mp4, avi, mkv, webm, ...)."""

    live = False

    def __init__(self, path: str | Path) -> None:
        cv2 = opencv()
        self.path = Path(path)
        self.name = f"file:{self.path.name}"
        if not self.path.is_file():
            raise InputError(f"video file not found: {self.path}", "check the path given to --video")
        with _quiet_opencv():
            capture = cv2.VideoCapture(str(self.path))
        if not capture.isOpened():
            capture.release()
            raise InputError(
                f"cannot read video file {self.path}: OpenCV could not open it",
                "use a common format (mp4/H.264, avi/MJPG, webm) or convert it with ffmpeg",
            )
        self._capture = capture
        fps = float(capture.get(cv2.CAP_PROP_FPS))
        # Containers without a frame rate report 0 (or nonsense): 25 is only used when frame times are missing too.
        self.fps = fps if 0.0 < fps < 1000.0 else 25.0
        self._index = 0
        self._last_t = -1.0
        # Fail now, with the path, rather than on the first read in a worker thread far from the user's command.
        self._first = self._decode()
        if self._first is None:
            capture.release()
            raise InputError(f"video file {self.path} holds no readable frames", "check that the file plays")

    def _decode(self) -> VideoFrame | None:
        cv2 = opencv()
        ok, image = self._capture.read()
        if not ok or image is None:
            return None
        t = float(self._capture.get(cv2.CAP_PROP_POS_MSEC)) / 1000.0
        if t <= self._last_t:
            # Some containers carry no timestamps: fall back to the frame rate, keeping time monotonic.
            t = max(self._index / self.fps, self._last_t + 1.0 / self.fps) if self._index else 0.0
        self._last_t = t
        frame = VideoFrame(image, t, self._index)
        self._index += 1
        return frame

    def read(self) -> VideoFrame | None:
        if self._first is not None:
            frame, self._first = self._first, None
            return frame
        return self._decode()

    def close(self) -> None:
        self._capture.release()


class CameraSource:
    """A camera by index (0: the default one). Capture times are ``time.monotonic()`` when the frame arrived."""

    live = True

    def __init__(self, index: int = 0, width: int | None = None, height: int | None = None) -> None:
        cv2 = opencv()
        self.index = index
        self.name = f"camera:{index}"
        with _quiet_opencv():
            capture = cv2.VideoCapture(index)
        if not capture.isOpened():
            capture.release()
            raise CompanionError(
                f"no camera opens at index {index}",
                "connect a camera (check /dev/video*), set perception.camera to another index, pass --video FILE, "
                "or set perception.enabled: false",
            )
        # One buffered frame: when analysis is slower than the camera, the next read is a fresh frame, not one
        # that waited in the driver's queue (its capture time would then be wrong). Not every backend obeys.
        capture.set(cv2.CAP_PROP_BUFFERSIZE, 1)
        if width is not None:
            capture.set(cv2.CAP_PROP_FRAME_WIDTH, width)
        if height is not None:
            capture.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
        self._capture = capture
        self._index = 0

    def read(self) -> VideoFrame | None:
        ok, image = self._capture.read()
        t = time.monotonic()
        if not ok or image is None:
            raise CompanionError(
                f"camera {self.index} stopped delivering frames",
                "check the camera's cable, and that no other program holds the camera",
            )
        frame = VideoFrame(image, t, self._index)
        self._index += 1
        return frame

    def close(self) -> None:
        self._capture.release()


def open_video_source(video: str | Path | None, camera: int | None) -> VideoSource | None:
    """The source a command asks for: a file when ``video`` is given, else the camera ``camera``, else none."""
    if video is not None:
        return VideoFileSource(video)
    if camera is not None:
        return CameraSource(camera)
    return None
