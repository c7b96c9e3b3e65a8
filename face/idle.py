"""Idle life: the small movements that keep a face from looking dead, deterministic for a given seed.

Blinks (about every 3.5 s, some double), eye saccades, breathing and a slow sway of the head, gaze toward the
visitor's face (eyes first, then the head), small nods while listening, and brief looks up and aside while
thinking. Every random draw comes from streams seeded by ``seed``, one per behaviour, so the same calls give the
same face and a change of conversation state does not reshuffle the blinks. Times are the event loop's seconds.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np

from companion.face.expressions import Spring

ConversationState = Literal["idle", "listening", "thinking", "speaking"]
CONVERSATION_STATES: tuple[str, ...] = get_args(ConversationState)

# Blinks: humans at rest blink 15-20 times a minute; a blink lasts 100-400 ms, the lid closes faster than it opens.
BLINK_MEAN_INTERVAL_S = 3.5
BLINK_MIN_INTERVAL_S = 0.8
BLINK_INTERVAL_SHAPE = 2.5  # gamma shape of (interval - minimum): regular but not metronomic
BLINK_DURATION_S = (0.15, 0.25)
BLINK_CLOSING_SHARE = 0.4
DOUBLE_BLINK_PROBABILITY = 0.12
DOUBLE_BLINK_GAP_S = (0.08, 0.2)
# Saccades: small jumps of the eyes around the gaze point.
SACCADE_MIN_INTERVAL_S = 0.3
SACCADE_MEAN_EXTRA_S = 1.0
SACCADE_SPREAD_DEG = (1.2, 0.8)  # yaw, pitch standard deviation
SACCADE_LIMIT_DEG = 3.0
SACCADE_DURATION_S = 0.04
# Breathing (head pitch) and sway (head yaw and roll): slow and small.
BREATH_HZ = (0.2, 0.3)
BREATH_PITCH_DEG = 0.6
GUIDED_BREATH_PITCH_DEG = 2.5  # a breath taken with the person (paced breathing) is deeper and easy to see
GUIDED_BREATH_HOLD_S = 1.5  # after the last guided breath the head holds, then eases back to its own breath
SWAY_HZ = (0.07, 0.11)
SWAY_DEG = (0.6, 0.4)
# Gaze: the eyes get there first, the head follows and takes this share of the angle.
HEAD_SHARE = 0.6
GAZE_OMEGA = 30.0
HEAD_OMEGA = 6.0
# Listening nods.
NOD_FIRST_S = (1.0, 2.5)
NOD_GAP_S = (2.5, 6.0)
NOD_DURATION_S = (0.45, 0.65)
NOD_DEPTH_DEG = (3.0, 5.0)
DOUBLE_NOD_PROBABILITY = 0.25
# Thinking: look up and aside, then back to the visitor.
LOOK_AWAY_DELAY_S = (0.15, 0.5)
LOOK_AWAY_HOLD_S = (0.8, 1.8)
LOOK_AWAY_GAP_S = (1.5, 3.0)
LOOK_AWAY_YAW_DEG = (10.0, 20.0)
LOOK_AWAY_PITCH_DEG = (6.0, 12.0)


@dataclass(frozen=True)
class IdlePose:
    """What idle life adds to the face: blink closure in [0, 1] and rotations in degrees."""

    blink: float
    eye_yaw: float
    eye_pitch: float
    head_yaw: float
    head_pitch: float
    head_roll: float


def _smoothstep(x: float) -> float:
    x = min(1.0, max(0.0, x))
    return x * x * (3.0 - 2.0 * x)


@dataclass(frozen=True)
class _Nod:
    start: float
    duration: float
    depth: float
    double: bool

    def pitch(self, t: float) -> float:
        x = (t - self.start) / self.duration
        if not 0.0 <= x < 1.0:
            return 0.0
        if self.double:  # two dips, the second shallower
            depth = self.depth if x < 0.5 else 0.6 * self.depth
            x = (2.0 * x) % 1.0
        else:
            depth = self.depth
        return -depth * 0.5 * (1.0 - math.cos(2.0 * math.pi * x))


class IdleLife:
    def __init__(self, seed: int = 0) -> None:
        streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(5)]
        self._blink_rng, self._saccade_rng, self._nod_rng, self._look_rng, rhythm = streams
        self._breath_hz = float(rhythm.uniform(*BREATH_HZ))
        self._phases = rhythm.uniform(0.0, 2.0 * math.pi, size=3)
        self._t: float | None = None
        self._t0 = 0.0
        self.state: str = "idle"
        self._state_changes: list[tuple[float, str]] = []
        self._blinks: deque[tuple[float, float]] = deque()
        self._next_blink_t = 0.0
        self._fixation_from = (0.0, 0.0)
        self._fixation = (-math.inf, 0.0, 0.0)  # since, yaw, pitch
        self._next_saccade_t = 0.0
        self._nods: deque[_Nod] = deque()
        self._next_nod_t: float | None = None
        self._look: tuple[float, float, float, float] | None = None  # start, end, yaw, pitch
        self._next_look_t: float | None = None
        self._visitor: tuple[float, float] | None = None
        self._gaze = Spring(np.zeros(2), GAZE_OMEGA)
        self._head = Spring(np.zeros(2), HEAD_OMEGA)
        self._springs_t = 0.0
        self._guided: deque[tuple[float, float, float]] = deque()  # (start, end, target level -1..1)
        self._guided_level = 0.0  # where the guided breath ended, -1 (out) .. 1 (in)
        self._guided_end = 0.0  # when it ended

    # --- inputs ---------------------------------------------------------------------------------------------------

    def set_conversation_state(self, state: ConversationState | str, t: float) -> None:
        """Takes effect at ``t`` (at once if already sampled); replaces changes scheduled at or after ``t``."""
        if state not in CONVERSATION_STATES:
            raise ValueError(f"unknown conversation state {state!r}; expected one of {', '.join(CONVERSATION_STATES)}")
        if self._t is not None:
            t = max(t, self._t)
        self._state_changes = [c for c in self._state_changes if c[0] < t] + [(t, state)]

    def breathe(self, phase: str, start_t: float, seconds: float) -> None:
        """Breathe in (``phase`` "in") or out ("out") over ``seconds`` from ``start_t``: the head rises with an
        in-breath and settles with an out-breath, deeper than its own breathing (paced breathing, in time with a
        spoken count). Its own breathing comes back ``GUIDED_BREATH_HOLD_S`` after the last guided breath."""
        if phase not in ("in", "out") or not seconds > 0 or not math.isfinite(start_t):
            raise ValueError(f"breathe: phase 'in' or 'out' over a positive time, not {phase!r} over {seconds!r}")
        target = 1.0 if phase == "in" else -1.0
        self._guided = deque(g for g in self._guided if g[0] < start_t)  # a new plan replaces what was to come
        self._guided.append((start_t, start_t + seconds, target))

    def set_gaze_target(self, yaw_deg: float | None, pitch_deg: float | None) -> None:
        """Where the visitor's face is (degrees, the channels' convention), or None to look straight ahead."""
        if yaw_deg is None or pitch_deg is None:
            self._visitor = None
        elif math.isfinite(yaw_deg) and math.isfinite(pitch_deg):
            self._visitor = (float(yaw_deg), float(pitch_deg))
        self._aim()

    # --- output ---------------------------------------------------------------------------------------------------

    def sample(self, t: float) -> IdlePose:
        if self._t is None:
            self._start(t)
        else:
            t = max(t, self._t)
        self._advance(t)
        self._t = t
        blink = self._blink_at(t)
        saccade_yaw, saccade_pitch = self._saccade_at(t)
        nod = sum(n.pitch(t) for n in self._nods)
        while self._nods and self._nods[0].start + self._nods[0].duration < t:
            self._nods.popleft()
        since = t - self._t0
        breath = self._breath_at(t, since)
        sway_yaw = SWAY_DEG[0] * math.sin(2.0 * math.pi * SWAY_HZ[0] * since + self._phases[1])
        sway_roll = SWAY_DEG[1] * math.sin(2.0 * math.pi * SWAY_HZ[1] * since + self._phases[2])
        gaze, head = self._gaze.value, self._head.value
        return IdlePose(
            blink=blink,
            eye_yaw=float(gaze[0] - head[0]) + saccade_yaw,
            eye_pitch=float(gaze[1] - head[1]) + saccade_pitch,
            head_yaw=float(head[0]) + sway_yaw,
            head_pitch=float(head[1]) + breath + nod,
            head_roll=sway_roll,
        )

    def _breath_at(self, t: float, since: float) -> float:
        """The breathing pitch: the face's own rhythm, or a guided breath (``breathe``) eased from where it was."""
        own = BREATH_PITCH_DEG * math.sin(2.0 * math.pi * self._breath_hz * since + self._phases[0])
        level = self._guided_level
        while len(self._guided) > 1 and self._guided[1][0] <= t:  # the next breath began: this one ends there
            start, end, target = self._guided.popleft()
            cut = self._guided[0][0]
            x = min(1.0, max(0.0, (cut - start) / (end - start)))
            level = self._guided_level = level + (target - level) * x * x * (3.0 - 2.0 * x)
            self._guided_end = cut
        while self._guided and self._guided[0][1] <= t:  # finished guided breaths: remember where they ended
            _, self._guided_end, level = self._guided.popleft()
            self._guided_level = level
        if self._guided and self._guided[0][0] <= t:
            start, end, target = self._guided[0]
            x = (t - start) / (end - start)
            eased = x * x * (3.0 - 2.0 * x)  # smoothstep: a breath starts and ends gently
            return GUIDED_BREATH_PITCH_DEG * (level + (target - level) * eased)
        if level != 0.0:
            held = t - self._guided_end
            if held < GUIDED_BREATH_HOLD_S or self._guided:
                return GUIDED_BREATH_PITCH_DEG * level
            fade = min(1.0, (held - GUIDED_BREATH_HOLD_S) / GUIDED_BREATH_HOLD_S)
            if fade >= 1.0:
                self._guided_level = 0.0
            return GUIDED_BREATH_PITCH_DEG * level * (1.0 - fade) + own * fade
        return own

    # --- internals ------------------------------------------------------------------------------------------------

    def _start(self, t: float) -> None:
        self._t = self._t0 = self._springs_t = t
        self._next_blink_t = t + self._blink_interval()
        self._next_saccade_t = t + self._saccade_interval()
        self._state_changes = [(max(when, t), state) for when, state in self._state_changes]

    def _advance(self, t: float) -> None:
        """Process state changes, nods and looks in time order up to ``t``; springs advance between them."""
        while True:
            events: list[tuple[float, int]] = []
            if self._state_changes and self._state_changes[0][0] <= t:
                events.append((self._state_changes[0][0], 0))
            if self._look is not None and self._look[1] <= t:
                events.append((self._look[1], 1))
            if self._next_look_t is not None and self._next_look_t <= t:
                events.append((self._next_look_t, 2))
            if self._next_nod_t is not None and self._next_nod_t <= t:
                events.append((self._next_nod_t, 3))
            if not events:
                break
            when, kind = min(events)
            self._springs_to(when)
            if kind == 0:
                self._enter(self._state_changes.pop(0)[1], when)
            elif kind == 1:
                self._end_look(when)
            elif kind == 2:
                self._start_look(when)
            else:
                self._add_nod(when)
        self._springs_to(t)

    def _enter(self, state: str, t: float) -> None:
        previous, self.state = self.state, state
        if state == "listening" and previous != "listening":
            self._next_nod_t = t + float(self._nod_rng.uniform(*NOD_FIRST_S))
        elif state != "listening":
            self._next_nod_t = None
        if state == "thinking" and previous != "thinking":
            self._next_look_t = t + float(self._look_rng.uniform(*LOOK_AWAY_DELAY_S))
        elif state != "thinking":
            self._next_look_t = None
            if self._look is not None:
                self._end_look(t)

    def _add_nod(self, t: float) -> None:
        rng = self._nod_rng
        nod = _Nod(t, float(rng.uniform(*NOD_DURATION_S)), float(rng.uniform(*NOD_DEPTH_DEG)),
                   bool(rng.random() < DOUBLE_NOD_PROBABILITY))  # fmt: skip
        self._nods.append(nod)
        self._next_nod_t = t + nod.duration + float(rng.uniform(*NOD_GAP_S))

    def _start_look(self, t: float) -> None:
        rng = self._look_rng
        side = 1.0 if rng.random() < 0.5 else -1.0
        end = t + float(rng.uniform(*LOOK_AWAY_HOLD_S))
        yaw, pitch = side * float(rng.uniform(*LOOK_AWAY_YAW_DEG)), float(rng.uniform(*LOOK_AWAY_PITCH_DEG))
        self._look = (t, end, yaw, pitch)
        self._next_look_t = None
        self._aim()

    def _end_look(self, t: float) -> None:
        self._look = None
        if self.state == "thinking":
            self._next_look_t = t + float(self._look_rng.uniform(*LOOK_AWAY_GAP_S))
        self._aim()

    def _aim(self) -> None:
        if self._look is not None:
            goal = np.array(self._look[2:])
        elif self._visitor is not None:
            goal = np.array(self._visitor)
        else:
            goal = np.zeros(2)
        self._gaze.target = goal
        self._head.target = HEAD_SHARE * goal

    def _springs_to(self, t: float) -> None:
        self._gaze.advance(t - self._springs_t)
        self._head.advance(t - self._springs_t)
        self._springs_t = max(self._springs_t, t)

    def _blink_interval(self) -> float:
        scale = (BLINK_MEAN_INTERVAL_S - BLINK_MIN_INTERVAL_S) / BLINK_INTERVAL_SHAPE
        return BLINK_MIN_INTERVAL_S + float(self._blink_rng.gamma(BLINK_INTERVAL_SHAPE, scale))

    def _blink_at(self, t: float) -> float:
        rng = self._blink_rng
        while self._next_blink_t <= t + BLINK_DURATION_S[1]:
            start = self._next_blink_t
            duration = float(rng.uniform(*BLINK_DURATION_S))
            self._blinks.append((start, duration))
            end = start + duration
            if rng.random() < DOUBLE_BLINK_PROBABILITY:
                second = end + float(rng.uniform(*DOUBLE_BLINK_GAP_S))
                duration = float(rng.uniform(*BLINK_DURATION_S))
                self._blinks.append((second, duration))
                end = second + duration
            self._next_blink_t = end + self._blink_interval()
        while self._blinks and self._blinks[0][0] + self._blinks[0][1] < t:
            self._blinks.popleft()
        closure = 0.0
        for start, duration in self._blinks:
            x = (t - start) / duration
            if 0.0 <= x < 1.0:
                if x < BLINK_CLOSING_SHARE:
                    closure = max(closure, _smoothstep(x / BLINK_CLOSING_SHARE))
                else:
                    closure = max(closure, 1.0 - _smoothstep((x - BLINK_CLOSING_SHARE) / (1.0 - BLINK_CLOSING_SHARE)))
        return closure

    def _saccade_interval(self) -> float:
        return SACCADE_MIN_INTERVAL_S + float(self._saccade_rng.exponential(SACCADE_MEAN_EXTRA_S))

    def _saccade_at(self, t: float) -> tuple[float, float]:
        rng = self._saccade_rng
        while self._next_saccade_t <= t:
            yaw, pitch = self._offset_at(self._next_saccade_t)
            self._fixation_from = (yaw, pitch)
            offset = np.clip(rng.normal(0.0, SACCADE_SPREAD_DEG), -SACCADE_LIMIT_DEG, SACCADE_LIMIT_DEG)
            self._fixation = (self._next_saccade_t, float(offset[0]), float(offset[1]))
            self._next_saccade_t += self._saccade_interval()
        return self._offset_at(t)

    def _offset_at(self, t: float) -> tuple[float, float]:
        since, yaw, pitch = self._fixation
        eased = _smoothstep((t - since) / SACCADE_DURATION_S)
        (yaw0, pitch0) = self._fixation_from
        return yaw0 + (yaw - yaw0) * eased, pitch0 + (pitch - pitch0) * eased
