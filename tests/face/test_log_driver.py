"""The ``log`` driver: a line per tick that changes (an idle face writes almost nothing), a heartbeat while nothing
changes, and rotation by size that keeps the newest files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from companion.face.controller.rig import load_rig, packaged_rig
from companion.face.drivers.base import OutputTick
from companion.face.drivers.log import LogDriver
from companion.face.protocol import DEFAULT_LAYOUT, values_from_mapping

RIG = load_rig(packaged_rig("sample"))


def tick(t_ms: float, jaw: float = 0.0, utterance: int = 0) -> OutputTick:
    channels = values_from_mapping({"jawOpen": jaw})
    return OutputTick(t_ms, channels, {"jaw": round(100 * jaw, 2)}, utterance)


def sizes(folder: Path) -> dict[str, int]:
    return {p.name: p.stat().st_size for p in sorted(folder.iterdir())}


def lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


async def test_an_idle_face_writes_a_heartbeat_not_every_tick(tmp_path: Path) -> None:
    driver = LogDriver(tmp_path / "face.jsonl", heartbeat_s=10.0)
    await driver.open(RIG, DEFAULT_LAYOUT)
    for i in range(6000):  # one idle minute at 100 Hz
        driver.write(tick(i * 10.0))
    await driver.close()
    written = lines(tmp_path / "face.jsonl")
    assert [line["t"] for line in written] == [0.0, 10000.0, 20000.0, 30000.0, 40000.0, 50000.0]


async def test_every_change_is_written(tmp_path: Path) -> None:
    driver = LogDriver(tmp_path / "face.jsonl")
    await driver.open(RIG, DEFAULT_LAYOUT)
    jaw = [0.0, 0.0, 0.2, 0.4, 0.4, 0.4, 0.1, 0.0, 0.0]
    for i, value in enumerate(jaw):
        driver.write(tick(i * 10.0, value, utterance=7 if value else 0))
    await driver.close()
    written = lines(tmp_path / "face.jsonl")
    assert [line["channels"].get("jawOpen", 0.0) for line in written] == [0.0, 0.2, 0.4, 0.1, 0.0]
    assert [line["utt"] for line in written] == [0, 7, 7, 7, 0]


async def test_the_file_rotates_by_size_and_keeps_the_newest(tmp_path: Path) -> None:
    path = tmp_path / "face.jsonl"
    driver = LogDriver(path, max_mb=0.002, backups=2)  # about 2 KB per file
    await driver.open(RIG, DEFAULT_LAYOUT)
    for i in range(200):  # every tick differs
        driver.write(tick(i * 10.0, float(np.sin(i / 5.0)) * 0.5 + 0.5))
    await driver.close()
    assert driver.rotations > 2
    files = sizes(tmp_path)
    assert list(files) == ["face.jsonl", "face.jsonl.1", "face.jsonl.2"]
    assert all(size <= 2100 for size in files.values())
    # The current file holds the newest ticks, .1 the ones just before, .2 older still.
    newest, older, oldest = (lines(tmp_path / name) for name in files)
    assert oldest[-1]["t"] < older[0]["t"] and older[-1]["t"] < newest[0]["t"] and newest[-1]["t"] == 1990.0
