"""Expressions: each emotion as ARKit blendshape (and head/eye) targets, and a layer that moves between them.

Targets are FACS-informed (the action units of each emotion, mapped to ARKit's shapes; docs/FACE.md has the
table) and scaled linearly by intensity. The layer follows its target through critically damped springs, so a
change of emotion never jumps and never overshoots; emotion changes can be scheduled ahead (an emotion tag
takes effect when its clause starts playing).
"""

from __future__ import annotations

from bisect import insort
from collections.abc import Mapping, Sequence

import numpy as np

from companion.face.channels import CHANNEL_NAMES, SPEC_BY_NAME
from companion.face.emotions import Emotion, EmotionState


def _both(name: str, value: float) -> dict[str, float]:
    return {f"{name}Left": value, f"{name}Right": value}


# Full-intensity targets. Action units in the comments; rotations in degrees (positive pitch is up).
EXPRESSION_TARGETS: dict[Emotion, dict[str, float]] = {
    Emotion.NEUTRAL: {},
    # AU6 cheek raiser + AU12 lip corner puller (a Duchenne smile), slight lid narrowing.
    Emotion.HAPPY: {**_both("mouthSmile", 0.8), **_both("cheekSquint", 0.5), **_both("eyeSquint", 0.3),
                    **_both("mouthDimple", 0.2), "headPitch": 2.0},
    # AU1 inner brow raiser + AU4 (oblique brows), AU15 lip corner depressor, AU17 chin raiser, head down.
    Emotion.SAD: {"browInnerUp": 0.7, **_both("browDown", 0.2), **_both("mouthFrown", 0.6),
                  "mouthShrugLower": 0.3, **_both("eyeBlink", 0.15), "headPitch": -5.0, "eyePitch": -4.0},
    # AU1+AU2 brows up, AU5 upper lid raiser, AU26 jaw drop.
    Emotion.SURPRISED: {"browInnerUp": 0.8, **_both("browOuterUp", 0.8), **_both("eyeWide", 0.7),
                        "jawOpen": 0.25, "mouthFunnel": 0.1, "headPitch": 2.0},
    # AU4 brow lowerer, AU5+AU7 glare, AU9 nose wrinkle, AU23/24 lips pressed, head lowered.
    Emotion.ANGRY: {**_both("browDown", 0.8), **_both("noseSneer", 0.4), **_both("mouthPress", 0.5),
                    **_both("eyeSquint", 0.3), **_both("eyeWide", 0.2), "jawForward": 0.1, "headPitch": -3.0},
    # AU1+AU2+AU4 (raised, drawn together), AU5 wide eyes, AU20 lip stretcher, AU26 slight jaw drop.
    Emotion.FEARFUL: {"browInnerUp": 0.8, **_both("browOuterUp", 0.4), **_both("browDown", 0.2),
                      **_both("eyeWide", 0.8), **_both("mouthStretch", 0.5), "jawOpen": 0.12, "headPitch": -2.0},
    # AU9 nose wrinkler, AU10 upper lip raiser, AU4, AU15, head turned slightly away.
    Emotion.DISGUSTED: {**_both("noseSneer", 0.7), **_both("mouthUpperUp", 0.5), **_both("browDown", 0.4),
                        **_both("mouthFrown", 0.3), **_both("eyeSquint", 0.3), **_both("cheekSquint", 0.2),
                        "mouthShrugLower": 0.2, "headYaw": -4.0},
    # Attentive: slight brow raise, small head tilt, a hint of a friendly mouth.
    Emotion.LISTENING: {"browInnerUp": 0.15, **_both("browOuterUp", 0.15), **_both("eyeWide", 0.1),
                        **_both("mouthSmile", 0.1), "headRoll": 6.0, "headPitch": 1.0},
    # Gaze up and aside, slight AU4 concentration with the inner brows up, lips pressed and pulled aside.
    Emotion.THINKING: {"eyeYaw": 12.0, "eyePitch": 10.0, **_both("browDown", 0.15), "browInnerUp": 0.25,
                       **_both("mouthPress", 0.2), "mouthLeft": 0.2, "headRoll": -3.0, "headPitch": 3.0},
    # Empathic worry: AU1 inner brows up with a little AU4, slight frown, soft head tilt.
    Emotion.CONCERNED: {"browInnerUp": 0.6, **_both("browDown", 0.2), **_both("mouthFrown", 0.25),
                        **_both("mouthPress", 0.15), **_both("eyeSquint", 0.1), "headRoll": 4.0, "headPitch": -2.0},
}  # fmt: skip

