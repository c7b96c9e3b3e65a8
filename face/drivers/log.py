"""The ``log`` driver: one JSON line per output tick, for robots without hardware and for tests.

Each line is ``{"t": epoch ms, "utt": utterance id, "actuators": {name: position}, "channels": {name: value}}``
with only the channels that are away from neutral (rounded), so a reader sees at a glance what the face does.

A tick is written only when it differs from the last line written (after rounding), plus one line every
``heartbeat_s`` while nothing changes: an idle face costs a line now and then, not 100 lines a second (about
160 MB an hour before). The file is rewritten at every start, flushed every ``flush_interval_ms`` so ``tail -f``
shows it live, and rotated by size (``max_mb``; ``path.1`` ... ``path.N`` keep the ``backups`` before it). The
rotation is written here rather than with ``logging.handlers.RotatingFileHandler`` because that one prints write
errors instead of raising them, and the controller counts a driver's failed writes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO

from pydantic import BaseModel, ConfigDict, Field

from companion.core.errors import CompanionError
from companion.face.controller.rig import Rig
from companion.face.drivers.base import BaseDriver, OutputTick
from companion.face.protocol import ChannelLayout

CHANNEL_DECIMALS = 3
ACTUATOR_DECIMALS = 2


class LogOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: Path = Path("outputs/face-log.jsonl")
    max_mb: float = Field(50.0, gt=0, description="rotate the file when it grows past this size")
    backups: int = Field(3, ge=0, description="rotated files kept (path.1 is the newest)")
    heartbeat_s: float = Field(10.0, gt=0, description="write an unchanged tick this often, as a sign of life")


class LogDriver(BaseDriver):
    name = "log"
    Options = LogOptions

    def __init__(
        self,
        path: str | Path,
        *,
        flush_interval_ms: float = 100.0,
        max_mb: float = 50.0,
        backups: int = 3,
        heartbeat_s: float = 10.0,
    ) -> None:
        self.path = Path(path)
        self.flush_interval_ms = flush_interval_ms
        self.max_bytes = int(max_mb * 1024 * 1024)
        self.backups = backups
        self.heartbeat_ms = heartbeat_s * 1000.0
        self.lines = 0
        self.rotations = 0
        self._size = 0
        self._last: tuple[int, dict[str, float], dict[str, float]] | None = None
        self._last_line_ms = 0.0
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
        actuators = {name: round(value, ACTUATOR_DECIMALS) for name, value in tick.actuators.items()}
        state = (tick.utterance_id, actuators, channels)
        if state == self._last and tick.t_wall_ms - self._last_line_ms < self.heartbeat_ms:
            self._flush_due(tick.t_wall_ms)
            return
        self._last, self._last_line_ms = state, tick.t_wall_ms
        record = {"t": round(tick.t_wall_ms, 1), "utt": tick.utterance_id, "actuators": actuators, "channels": channels}
        line = json.dumps(record, separators=(",", ":")) + "\n"
        if self._size + len(line) > self.max_bytes and self._size > 0:
            self._rotate()
        self._file.write(line)
        self._size += len(line)
        self.lines += 1
        self._flush_due(tick.t_wall_ms)

    def _flush_due(self, now_ms: float) -> None:
        if self._file is not None and now_ms - self._last_flush_ms >= self.flush_interval_ms:
            self._file.flush()
            self._last_flush_ms = now_ms

    def _rotate(self) -> None:
        """path -> path.1 -> path.2 ... (the oldest beyond ``backups`` goes), then a fresh path."""
        assert self._file is not None
        self._file.close()
        for index in range(self.backups, 0, -1):
            older = self.path.with_name(f"{self.path.name}.{index}")
            newer = self.path.with_name(f"{self.path.name}.{index - 1}") if index > 1 else self.path
            if newer.exists():
                newer.replace(older)
        if self.backups == 0:
            self.path.unlink(missing_ok=True)
        self._file = self.path.open("w", encoding="utf-8")
        self._size = 0
        self.rotations += 1

    async def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
