"""`companion demo` without a terminal, as CI runs it: the broker, the face-controller with the web simulator and the
robot in one process; the page is served while it runs; the spoken question is heard and answered with face
frames that reach the controller; the tiny models stand in for missing real ones."""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from companion.tools.tiny import TinyModels
from tests.support.broker import free_port

pytestmark = pytest.mark.integration

CONFIG_WITHOUT_MODELS = """\
persona: guide
personas:
  guide:
    name: Ada
    style: You are a museum guide.
"""


def test_the_demo_shows_the_face_and_answers_the_spoken_question(tiny_models: TinyModels, tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(CONFIG_WITHOUT_MODELS + f"models:\n  dir: {tmp_path}/no-models\n")
    env = {**os.environ, "COMPANION_BROKER": f"mqtt://127.0.0.1:{free_port()}"}  # nothing answers: embedded
    process = subprocess.Popen(
        [sys.executable, "-m", "companion.cli", "demo", "--no-browser", "--port", "0", "-c", str(config),
         "--tiny-dir", str(tiny_models.config.parent), "--output", str(tmp_path / "out")],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path,
    )  # fmt: skip
    assert process.stdout is not None
    lines: list[str] = []
    for line in process.stdout:
        lines.append(line)
        if line.startswith("the face: "):
            break
    url = lines[-1].split()[2]
    with urllib.request.urlopen(url, timeout=10) as page:  # served while the robot loads its models
        assert page.status == 200 and b"<svg" in page.read()
    out, err = process.communicate(timeout=180)
    text = "".join(lines) + out
    assert process.returncode == 0, text + err
    assert "running with tiny offline models instead" in text
    assert "visitor (spoken by espeak-ng)" in text and "you (voice): " in text
    assert "Tiny [" in text  # the answer, with its emotion
    frames = int(text.split("face-controller: ")[1].split()[0])
    assert frames > 50, text
    assert "no face-controller" not in err, err  # the agent found the demo's own controller on its robot id
    assert "Traceback" not in err and "error" not in err.lower(), err
    assert list((tmp_path / "out").glob("reply-*.wav"))
