"""The ``sim`` face driver: its WebSocket protocol (plain aiohttp client) and the page in a real headless Chromium.

The browser tests feed ticks straight into ``driver.write`` (no MQTT) and measure what the page really draws:
pixels of screenshots and the geometry of the rendered SVG. The audio tests run the server on a clock skewed by
several seconds, so the page's clock sync has to find that offset before its schedule can match the pts.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable, Mapping
from pathlib import Path
from typing import Any

import aiohttp
import cv2
import numpy as np
import pytest
import pytest_asyncio
from playwright.async_api import BrowserContext, Page

from companion.core.errors import CompanionError
from companion.face.controller.rig import Rig
from companion.face.drivers.base import Driver, OutputTick
from companion.face.drivers.sim import AUDIO_MESSAGE, FRAME_MESSAGE, MAX_FRAMES_PER_S, MSG_AUDIO, MSG_FRAME, SimDriver
from companion.face.drivers.sim import SimOptions as SimConfig
from companion.face.protocol import DEFAULT_LAYOUT, AudioPacket, values_from_mapping
from tests.support.browser import launch_chromium

pytestmark = pytest.mark.asyncio(loop_scope="module")

RATE = 22050
SKEW_MS = 7345.0  # the server's clock runs this far ahead of the browser's
RIG = Rig("test-face", 0.0, ())


def now_ms() -> float:
    return time.time() * 1000.0


def server_ms() -> float:
    """The skewed driver's clock, which the pts of its voice chunks are on."""
    return now_ms() + SKEW_MS


def tick(driver: SimDriver, channels: Mapping[str, float], utterance_id: int = 0) -> int:
    driver.write(OutputTick(now_ms(), values_from_mapping(channels), {}, utterance_id))
    return driver.tick_seq


def tone(utterance_id: int, seq: int, pts_ms: float, seconds: float = 0.1, hz: float = 330.0) -> AudioPacket:
    """A chunk of a continuous sine: easy to hear in the page's level meter."""
    n = int(RATE * seconds)
    t = (np.arange(n) + seq * n) / RATE
    samples = (0.5 * 32767 * np.sin(2 * np.pi * hz * t)).astype(np.int16)
    return AudioPacket(utterance_id, seq, pts_ms, RATE, samples)


@pytest_asyncio.fixture(loop_scope="module")
async def driver() -> AsyncIterator[SimDriver]:
    sim = SimDriver(SimConfig(host="127.0.0.1", port=0))
    await sim.open(RIG, DEFAULT_LAYOUT)
    yield sim
    await sim.close()


@pytest_asyncio.fixture(loop_scope="module")
async def skewed_driver() -> AsyncIterator[SimDriver]:
    sim = SimDriver(SimConfig(host="127.0.0.1", port=0), wall_ms=server_ms)
    await sim.open(RIG, DEFAULT_LAYOUT)
    yield sim
    await sim.close()


# --- the protocol, without a browser -----------------------------------------------------------------------------


async def test_is_a_driver_that_wants_audio_and_serves_the_page(driver: SimDriver) -> None:
    assert isinstance(driver, Driver)
    assert driver.wants_audio
    assert driver.url.startswith("http://127.0.0.1:")
    async with aiohttp.ClientSession() as session:
        async with session.get(driver.url) as response:
            assert response.status == 200
            html = await response.text()
        assert "static/face.js" in html
        async with session.get(driver.url + "static/face.js") as response:
            assert response.status == 200
            assert "WebSocket" in await response.text()


