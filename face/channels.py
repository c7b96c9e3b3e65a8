"""The face channels: ARKit-style blendshape coefficients plus head and eye rotation.

The agent speaks only in these channels and knows nothing of motors; the face-controller's rig maps channels
to actuators. Blendshapes are coefficients in [0, 1] with 0 as rest. Rotations are degrees, positive yaw to the
robot's left, positive pitch up, positive roll toward its left shoulder.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ChannelSpec:
    name: str
    minimum: float
    maximum: float
    neutral: float
    unit: str

    def clamp(self, value: float) -> float:
        return min(self.maximum, max(self.minimum, value))


# The 52 ARKit blendshapes, in ARKit's documented order.
BLENDSHAPES: tuple[str, ...] = (
    "eyeBlinkLeft", "eyeLookDownLeft", "eyeLookInLeft", "eyeLookOutLeft", "eyeLookUpLeft", "eyeSquintLeft",
    "eyeWideLeft", "eyeBlinkRight", "eyeLookDownRight", "eyeLookInRight", "eyeLookOutRight", "eyeLookUpRight",
    "eyeSquintRight", "eyeWideRight", "jawForward", "jawLeft", "jawRight", "jawOpen", "mouthClose",
    "mouthFunnel", "mouthPucker", "mouthLeft", "mouthRight", "mouthSmileLeft", "mouthSmileRight",
    "mouthFrownLeft", "mouthFrownRight", "mouthDimpleLeft", "mouthDimpleRight", "mouthStretchLeft",
    "mouthStretchRight", "mouthRollLower", "mouthRollUpper", "mouthShrugLower", "mouthShrugUpper",
    "mouthPressLeft", "mouthPressRight", "mouthLowerDownLeft", "mouthLowerDownRight", "mouthUpperUpLeft",
    "mouthUpperUpRight", "browDownLeft", "browDownRight", "browInnerUp", "browOuterUpLeft", "browOuterUpRight",
    "cheekPuff", "cheekSquintLeft", "cheekSquintRight", "noseSneerLeft", "noseSneerRight", "tongueOut",
)  # fmt: skip

# Rotations in degrees: (name, limit).
ROTATIONS: tuple[tuple[str, float], ...] = (
    ("headYaw", 45.0),
    ("headPitch", 30.0),
    ("headRoll", 20.0),
    ("eyeYaw", 30.0),
    ("eyePitch", 25.0),
)

CHANNELS: tuple[ChannelSpec, ...] = tuple(
    [ChannelSpec(name, 0.0, 1.0, 0.0, "coefficient") for name in BLENDSHAPES]
    + [ChannelSpec(name, -limit, limit, 0.0, "degrees") for name, limit in ROTATIONS]
)

CHANNEL_NAMES: tuple[str, ...] = tuple(spec.name for spec in CHANNELS)
CHANNEL_INDEX: dict[str, int] = {name: index for index, name in enumerate(CHANNEL_NAMES)}
SPEC_BY_NAME: dict[str, ChannelSpec] = {spec.name: spec for spec in CHANNELS}
