"""The Maestro driver's bytes, read back from a pseudo-terminal the driver opens as its serial port."""

from __future__ import annotations

import math
import os
import select
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import serial

from companion.face.controller.rig import Rig, parse_rig
from companion.face.drivers.base import OutputTick
from companion.face.drivers.maestro import (
    MaestroDriver,
    MaestroError,
    contiguous_runs,
    set_multiple_targets,
    set_speed,
    set_target,
)
from companion.face.drivers.maestro import MaestroOptions as MaestroConfig
from companion.face.protocol import DEFAULT_LAYOUT

RIG = """\
latency_ms: 0
actuators:
  - {name: jaw, channel: 0, range: [500, 2500], neutral: 1200, limits: [1100, 1900], max_slew: 4000, mix: {jawOpen: 600}}
  - {name: lip, channel: 1, range: [500, 2500], neutral: 1500, limits: [1300, 1700], max_slew: 3010, mix: {mouthSmileLeft: 300}}
  - {name: brow, channel: 2, range: [500, 2500], neutral: 1500, max_slew: 10, mix: {browInnerUp: 300}}
  - {name: eyes, channel: 5, range: [500, 2500], neutral: 1500, max_slew: 6000, mix: {eyeYaw: 10}}
"""  # noqa: E501


@pytest.fixture
def pty() -> Iterator[tuple[int, str]]:
    master, slave = os.openpty()
    path = os.ttyname(slave)
    yield master, path
    os.close(slave)
    os.close(master)


def _rig(text: str = RIG) -> Rig:
    return parse_rig(text, Path("maestro-rig.yaml"))


def _read(master: int, count: int, timeout: float = 2.0) -> bytes:
    data = b""
    while len(data) < count:
        ready, _, _ = select.select([master], [], [], timeout)
        if not ready:
            break
        data += os.read(master, 4096)
    return data


def _pending(master: int) -> bytes:
    ready, _, _ = select.select([master], [], [], 0.05)
    return os.read(master, 4096) if ready else b""


def decode(stream: bytes) -> list[tuple[Any, ...]]:
    """Parse Maestro commands: ("target", ch, t), ("speed", ch, s), ("multi", first, [t...]), optional device."""
    out: list[tuple[Any, ...]] = []
    i = 0
    while i < len(stream):
        device = None
        code = stream[i]
        if code == 0xAA:
            device, code = stream[i + 1], stream[i + 2] | 0x80
            i += 3
        else:
            i += 1
        if code in (0x84, 0x87):
            channel, low, high = stream[i : i + 3]
            assert max(channel, low, high) < 0x80, "data bytes have their top bit clear"
            out.append(("target" if code == 0x84 else "speed", channel, low | high << 7, device))
            i += 3
        elif code == 0x9F:
            count, first = stream[i : i + 2]
            pairs = stream[i + 2 : i + 2 + 2 * count]
            out.append(("multi", first, [pairs[k] | pairs[k + 1] << 7 for k in range(0, 2 * count, 2)], device))
            i += 2 + 2 * count
        else:
            raise AssertionError(f"unexpected command byte {code:#04x}")
    return out


def _tick(actuators: dict[str, float], t: float = 1000.0) -> OutputTick:
    return OutputTick(t, DEFAULT_LAYOUT.neutral_values(), actuators, 0)


def test_encodings_match_the_pololu_manual_examples() -> None:
    # Examples from the Maestro user's guide, section "Serial Servo Commands".
    assert set_target(2, 1500 * 4) == bytes([0x84, 0x02, 0x70, 0x2E])
    assert set_target(0, 6000, device_number=12) == bytes([0xAA, 0x0C, 0x04, 0x00, 0x70, 0x2E])
    assert set_speed(5, 140) == bytes([0x87, 0x05, 0x0C, 0x01])
    assert set_multiple_targets(3, [0, 6000]) == bytes([0x9F, 0x02, 0x03, 0x00, 0x00, 0x70, 0x2E])
    assert contiguous_runs({5: 1, 0: 2, 1: 3, 7: 4, 6: 5}) == [(0, [2, 3]), (5, [1, 5, 4])]


async def test_open_sets_speeds_from_the_rig_slew_limits(pty: tuple[int, str]) -> None:
    master, path = pty
    rig = _rig()
    driver = MaestroDriver(MaestroConfig(port=path))
    await driver.open(rig, DEFAULT_LAYOUT)
    commands = decode(_read(master, 4 * len(rig.actuators)))
    speeds = {channel: value for kind, channel, value, _ in commands if kind == "speed"}
    for actuator in rig.actuators:
        # Speed units are 0.25 us per 10 ms = 25 us/s, rounded up so the Maestro never binds first.
        assert speeds[actuator.channel] == max(1, math.ceil(actuator.max_slew / 25))
        assert speeds[actuator.channel] * 25 >= actuator.max_slew
    await driver.close()


