"""The face-controller's computer installs companion without the models: no torch, transformers, faster-whisper,
piper, onnxruntime or OpenCV. First the import graph (the heavy libraries blocked, the real command run), then a
real ``pip install`` of the base package into a fresh venv."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import venv
from pathlib import Path

import pytest

from tests.support.broker import Broker

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("torch", "transformers", "tokenizers", "faster_whisper", "ctranslate2", "piper", "onnxruntime", "onnx", "cv2",
         "pyaec", "huggingface_hub", "wyoming")  # fmt: skip
BLOCKER = f"""
import importlib.abc, sys
class Blocked(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {HEAVY!r}:
            raise ImportError(f"blocked for the controller-only test: {{name}}")
sys.meta_path.insert(0, Blocked())
from companion.cli import main
sys.exit(main(sys.argv[1:]))
"""


def run_blocked(*args: str, **popen: object) -> subprocess.Popen[str]:
    return subprocess.Popen(  # type: ignore[call-overload]
        [sys.executable, "-c", BLOCKER, *args], text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **popen
    )


def test_the_command_line_loads_without_the_model_libraries() -> None:
    process = run_blocked("--help")
    out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert "face" in out


@pytest.mark.integration
def test_the_face_controller_runs_without_the_model_libraries(broker: Broker, tmp_path: Path) -> None:
    log = tmp_path / "face.jsonl"
    env = {**os.environ, "COMPANION_BROKER": broker.url}
    process = run_blocked("face", "--driver", "log", "--log", str(log), "-c", str(ROOT / "config.yaml"), env=env)
    assert process.stdout is not None
    line = process.stdout.readline()
    assert "face log at" in line, process.stderr.read() if process.poll() is not None else line
    time.sleep(0.5)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    # It ticked: the log driver writes changes only, so an idle face without an agent writes its first tick.
    assert log.read_text().count("\n") >= 1


@pytest.mark.integration
def test_a_real_base_install_pulls_no_model_library(tmp_path: Path) -> None:
    """pip installs the base package (no extras) into a fresh venv: the controller's computer."""
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    install = subprocess.run(
        [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", str(ROOT)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert install.returncode == 0, install.stderr[-3000:]
    listed = subprocess.run([python, "-m", "pip", "list", "--format=freeze"], capture_output=True, text=True).stdout
    installed = {line.split("==")[0].lower() for line in listed.splitlines()}
    for heavy in (
        "torch",
        "transformers",
        "faster-whisper",
        "ctranslate2",
        "piper-tts",
        "onnxruntime",
        "opencv-python-headless",
    ):
        assert heavy not in installed
    face_help = subprocess.run([env_dir / "bin" / "companion", "face", "--help"], capture_output=True, text=True)
    assert face_help.returncode == 0 and "face-controller" in face_help.stdout
    chat = subprocess.run(
        [env_dir / "bin" / "companion", "chat", "--say", "hi", "--no-face", "-c", str(ROOT / "config.yaml")],
        capture_output=True, text=True, cwd=tmp_path,
    )  # fmt: skip
    # The agent needs the model extras: it says which, instead of a traceback.
    assert chat.returncode != 0 and "Traceback" not in chat.stderr
    assert "companion-agent[" in chat.stderr, chat.stderr
