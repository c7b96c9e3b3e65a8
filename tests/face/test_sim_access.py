"""Who may watch and listen to the face simulator: Origin and Host checks, the access token, the bind warning."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import aiohttp
import pytest
import pytest_asyncio

from companion.face.controller.rig import Rig
from companion.face.drivers.sim import SimDriver, SimOptions
from companion.face.protocol import DEFAULT_LAYOUT

RIG = Rig("test-face", 0.0, ())


@pytest_asyncio.fixture
async def opened(request: pytest.FixtureRequest) -> AsyncIterator[SimDriver]:
    options = getattr(request, "param", {})
    sim = SimDriver(SimOptions(port=0, **options))
    await sim.open(RIG, DEFAULT_LAYOUT)
    yield sim
    await sim.close()


def ws_url(driver: SimDriver) -> str:
    parts = urlsplit(driver.url)
    return f"ws://{parts.netloc}/ws" + (f"?{parts.query}" if parts.query else "")


async def connect(driver: SimDriver, **headers: str) -> int:
    """The HTTP status of a WebSocket handshake with these headers (101 means accepted)."""
    async with aiohttp.ClientSession() as session:
        try:
            async with session.ws_connect(ws_url(driver), headers=headers) as ws:
                first = await ws.receive_json(timeout=5)
                assert first["t"] == "hello"
                return 101
        except aiohttp.WSServerHandshakeError as error:
            return error.status


async def test_a_page_of_another_origin_cannot_open_the_socket(opened: SimDriver) -> None:
    """A web page the visitor opened elsewhere must not watch the face or hear the robot."""
    own = f"http://{urlsplit(opened.url).netloc}"
    assert await connect(opened, Origin="https://evil.example") == 403
    assert await connect(opened, Origin="http://127.0.0.1:1") == 403  # another port is another origin
    assert await connect(opened, Origin="null") == 403  # a sandboxed or file:// page
    assert opened.refused == 3 and opened.clients == 0
    assert await connect(opened, Origin=own) == 101  # the simulator's own page
    assert await connect(opened) == 101  # no Origin: not a browser page


async def test_a_rebound_host_name_is_refused(opened: SimDriver) -> None:
    """DNS rebinding: evil.example resolving to 127.0.0.1 makes its page same-origin; the Host name gives it away."""
    port = urlsplit(opened.url).port
    assert await connect(opened, Host=f"evil.example:{port}", Origin=f"http://evil.example:{port}") == 403
    assert await connect(opened, Host=f"localhost:{port}", Origin=f"http://localhost:{port}") == 101


@pytest.mark.parametrize("opened", [{"allowed_origins": ["https://dashboard.museum.example"]}], indirect=True)
async def test_configured_origins_are_allowed(opened: SimDriver) -> None:
    assert await connect(opened, Origin="https://dashboard.museum.example") == 101
    assert await connect(opened, Origin="https://evil.example") == 403


@pytest.mark.parametrize("opened", [{"token": "s3cret-token-42"}], indirect=True)
async def test_the_token_is_needed_for_the_page_and_the_socket(opened: SimDriver) -> None:
    assert opened.url.endswith("?token=s3cret-token-42")
    assert await connect(opened) == 101
    bare = opened.url.split("?")[0]
    async with aiohttp.ClientSession() as session:
        async with session.get(bare) as response:
            assert response.status == 403
        async with session.get(bare + "?token=wrong-token-000") as response:
            assert response.status == 403
        async with session.get(opened.url) as response:
            assert response.status == 200
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            async with session.ws_connect(bare.replace("http", "ws") + "ws"):
                pass
        assert refused.value.status == 403


async def test_the_token_can_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMPANION_SIM_TOKEN", "from-the-environment")
    sim = SimDriver(SimOptions(port=0))
    await sim.open(RIG, DEFAULT_LAYOUT)
    try:
        assert sim.url.endswith("?token=from-the-environment")
        assert await connect(sim) == 101
    finally:
        await sim.close()


async def test_bound_beyond_loopback_it_warns_and_shows_a_reachable_address(caplog: pytest.LogCaptureFixture) -> None:
    sim = SimDriver(SimOptions(host="0.0.0.0", port=0))
    with caplog.at_level(logging.WARNING, logger="companion.face.drivers.sim"):
        await sim.open(RIG, DEFAULT_LAYOUT)
    try:
        warning = " ".join(r.getMessage() for r in caplog.records)
        assert "beyond this computer" in warning and "anyone on the network" in warning
        host = urlsplit(sim.url).hostname
        assert host not in ("0.0.0.0", None)
        assert await connect(sim) == 101  # and the shown address really reaches it
    finally:
        await sim.close()


async def test_on_loopback_there_is_no_warning(caplog: pytest.LogCaptureFixture) -> None:
    sim = SimDriver(SimOptions(port=0))
    with caplog.at_level(logging.WARNING, logger="companion.face.drivers.sim"):
        await sim.open(RIG, DEFAULT_LAYOUT)
    await sim.close()
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
