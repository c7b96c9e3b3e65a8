"""OpenCV, imported when perception first needs it, so that loading a config (which names the perception
backends) works in an install without the ``perception`` extra, and a missing OpenCV says how to get it."""

from __future__ import annotations

from typing import Any

from companion.core.registry import require


def opencv() -> Any:
    return require("cv2", extra="perception", what="perception (face detection, affect, video)")
