"""The ``maestro`` driver: Pololu Maestro servo controllers over their serial (USB virtual COM) port.

Targets are pulse widths in quarter-microseconds, sent with the Maestro's compact protocol (``0x84`` Set Target,
channel, low 7 bits, high 7 bits), or with the Pololu protocol (``0xAA``, device number, command with its top bit
cleared, ...) when ``maestro.device_number`` is set, for several devices on one serial line. Only channels whose
target changed are sent, because a 115200-baud TTL line carries only ~11 kB/s. Mini Maestros (12/18/24) can take
contiguous channels in one Set Multiple Targets (``0x9F``) command; the Micro Maestro 6 cannot, so it is opt-in.

At open the driver sets each channel's speed limit (``0x87``) from the rig's ``max_slew``, rounded up so it never
binds before the controller's own slew limit: a backstop if the controller stalls. Speed units are
0.25 us per 10 ms (the default 20 ms servo period). Positions are clamped to the rig's limits again here.
A serial error (a pulled cable) is counted and logged; the port is reopened about once a second.
"""

from __future__ import annotations

import contextlib
import logging
import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import serial
from pydantic import BaseModel, ConfigDict, Field

from companion.core.errors import CompanionError
from companion.core.registry import BuildContext
from companion.face.controller.rig import Rig
from companion.face.drivers.base import BaseDriver, OutputTick
from companion.face.protocol import ChannelLayout

log = logging.getLogger(__name__)

SET_TARGET = 0x84
SET_SPEED = 0x87
SET_MULTIPLE_TARGETS = 0x9F
POLOLU_START = 0xAA
MAX_CHANNELS = 24  # the Mini Maestro 24 has the most
MAX_TARGET = 0x3FFF  # 14 bits in two 7-bit data bytes
SPEED_UNIT_US_PER_S = 25.0  # one speed unit: 0.25 us per 10 ms


class MaestroError(CompanionError):
    """The Maestro cannot be used with this rig or port."""


def quarter_us(microseconds: float) -> int:
    """A pulse width in the Maestro's target units, clamped to what two 7-bit bytes hold."""
    return min(MAX_TARGET, max(0, round(microseconds * 4)))


def speed_units(us_per_s: float) -> int:
    """The Maestro speed setting that allows at least ``us_per_s`` (0 would mean unlimited, so at least 1)."""
    return min(MAX_TARGET, max(1, math.ceil(us_per_s / SPEED_UNIT_US_PER_S)))


def _seven_bit(value: int) -> tuple[int, int]:
    return value & 0x7F, (value >> 7) & 0x7F


def command(code: int, data: Iterable[int], device_number: int | None = None) -> bytes:
    """A compact-protocol command, or its Pololu-protocol form when ``device_number`` is given."""
    body = bytes(data)
    if any(b > 0x7F for b in body):
        raise ValueError("Maestro data bytes must be below 0x80")
    if device_number is None:
        return bytes([code]) + body
    return bytes([POLOLU_START, device_number & 0x7F, code & 0x7F]) + body


def set_target(channel: int, target: int, device_number: int | None = None) -> bytes:
    return command(SET_TARGET, [channel, *_seven_bit(target)], device_number)


def set_speed(channel: int, speed: int, device_number: int | None = None) -> bytes:
    return command(SET_SPEED, [channel, *_seven_bit(speed)], device_number)


def set_multiple_targets(first_channel: int, targets: Sequence[int], device_number: int | None = None) -> bytes:
    data = [len(targets), first_channel]
    for target in targets:
        data.extend(_seven_bit(target))
    return command(SET_MULTIPLE_TARGETS, data, device_number)


def contiguous_runs(targets: dict[int, int]) -> list[tuple[int, list[int]]]:
    """Group ``{channel: target}`` into runs of consecutive channels: ``[(first channel, [targets...])]``."""
    runs: list[tuple[int, list[int]]] = []
    for channel in sorted(targets):
        if runs and runs[-1][0] + len(runs[-1][1]) == channel:
            runs[-1][1].append(targets[channel])
        else:
            runs.append((channel, [targets[channel]]))
    return runs


class MaestroOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    port: str = "/dev/ttyACM0"
    baud: int = 115200
    device_number: int | None = Field(None, ge=0, le=127, description="set for the Pololu protocol (daisy chains)")


