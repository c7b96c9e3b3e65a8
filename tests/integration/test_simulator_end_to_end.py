"""The face simulator end to end: a happy spoken reply, seen and heard in a real browser, through every real part.

A real mosquitto; ``companion face --driver sim`` in its own process (the command a user types); in this process a
conversation session answers a typed turn with the real policy chain, the tiny piper voice (real phoneme
alignments), the animator and the face publisher over MQTT, publishing its voice too; a headless Chromium opens the
URL the command printed. The page is watched from inside (a recorder on every animation frame reads what is on
screen: the lip geometry, the utterance, the clock, the voice being heard) and from outside (screenshots measured
pixel by pixel). Nothing is fed to the driver directly and nothing is mocked: only the reply's text is fixed, by a
small plugin, because the tiny language model says random words with no emotion tag.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
import yaml
from playwright.async_api import Page

from companion.agent.config import load_config
from companion.agent.config.schema import Config
from companion.agent.events import ClauseScheduled, ReplyFinished
from companion.agent.runner import RunOptions, open_session
from companion.agent.session import ConversationSession
from companion.face.publisher import AUDIO_PACKET_S
from companion.plugins.api import DialogueContext, Reply, UserTurn, fixed_reply
from companion.tools.tiny import TinyModels
from tests.support.broker import Broker
from tests.support.browser import launch_chromium

pytestmark = pytest.mark.integration

CLI = [sys.executable, "-m", "companion.cli"]
ROBOT_ID = "sim-e2e"
HAPPY_REPLY = "[happy] Hello! I am so happy to see you today. Welcome to the museum, there is so much to see!"
SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "images" / "simulator.png"
URL = re.compile(r"web simulator at (http://\S+/)")

# What the page records on every animation frame, after its own drawing (its callback is registered first).
# Geometry is in screen pixels: the lip seam's corners and middle (y grows downward), and the area of the open
# mouth (the dark inside between the lips), from the rendered SVG paths.
RECORDER = """() => {
  const face = window.companionFace;
  const seam = document.getElementById('lip-seam');
  const inside = document.getElementById('mouth-inside');
  const status = document.getElementById('status');
  const onScreen = (path, l) => {
    const p = path.getPointAtLength(l);
    return new DOMPoint(p.x, p.y).matrixTransform(path.getScreenCTM());
  };
  const area = (path) => {
    const length = path.getTotalLength(), n = 48;
    if (!(length > 0)) return 0;
    let twice = 0, prev = onScreen(path, 0);
    for (let i = 1; i <= n; i++) {
      const p = onScreen(path, (length * i) / n);
      twice += prev.x * p.y - p.x * prev.y;
      prev = p;
    }
    return Math.abs(twice) / 2;
  };
  window.__samples = [];
  const record = () => {
    const v = face.values, length = seam.getTotalLength();
    window.__samples.push({
      serverMs: face.offsetMs === null ? null : performance.timeOrigin + performance.now() + face.offsetMs,
      utt: face.utterance,
      jaw: v.jawOpen,
      smile: (v.mouthSmileLeft + v.mouthSmileRight) / 2,
      right: onScreen(seam, 0).y,
      middle: onScreen(seam, length / 2).y,
      left: onScreen(seam, length).y,
      open: area(inside),
      heard: face.audio.speaking(),
      status: status.textContent,
    });
    requestAnimationFrame(record);
  };
  requestAnimationFrame(record);
}"""


class HappyPlugin:
    """Answers every turn with one happy line, so the reply's emotion and words are known."""

    name = "happy-test"

    async def on_turn(self, turn: UserTurn, context: DialogueContext) -> Reply | None:
        return fixed_reply(HAPPY_REPLY, source=f"plugin:{self.name}")


@dataclass
class Shot:
    """A screenshot's dark mouth pixels, the wall-clock interval it was taken in, and the whole page if kept."""

    dark: int
    start_ms: float
    end_ms: float
    image: np.ndarray | None = None