async def test_targets_are_quarter_microseconds_clamped_and_sent_only_when_changed(pty: tuple[int, str]) -> None:
    master, path = pty
    rig = _rig()
    driver = MaestroDriver(MaestroConfig(port=path))
    await driver.open(rig, DEFAULT_LAYOUT)
    _read(master, 4 * len(rig.actuators))  # the speeds
    # 1474.5 us is 5898 quarter-us, whose low 7 bits are 0x0A (a newline byte): the port must be raw.
    positions = {"jaw": 1650.5, "lip": 2400.0, "brow": 1474.5, "eyes": 400.0}
    driver.write(_tick(positions))
    targets = {ch: value for kind, ch, value, _ in decode(_read(master, 16)) if kind == "target"}
    by_name = {a.name: a for a in rig.actuators}
    for name, position in positions.items():
        actuator = by_name[name]
        clamped = min(actuator.limits[1], max(actuator.limits[0], position))
        assert targets[actuator.channel] == round(clamped * 4), name
    assert targets[by_name["lip"].channel] == by_name["lip"].limits[1] * 4  # 2400 is beyond the 1700 limit
    assert targets[by_name["eyes"].channel] == by_name["eyes"].limits[0] * 4  # limits default to the range

    driver.write(_tick(positions, 1010.0))
    assert _pending(master) == b"", "nothing changed, nothing sent"
    driver.write(_tick({**positions, "jaw": 1700.0}, 1020.0))
    assert decode(_pending(master)) == [("target", by_name["jaw"].channel, 1700 * 4, None)]
    await driver.close()


async def test_pololu_protocol_and_multiple_targets(pty: tuple[int, str]) -> None:
    master, path = pty
    rig = _rig()
    driver = MaestroDriver(MaestroConfig(port=path, device_number=12), multiple_targets=True, set_speeds=False)
    await driver.open(rig, DEFAULT_LAYOUT)
    positions = {"jaw": 1200.0, "lip": 1500.0, "brow": 1600.0, "eyes": 1400.0}
    driver.write(_tick(positions))
    commands = decode(_read(master, 3 + 2 + 3 * 2 + 3 + 3))
    assert commands == [
        ("multi", 0, [1200 * 4, 1500 * 4, 1600 * 4], 12),  # channels 0, 1, 2 are contiguous
        ("target", 5, 1400 * 4, 12),
    ]
    await driver.close()


async def test_rig_the_maestro_cannot_drive_is_refused(pty: tuple[int, str]) -> None:
    _, path = pty
    degrees = _rig(RIG.replace("{name: eyes, channel: 5,", "{name: eyes, channel: 5, units: deg,"))
    with pytest.raises(MaestroError, match="'eyes' is in 'deg'"):
        await MaestroDriver(MaestroConfig(port=path)).open(degrees, DEFAULT_LAYOUT)
    far = _rig(RIG.replace("{name: eyes, channel: 5,", "{name: eyes, channel: 30,"))
    with pytest.raises(MaestroError, match="channel 30"):
        await MaestroDriver(MaestroConfig(port=path)).open(far, DEFAULT_LAYOUT)


async def test_missing_port_is_a_clear_error(tmp_path: Path) -> None:
    driver = MaestroDriver(MaestroConfig(port=str(tmp_path / "ttyACM9")))
    with pytest.raises(MaestroError, match="cannot open the Maestro serial port") as caught:
        await driver.open(_rig(), DEFAULT_LAYOUT)
    assert caught.value.hint and "controller.driver.port" in caught.value.hint


class _FlakyPort:
    """A serial port that fails once, as when the USB cable is pulled."""

    def __init__(self, log: list[bytes], fail: list[bool]) -> None:
        self.log, self.fail = log, fail

    def write(self, data: bytes) -> int:
        if self.fail and self.fail.pop(0):
            raise serial.SerialException("device disconnected")
        self.log.append(data)
        return len(data)

    def close(self) -> None:
        return None


async def test_serial_failure_is_counted_and_the_port_reopened_with_everything_resent() -> None:
    written: list[bytes] = []
    failures = [False, False, True]  # speeds ok, first targets ok, then the cable goes
    opened: list[str] = []

    def factory(port: str, *args: Any, **kwargs: Any) -> _FlakyPort:
        opened.append(port)
        return _FlakyPort(written, failures)

    rig = _rig()
    driver = MaestroDriver(MaestroConfig(port="/dev/fake"), serial_factory=factory, reopen_interval_ms=1000)
    await driver.open(rig, DEFAULT_LAYOUT)
    positions = {"jaw": 1300.0, "lip": 1500.0, "brow": 1500.0, "eyes": 1500.0}
    driver.write(_tick(positions, 0.0))
    driver.write(_tick({**positions, "jaw": 1310.0}, 10.0))  # fails
    assert driver.errors == 1
    written.clear()
    driver.write(_tick({**positions, "jaw": 1320.0}, 500.0))  # too soon to reopen
    assert written == [] and len(opened) == 1
    driver.write(_tick({**positions, "jaw": 1320.0}, 1100.0))
    assert len(opened) == 2
    commands = decode(b"".join(written))
    assert {c[1] for c in commands if c[0] == "speed"} == {a.channel for a in rig.actuators}
    targets = {c[1]: c[2] for c in commands if c[0] == "target"}
    assert targets == {0: 1320 * 4, 1: 1500 * 4, 2: 1500 * 4, 5: 1500 * 4}  # every channel, not just the change
    assert np.isfinite(driver.bytes_written)
    await driver.close()