async def test_socket_sends_layout_pong_frames_audio_and_flush(skewed_driver: SimDriver) -> None:
    driver = skewed_driver
    async with aiohttp.ClientSession() as session, session.ws_connect(driver.url + "ws") as ws:
        hello = json.loads((await ws.receive(timeout=5)).data)
        assert hello["t"] == "hello"
        assert [c["name"] for c in hello["channels"]] == list(DEFAULT_LAYOUT.names)
        assert hello["latency_ms"] == RIG.latency_ms

        sent = now_ms()
        await ws.send_str(json.dumps({"t": "ping", "c": sent}))
        pong = json.loads((await ws.receive(timeout=5)).data)
        received = now_ms()
        assert pong["c"] == sent
        # The pong carries the server's (skewed) clock, stamped between our send and receive.
        assert sent + SKEW_MS <= pong["s"] <= received + SKEW_MS

        values = values_from_mapping({"jawOpen": 0.625, "headYaw": -12.5})
        driver.write(OutputTick(1234.5, values, {}, 42))
        data = (await ws.receive(timeout=5)).data
        kind, utterance, seq, _rate, t_wall = FRAME_MESSAGE.unpack_from(data)
        assert (kind, utterance, seq, t_wall) == (MSG_FRAME, 42, driver.tick_seq, 1234.5)
        np.testing.assert_array_equal(np.frombuffer(data, "<f4", offset=FRAME_MESSAGE.size), values)

        packet = tone(7, 3, 5000.25)
        driver.on_audio(packet)
        data = (await ws.receive(timeout=5)).data
        kind, _flags, utterance, seq, rate, pts = AUDIO_MESSAGE.unpack_from(data)
        assert (kind, utterance, seq, rate, pts) == (MSG_AUDIO, 7, 3, RATE, 5000.25)
        np.testing.assert_array_equal(np.frombuffer(data, "<i2", offset=AUDIO_MESSAGE.size), packet.samples)

        driver.on_flush(7)
        assert json.loads((await ws.receive(timeout=5)).data) == {"t": "flush", "utt": 7}
        dropped = driver.stats.audio_dropped
        driver.on_audio(tone(7, 4, 5100.25))  # a late chunk of the flushed utterance never goes out
        assert driver.stats.audio_dropped == dropped + 1

        driver.on_resume(7)  # the interruption was a backchannel: the utterance goes on
        assert json.loads((await ws.receive(timeout=5)).data) == {"t": "resume", "utt": 7}
        driver.on_audio(tone(7, 5, 5200.25))
        assert AUDIO_MESSAGE.unpack_from((await ws.receive(timeout=5)).data)[3] == 5

        await ws.send_str("not json")
        await ws.send_str(json.dumps({"t": "ping", "c": "soon"}))
        driver.on_audio(tone(8, 0, 6000.0))
        data = (await ws.receive(timeout=5)).data  # the bad messages were dropped, the socket still works
        assert AUDIO_MESSAGE.unpack_from(data)[2] == 8
        assert driver.stats.bad_messages == 2


async def test_write_coalesces_to_the_newest_frame_and_caps_the_send_rate(driver: SimDriver) -> None:
    async with aiohttp.ClientSession() as session, session.ws_connect(driver.url + "ws") as ws:
        await ws.receive(timeout=5)  # hello
        # A burst without yielding: write never waits, and the browser gets only the newest state.
        for i in range(500):
            tick(driver, {"jawOpen": i / 500})
        data = (await ws.receive(timeout=5)).data
        assert FRAME_MESSAGE.unpack_from(data)[2] == driver.tick_seq
        assert np.frombuffer(data, "<f4", offset=FRAME_MESSAGE.size)[DEFAULT_LAYOUT.index()["jawOpen"]] == np.float32(
            499 / 500
        )
        assert driver.stats.frames_sent == 1

        # At the controller's 100 Hz the client gets no more than MAX_FRAMES_PER_S (load only lowers it).
        sent_before = driver.stats.frames_sent
        start = time.monotonic()
        for _ in range(50):
            tick(driver, {"jawOpen": 0.5})
            await asyncio.sleep(0.01)
        elapsed = time.monotonic() - start
        sent = driver.stats.frames_sent - sent_before
        assert 1 <= sent <= elapsed * MAX_FRAMES_PER_S + 2
        assert driver.stats.frames_coalesced >= 499


async def test_write_rejects_a_tick_of_the_wrong_layout(driver: SimDriver) -> None:
    with pytest.raises(ValueError, match="channel values"):
        driver.write(OutputTick(now_ms(), np.zeros(3, np.float32), {}, 0))


async def test_a_taken_port_is_a_user_error(driver: SimDriver) -> None:
    port = int(driver.url.rsplit(":", 1)[1].strip("/"))
    second = SimDriver(SimConfig(host="127.0.0.1", port=port))
    with pytest.raises(CompanionError, match="cannot listen") as raised:
        await second.open(RIG, DEFAULT_LAYOUT)
    assert raised.value.hint and "port" in raised.value.hint


async def test_close_disconnects_browsers_and_stops_serving() -> None:
    sim = SimDriver(SimConfig(host="127.0.0.1", port=0))
    await sim.open(RIG, DEFAULT_LAYOUT)
    url = sim.url
    async with aiohttp.ClientSession() as session:
        async with session.ws_connect(url + "ws") as ws:
            await ws.receive(timeout=5)
            assert sim.clients == 1
            await sim.close()
            closing = await ws.receive(timeout=5)
            assert closing.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
        with pytest.raises(aiohttp.ClientConnectionError):
            await session.get(url)
    assert sim.url == ""


