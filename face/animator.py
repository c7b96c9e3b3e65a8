"""The animator: emotion, mirror, lip-sync and idle life layered into one frame of channel values.

Layers, bottom to top (docs/FACE.md, "Layering"):

1. **Expression**: the emotion's targets through critically damped springs (``expressions.ExpressionLayer``).
2. **Mirror**: channel targets from the visitor's face, blended over the expression with an eased weight.
3. **Speech**: the lip-sync pose owns the speech channels (jaw, lips, tongue) while ``activity`` is 1; the
   expression keeps the rest (smile, brows, cheeks, eyes, head). During a bilabial closure nothing from the
   lower layers may open the lips; while the lips pucker, the smile's corner pull gives way.
4. **Idle life**: blinks close the lids over whatever the expression does, gaze/saccades add to the eyes, breathing,
   sway and nods add to the head.

Finally every value is clamped to its channel's range and put in the layout's order. Pure logic: every method
takes the loop time; ``sample`` is called with non-decreasing times, usually ahead of now.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from companion.face.channels import CHANNEL_INDEX, CHANNEL_NAMES, SPEC_BY_NAME
from companion.face.emotions import EmotionState
from companion.face.expressions import ExpressionLayer, Spring
from companion.face.idle import CONVERSATION_STATES, ConversationState, IdleLife
from companion.face.lipsync import LipSync
from companion.face.phonemes import TimedPhoneme
from companion.face.protocol import DEFAULT_LAYOUT, ChannelLayout
from companion.face.visemes import SPEECH_CHANNELS

MIRROR_RESPONSE_S = 0.12  # the mirror's smoothing: it covers 90 % of a step in this time (landmarks are steady)
MIRROR_WEIGHT_OMEGA = 8.0  # mirror mode fades in and out over about half a second
PUCKER_CORNER_RELIEF = 0.7  # how much a full pucker takes off the smile's corner pull

_SPEECH = np.array([CHANNEL_INDEX[name] for name in SPEECH_CHANNELS])
# Speech channels that open the lips: under a closure their expression share is removed even as speech fades.
_OPENING = np.array(
    [SPEECH_CHANNELS.index(n) for n in ("jawOpen", "mouthFunnel", "mouthUpperUpLeft", "mouthUpperUpRight",
                                        "mouthLowerDownLeft", "mouthLowerDownRight", "tongueOut")]
)  # fmt: skip
_PUCKER = SPEECH_CHANNELS.index("mouthPucker")
_CORNERS = np.array([CHANNEL_INDEX[n] for n in ("mouthSmileLeft", "mouthSmileRight", "mouthDimpleLeft",
                                                "mouthDimpleRight")])  # fmt: skip
_BLINKS = np.array([CHANNEL_INDEX["eyeBlinkLeft"], CHANNEL_INDEX["eyeBlinkRight"]])
_WIDE = np.array([CHANNEL_INDEX["eyeWideLeft"], CHANNEL_INDEX["eyeWideRight"]])
_EYE_YAW, _EYE_PITCH = CHANNEL_INDEX["eyeYaw"], CHANNEL_INDEX["eyePitch"]
_HEAD_YAW, _HEAD_PITCH, _HEAD_ROLL = CHANNEL_INDEX["headYaw"], CHANNEL_INDEX["headPitch"], CHANNEL_INDEX["headRoll"]


@dataclass(frozen=True)
class AnimatorSample:
    """One frame: ``values`` (float32, layout order, clamped), the utterance speaking (0 if none), the viseme."""

    values: np.ndarray
    utterance_id: int
    viseme: str


class FaceAnimator:
    def __init__(self, layout: ChannelLayout = DEFAULT_LAYOUT, seed: int = 0) -> None:
        self.layout = layout
        self._expression = ExpressionLayer(CHANNEL_NAMES)
        self._lipsync = LipSync()
        self._idle = IdleLife(seed)
        # Layout order from the full channel set; channels we do not animate stay at the layout's neutral.
        names = layout.names
        self._known = np.array([i for i, n in enumerate(names) if n in CHANNEL_INDEX], dtype=np.intp)
        self._source = np.array([CHANNEL_INDEX[names[i]] for i in self._known], dtype=np.intp)
        self._neutral = layout.neutral_values()
        self._low = np.array([c.minimum for c in layout.channels], dtype=np.float32)
        self._high = np.array([c.maximum for c in layout.channels], dtype=np.float32)
        self._mirror_values = Spring(np.zeros(len(CHANNEL_NAMES)), _omega_for(MIRROR_RESPONSE_S))
        self._mirror_weight = Spring(np.zeros(1), MIRROR_WEIGHT_OMEGA)
        self._mirror_mask = np.zeros(len(CHANNEL_NAMES))
        self._t: float | None = None

    # --- inputs ---------------------------------------------------------------------------------------------------

    def set_emotion(self, state: EmotionState, t: float) -> None:
        """Show ``state`` from loop time ``t`` (eased); a later call replaces changes scheduled at or after its t."""
        self._expression.set_emotion(state, t)

    def breathe(self, phase: str, start_t: float, seconds: float) -> None:
        """A guided breath in or out from ``start_t`` (paced breathing): see ``IdleLife.breathe``."""
        self._idle.breathe(phase, start_t, seconds)

    def set_conversation_state(self, state: ConversationState, t: float) -> None:
        if state not in CONVERSATION_STATES:
            raise ValueError(f"unknown conversation state {state!r}; expected one of {', '.join(CONVERSATION_STATES)}")
        self._idle.set_conversation_state(state, t)

    def add_speech(self, utterance_id: int, phonemes: Sequence[TimedPhoneme], start_t: float) -> None:
        """Lip-sync a clause whose audio starts playing at loop time ``start_t`` (alignment times are from there)."""
        self._lipsync.add(utterance_id, phonemes, start_t)

    def cancel_utterance(self, utterance_id: int, t: float) -> None:
        """Barge-in: drop the utterance's visemes from ``t``; the mouth eases to rest within about 80 ms."""
        self._lipsync.cancel(utterance_id, t)

    def set_gaze_target(self, yaw_deg: float | None, pitch_deg: float | None) -> None:
        """Look toward the visitor's face (degrees), or straight ahead with None."""
        self._idle.set_gaze_target(yaw_deg, pitch_deg)

    def set_mirror_response(self, seconds: float) -> None:
        """How fast the mirror follows the visitor: 90 % of a step in ``seconds`` (more: smoother, later)."""
        self._mirror_values.omega[:] = _omega_for(seconds)

    def set_mirror(self, targets: Mapping[str, float] | None) -> None:
        """Mirror mode: these channel targets (from the visitor's face) blend over the expression; None ends it."""
        if targets is None:
            self._mirror_weight.target = np.zeros(1)
            return
        unknown = sorted(set(targets) - set(CHANNEL_INDEX))
        if unknown:
            raise ValueError(f"mirror targets name unknown channels: {', '.join(unknown)}")
        mask = np.zeros(len(CHANNEL_NAMES))
        values = self._mirror_values.target.copy()
        for name, value in targets.items():
            if not math.isfinite(value):
                continue  # a lost track gives NaN: keep the last good value
            index = CHANNEL_INDEX[name]
            mask[index] = 1.0
            values[index] = SPEC_BY_NAME[name].clamp(float(value))
        if self._mirror_weight.value[0] < 1e-3:
            # Mirror was off: start from the measured face (the weight does the easing) with only these channels.
            self._mirror_values.value = values.copy()
            self._mirror_values.velocity[:] = 0.0
            self._mirror_mask = mask
        else:  # a channel missing from one update keeps its last value
            self._mirror_mask = np.maximum(self._mirror_mask, mask)
        self._mirror_values.target = values
        self._mirror_weight.target = np.ones(1)

    # --- output ---------------------------------------------------------------------------------------------------

    def speech_end_t(self) -> float | None:
        """When the last scheduled speech ends (None if none was ever scheduled)."""
        return self._lipsync.end_t()

    def sample(self, t: float) -> AnimatorSample:
        """The frame for presentation time ``t`` (loop seconds, non-decreasing across calls)."""
        dt = 0.0 if self._t is None else max(0.0, t - self._t)
        self._t = t if self._t is None else max(self._t, t)
        face = self._expression.sample(t).copy()

        self._mirror_weight.advance(dt)
        weight = float(self._mirror_weight.value[0])
        if weight > 1e-4:
            self._mirror_values.advance(dt)
            face += min(1.0, weight) * self._mirror_mask * (self._mirror_values.value - face)

        mouth = self._lipsync.sample(t)
        below = face[_SPEECH] * (1.0 - mouth.activity)
        below[_OPENING] *= 1.0 - mouth.closure
        face[_SPEECH] = mouth.values + below
        face[_CORNERS] *= 1.0 - PUCKER_CORNER_RELIEF * mouth.values[_PUCKER]

        idle = self._idle.sample(t)
        face[_BLINKS] += (1.0 - face[_BLINKS]) * idle.blink
        face[_WIDE] *= 1.0 - idle.blink
        face[_EYE_YAW] += idle.eye_yaw
        face[_EYE_PITCH] += idle.eye_pitch
        face[_HEAD_YAW] += idle.head_yaw
        face[_HEAD_PITCH] += idle.head_pitch
        face[_HEAD_ROLL] += idle.head_roll

        values = self._neutral.copy()
        values[self._known] = face[self._source]
        np.clip(values, self._low, self._high, out=values)
        return AnimatorSample(values, mouth.utterance_id, mouth.viseme)


def _omega_for(seconds: float) -> float:
    """A critically damped spring covers 90 % of a step in about 3.89 / omega."""
    return 3.89 / max(seconds, 1e-3)