def write_config(tiny: TinyModels, folder: Path) -> Path:
    """The tiny config with the simulator on a free port, the voice published, and a neutral resting face."""
    data = yaml.safe_load(tiny.config.read_text(encoding="utf-8"))
    # The tiny config's paths are relative to its own folder; this config lives elsewhere.
    models, home = data["models"], tiny.config.parent
    models["dir"] = str(home)
    for section in models.values():
        if isinstance(section, dict) and "path" in section:
            section["path"] = str(home / section["path"])
    data["broker"]["embedded_fallback"] = False  # no silent stand-in broker: the test's mosquitto or a failure
    data["controller"] = {**data.get("controller", {}), "driver": {"backend": "sim", "host": "127.0.0.1", "port": 0}}
    data["face"] = {"publish_audio": True}
    data["audio"] = {"output": {"sink": "none"}}
    persona = data["personas"][data["persona"]]
    persona["emotion_baseline"] = {"emotion": "neutral", "intensity": 0.0}  # the smile must come from the reply
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def environment(broker: Broker) -> dict[str, str]:
    return {**os.environ, "COMPANION_BROKER": broker.url, "COMPANION_ROBOT_ID": ROBOT_ID, "PYTHONUNBUFFERED": "1"}


@pytest.fixture
def simulator(broker: Broker, tiny_models: TinyModels, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """``companion face --driver sim`` as a user runs it; yields the URL it printed and the config it used."""
    config = write_config(tiny_models, tmp_path)
    stdout, stderr = tmp_path / "face.out", tmp_path / "face.err"
    with stdout.open("w") as out, stderr.open("w") as err:
        process = subprocess.Popen(
            [*CLI, "face", "--driver", "sim", "-c", str(config)], env=environment(broker), stdout=out, stderr=err
        )
    try:
        deadline = time.monotonic() + 60
        while "\n" not in stdout.read_text() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        first_line = stdout.read_text().split("\n", 1)[0]
        found = URL.search(first_line)
        assert found, f"no URL in {first_line!r}; stderr: {stderr.read_text()[-3000:]}"
        assert f"robot id '{ROBOT_ID}'" in first_line and broker.url in first_line, first_line
        yield found.group(1), config
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            returncode = process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise
    assert returncode == 0, stderr.read_text()[-3000:]


def happy_session(config: Config) -> contextlib.AbstractAsyncContextManager[ConversationSession]:
    """A real session publishing its face (and voice) over MQTT, with the happy plugin in front of the LLM."""
    return open_session(config, RunOptions(publish_face=True, plugins=[HappyPlugin()]))


# --- measuring the page -------------------------------------------------------------------------------------------


def dark_pixels(image: np.ndarray) -> int:
    """The mouth's dark red inside; lips, teeth, tongue and skin are much brighter, the navy backdrop is blue."""
    pixels = image.astype(np.int16)
    return int(np.count_nonzero((pixels.max(axis=2) < 100) & (pixels[:, :, 2] > pixels[:, :, 0])))


def lift(sample: dict[str, Any]) -> float:
    """How far the mouth corners sit above the middle of the lip seam, in pixels (a smile is positive).

    Relative to the middle, so a head that nods or tilts (idle life) does not count as a smile."""
    return float(sample["middle"] - (sample["left"] + sample["right"]) / 2)


def wall_ms() -> float:
    """This machine's clock, which the agent's pts and the controller's (the page's server clock) are on."""
    return time.time() * 1000.0


async def take_shots(page: Page, until: asyncio.Future[Any] | float, mouth: tuple[int, int, int, int]) -> list[Shot]:
    """Screenshots one after the other until ``until`` is done (a future) or passed (a wall time in ms).

    Mostly of the mouth alone (faster than the whole page, so more samples); every fourth of the whole page, for
    the README's picture."""
    x0, y0, x1, y1 = mouth
    clip = {"x": x0, "y": y0, "width": x1 - x0, "height": y1 - y0}
    shots: list[Shot] = []
    while not (until.done() if isinstance(until, asyncio.Future) else shots and shots[-1].end_ms >= until):
        whole = len(shots) % 4 == 3
        start = wall_ms()
        png = await page.screenshot() if whole else await page.screenshot(clip=clip)
        end = wall_ms()
        image = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR)
        mouth_image = image[y0:y1, x0:x1] if whole else image
        shots.append(Shot(dark_pixels(mouth_image), start, end, image if whole else None))
    return shots


def during(samples: list[dict[str, Any]], start_ms: float, end_ms: float) -> list[dict[str, Any]]:
    return [s for s in samples if s["serverMs"] is not None and start_ms <= s["serverMs"] <= end_ms]