class MaestroDriver(BaseDriver):
    name = "maestro"
    Options = MaestroOptions

    @classmethod
    def from_config(cls, options: MaestroOptions, context: BuildContext) -> MaestroDriver:
        return cls(options)

    def __init__(
        self,
        config: MaestroOptions,
        *,
        multiple_targets: bool = False,
        set_speeds: bool = True,
        write_timeout_s: float = 0.02,
        reopen_interval_ms: float = 1000.0,
        serial_factory: Callable[..., Any] = serial.Serial,
    ) -> None:
        self.config = config
        self.multiple_targets = multiple_targets
        self.set_speeds = set_speeds
        self.write_timeout_s = write_timeout_s
        self.reopen_interval_ms = reopen_interval_ms
        self._serial_factory = serial_factory
        self._port: Any = None
        self._sent: dict[int, int] = {}  # channel -> last target sent
        self._channels: list[tuple[str, int, float, float]] = []  # actuator name, channel, low, high limit
        self._failed_at_ms: float | None = None
        self._speeds = b""  # Set Speed commands, sent at open and after every reopen (a reset Maestro forgets them)
        self.errors = 0
        self.bytes_written = 0

    @property
    def port(self) -> str:
        return self.config.port

    async def open(self, rig: Rig, layout: ChannelLayout) -> None:
        await super().open(rig, layout)
        for actuator in rig.actuators:
            if actuator.units != "us":
                raise MaestroError(
                    f"rig {rig.name!r}: actuator {actuator.name!r} is in {actuator.units!r}; the Maestro takes "
                    "pulse widths in microseconds",
                    "set `units: us` and give range, neutral and limits in microseconds",
                )
            if actuator.channel >= MAX_CHANNELS:
                raise MaestroError(
                    f"rig {rig.name!r}: actuator {actuator.name!r} uses channel {actuator.channel}; a Maestro has "
                    f"channels 0..{MAX_CHANNELS - 1}",
                    "use the channel number printed next to the servo header",
                )
        self._channels = [(a.name, a.channel, a.limits[0], a.limits[1]) for a in rig.actuators]
        if self.set_speeds:
            self._speeds = b"".join(
                set_speed(a.channel, speed_units(a.max_slew), self.config.device_number) for a in rig.actuators
            )
        self._port = self._open_port()
        if self._speeds:
            self._send(self._speeds, 0.0)

    def _open_port(self) -> Any:
        try:
            return self._serial_factory(
                self.config.port, self.config.baud, timeout=0, write_timeout=self.write_timeout_s
            )
        except (serial.SerialException, OSError, ValueError) as error:
            raise MaestroError(
                f"cannot open the Maestro serial port {self.config.port}: {error}",
                "check the USB cable and controller.driver.port (the command port is usually /dev/ttyACM0); "
                "on Linux your user needs the dialout group",
            ) from None

    def targets(self, tick: OutputTick) -> dict[int, int]:
        """Channel -> quarter-microsecond target for a tick, clamped to each actuator's limits."""
        out: dict[int, int] = {}
        for name, channel, low, high in self._channels:
            position = tick.actuators.get(name)
            if position is not None and math.isfinite(position):
                out[channel] = quarter_us(min(high, max(low, position)))
        return out

    def encode_changes(self, targets: dict[int, int]) -> bytes:
        """The bytes that bring the Maestro to ``targets``, skipping channels already there."""
        changed = {c: t for c, t in targets.items() if self._sent.get(c) != t}
        device = self.config.device_number
        if not self.multiple_targets:
            return b"".join(set_target(c, t, device) for c, t in sorted(changed.items()))
        return b"".join(
            set_target(first, run[0], device) if len(run) == 1 else set_multiple_targets(first, run, device)
            for first, run in contiguous_runs(changed)
        )

    def write(self, tick: OutputTick) -> None:
        if self._port is None and not self._reopen(tick.t_wall_ms):
            return
        targets = self.targets(tick)
        payload = self.encode_changes(targets)
        if payload and self._send(payload, tick.t_wall_ms):
            self._sent.update(targets)

    def _send(self, payload: bytes, now_ms: float) -> bool:
        try:
            self._port.write(payload)
        except serial.SerialTimeoutException:
            # The line is saturated and part of the payload may be lost: resend every target next tick.
            self.errors += 1
            self._sent.clear()
            return False
        except (serial.SerialException, OSError) as error:
            self.errors += 1
            log.warning("Maestro on %s: write failed (%s); reopening", self.config.port, error)
            self._drop_port(now_ms)
            return False
        self.bytes_written += len(payload)
        return True

    def _drop_port(self, now_ms: float) -> None:
        with contextlib.suppress(serial.SerialException, OSError):
            self._port.close()
        self._port = None
        self._failed_at_ms = now_ms
        self._sent.clear()  # what the Maestro holds is unknown now: resend everything

    def _reopen(self, now_ms: float) -> bool:
        if self._failed_at_ms is not None and now_ms - self._failed_at_ms < self.reopen_interval_ms:
            return False
        try:
            self._port = self._open_port()
        except MaestroError as error:
            self.errors += 1
            self._failed_at_ms = now_ms
            log.debug("%s", error.message)
            return False
        log.warning("Maestro on %s: reopened", self.config.port)
        return not self._speeds or self._send(self._speeds, now_ms)

    async def close(self) -> None:
        if self._port is not None:
            self._drop_port(0.0)