# --- the page in a real browser ----------------------------------------------------------------------------------


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser() -> AsyncIterator[BrowserContext]:
    async with launch_chromium(autoplay=True, viewport=(900, 640)) as context:
        yield context


async def open_page(browser: BrowserContext, driver: SimDriver) -> Page:
    page = await browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    await page.goto(driver.url)
    await page.wait_for_function(
        "() => window.companionFace && companionFace.connected && companionFace.offsetMs !== null"
        " && Object.keys(companionFace.values).length > 0",
        timeout=10_000,
    )
    assert not errors, errors
    return page


@pytest_asyncio.fixture(loop_scope="module")
async def page(browser: BrowserContext, driver: SimDriver) -> AsyncIterator[Page]:
    opened = await open_page(browser, driver)
    yield opened
    await opened.close()


async def show(page: Page, driver: SimDriver, channels: Mapping[str, float], utterance_id: int = 0) -> np.ndarray:
    """Sends one tick, waits until the page has drawn it, and returns a screenshot (BGR)."""
    seq = tick(driver, channels, utterance_id)
    await page.wait_for_function(f"() => companionFace.renderedTick >= {seq}", timeout=5_000)
    png = await page.screenshot()
    return cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR)


async def box(page: Page, selector: str, pad: int = 0) -> tuple[int, int, int, int]:
    """The element's rendered bounding box in screenshot pixels: x0, y0, x1, y1."""
    rect = await page.evaluate(
        "(s) => { const r = document.querySelector(s).getBoundingClientRect();"
        " return [r.left, r.top, r.right, r.bottom]; }",
        selector,
    )
    return int(rect[0]) - pad, int(rect[1]) - pad, int(rect[2]) + pad, int(rect[3]) + pad


def count(image: np.ndarray, region: tuple[int, int, int, int], mask: Callable[[np.ndarray], np.ndarray]) -> int:
    x0, y0, x1, y1 = region
    return int(np.count_nonzero(mask(image[y0:y1, x0:x1].astype(np.int16))))


def dark(pixels: np.ndarray) -> np.ndarray:
    # The mouth's dark red inside; lips, teeth, tongue and skin are much brighter, the navy backdrop is blue.
    return (pixels.max(axis=2) < 100) & (pixels[:, :, 2] > pixels[:, :, 0])


def white(pixels: np.ndarray) -> np.ndarray:
    return pixels.min(axis=2) > 235  # the whites of the eyes


async def wait_scheduled(page: Page, n: int, utterance_id: int) -> list[dict[str, Any]]:
    await page.wait_for_function(
        f"() => companionFace.scheduled.filter(e => e.utt === {utterance_id} && e.state !== 'waiting').length >= {n}",
        timeout=5_000,
    )
    entries = await page.evaluate("() => companionFace.scheduled")
    return [e for e in entries if e["utt"] == utterance_id]


async def expected_context_time(page: Page, pts_ms: float) -> float:
    """The AudioContext time at which server time ``pts_ms`` is heard, from the true skew (not the page's guess)."""
    snap = await page.evaluate("() => ({ ts: companionFace.audio.outputTimestamp(), origin: performance.timeOrigin })")
    page_ms = pts_ms - SKEW_MS
    return float(snap["ts"]["contextTime"] + (page_ms - snap["origin"] - snap["ts"]["performanceTime"]) / 1000)


@pytest.mark.integration
async def test_page_shows_layout_and_status(page: Page, driver: SimDriver) -> None:
    values = await page.evaluate("() => companionFace.values")
    assert list(values) == list(DEFAULT_LAYOUT.names)
    await show(page, driver, {"jawOpen": 0.3}, utterance_id=5)
    await page.wait_for_function("() => document.getElementById('status').textContent.includes('utterance 5')")
    status = await page.text_content("#status")
    assert status is not None and status.startswith("connected") and "clock offset" in status
    assert await page.get_attribute("body", "data-connected") == "true"
    assert driver.clients == 1


async def test_the_page_hears_when_the_agent_comes_and_goes(driver: SimDriver) -> None:
    driver.on_agent(False)
    async with aiohttp.ClientSession() as session, session.ws_connect(driver.url + "ws") as ws:
        hello = json.loads((await ws.receive(timeout=5)).data)
        assert hello["t"] == "hello" and hello["agent"] is False
        driver.on_agent(True)
        assert json.loads((await ws.receive(timeout=5)).data) == {"t": "agent", "online": True}
    async with aiohttp.ClientSession() as session, session.ws_connect(driver.url + "ws") as ws:
        assert json.loads((await ws.receive(timeout=5)).data)["agent"] is True  # a page opened later knows too
    driver.on_agent(False)