@dataclass
class Observed:
    """What one reply looked and sounded like: the agent's side, and the page's from inside and outside."""

    finished: ReplyFinished
    voice: list[tuple[float, float]]  # each clause's (pts of its first sample in epoch ms, duration in s)
    samples: list[dict[str, Any]]  # the recorder's, one per animation frame
    scheduled: list[dict[str, Any]]  # the page's voice chunks
    rtt_ms: float  # the page's best ping round trip to the controller
    rest_shots: list[Shot]
    speech_shots: list[Shot]
    after_shots: list[Shot]


async def watch_a_reply(url: str, config: Config) -> Observed:
    """Opens the simulator page, then has the session answer a typed turn while the page is watched."""
    async with launch_chromium(autoplay=True, viewport=(900, 640)) as browser, happy_session(config) as session:
        page = await browser.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        await page.goto(url)
        await page.wait_for_function(
            "() => window.companionFace && companionFace.connected && companionFace.clockSamples >= 8"
            " && companionFace.audio.state === 'running' && companionFace.renderedTick > 0",
            timeout=15_000,
        )
        await page.evaluate(RECORDER)
        x, y, w, h = await page.evaluate(
            "() => { const r = document.getElementById('lips').getBoundingClientRect();"
            " return [r.left, r.top, r.width, r.height]; }"
        )
        # Around the closed lips, with room for the jaw to drop and the head to move.
        mouth = (int(x) - 30, int(y) - 10, int(x + w) + 30, int(y + h) + 70)

        rest_shots = await take_shots(page, wall_ms() + 800, mouth)
        reply = asyncio.ensure_future(session.say("Hello! How are you?"))
        speech_shots = await take_shots(page, reply, mouth)
        finished = await reply
        after_shots = await take_shots(page, wall_ms() + 1000, mouth)
        samples = await page.evaluate("() => window.__samples")
        scheduled = await page.evaluate("() => companionFace.scheduled")
        rtt_ms = float(await page.evaluate("() => companionFace.rttMs"))
        assert not errors, errors
    clauses = [e for e in session.events.of_type(ClauseScheduled) if e.utterance_id == finished.utterance_id]
    voice = [(session.clock.wall_ms(c.start_t), c.duration_s) for c in clauses]
    return Observed(finished, voice, samples, scheduled, rtt_ms, rest_shots, speech_shots, after_shots)


