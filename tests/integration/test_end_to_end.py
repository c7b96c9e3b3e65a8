"""A whole conversation turn through the real parts and the real command line.

A real mosquitto; `companion face` with the log driver in its own process; `companion run` in another, hearing a
sentence spoken by espeak-ng and watching a video with a face, on the tiny offline models (real faster-whisper,
transformers, piper with alignments, OpenCV and ONNX affect). Nothing is mocked.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import time
import wave
from pathlib import Path
from typing import Any

import pytest

from companion.face.emotions import Emotion
from companion.tools.tiny import TinyModels
from tests.support.broker import Broker
from tests.support.speech import espeak
from tests.support.video import make_face_video

pytestmark = pytest.mark.integration

CLI = [sys.executable, "-m", "companion.cli"]


def _env(broker: Broker) -> dict[str, str]:
    return {**os.environ, "COMPANION_BROKER": broker.url, "COMPANION_ROBOT_ID": "e2e", "PYTHONUNBUFFERED": "1"}


def _read_log(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _by_utterance(ticks: list[dict[str, Any]]) -> list[tuple[int, int, int, int]]:
    """Runs of ticks that showed one utterance, relative to the first tick."""
    t0 = ticks[0]["t"] if ticks else 0
    runs = []
    for utt, run in itertools.groupby(ticks, key=lambda tick: tick["utt"]):
        shown = list(run)
        runs.append((utt, round(shown[0]["t"] - t0), round(shown[-1]["t"] - t0), len(shown)))
    return runs


@pytest.fixture
def face_controller(broker: Broker, tiny_models: TinyModels, tmp_path: Path) -> Any:
    log_path = tmp_path / "face-log.jsonl"
    # Its log goes to a file, not a pipe nobody reads: a full pipe would stall the controller mid-test.
    stderr_path = tmp_path / "face-controller.stderr"
    with stderr_path.open("w") as stderr:
        process = subprocess.Popen(
            [*CLI, "face", "--driver", "log", "--log", str(log_path), "-c", str(tiny_models.config)],
            env=_env(broker),
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
    assert process.stdout is not None
    first_line = process.stdout.readline()  # it says where its output goes once it is connected
    assert "face-log.jsonl" in first_line, first_line + stderr_path.read_text()
    yield log_path
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=10)


def test_spoken_question_with_a_face_gets_a_lip_synced_emotional_reply(
    broker: Broker, tiny_models: TinyModels, face_controller: Path, tmp_path: Path
) -> None:
    question = espeak("Can you tell me where the dinosaurs are?", tmp_path / "question.wav")
    video = make_face_video(tmp_path / "visitor.avi", seconds=3.0, fps=10, motion="still")
    outputs = tmp_path / "out"
    started = time.time()
    command = ["run", "--wav", str(question), "--video", str(video), "--json", "--output", str(outputs)]
    run = subprocess.run(
        [*CLI, *command, "-c", str(tiny_models.config)],
        env=_env(broker),
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    events = [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]
    turns = [e for e in events if e["type"] == "user_turn"]
    replies = [e for e in events if e["type"] == "reply_finished"]

    # A transcript was produced, and answered with an emotion from the set.
    assert turns and turns[0]["text"].strip(), events
    assert replies, events
    reply = replies[-1]
    assert not reply["interrupted"], events
    assert reply["emotion"] in {e.value for e in Emotion}
    assert 0.0 <= reply["intensity"] <= 1.0
    assert reply["text"].strip(), (events, run.stderr[-2000:])

    # The reply's audio was written.
    audio_path = Path(reply["audio_path"])
    assert audio_path.parent == outputs
    with wave.open(str(audio_path)) as handle:
        audio_s = handle.getnframes() / handle.getframerate()
    assert audio_s > 0.3

    # The controller received the utterance's frames, played them in order over the audio's duration.
    time.sleep(0.5)  # the log driver flushes every 100 ms
    ticks = _read_log(face_controller)
    assert all(a["t"] < b["t"] for a, b in itertools.pairwise(ticks))
    speaking = [tick for tick in ticks if tick["utt"] == reply["utterance_id"]]
    # Should this fail, say what the controller showed and heard, and what the agent did.
    why = "\n".join(
        [
            f"controller ticks by utterance (utt, first ms, last ms, ticks): {_by_utterance(ticks)}",
            "controller log:\n" + (face_controller.parent / "face-controller.stderr").read_text()[-3000:],
            "agent events:\n" + "\n".join(json.dumps(e) for e in events)[-6000:],
            "agent log:\n" + run.stderr[-3000:],
        ]
    )
    assert speaking, "no output tick showed the reply's frames\n" + why
    shown_s = (speaking[-1]["t"] - speaking[0]["t"]) / 1000.0
    assert shown_s >= 0.8 * audio_s, (shown_s, audio_s, why)
    assert speaking[0]["t"] >= started * 1000

    # The jaw moved during speech and was back at neutral afterwards.
    jaw_neutral = ticks[0]["actuators"]["jaw"]
    jaw_travel = max(abs(tick["actuators"]["jaw"] - jaw_neutral) for tick in speaking)
    assert jaw_travel > 50, f"the jaw moved only {jaw_travel} units"
    after = [tick for tick in ticks if tick["t"] > speaking[-1]["t"] + 500]
    assert after, "the controller log stops right after the speech"
    assert abs(after[-1]["actuators"]["jaw"] - jaw_neutral) < 10
