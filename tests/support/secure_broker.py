"""mosquitto started with exactly the shipped ``deploy/mosquitto`` files (users, ACL, TLS): for the tests.

Only the two listener ports are moved to free ones; the certificates are made on the spot (tests/support/certs.py)
under the names mosquitto.conf expects, and the password file with ``mosquitto_passwd`` as the README says.
mosquitto drops root privileges to its own user before it reads certificates, so when the tests run as root the
folder is made readable to that user (as a deployment's ``chown mosquitto:`` does).
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from companion.tools.mosquitto import free_port, mosquitto_binary
from tests.support.certs import TestPki, make_test_pki

DEPLOY = Path(__file__).resolve().parents[2] / "deploy" / "mosquitto"
PASSWORDS = {"companion-agent": "agent-pw-1", "companion-face": "face-pw-2", "operator": "operator-pw-3"}


@dataclass
class SecureBroker:
    folder: Path
    plain_port: int  # loopback, users but no TLS
    tls_port: int
    pki: TestPki
    process: subprocess.Popen[bytes]

    def password_file(self, user: str, password: str | None = None) -> Path:
        path = self.folder / f"{user}.password"
        path.write_text((password or PASSWORDS[user]) + "\n", encoding="utf-8")
        return path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _shipped_config(plain_port: int, tls_port: int) -> str:
    text = (DEPLOY / "mosquitto.conf").read_text(encoding="utf-8")
    moved = text.replace("listener 1883 127.0.0.1", f"listener {plain_port} 127.0.0.1")
    moved = moved.replace("\nlistener 8883\n", f"\nlistener {tls_port}\n")
    assert moved.count(f"listener {plain_port}") == 1 and moved.count(f"listener {tls_port}") == 1, "listeners moved"
    return moved


@contextlib.contextmanager
def secure_mosquitto() -> Iterator[SecureBroker]:
    folder = Path(tempfile.mkdtemp(prefix="companion-secure-broker-"))
    try:
        plain_port, tls_port = free_port(), free_port()
        (folder / "mosquitto.conf").write_text(_shipped_config(plain_port, tls_port), encoding="utf-8")
        shutil.copy(DEPLOY / "acl", folder / "acl")
        pki = make_test_pki(folder / "certs")  # ca.crt, broker.crt, broker.key: the names mosquitto.conf uses
        (folder / "passwd").touch()
        for user, password in PASSWORDS.items():
            subprocess.run(["mosquitto_passwd", "-b", str(folder / "passwd"), user, password], check=True)
        if os.geteuid() == 0:
            with contextlib.suppress(KeyError):
                owner = pwd.getpwnam("mosquitto")
                folder.chmod(0o755)
                for path in [folder, *folder.rglob("*")]:
                    os.chown(path, owner.pw_uid, owner.pw_gid)
        process = subprocess.Popen(
            [mosquitto_binary(), "-c", "mosquitto.conf"], cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        broker = SecureBroker(folder, plain_port, tls_port, pki, process)
        try:
            _wait_listening(process, (plain_port, tls_port))
            yield broker
        finally:
            broker.stop()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _wait_listening(process: subprocess.Popen[bytes], ports: tuple[int, ...], timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    waiting = list(ports)
    while waiting:
        if process.poll() is not None:
            error = process.stderr.read().decode(errors="replace") if process.stderr else ""
            raise RuntimeError(f"mosquitto exited with the shipped config: {error}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"mosquitto did not listen on {waiting}")
        try:
            with socket.create_connection(("127.0.0.1", waiting[0]), timeout=0.2):
                waiting.pop(0)
        except OSError:
            time.sleep(0.05)
