"""Mirror mode: the visitor's facial actions drive the robot's face, as a mirror would show them.

Perception reports the visitor's face in their own frame (``companion.perception.actions``): their left smile, their
head turning toward their left. Facing the robot, a visitor who raises their left mouth corner sees, in a mirror, the
corner on their left side of the image; the robot facing them shows it on *its right* side, which is on the
visitor's left as they look at it. So ``style: mirror`` (the default) swaps left and right and turns the head the
other way; ``style: anatomical`` keeps the visitor's sides (the robot raises its own left corner when the visitor
raises theirs), as an imitation game would.

The targets go to the animator (``FaceAnimator.set_mirror``), which smooths them, fades mirroring in and out, and
lets lip-sync own the mouth while the robot speaks. Limits: each coefficient is scaled by ``gain`` and clamped to
``max_coefficient``, the head by ``head_gain`` and ``max_head_deg``, so a robot never exaggerates or strains.
``anticipation_ms`` extrapolates each coefficient by its recent velocity, so the robot's expression starts before
the visitor's peaks (the animator's smoothing and the perception pipeline add their own delay).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from pydantic import Field

from companion.core.config import Section

MirrorStyle = Literal["mirror", "anatomical"]
_SWAP = {"Left": "Right", "Right": "Left"}


class MirrorConfig(Section):
    style: MirrorStyle = Field("mirror", description="mirror: the visitor's left shows on the robot's right")
    gain: float = Field(1.0, gt=0.0, le=2.0, description="multiplies every facial coefficient")
    max_coefficient: float = Field(1.0, gt=0.0, le=1.0)
    head_gain: float = Field(0.8, ge=0.0, le=2.0, description="multiplies the head's angles")
    max_head_deg: float = Field(25.0, ge=0.0, le=45.0)
    anticipation_ms: float = Field(0.0, ge=0.0, le=500.0, description="extrapolate coefficients this far ahead")
    response_ms: float = Field(
        120.0, ge=10.0, le=2000.0, description="smoothing: the face covers 90 % of a change this fast"
    )
    channels: list[str] | None = Field(
        None, description="only these robot channels are mirrored (null: every one perception measures)"
    )


class Mirror:
    """Visitor actions (their frame) in, robot channel targets out. One per visitor (``reset`` between them)."""

    def __init__(self, config: MirrorConfig) -> None:
        self.config = config
        self.reset()

    def reset(self) -> None:
        self._last: tuple[float, dict[str, float]] | None = None
        self._velocity: dict[str, float] = {}

    def targets(self, t: float, visitor: Mapping[str, float]) -> dict[str, float]:
        """Robot channel targets for the visitor's channels at loop time ``t`` (see the module docstring)."""
        config = self.config
        values = self._anticipated(t, visitor)
        out: dict[str, float] = {}
        for name, value in values.items():
            robot = _robot_channel(name, config.style)
            if name.startswith("head"):
                if config.style == "mirror" and name in ("headYaw", "headRoll"):
                    value = -value  # a mirror turns the head the other way, and tilts it the other way
                limit = config.max_head_deg
                out[robot] = max(-limit, min(limit, value * config.head_gain))
            else:
                out[robot] = max(0.0, min(config.max_coefficient, value * config.gain))
        if config.channels is not None:
            out = {name: value for name, value in out.items() if name in config.channels}
        return out

    def _anticipated(self, t: float, visitor: Mapping[str, float]) -> dict[str, float]:
        lead = self.config.anticipation_ms / 1000.0
        current = dict(visitor)
        if lead <= 0:
            return current
        if self._last is not None and t > self._last[0]:
            last_t, last = self._last
            dt = t - last_t
            weight = min(1.0, dt / 0.1)  # the velocity averaged over about 100 ms: landmarks jitter frame to frame
            for name, value in current.items():
                if name in last:
                    instant = (value - last[name]) / dt
                    self._velocity[name] = self._velocity.get(name, 0.0) + weight * (
                        instant - self._velocity.get(name, 0.0)
                    )
        self._last = (t, current)
        return {name: value + lead * self._velocity.get(name, 0.0) for name, value in current.items()}


def _robot_channel(name: str, style: MirrorStyle) -> str:
    if style == "mirror":
        for side, other in _SWAP.items():
            if name.endswith(side):
                return name[: -len(side)] + other
    return name