@pytest.mark.integration
async def test_status_says_no_agent_rather_than_idle(page: Page, driver: SimDriver) -> None:
    driver.on_agent(False)
    await show(page, driver, {"jawOpen": 0.0})
    await page.wait_for_function("() => document.getElementById('status').textContent.includes('no agent')")
    assert await page.get_attribute("body", "data-agent") == "false"
    driver.on_agent(True)
    await page.wait_for_function("() => document.getElementById('status').textContent.includes('idle')")
    status = await page.text_content("#status")
    assert status is not None and "no agent" not in status
    driver.on_agent(False)


@pytest.mark.integration
async def test_jaw_open_opens_the_mouth_and_closing_shuts_it(page: Page, driver: SimDriver) -> None:
    closed = await show(page, driver, {"jawOpen": 0.0})
    opened = await show(page, driver, {"jawOpen": 0.8})
    region = await box(page, "#mouth", pad=4)
    closed_again = await show(page, driver, {"jawOpen": 0.0})
    area = (region[2] - region[0]) * (region[3] - region[1])
    dark_closed, dark_open, dark_again = (count(im, region, dark) for im in (closed, opened, closed_again))
    assert dark_open > 0.15 * area, (dark_open, area)
    assert dark_closed < 0.02 * area and dark_again < 0.02 * area, (dark_closed, dark_again, area)

    # mouthClose keeps the lips together although the jaw is open ("mmm").
    held = await show(page, driver, {"jawOpen": 0.8, "mouthClose": 1.0})
    assert count(held, region, dark) < 0.02 * area


SEAM_POINTS = """() => {
  const seam = document.getElementById('lip-seam');
  const m = seam.getScreenCTM(), length = seam.getTotalLength();
  const at = (l) => {
    const p = seam.getPointAtLength(l);
    return new DOMPoint(p.x, p.y).matrixTransform(m).y;
  };
  return { right: at(0), middle: at(length / 2), left: at(length) };
}"""


@pytest.mark.integration
async def test_smile_raises_the_mouth_corners_and_frown_lowers_them(page: Page, driver: SimDriver) -> None:
    await show(page, driver, {})
    neutral = await page.evaluate(SEAM_POINTS)
    await show(
        page, driver, {"mouthSmileLeft": 0.9, "mouthSmileRight": 0.9, "cheekSquintLeft": 0.6, "cheekSquintRight": 0.6}
    )
    happy = await page.evaluate(SEAM_POINTS)
    await show(page, driver, {"mouthFrownLeft": 0.9, "mouthFrownRight": 0.9})
    sad = await page.evaluate(SEAM_POINTS)
    for corner in ("left", "right"):  # screen y grows downward
        assert happy[corner] < neutral[corner] - 8, (corner, happy, neutral)
        assert sad[corner] > neutral[corner] + 5, (corner, sad, neutral)
        assert happy[corner] < happy["middle"] - 8  # a U: corners above the middle of the lips
    assert abs(neutral["left"] - neutral["middle"]) < 2

    # One side only: the robot's left corner is on the viewer's right (the end of the seam path).
    await show(page, driver, {"mouthSmileLeft": 1.0})
    half = await page.evaluate(SEAM_POINTS)
    assert half["left"] < neutral["left"] - 8 and abs(half["right"] - neutral["right"]) < 3


@pytest.mark.integration
async def test_blink_closes_the_eyes_and_eye_wide_opens_them(page: Page, driver: SimDriver) -> None:
    neutral = await show(page, driver, {})
    right_eye = await box(page, "#eye-right ellipse", pad=2)
    left_eye = await box(page, "#eye-left ellipse", pad=2)
    blink = await show(page, driver, {"eyeBlinkLeft": 1.0, "eyeBlinkRight": 1.0})
    wink = await show(page, driver, {"eyeBlinkLeft": 1.0})
    wide = await show(page, driver, {"eyeWideLeft": 1.0, "eyeWideRight": 1.0})
    for eye in (right_eye, left_eye):
        open_white = count(neutral, eye, white)
        assert open_white > 100
        assert count(blink, eye, white) < 0.05 * open_white
        assert count(wide, eye, white) > 1.1 * open_white
    # eyeBlinkLeft is the robot's left eye: the one on the viewer's right.
    assert count(wink, left_eye, white) < 0.05 * count(neutral, left_eye, white)
    assert count(wink, right_eye, white) > 0.9 * count(neutral, right_eye, white)


