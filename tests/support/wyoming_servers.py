"""The real Wyoming servers (``wyoming-faster-whisper``, ``wyoming-piper``) on a free loopback port, serving the
project's tiny offline models, as a user would start them."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from companion.tools.mosquitto import free_port


@dataclass
class WyomingServer:
    uri: str
    process: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)


def _start(module: str, arguments: Sequence[str], log: Path, ready_s: float = 60.0) -> WyomingServer:
    port = free_port()
    uri = f"tcp://127.0.0.1:{port}"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", module, "--uri", uri, *arguments], stdout=out, stderr=subprocess.STDOUT
        )
    deadline = time.monotonic() + ready_s
    while time.monotonic() < deadline:  # "Ready" is logged just before it listens: poll the port instead
        if process.poll() is not None:
            raise RuntimeError(f"{module} exited: {log.read_text()[-2000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return WyomingServer(uri, process, log)
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError(f"{module} did not listen within {ready_s} s: {log.read_text()[-2000:]}")


def start_faster_whisper(model_dir: Path, work: Path) -> WyomingServer:
    data = work / "whisper-data"
    data.mkdir(parents=True, exist_ok=True)
    arguments = ["--model", str(model_dir), "--data-dir", str(data), "--language", "en", "--beam-size", "1"]
    return _start("wyoming_faster_whisper", [*arguments, "--cpu-threads", "1"], work / "whisper.log")


def start_piper(voice: Path, work: Path) -> WyomingServer:
    data = work / "piper-data"
    data.mkdir(parents=True, exist_ok=True)
    return _start("wyoming_piper", ["--voice", str(voice), "--data-dir", str(data)], work / "piper.log")