async def test_a_happy_spoken_reply_moves_the_lips_smiles_and_plays_in_the_browser(
    broker: Broker, simulator: tuple[str, Path], tmp_path: Path
) -> None:
    url, config_path = simulator
    config = load_config(config_path, environ=environment(broker))
    # A bound on the whole exchange: a hang fails here, with the line it hung on, instead of at pytest's timeout.
    seen = await asyncio.wait_for(watch_a_reply(url, config), timeout=120)
    finished, voice, samples = seen.finished, seen.voice, seen.samples

    # The reply went through the policy chain to the plugin, and the tag made it happy.
    assert finished.source == "plugin:happy-test" and not finished.interrupted
    assert finished.text == HAPPY_REPLY.removeprefix("[happy] ") and finished.emotion == "happy"
    utt = finished.utterance_id
    assert voice
    # When the voice is heard, on the agent's wall clock (the pts of its audio and of its frames).
    voice_start = voice[0][0]
    voice_end = voice[-1][0] + voice[-1][1] * 1000
    clock_error_ms = seen.rtt_ms / 2 + 1  # NTP's bound on the page's estimate of the agent's clock, plus rounding

    # 1. The voice: every chunk the agent published reached the page through the controller and was scheduled
    #    whole, at exactly the pts the agent gave it, on one timeline: the context times are as far apart as the
    #    pts (the clauses' chunks may arrive interleaved: the agent publishes each clause's voice concurrently).
    chunks = sorted((e for e in seen.scheduled if e["utt"] == utt), key=lambda e: e["ptsMs"])
    expected_pts = [
        pts + k * AUDIO_PACKET_S * 1000 for pts, seconds in voice for k in range(math.ceil(seconds / AUDIO_PACKET_S))
    ]
    assert [e["state"] for e in chunks] == ["scheduled"] * len(expected_pts), chunks
    np.testing.assert_allclose([e["ptsMs"] for e in chunks], expected_pts, rtol=0, atol=1e-3)
    assert math.isclose(sum(e["duration"] for e in chunks), sum(s for _, s in voice), abs_tol=1e-3)
    assert all(e["trim"] == 0 and e["when"] == e["at"] for e in chunks)
    np.testing.assert_allclose(
        np.diff([e["at"] for e in chunks]),
        np.diff([e["ptsMs"] for e in chunks]) / 1000,
        rtol=0,
        atol=clock_error_ms / 1000,
    )

    # 2. The face shows the utterance on the voice's timeline: never before its first sample is heard (the agent
    #    tags frames from the clause's start, the controller shows a frame once the playhead reaches its pts, the
    #    page draws it at that pts on the synced clock), and the lips move while the voice is heard.
    assert len(samples) > 100, "the recorder saw few animation frames"
    rest = during(samples, -math.inf, voice_start - 200)
    showing = [s for s in samples if s["utt"] == utt]  # frames of the reply on screen
    assert rest and showing
    # The status line a user reads says what is shown and heard.
    assert any(f"utterance {utt}" in s["status"] and "sound on" in s["status"] for s in showing)
    assert showing[0]["serverMs"] >= voice_start - clock_error_ms, (showing[0], voice_start)
    assert showing[0]["serverMs"] <= voice_start + 250
    assert voice_end - 250 <= showing[-1]["serverMs"] <= voice_end + 250, (showing[-1], voice_end)
    wide = [s for s in samples if s["open"] > 1000]  # square pixels of dark mouth between the lips
    assert len(wide) >= 5, "the mouth never opened wide"
    # A lip-sync lead of 45-55 ms before a sound is normal (co-articulation); opening wider earlier is not.
    assert all(voice_start - 60 - clock_error_ms <= s["serverMs"] <= voice_end + 60 for s in wide), wide
    assert all(s["heard"] == utt for s in wide), "the mouth was wide open while the page heard no voice"

    # 3. At rest the mouth is closed and the lips straight; it opens during the reply and is closed after it.
    assert max(s["open"] for s in rest) < 50 and max(s["jaw"] for s in rest) < 0.02
    after = during(samples, voice_end + 300, math.inf)
    assert after, "no animation frames recorded after the reply"
    assert max(s["open"] for s in after) < 50 and max(s["jaw"] for s in after) < 0.02, after

    # The same from the pixels: dark mouth on some screenshots while it speaks, on none before or after.
    assert seen.rest_shots and max(s.dark for s in seen.rest_shots) < 60, [s.dark for s in seen.rest_shots]
    closed_px = max(s.dark for s in seen.rest_shots) + 30
    spoken_shots = [s for s in seen.speech_shots if s.start_ms >= voice_start and s.end_ms <= voice_end]
    open_shots = [s for s in spoken_shots if s.dark > max(100, 2 * closed_px)]
    assert open_shots, ([s.dark for s in spoken_shots], closed_px)
    late_shots = [s for s in seen.after_shots if s.start_ms >= voice_end + 300]
    assert late_shots and all(s.dark < closed_px for s in late_shots), ([s.dark for s in late_shots], closed_px)

    # 4. The smile: with the lips together (so the jaw does not pull the corners down), the corners are raised
    #    during the happy reply, unlike before it. The resting persona is neutral, so the smile is the reply's.
    rest_lift = max(abs(lift(s)) for s in rest)
    assert rest_lift < 3, rest_lift
    closed_while_speaking = [s for s in showing if s["open"] < 50]
    smiling = [s for s in closed_while_speaking if lift(s) > rest_lift + 6]
    assert len(smiling) >= 3, [(round(lift(s), 1), round(s["smile"], 2)) for s in closed_while_speaking]
    assert max(s["smile"] for s in showing) > 0.3 > max(s["smile"] for s in rest)

    # The README's picture: the whole page, smiling and speaking with the mouth open, from the real pipeline.
    pictures = [
        shot
        for shot in open_shots
        if shot.image is not None and all(s["smile"] > 0.4 for s in during(samples, shot.start_ms - 20, shot.end_ms))
    ]
    if pictures:
        typical = float(np.median([s.dark for s in open_shots]))  # talking, not the widest yell
        best = min(pictures, key=lambda s: abs(s.dark - typical)).image
        assert best is not None
        cv2.imwrite(str(tmp_path / "simulator.png"), best)
        if os.environ.get("COMPANION_UPDATE_SCREENSHOTS") == "1":
            SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(tmp_path / "simulator.png", SCREENSHOT)
    elif os.environ.get("COMPANION_UPDATE_SCREENSHOTS") == "1":
        pytest.fail("no whole-page screenshot caught the mouth open while smiling: run it again")