# Spring rates (rad/s). Critically damped: from rest, the largest step per frame is omega * change / (e * rate),
# about 5 % of a full-scale change per 60 Hz frame for blendshapes; a change settles (within 1 %) in 6.6 / omega s.
BLENDSHAPE_OMEGA = 9.0
ROTATION_OMEGA = 5.0


def expression_values(state: EmotionState) -> dict[str, float]:
    """The channel targets of an emotion at its intensity."""
    return {name: value * state.intensity for name, value in EXPRESSION_TARGETS[state.emotion].items()}


class Spring:
    """Critically damped springs, one per element, advanced in closed form (exact for any time step).

    x(t) = target + (e0 + (v0 + w e0) t) exp(-w t), with e0 = x0 - target: no overshoot, no frame-rate dependence.
    """

    def __init__(self, initial: np.ndarray, omega: np.ndarray | float) -> None:
        self.value = np.array(initial, dtype=np.float64)
        self.velocity = np.zeros_like(self.value)
        self.target = self.value.copy()
        self.omega = np.broadcast_to(np.asarray(omega, dtype=np.float64), self.value.shape).copy()

    def advance(self, dt: float) -> None:
        if dt <= 0.0:
            return
        error = self.value - self.target
        drive = self.velocity + self.omega * error
        decay = np.exp(-self.omega * dt)
        self.value = self.target + (error + drive * dt) * decay
        self.velocity = (self.velocity - self.omega * drive * dt) * decay


class ExpressionLayer:
    """The emotion layer over a list of channels: scheduled targets followed by springs.

    ``set_emotion(state, t)`` takes effect at ``t`` (at once when ``t`` is already sampled) and replaces any
    change scheduled at or after ``t``: a later decision supersedes plans made before it (a barge-in's new
    reply must not be overridden by the old reply's scheduled tags).
    """

    def __init__(self, channel_names: Sequence[str] = CHANNEL_NAMES) -> None:
        self.channel_names = tuple(channel_names)
        self._index = {name: i for i, name in enumerate(self.channel_names)}
        omega = [ROTATION_OMEGA if SPEC_BY_NAME[n].unit == "degrees" else BLENDSHAPE_OMEGA for n in self.channel_names]
        neutral = [SPEC_BY_NAME[n].neutral for n in self.channel_names]
        self._spring = Spring(np.array(neutral), np.array(omega))
        self._neutral = np.array(neutral)
        self._pending: list[tuple[float, int, np.ndarray]] = []
        self._order = 0
        self._t: float | None = None
        self.state = EmotionState(Emotion.NEUTRAL, 0.0)

    def targets_for(self, state: EmotionState) -> np.ndarray:
        return self.values_from(expression_values(state))

    def values_from(self, channels: Mapping[str, float]) -> np.ndarray:
        """A dense vector over this layer's channels (neutral where not given, clamped to each channel's range)."""
        values = self._neutral.copy()
        for name, value in channels.items():
            if name in self._index:
                values[self._index[name]] = SPEC_BY_NAME[name].clamp(value)
        return values

    def set_emotion(self, state: EmotionState, t: float) -> None:
        targets = self.targets_for(state)
        if self._t is not None and t <= self._t:
            t = self._t
        self._pending = [p for p in self._pending if p[0] < t]
        self._order += 1
        insort(self._pending, (t, self._order, targets), key=lambda p: (p[0], p[1]))
        self.state = state

    def sample(self, t: float) -> np.ndarray:
        """The layer's values at ``t`` (non-decreasing across calls)."""
        if self._t is None:
            self._t = t
        t = max(t, self._t)
        while self._pending and self._pending[0][0] <= t:
            when, _, targets = self._pending.pop(0)
            self._spring.advance(when - self._t)
            self._t = max(self._t, when)
            self._spring.target = targets
        self._spring.advance(t - self._t)
        self._t = t
        return self._spring.value
