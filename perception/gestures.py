"""Head gestures (nod, shake) and a rough head pose, read from the face box's trajectory alone.

No landmarks and no model: the face box's centre, measured in face sizes (so a near and a far visitor nod alike),
is enough to see a head nod (the face dips and comes back) or shake (it swings sideways and back, and again).
Each axis goes through a zig-zag filter: wiggles smaller than ``threshold`` face sizes (detector jitter) are
ignored, larger swings become legs between turning points. A nod is a downward leg then an upward one, a shake
three alternating sideways legs, within a short window, with the other axis nearly still. Detection is pure logic
on explicit times, so it is deterministic and testable with synthetic trajectories.

This is the fallback when no landmark model runs (``companion.perception.head_gestures`` reads the landmarks'
head pose). The head pose here is a rough estimate: a head turning by angle a moves the face centre by about
r * sin(a), r being the distance from the neck's pivot to the face (about 0.7 face widths), relative to a slowly
following baseline. Angles are in the visitor's frame (``companion.perception.actions.HeadPose``): positive yaw =
toward the visitor's own left, positive pitch = up. The caller passes coordinates as the robot sees them (an
unmirrored camera image: x to the right of the image is the robot's right, y down).
"""

from __future__ import annotations

import itertools
import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from companion.perception.actions import HeadPose

Gesture = Literal["nod", "shake"]


@dataclass(frozen=True)
class GestureEvent:
    kind: Gesture
    t: float  # when it was recognised (the return swing reached the threshold)


def turning_points(values: Sequence[float], threshold: float) -> list[int]:
    """Indices of the alternating extremes of ``values`` that are at least ``threshold`` apart (a zig-zag filter).

    The last index is the extreme of the swing in progress, which has already covered ``threshold``.
    """
    points: list[int] = []
    if not values:
        return points
    low = high = 0
    direction = 0
    for i, value in enumerate(values):
        if direction == 0:
            # No swing yet: wait until the values span the threshold, from the lowest or the highest one so far.
            # Ties move to the later sample: a swing starts when the head leaves a rest, not when the rest began.
            low = i if value <= values[low] else low
            high = i if value >= values[high] else high
            if value - values[low] >= threshold:
                direction, points = 1, [low, i]
            elif values[high] - value >= threshold:
                direction, points = -1, [high, i]
        elif (value - values[points[-1]]) * direction >= 0:
            points[-1] = i  # the swing goes on
        elif (values[points[-1]] - value) * direction >= threshold:
            direction = -direction  # it turned back far enough: a new swing
            points.append(i)
    return points


@dataclass(frozen=True)
class _Sample:
    t: float
    x: float  # face sizes, to the image's right
    y: float  # face sizes, down


class GestureDetector:
    """Recognises nods and shakes and estimates the head pose from successive face boxes of one visitor."""

    def __init__(
        self,
        threshold: float = 0.1,
        max_nod_s: float = 1.2,
        max_shake_s: float = 1.6,
        dominance: float = 0.6,
        max_gap_s: float = 0.5,
        baseline_s: float = 3.0,
        head_radius: float = 0.7,
    ) -> None:
        self.threshold = threshold  # face sizes a swing must cover; below it is detector jitter
        self.max_nod_s = max_nod_s  # slower than this, a dip is looking down, not a nod
        self.max_shake_s = max_shake_s
        self.dominance = dominance  # the other axis may move at most this fraction of the gesture's swings
        self.max_gap_s = max_gap_s  # a longer gap between faces breaks the trajectory
        self.baseline_s = baseline_s  # time constant of the resting position the pose is measured from
        self.head_radius = head_radius  # neck pivot to face centre, in face sizes
        self.reset()

    def reset(self) -> None:
        """Forget the trajectory (the visitor left, or another one came)."""
        self._history: deque[_Sample] = deque()
        self._last_center: tuple[float, float] | None = None
        self._last_size = 0.0
        self._position = (0.0, 0.0)
        self._baseline = (0.0, 0.0)
        self._last_t: float | None = None
        self._pose: HeadPose | None = None

    @property
    def pose(self) -> HeadPose | None:
        return self._pose

    def update(self, t: float, center: tuple[float, float], size: float) -> GestureEvent | None:
        """Add the face box (centre in pixels, size = its width in pixels) seen at ``t``; return a new gesture."""
        if size <= 0:
            raise ValueError("face size must be positive")
        if self._last_t is not None and self._last_center is not None and t > self._last_t:
            mean_size = (size + self._last_size) / 2.0
            dx = (center[0] - self._last_center[0]) / mean_size
            dy = (center[1] - self._last_center[1]) / mean_size
            if t - self._last_t > self.max_gap_s or math.hypot(dx, dy) > 1.0:
                # A long gap or a jump of a whole face is not head motion (a detector miss, another person).
                self.reset()
            else:
                # Integrating steps normalised by the face size keeps a visitor walking closer from looking like
                # a head movement, and makes amplitudes comparable at any distance.
                self._position = (self._position[0] + dx, self._position[1] + dy)
                weight = 1.0 - math.exp(-(t - self._last_t) / self.baseline_s)
                bx, by = self._baseline
                self._baseline = (bx + weight * (self._position[0] - bx), by + weight * (self._position[1] - by))
        elif self._last_t is not None and t <= self._last_t:
            return None  # a repeated or out-of-order sample carries no motion
        self._last_t = t
        self._last_center = center
        self._last_size = size
        self._pose = self._estimate_pose()

        self._history.append(_Sample(t, *self._position))
        while self._history and t - self._history[0].t > max(self.max_nod_s, self.max_shake_s):
            self._history.popleft()
        event = self._recognise(t)
        if event is not None:
            # Start afresh from here, so one nod is reported once however long its swing lingers in the window.
            self._history = deque([self._history[-1]])
        return event

    def _estimate_pose(self) -> HeadPose:
        def angle(offset: float) -> float:
            return math.degrees(math.asin(max(-1.0, min(1.0, offset / self.head_radius))))

        # In the visitor's frame (companion.perception.actions.HeadPose): the face moving to the image's right (x
        # grows) is the visitor turning toward their own left, positive yaw; moving up is looking up.
        yaw = angle(self._position[0] - self._baseline[0])
        pitch = angle(-(self._position[1] - self._baseline[1]))
        return HeadPose(yaw, pitch, 0.0)

    def _recognise(self, t: float) -> GestureEvent | None:
        if self._matches(t, self.max_nod_s, legs=2, vertical=True):
            return GestureEvent("nod", t)
        if self._matches(t, self.max_shake_s, legs=3, vertical=False):
            return GestureEvent("shake", t)
        return None

    def _matches(self, t: float, window_s: float, legs: int, vertical: bool) -> bool:
        """Whether the last ``window_s`` hold ``legs`` swings on one axis with the other axis nearly still.

        Only the window's samples are searched, so every swing starts inside it: a dip after a long rest is as
        quick as it looks, however long the head rested before.
        """
        samples = [s for s in self._history if t - s.t <= window_s + 1e-9]
        main = [s.y if vertical else s.x for s in samples]
        other = [s.x if vertical else s.y for s in samples]
        points = turning_points(main, self.threshold)
        if len(points) < legs + 1:
            return False
        used = points[-(legs + 1) :]
        if vertical and main[used[1]] <= main[used[0]]:
            return False  # a nod goes down first (image y grows), then back up; looking up and back is not one
        smallest = min(abs(main[b] - main[a]) for a, b in itertools.pairwise(used))
        span = other[used[0] : used[-1] + 1]
        return max(span) - min(span) <= self.dominance * smallest
