"""Nods and head shakes from the head pose over time, each with an onset and an end.

A nod is the head pitching down and back up; a shake is the head turning to one side and the other and back
(three swings). Each axis goes through the zig-zag filter of ``companion.perception.gestures.turning_points``:
wiggles smaller than ``threshold_deg`` (landmark jitter, breathing) are ignored, larger swings become legs between
turning points. A gesture is recognised once its legs are complete within ``max_s`` with the other axis nearly
still; its **onset** is reported with the time its first swing began, and its **end** once the head has been still
(no swing of the threshold) for ``settle_s``, so the robot can nod along while the visitor nods and stop with them.
Pure logic on explicit times.
"""

from __future__ import annotations

import itertools
from collections import deque
from dataclasses import dataclass
from typing import Literal

from companion.perception.actions import HeadPose
from companion.perception.gestures import Gesture, turning_points

Phase = Literal["onset", "end"]


@dataclass(frozen=True)
class HeadGestureEvent:
    kind: Gesture
    phase: Phase
    t: float  # onset: when the first swing began; end: when the head settled
    recognised_t: float  # when it was seen (onset: once the gesture was complete enough to tell)
    amplitude_deg: float  # the largest swing


@dataclass(frozen=True)
class _Sample:
    t: float
    pitch: float
    yaw: float


class HeadGestureDetector:
    def __init__(
        self,
        threshold_deg: float = 5.0,
        max_nod_s: float = 1.2,
        max_shake_s: float = 1.8,
        dominance: float = 0.6,
        settle_s: float = 0.3,
    ) -> None:
        self.threshold_deg = threshold_deg
        self.max_nod_s = max_nod_s
        self.max_shake_s = max_shake_s
        self.dominance = dominance  # the other axis may move at most this fraction of the gesture's smallest swing
        self.settle_s = settle_s
        self.reset()

    def reset(self) -> None:
        self._history: deque[_Sample] = deque()
        self._active: tuple[Gesture, float, float] | None = None  # kind, onset time, amplitude
        self._last_motion_t: float | None = None

    @property
    def active(self) -> Gesture | None:
        return self._active[0] if self._active is not None else None

    def update(self, t: float, pose: HeadPose) -> list[HeadGestureEvent]:
        if self._history and t <= self._history[-1].t:
            return []  # a repeated or out-of-order sample carries no motion
        self._history.append(_Sample(t, pose.pitch_deg, pose.yaw_deg))
        while self._history and t - self._history[0].t > max(self.max_nod_s, self.max_shake_s):
            self._history.popleft()
        events: list[HeadGestureEvent] = []
        found = self._recognise(t)
        if found is not None:
            kind, onset, amplitude = found
            self._last_motion_t = t
            if self._active is None or self._active[0] != kind:
                if self._active is not None:
                    events.append(self._end(t))
                self._active = (kind, onset, amplitude)
                events.append(HeadGestureEvent(kind, "onset", onset, t, amplitude))
            # One swing is reported once: the next recognition needs new swings.
            self._history = deque([self._history[-1]])
        elif self._active is not None:
            if self._moving(t):
                self._last_motion_t = t
            elif self._last_motion_t is not None and t - self._last_motion_t >= self.settle_s:
                events.append(self._end(t))
        return events

    def _end(self, t: float) -> HeadGestureEvent:
        assert self._active is not None
        kind, _, amplitude = self._active
        self._active = None
        return HeadGestureEvent(kind, "end", t, t, amplitude)

    def _moving(self, t: float) -> bool:
        recent = [s for s in self._history if t - s.t <= self.settle_s]
        if len(recent) < 2:
            return False
        spread = max(max(s.pitch for s in recent) - min(s.pitch for s in recent),
                     max(s.yaw for s in recent) - min(s.yaw for s in recent))  # fmt: skip
        return spread >= self.threshold_deg

    def _recognise(self, t: float) -> tuple[Gesture, float, float] | None:
        nod = self._legs(t, self.max_nod_s, legs=2, axis="pitch")
        if nod is not None:
            return ("nod", *nod)
        shake = self._legs(t, self.max_shake_s, legs=3, axis="yaw")
        return ("shake", *shake) if shake is not None else None

    def _legs(self, t: float, window_s: float, legs: int, axis: str) -> tuple[float, float] | None:
        """(onset time, largest swing) when the window ends in ``legs`` swings on ``axis``, the other axis still."""
        samples = [s for s in self._history if t - s.t <= window_s + 1e-9]
        main = [s.pitch if axis == "pitch" else s.yaw for s in samples]
        other = [s.yaw if axis == "pitch" else s.pitch for s in samples]
        points = turning_points(main, self.threshold_deg)
        if len(points) < legs + 1:
            return None
        used = points[-(legs + 1) :]
        if axis == "pitch" and main[used[1]] >= main[used[0]]:
            return None  # a nod goes down first (pitch falls), then back up
        swings = [abs(main[b] - main[a]) for a, b in itertools.pairwise(used)]
        span = other[used[0] : used[-1] + 1]
        if max(span) - min(span) > self.dominance * min(swings):
            return None
        return samples[used[0]].t, max(swings)
