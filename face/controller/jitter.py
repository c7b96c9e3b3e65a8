"""The jitter buffer: frames arrive early, unevenly and sometimes out of order; the face must move smoothly.

The agent publishes frames ahead of their pts (its lookahead); the controller's output loop runs at its own
rate and asks for the face at a *playhead*, the pts to command now (wall time plus the rig's actuator latency).
The buffer answers by linear interpolation between the two frames around the playhead. Rules:

* frames are kept sorted by pts, so arrival order does not matter;
* a frame whose pts is at or behind the playhead when it arrives would have been commanded already: it is late,
  counted and dropped (playing it now would put the face behind the voice);
* a frame with the same seq and pts as one already received is a duplicate and ignored; a new frame at an
  existing pts replaces the old one (the newest word about that instant wins);
* a frame further ahead than ``max_ahead_ms`` is refused (it would sit in the buffer for ages: a clock problem);
* the buffer is bounded: when full, the frame furthest in the future goes, so the next moments stay intact;
* after the last frame the buffer holds it for ``hold_ms`` and then reports nothing, so the face never keeps
  the last command through a dropout (the supervisor then eases it to neutral).
"""

from __future__ import annotations

import bisect
from collections import OrderedDict
from dataclasses import dataclass
from enum import Enum

import numpy as np


class Insert(str, Enum):
    ADDED = "added"
    REPLACED = "replaced"
    LATE = "late"
    DUPLICATE = "duplicate"
    TOO_EARLY = "too_early"
    OVERFLOW = "overflow"  # the buffer was full and this frame was the furthest ahead
    FLUSHED = "flushed"  # not used by the buffer: the controller drops frames of an utterance already flushed


@dataclass(frozen=True)
class BufferedFrame:
    pts_ms: float
    seq: int
    utterance_id: int
    values: np.ndarray  # channel values in the controller's layout


@dataclass(frozen=True)
class Sample:
    values: np.ndarray
    utterance_id: int  # of the frame at or before the playhead


class JitterBuffer:
    def __init__(
        self, capacity: int = 512, *, hold_ms: float = 300.0, max_ahead_ms: float = 10_000.0, memory: int = 1024
    ) -> None:
        self.capacity = capacity
        self.hold_ms = hold_ms
        self.max_ahead_ms = max_ahead_ms
        self._pts: list[float] = []  # sorted; parallel to _frames
        self._frames: list[BufferedFrame] = []
        self._seen: OrderedDict[tuple[int, float], None] = OrderedDict()  # recent (seq, pts), for duplicates
        self._memory = memory
        self.overflowed = 0  # frames evicted to make room (the incoming one or the furthest ahead)

    def __len__(self) -> int:
        return len(self._frames)

    @property
    def last_pts_ms(self) -> float | None:
        return self._pts[-1] if self._pts else None

    def insert(self, frame: BufferedFrame, playhead_ms: float) -> Insert:
        """Add a frame that arrived while the output loop's playhead was at ``playhead_ms``."""
        key = (frame.seq, frame.pts_ms)
        if key in self._seen:
            return Insert.DUPLICATE
        self._remember(key)
        if frame.pts_ms <= playhead_ms:
            return Insert.LATE
        if frame.pts_ms > playhead_ms + self.max_ahead_ms:
            return Insert.TOO_EARLY
        at = bisect.bisect_left(self._pts, frame.pts_ms)
        if at < len(self._pts) and self._pts[at] == frame.pts_ms:
            self._frames[at] = frame
            return Insert.REPLACED
        if len(self._frames) >= self.capacity:
            self.overflowed += 1
            if at == len(self._frames):
                return Insert.OVERFLOW
            self._pts.pop()
            self._frames.pop()
        self._pts.insert(at, frame.pts_ms)
        self._frames.insert(at, frame)
        return Insert.ADDED

    def _remember(self, key: tuple[int, float]) -> None:
        self._seen[key] = None
        if len(self._seen) > self._memory:
            self._seen.popitem(last=False)

    def sample(self, playhead_ms: float) -> Sample | None:
        """The face at ``playhead_ms``: interpolated, held briefly after the last frame, or None."""
        after = bisect.bisect_right(self._pts, playhead_ms)
        if after == 0:
            return None  # nothing has reached the playhead yet
        # Frames before the one at the playhead are never needed again.
        if after > 1:
            del self._pts[: after - 1]
            del self._frames[: after - 1]
            after = 1
        before = self._frames[0]
        if after < len(self._frames):
            following = self._frames[after]
            span = following.pts_ms - before.pts_ms
            u = (playhead_ms - before.pts_ms) / span
            values = before.values + (following.values - before.values) * np.float32(u)
            return Sample(values, before.utterance_id)
        if playhead_ms - before.pts_ms > self.hold_ms:
            return None
        return Sample(before.values, before.utterance_id)

    def flush(self, utterance_id: int | None = None) -> int:
        """Drop the frames of one utterance (or all frames); returns how many went."""
        if utterance_id is None:
            dropped = len(self._frames)
            self._pts.clear()
            self._frames.clear()
            return dropped
        keep = [f for f in self._frames if f.utterance_id != utterance_id]
        dropped = len(self._frames) - len(keep)
        self._frames = keep
        self._pts = [f.pts_ms for f in keep]
        return dropped
