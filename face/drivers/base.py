"""The face driver interface.

The face-controller calls ``write`` once per output tick (its own servo rate, e.g. 100 Hz) with both views of the
face: the channel values as shown (after the jitter buffer, watchdog easing and ramps) and the rig's actuator
positions (mixed, clamped and slew-limited). A motor driver uses the actuators; the web simulator draws the
channels. ``write`` must return quickly: it runs on the controller's event loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np

from companion.core.registry import BackendKind, Configurable
from companion.face.protocol import AudioPacket, ChannelLayout

if TYPE_CHECKING:
    from companion.face.controller.rig import Rig


DRIVERS = BackendKind("companion.drivers", "face driver")


@dataclass(frozen=True)
class OutputTick:
    t_wall_ms: float  # epoch milliseconds at which these positions are commanded
    channels: np.ndarray  # layout-ordered channel values as shown
    actuators: dict[str, float]  # actuator name -> position in the rig's units
    utterance_id: int  # the utterance being shown (0: none)


@runtime_checkable
class Driver(Protocol):
    name: str
    wants_audio: bool  # the controller subscribes to the robot's voice only for drivers that play it

    async def open(self, rig: Rig, layout: ChannelLayout) -> None: ...

    def write(self, tick: OutputTick) -> None: ...

    def on_audio(self, packet: AudioPacket) -> None: ...

    def on_flush(self, utterance_id: int) -> None: ...

    def on_resume(self, utterance_id: int) -> None: ...

    async def close(self) -> None: ...


class BaseDriver(Configurable):
    """Defaults for the optional parts, so a new driver implements ``write`` (and ``open``/``close`` if needed).

    Its config keys (under ``controller.driver``) are the fields of ``Options``; by default each is passed to the
    constructor as the keyword argument of the same name.
    """

    name = "base"
    wants_audio = False

    async def open(self, rig: Rig, layout: ChannelLayout) -> None:
        self.rig = rig
        self.layout = layout

    def write(self, tick: OutputTick) -> None:
        raise NotImplementedError

    def on_audio(self, packet: AudioPacket) -> None:
        return None

    def on_flush(self, utterance_id: int) -> None:
        return None

    def on_resume(self, utterance_id: int) -> None:
        return None

    async def close(self) -> None:
        return None