@pytest.mark.integration
async def test_head_turns_and_tilts_and_the_eyes_look(page: Page, driver: SimDriver) -> None:
    async def centre(selector: str) -> tuple[float, float]:
        x0, y0, x1, y1 = await box(page, selector)
        return (x0 + x1) / 2, (y0 + y1) / 2

    await show(page, driver, {})
    face, right_iris = await centre("#features"), await centre("#eye-right .iris")
    await show(page, driver, {"headYaw": 30.0})
    turned = await centre("#features")
    assert turned[0] > face[0] + 10  # positive yaw is toward the robot's left: the viewer's right
    await show(page, driver, {"headRoll": 15.0})
    right_eye, left_eye = await centre("#eye-right ellipse"), await centre("#eye-left ellipse")
    assert right_eye[1] < left_eye[1] - 10  # tilted toward its left shoulder: its right eye rises
    await show(page, driver, {"eyeYaw": 25.0, "eyePitch": 20.0})
    looking = await centre("#eye-right .iris")
    assert looking[0] > right_iris[0] + 4 and looking[1] < right_iris[1] - 3


@pytest.mark.integration
async def test_face_waits_the_rig_latency_to_stay_with_the_voice(browser: BrowserContext) -> None:
    # The controller commands each frame latency_ms before its pts for slow motors; a drawn face must wait.
    rig = Rig("slow-motors", 250.0, ())
    sim = SimDriver(SimConfig(host="127.0.0.1", port=0))
    await sim.open(rig, DEFAULT_LAYOUT)
    page = await open_page(browser, sim)
    try:
        commanded = now_ms()
        seq = sim.tick_seq + 1
        sim.write(OutputTick(commanded, values_from_mapping({"jawOpen": 0.6}), {}, 0))
        await page.wait_for_function(f"() => companionFace.renderedTick >= {seq}", timeout=5_000)
        shown = await page.evaluate("() => companionFace.shownAtServerMs")
        rtt = await page.evaluate("() => companionFace.rttMs")
        assert shown >= commanded + rig.latency_ms - (rtt / 2 + 1)
    finally:
        await page.close()
        await sim.close()


@pytest.mark.integration
async def test_sound_waits_for_a_click(driver: SimDriver) -> None:
    # Without the autoplay flag Chromium behaves like a desktop browser: no sound before a user gesture.
    async with launch_chromium(autoplay=False) as context:
        page = await open_page(context, driver)
        assert await page.evaluate("() => companionFace.audio.state") == "suspended"
        await page.wait_for_selector("#sound", state="visible", timeout=2_000)
        driver.on_audio(tone(51, 0, now_ms() + 300))
        [entry] = await wait_scheduled(page, 1, 51)
        assert entry["state"] == "muted"

        await page.click("#sound")
        await page.wait_for_function("() => companionFace.audio.state === 'running'", timeout=3_000)
        await page.wait_for_selector("#sound", state="hidden", timeout=2_000)
        assert await page.get_attribute("body", "data-sound") == "on"
        driver.on_audio(tone(52, 0, now_ms() + 300))
        [entry] = await wait_scheduled(page, 1, 52)
        assert entry["state"] == "scheduled"


@pytest.mark.integration
async def test_voice_is_scheduled_at_its_pts_on_the_server_clock(
    browser: BrowserContext, skewed_driver: SimDriver
) -> None:
    driver = skewed_driver
    page = await open_page(browser, driver)
    try:
        assert await page.evaluate("() => companionFace.audio.state") == "running"
        await page.wait_for_function("() => companionFace.clockSamples >= 8", timeout=5_000)  # the burst at connect
        offset, rtt = await page.evaluate("() => [companionFace.offsetMs, companionFace.rttMs]")
        # NTP's bound: the server stamped its clock between send and receive, so the error is at most rtt / 2
        # (plus a little for the page clock's own rounding).
        error_bound_ms = rtt / 2 + 1
        assert abs(offset - SKEW_MS) <= error_bound_ms, (offset, rtt)

        start = server_ms() + 300
        for seq in range(5):
            driver.on_audio(tone(11, seq, start + seq * 100))
        entries = await wait_scheduled(page, 5, 11)
        assert [e["state"] for e in entries] == ["scheduled"] * 5
        for entry in entries:
            expected = await expected_context_time(page, entry["ptsMs"])
            assert abs(entry["at"] - expected) * 1000 <= error_bound_ms + 1, (entry, expected, rtt)
            assert entry["when"] == entry["at"] and entry["trim"] == 0
        # Contiguous chunks are joined sample-exactly, whatever the clock estimate did in between.
        gaps = np.diff([e["at"] for e in entries])
        np.testing.assert_allclose(gaps, 0.1, atol=1e-6)

        # And it is really heard: the level at the output rises once the first chunk's time comes.
        await page.wait_for_function("() => companionFace.audio.level() > 0.05", timeout=5_000)
        assert await page.evaluate("() => companionFace.audio.speaking()") == 11
    finally:
        await page.close()


