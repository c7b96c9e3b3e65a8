"""Starts a mosquitto of one's own on a loopback port: for the benchmarks and the test suite.

Deployments run mosquitto as a service; this is for commands that need a real broker briefly and must leave the
user's own broker alone. The settings matter: without ``set_tcp_nodelay true`` Nagle's algorithm on the broker's
side meets the controller's delayed ACKs and holds frames back by about 40 ms whenever the controller publishes
(its status, every second). Use the same line in a deployment's mosquitto.conf.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from companion.core.errors import CompanionError

SETTINGS = ("listener {port} 127.0.0.1", "allow_anonymous true", "persistence false", "set_tcp_nodelay true")


@dataclass
class LocalMosquitto:
    host: str
    port: int
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"mqtt://{self.host}:{self.port}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def mosquitto_binary() -> str:
    found = shutil.which("mosquitto") or next(
        (p for p in ("/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto") if Path(p).exists()), None
    )
    if found is None:
        raise CompanionError("mosquitto (the MQTT broker) is not installed", "apt-get install mosquitto")
    return found


def start_mosquitto(workdir: Path, port: int | None = None, timeout_s: float = 10.0) -> LocalMosquitto:
    """mosquitto on 127.0.0.1 and ``port`` (a free one by default); raises ``CompanionError`` if it cannot start."""
    port = port or free_port()
    conf = workdir / f"mosquitto-{port}.conf"
    conf.write_text("\n".join(SETTINGS).format(port=port) + "\n", encoding="utf-8")
    process = subprocess.Popen([mosquitto_binary(), "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            error = process.stderr.read().decode(errors="replace").strip() if process.stderr else ""
            raise CompanionError(
                f"mosquitto exited at start: {error or 'no message'}", "check that `mosquitto -h` runs"
            )
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return LocalMosquitto("127.0.0.1", port, process)
        except OSError:
            time.sleep(0.05)
    process.kill()
    process.wait()
    raise CompanionError(f"mosquitto did not listen on 127.0.0.1:{port} within {timeout_s:g} s")
