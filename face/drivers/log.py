"""The ``log`` driver: one JSON line per output tick, for robots without hardware and for tests.

Each line is ``{"t": epoch ms, "utt": utterance id, "actuators": {name: position}, "channels": {name: value}}``
with only the channels that are away from neutral (rounded), so a reader sees at a glance what the face does.
The file is rewritten at every start and flushed every ``flush_interval_ms`` so ``tail -f`` shows it live.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO

from pydantic import BaseModel, ConfigDict

from companion.core.errors import CompanionError
from companion.face.controller.rig import Rig
from companion.face.drivers.base import BaseDriver, OutputTick
from companion.face.protocol import ChannelLayout

CHANNEL_DECIMALS = 3
ACTUATOR_DECIMALS = 2


class LogOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: Path = Path("outputs/face-log.jsonl")


class LogDriver(BaseDriver):
    name = "log"
    Options = LogOptions

    def __init__(self, path: str | Path, *, flush_interval_ms: float = 100.0) -> None:
        self.path = Path(path)
        self.flush_interval_ms = flush_interval_ms
        self.lines = 0
        self._file: IO[str] | None = None
        self._last_flush_ms = 0.0
        self._names: tuple[str, ...] = ()
        self._neutral: list[float] = []

    async def open(self, rig: Rig, layout: ChannelLayout) -> None:
        await super().open(rig, layout)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = self.path.open("w", encoding="utf-8")
        except OSError as error:
            raise CompanionError(
                f"cannot write the face log {self.path}: {error.strerror or error}",
                "pass --log PATH to a writable file, or set controller.driver.path",
            ) from None
        self._names = layout.names
        self._neutral = [round(float(v), CHANNEL_DECIMALS) for v in layout.neutral_values()]

    def write(self, tick: OutputTick) -> None:
        if self._file is None:
            return
        channels = {}
        for name, neutral, value in zip(self._names, self._neutral, tick.channels, strict=True):
            shown = round(float(value), CHANNEL_DECIMALS)
            if shown != neutral:
                channels[name] = shown
        record = {
            "t": round(tick.t_wall_ms, 1),
            "utt": tick.utterance_id,
            "actuators": {name: round(value, ACTUATOR_DECIMALS) for name, value in tick.actuators.items()},
            "channels": channels,
        }
        self._file.write(json.dumps(record, separators=(",", ":")) + "\n")
        self.lines += 1
        if tick.t_wall_ms - self._last_flush_ms >= self.flush_interval_ms:
            self._file.flush()
            self._last_flush_ms = tick.t_wall_ms

    async def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