@pytest.mark.integration
async def test_late_chunks_are_trimmed_or_skipped(browser: BrowserContext, skewed_driver: SimDriver) -> None:
    driver = skewed_driver
    page = await open_page(browser, driver)
    try:
        driver.on_audio(tone(21, 0, server_ms() - 150, seconds=1.0))  # partly late: its tail still plays
        driver.on_audio(tone(22, 0, server_ms() - 2000, seconds=0.1))  # wholly in the past
        [trimmed] = await wait_scheduled(page, 1, 21)
        [skipped] = await wait_scheduled(page, 1, 22)
        assert trimmed["state"] == "trimmed"
        assert 0.147 <= trimmed["trim"] < 1.0
        assert skipped["state"] == "skipped"
    finally:
        await page.close()


@pytest.mark.integration
async def test_flush_silences_the_utterance_at_once(browser: BrowserContext, skewed_driver: SimDriver) -> None:
    driver = skewed_driver
    page = await open_page(browser, driver)
    try:
        start = server_ms() + 300
        for seq in range(20):  # 2 s of voice
            driver.on_audio(tone(31, seq, start + seq * 100))
        await wait_scheduled(page, 20, 31)
        await page.wait_for_function("() => companionFace.audio.level() > 0.05", timeout=5_000)

        driver.on_flush(31)
        await page.wait_for_function("() => companionFace.audio.level() < 0.001", timeout=2_000)
        entries = await wait_scheduled(page, 20, 31)
        stopped = [e for e in entries if e["state"] == "stopped"]
        now = await page.evaluate("() => companionFace.audio.currentTime")
        assert any(e["at"] > now for e in stopped)  # chunks that would still be playing without the flush
        await page.wait_for_function(
            "() => companionFace.scheduled.filter(e => e.utt === 31).every(e => e.ended)", timeout=2_000
        )
        assert await page.evaluate("() => companionFace.audio.speaking()") == 0

        # The next utterance plays normally.
        driver.on_audio(tone(32, 0, server_ms() + 200))
        [entry] = await wait_scheduled(page, 1, 32)
        assert entry["state"] == "scheduled"
    finally:
        await page.close()


@pytest.mark.integration
async def test_screenshot_of_a_smiling_speaking_face(page: Page, driver: SimDriver, tmp_path: Path) -> None:
    """A smiling, speaking face with sound on (the README's picture comes from the end-to-end simulator test)."""
    for seq in range(20):  # a voice is playing, so the status line shows the utterance and sound on
        driver.on_audio(tone(3, seq, now_ms() + 200 + seq * 100))
    speaking = {
        "mouthSmileLeft": 0.75,
        "mouthSmileRight": 0.7,
        "cheekSquintLeft": 0.45,
        "cheekSquintRight": 0.45,
        "jawOpen": 0.32,
        "mouthLowerDownLeft": 0.2,
        "mouthLowerDownRight": 0.2,
        "browInnerUp": 0.25,
        "headRoll": 5.0,
        "headYaw": -6.0,
        "eyeYaw": 4.0,
    }
    await page.wait_for_function("() => companionFace.audio.speaking() === 3", timeout=5_000)
    for _ in range(110):  # a second of ticks at the controller's rate, so the status line shows live rates
        tick(driver, speaking, utterance_id=3)
        await asyncio.sleep(0.01)
    await page.wait_for_function("() => document.getElementById('status').textContent.includes('utterance 3')")
    image = await show(page, driver, speaking, utterance_id=3)
    region = await box(page, "#mouth", pad=4)
    assert count(image, region, dark) > 50  # it speaks with its mouth open
    status = await page.text_content("#status")
    assert status is not None and "sound on" in status
    cv2.imwrite(str(tmp_path / "simulator.png"), image)  # kept with the test's files for a look after a failure
    driver.on_flush(3)
