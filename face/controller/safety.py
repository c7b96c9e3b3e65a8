"""Keeping the hardware safe: the watchdog, easing to neutral, ramping back, and slew limits.

A face that freezes mid-word when the network drops looks broken and can strain the skin, so the controller
never holds the last command through a dropout. ``Supervisor`` decides, every output tick, whether the face
follows the frames or rests at neutral, and blends between the two instead of jumping:

* it follows while there is something to show, a frame arrived within ``watchdog_ms``, and nothing has stopped it
  since the last frame arrived;
* it stops on the watchdog (no frame for ``watchdog_ms``: counted as a trip), when the buffer has nothing to show
  (a flush, only late frames), on the agent's offline status or last-will, and on the ``neutral`` command;
* stopping eases from wherever the face is to neutral over ``ease_ms``; following again (only once a frame has
  arrived after the stop) ramps from wherever the face is to the frames over ``ramp_ms``.

Both blends use smoothstep so the motors start and stop gently. ``SlewLimiter`` then bounds every actuator's speed
(the rig's ``max_slew``), the last line of defence whatever the channels do. All times are epoch milliseconds
passed in by the caller, so tests drive any timeline.
"""

from __future__ import annotations

from enum import Enum

import numpy as np


class Stop(str, Enum):
    WATCHDOG = "watchdog"
    STARVED = "starved"
    AGENT_OFFLINE = "agent_offline"
    NEUTRAL_COMMAND = "neutral_command"
    SHUTDOWN = "shutdown"


def smoothstep(u: float) -> float:
    u = min(1.0, max(0.0, u))
    return u * u * (3.0 - 2.0 * u)


class Blend:
    """A move from a snapshot of the face to a (possibly moving) target, over ``duration_ms``."""

    def __init__(self, start: np.ndarray, start_ms: float, duration_ms: float) -> None:
        self.start = start.copy()
        self.start_ms = start_ms
        self.duration_ms = duration_ms

    def done(self, now_ms: float) -> bool:
        return now_ms - self.start_ms >= self.duration_ms

    def apply(self, target: np.ndarray, now_ms: float) -> np.ndarray:
        if self.duration_ms <= 0:
            return target
        weight = smoothstep((now_ms - self.start_ms) / self.duration_ms)
        return self.start + (target - self.start) * np.float32(weight)


class Supervisor:
    """Chooses, per tick, between the frames and neutral, and blends every change (see the module docstring)."""

    def __init__(self, neutral: np.ndarray, *, watchdog_ms: float, ease_ms: float, ramp_ms: float = 150.0) -> None:
        self.neutral = neutral.astype(np.float32)
        self.watchdog_ms = watchdog_ms
        self.ease_ms = ease_ms
        self.ramp_ms = ramp_ms
        self.shown = self.neutral.copy()
        self.following = False
        self.last_stop: Stop | None = None
        self.watchdog_trips = 0
        self._last_arrival_ms: float | None = None
        self._stopped_at_ms = -np.inf  # frames that arrived before this are not followed
        self._pending_stop: Stop | None = None
        self._blend: Blend | None = None

    def frame_arrived(self, now_ms: float) -> None:
        self._last_arrival_ms = now_ms

    def stop(self, reason: Stop, now_ms: float) -> None:
        """Ease to neutral now (agent offline, neutral command, shutdown); follow again on the next new frame."""
        self._stopped_at_ms = now_ms
        self._pending_stop = reason

    def watchdog_expired(self, now_ms: float) -> bool:
        return self._last_arrival_ms is None or now_ms - self._last_arrival_ms > self.watchdog_ms

    def step(self, target: np.ndarray | None, now_ms: float) -> np.ndarray:
        """The channels to show at ``now_ms``, given what the buffer offers (None: nothing)."""
        follow, reason = self._decide(target, now_ms)
        if follow != self.following:
            self._blend = Blend(self.shown, now_ms, self.ramp_ms if follow else self.ease_ms)
            self.following = follow
            if not follow:
                self.last_stop = reason
                if reason is Stop.WATCHDOG:
                    self.watchdog_trips += 1
        self._pending_stop = None
        desired = target if follow and target is not None else self.neutral
        if self._blend is not None:
            shown = self._blend.apply(desired, now_ms)
            if self._blend.done(now_ms):
                self._blend = None
        else:
            shown = desired
        self.shown = np.asarray(shown, dtype=np.float32)
        return self.shown

    def _decide(self, target: np.ndarray | None, now_ms: float) -> tuple[bool, Stop | None]:
        arrived = self._last_arrival_ms
        if arrived is None or arrived <= self._stopped_at_ms:
            return False, self._pending_stop or self.last_stop
        if self.watchdog_expired(now_ms):
            return False, Stop.WATCHDOG
        if target is None:
            return False, Stop.STARVED
        return True, None


class SlewLimiter:
    """Bounds each actuator's change per tick to ``max_slew * dt``; starts from the given positions."""

    def __init__(self, start: np.ndarray, max_slew: np.ndarray, *, max_dt_ms: float = 20.0) -> None:
        self.position = start.astype(np.float64)
        self.max_slew = max_slew.astype(np.float64)
        # A stalled loop must not license a jump: a long gap counts as at most max_dt_ms of travel.
        self.max_dt_ms = max_dt_ms
        self._last_ms: float | None = None
        self.limited_ticks = 0  # ticks on which at least one actuator was held back

    def step(self, target: np.ndarray, now_ms: float) -> np.ndarray:
        dt_ms = 0.0 if self._last_ms is None else min(self.max_dt_ms, max(0.0, now_ms - self._last_ms))
        self._last_ms = now_ms
        reach = self.max_slew * (dt_ms / 1000.0)
        delta = np.asarray(target, dtype=np.float64) - self.position
        limited = np.clip(delta, -reach, reach)
        if np.any(limited != delta):
            self.limited_ticks += 1
        self.position = self.position + limited
        return self.position.copy()
