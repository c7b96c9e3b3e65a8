"""The wheel works outside the repository: build it with ``python -m build``, install it into a fresh venv in another
folder, and run the newcomer's commands there: ``models make-tiny``, ``face --driver sim`` (the page is served
from the wheel's files) and ``chat``, which the face-controller sees come and go. The default config, the rig and
the simulator's files must all come from the wheel.

The wheel is installed with ``--no-deps``: its dependencies (torch among them, 1.8 GB) are taken from the running
test environment through a ``.pth`` file, which adds that site-packages folder to the path without running the
editable install's finder, so ``companion`` itself can only come from the wheel (checked).
``test_controller_install.py`` installs the base package's real dependencies from the index.
"""

from __future__ import annotations

import os
import signal
import site
import subprocess
import sys
import time
import urllib.request
import venv
from pathlib import Path

import pytest

from tests.support.broker import free_port

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: object, cwd: Path, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def test_the_wheel_works_outside_the_repository(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    build = _run(sys.executable, "-m", "build", "--wheel", "--outdir", dist, ROOT, cwd=tmp_path, env=dict(os.environ),
                 timeout=300)  # fmt: skip
    assert build.returncode == 0, build.stdout[-2000:] + build.stderr[-2000:]
    (wheel,) = dist.glob("companion_agent-*.whl")

    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    install = _run(python, "-m", "pip", "install", "--quiet", "--no-deps", "--disable-pip-version-check", wheel,
                   cwd=tmp_path, env=dict(os.environ))  # fmt: skip
    assert install.returncode == 0, install.stderr[-3000:]
    purelib = _run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))", cwd=tmp_path, env={})
    Path(purelib.stdout.strip(), "dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n")

    home = tmp_path / "home"
    env = {"PATH": f"{env_dir / 'bin'}:/usr/bin:/bin", "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"),
           "XDG_DATA_HOME": str(home / ".local/share"), "XDG_CACHE_HOME": str(home / ".cache"),
           "COMPANION_BROKER": f"mqtt://127.0.0.1:{free_port()}"}  # fmt: skip
    work = tmp_path / "robot"
    work.mkdir()
    where = _run(python, "-c", "import companion.cli; print(companion.cli.__file__)", cwd=work, env=env)
    assert where.stdout.startswith(str(env_dir)), where.stdout + where.stderr  # the wheel's copy, not the repository
    companion = env_dir / "bin" / "companion"
    assert _run(companion, "--version", cwd=work, env=env).stdout.strip() == "companion 0.1.0"
    # The crisis classifier's trained head is package data: without it the semantic layer would silently lose it.
    head = _run(python, "-c", "from companion.agent.safety.head import DEFAULT_HEAD as h; print(h.is_file(), h)",
                cwd=work, env=env)  # fmt: skip
    assert head.stdout.startswith(f"True {env_dir}"), head.stdout + head.stderr

    # Nothing in this folder yet: every command uses the packaged default config.
    check = _run(companion, "check", cwd=work, env=env)
    assert "(from the packaged default)" in check.stdout and "robot museum-1" in check.stdout, check.stdout

    tiny = _run(companion, "models", "make-tiny", cwd=work, env=env)
    assert tiny.returncode == 0 and (work / "config.yaml").is_file(), tiny.stdout + tiny.stderr
    assert "try it: companion chat\n" in tiny.stdout
    # Port 0 (a free one) instead of 8765, which another program on a shared machine may hold.
    config = work / "config.yaml"
    config.write_text(
        config.read_text().replace("  rig: sample\n", "  rig: sample\n  driver: {backend: sim, port: 0}\n")
    )

    face = subprocess.Popen([companion, "face", "--driver", "sim", "-v"], cwd=work, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    try:
        assert face.stdout is not None
        line = face.stdout.readline()
        assert "web simulator at http://127.0.0.1:" in line and "rig sample" in line, line
        url = line.split("web simulator at ")[1].split()[0]
        with urllib.request.urlopen(f"{url}static/face.js", timeout=10) as script:
            assert script.status == 200 and b"companion face simulator" in script.read()
        chat = _run(companion, "chat", "--say", "hello", cwd=work, env=env, timeout=180)
        assert chat.returncode == 0, chat.stderr[-3000:]
        assert "you (text): hello" in chat.stdout and "Tiny [" in chat.stdout, chat.stdout
        assert "no face-controller" not in chat.stderr, chat.stderr  # it found the controller on its robot id
        assert list((work / "outputs").glob("reply-*.wav"))
        time.sleep(0.5)
    finally:
        face.send_signal(signal.SIGINT)
        _, face_err = face.communicate(timeout=30)
    assert face.returncode == 0, face_err
    assert "agent online" in face_err and "agent offline (shutdown)" in face_err, face_err
