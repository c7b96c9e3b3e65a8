"""The ``sim`` face driver: a local web page that draws the face live and plays the robot's voice in sync.

A robot builder can watch (and hear) exactly what the face-controller commands without any hardware. The driver
runs an aiohttp server that serves the page (``companion.face.web``'s static files) and one WebSocket per open
browser tab. The controller calls ``write`` at its output rate on its event loop, so ``write`` only stores the
newest frame and wakes each client's sender task; a slow browser simply gets fewer, newer frames (at most
``MAX_FRAMES_PER_S``), and nothing ever waits on a browser.

WebSocket messages (docs/SIMULATOR.md has the full description):

* server -> page, text JSON: ``hello`` (the channel layout), ``pong`` (clock sync), ``flush`` (barge-in),
  ``agent`` (the agent came or went: the status line says "no agent" rather than "idle").
* server -> page, binary: a frame (``FRAME_MESSAGE`` header, then float32 channel values in layout order) or a
  voice chunk (``AUDIO_MESSAGE`` header, then int16 mono PCM).
* page -> server, text JSON: ``{"t": "ping", "c": <page clock, ms>}``; the server answers with its wall clock so
  the page can estimate the offset between the clocks and play each chunk at its pts on the server's clock.

Who may watch and listen: a WebSocket is not bound by the browser's same-origin rule, so any web page a visitor
opens could otherwise connect to ``ws://127.0.0.1:8765/ws``. The driver refuses a socket whose ``Origin`` is not
the page's own (or in ``allowed_origins``), and whose ``Host`` is a domain name it does not know (DNS rebinding).
Bound beyond loopback it warns and prints the address others reach it at; an access ``token`` (or
``$COMPANION_SIM_TOKEN``) then keeps out non-browser clients too.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import ipaddress
import json
import logging
import os
import socket
import struct
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from aiohttp import WSMsgType, web
from pydantic import BaseModel, ConfigDict, Field

from companion.core.decoding import get_float, json_object, total_decoder
from companion.core.drops import DropCounter
from companion.core.errors import CompanionError
from companion.core.registry import BuildContext
from companion.face.drivers.base import BaseDriver, OutputTick
from companion.face.protocol import PROTOCOL_VERSION, AudioPacket, ChannelLayout, ProtocolError

if TYPE_CHECKING:
    from companion.face.controller.rig import Rig

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent.parent / "web" / "static"

# Little-endian, 24 bytes each, so the payload that follows starts 4-byte aligned for a Float32Array view.
FRAME_MESSAGE = struct.Struct("<B3xIIfd")  # type, utterance id, tick sequence, controller tick rate, t_wall_ms
AUDIO_MESSAGE = struct.Struct("<BBxxIIId")  # type, flags, utterance id, sequence, sample rate, pts_ms
MSG_FRAME = 1
MSG_AUDIO = 2

MAX_FRAMES_PER_S = 60.0  # a display refreshes at about this rate: more frames per second would never be seen
MAX_QUEUED_AUDIO_S = 10.0  # per browser; beyond this the oldest chunks are dropped (they would be late anyway)
CLOSE_TIMEOUT_S = 2.0  # how long close() waits for a tab to answer the close handshake
FLUSHED_REMEMBERED = 64  # flushed utterances whose late-arriving chunks are still dropped
MAX_PAGE_MESSAGE = 1024  # a ping is about 40 bytes


def _epoch_ms() -> float:
    return time.time() * 1000.0


def _origin_host(origin: str) -> str:
    rest = origin.lower().split("://", 1)[-1]
    return rest.rsplit(":", 1)[0].strip("[]/") if not rest.endswith("]") else rest.strip("[]/")


@total_decoder(ProtocolError)
def decode_page_message(text: str) -> float:
    """The page clock of a ``{"t": "ping", "c": <ms>}`` from a browser tab; ``ProtocolError`` for anything else."""
    data = json_object(text, max_bytes=MAX_PAGE_MESSAGE, what="page message")
    if data.get("t") != "ping":
        raise ProtocolError("not a ping")
    return get_float(data, "c")


@dataclass
class SimStats:
    """Counters for the status line, logs and tests."""

    ticks: int = 0  # write() calls
    frames_sent: int = 0  # frame messages sent, summed over browsers
    frames_coalesced: int = 0  # ticks a browser never saw because a newer one replaced it
    audio_chunks: int = 0  # on_audio() calls
    audio_dropped: int = 0  # chunks not sent: flushed utterance or a browser too far behind
    bad_messages: int = 0  # malformed messages from a page


@dataclass
class _Queued:
    """A message waiting for one browser. A pong is stamped with the server clock when sent, not when queued."""

    text: str | None = None
    data: bytes | None = None
    pong_of: float | None = None  # the page's ping time this pong answers
    utterance_id: int = 0  # audio: lets a flush remove the utterance's chunks still waiting
    seconds: float = 0.0  # audio duration


class _Client:
    """One connected browser tab. A single sender task per tab keeps its messages in order."""

    def __init__(self, ws: web.WebSocketResponse, seq: int) -> None:
        self.ws = ws
        self.pending: deque[_Queued] = deque()
        self.wake = asyncio.Event()
        self.sent_seq: int | None = None  # None until the first frame: then the newest one goes out at once
        self.counted_seq = seq  # ticks after this one that the tab never gets count as coalesced
        self.next_frame_at = 0.0
        self.queued_audio_s = 0.0
        self._timer: asyncio.TimerHandle | None = None

    def queue(self, item: _Queued, *, first: bool = False) -> None:
        if first:
            self.pending.appendleft(item)
        else:
            self.pending.append(item)
        self.queued_audio_s += item.seconds
        self.wake.set()

    def take(self) -> _Queued:
        item = self.pending.popleft()
        self.queued_audio_s -= item.seconds
        return item

    def drop_oldest_audio(self) -> bool:
        for item in self.pending:
            if item.data is not None and item.seconds > 0:
                self.pending.remove(item)
                self.queued_audio_s -= item.seconds
                return True
        return False

    def drop_utterance(self, utterance_id: int) -> int:
        kept = deque(i for i in self.pending if not (i.seconds > 0 and i.utterance_id == utterance_id))
        dropped = len(self.pending) - len(kept)
        self.pending = kept
        self.queued_audio_s = sum(i.seconds for i in kept)
        return dropped

    def wake_after(self, delay: float) -> None:
        if self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(delay, self._on_timer)

    def _on_timer(self) -> None:
        self._timer = None
        self.wake.set()

    def stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None


class _TickRate:
    """The controller's tick rate over the last second or so, shown on the page next to its own frames/s."""

    def __init__(self) -> None:
        self.rate = 0.0
        self._since: float | None = None
        self._count = 0

    def tick(self, now: float) -> None:
        if self._since is None:
            self._since = now
            return
        self._count += 1
        elapsed = now - self._since
        if elapsed >= 1.0:
            self.rate = self._count / elapsed
            self._since, self._count = now, 0


TOKEN_ENV = "COMPANION_SIM_TOKEN"
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1", "")


class SimOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    host: str = Field("127.0.0.1", description="0.0.0.0 serves the whole network (a warning says so)")
    port: int = Field(8765, ge=0, le=65535, description="0 picks a free port")
    allowed_origins: list[str] = Field(
        default_factory=list,
        description="other origins (scheme://host:port) whose pages may open the WebSocket; '*' allows any",
    )
    token: str | None = Field(
        None, min_length=8, description=f"the page and its WebSocket need ?token=TOKEN (default: ${TOKEN_ENV})"
    )


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def network_address() -> str:
    """This computer's address on its network (the one its default route leaves from), for a URL others can open."""
    with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.connect(("192.0.2.1", 9))  # TEST-NET-1: no packet is sent, the kernel only picks a route
        return str(probe.getsockname()[0])
    with contextlib.suppress(OSError):
        return socket.gethostbyname(socket.gethostname())
    return socket.gethostname()


class SimDriver(BaseDriver):
    """Serves the face simulator page; ``url`` is set once ``open`` has started the server."""

    name = "sim"
    wants_audio = True
    # The voice and the frames go on to a browser: a websocket hop and the page's audio scheduling, which on a busy
    # machine took more than the sample rig's 40 ms + the agent's 30 ms margin (a late first chunk is trimmed).
    # Reported with the rig's latency in the controller's status, so the agent's lookahead covers it.
    transport_latency_ms = 60.0
    Options = SimOptions

    @classmethod
    def from_config(cls, options: SimOptions, context: BuildContext) -> SimDriver:
        return cls(options)

    def __init__(self, config: SimOptions, *, wall_ms: Callable[[], float] = _epoch_ms) -> None:
        # wall_ms is the clock that pts are on (epoch ms); tests pass a skewed one to check the page's clock sync.
        self.config = config
        self.url = ""
        self.stats = SimStats()
        self._wall_ms = wall_ms
        self._clients: set[_Client] = set()
        self._runner: web.AppRunner | None = None
        self._frame: bytes | None = None
        self._frame_seq = 0
        self._tick_rate = _TickRate()
        self._flushed: deque[int] = deque(maxlen=FLUSHED_REMEMBERED)
        self._channel_count: int | None = None
        self._agent: bool | None = None  # None: no agent status seen
        self._drops = DropCounter(log)
        self._token = config.token or os.environ.get(TOKEN_ENV) or None
        self.refused = 0  # WebSocket and page requests refused (wrong origin, host or token)

    @property
    def clients(self) -> int:
        """How many browser tabs are connected."""
        return len(self._clients)

    @property
    def tick_seq(self) -> int:
        """The sequence number of the newest tick; the page reports the one it drew as ``renderedTick``."""
        return self._frame_seq

    async def open(self, rig: Rig, layout: ChannelLayout) -> None:
        await super().open(rig, layout)
        self._channel_count = len(layout.channels)
        app = web.Application()
        app.router.add_get("/", self._serve_index)
        app.router.add_get("/ws", self._serve_socket)
        app.router.add_static("/static/", STATIC_DIR)
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, self.config.host, self.config.port)
        try:
            await site.start()
        except OSError as error:
            await runner.cleanup()
            raise CompanionError(
                f"the face simulator cannot listen on {self.config.host}:{self.config.port}: {error.strerror or error}",
                "set controller.driver.port to a free port, or 0 to pick one",
            ) from None
        self._runner = runner
        port = runner.addresses[0][1]
        bound = self.config.host
        wildcard = bound in ("", "0.0.0.0", "::")
        # A wildcard address is not something a browser can open: show the address others reach it at.
        host = network_address() if wildcard else bound
        if wildcard and is_loopback(host):
            host = "127.0.0.1"  # no network at all: only this computer can reach it anyway
        query = f"?token={self._token}" if self._token else ""
        self.url = (f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/") + query
        if not is_loopback(bound):
            log.warning(
                "the face simulator listens on %s:%d, beyond this computer: %s",
                bound or "*",
                port,
                "only those given the token in the URL can watch and listen"
                if self._token
                else "anyone on the network can watch the face and hear the robot; set controller.driver.token "
                f"(or ${TOKEN_ENV}), or host: 127.0.0.1",
            )
        log.info("face simulator at %s", self.url)

    def write(self, tick: OutputTick) -> None:
        values = np.asarray(tick.channels, dtype="<f4")
        if self._channel_count is not None and values.shape != (self._channel_count,):
            raise ValueError(f"tick has {values.size} channel values, the layout has {self._channel_count}")
        self.stats.ticks += 1
        self._tick_rate.tick(time.monotonic())
        self._frame_seq = (self._frame_seq + 1) & 0xFFFFFFFF
        header = FRAME_MESSAGE.pack(
            MSG_FRAME, tick.utterance_id & 0xFFFFFFFF, self._frame_seq, self._tick_rate.rate, tick.t_wall_ms
        )
        self._frame = header + values.tobytes()
        for client in self._clients:
            client.wake.set()

    def on_audio(self, packet: AudioPacket) -> None:
        self.stats.audio_chunks += 1
        if packet.utterance_id in self._flushed:
            self.stats.audio_dropped += 1
            return
        pcm = np.asarray(packet.samples, dtype="<i2")
        if pcm.size == 0:
            return  # e.g. a bare end-of-utterance marker: nothing to play
        header = AUDIO_MESSAGE.pack(
            MSG_AUDIO,
            packet.flags & 0xFF,
            packet.utterance_id & 0xFFFFFFFF,
            packet.seq & 0xFFFFFFFF,
            packet.sample_rate,
            packet.pts_ms,
        )
        message = header + pcm.tobytes()
        seconds = pcm.size / packet.sample_rate
        for client in self._clients:
            while client.queued_audio_s + seconds > MAX_QUEUED_AUDIO_S and client.drop_oldest_audio():
                self.stats.audio_dropped += 1
            client.queue(_Queued(data=message, utterance_id=packet.utterance_id, seconds=seconds))

    def on_flush(self, utterance_id: int) -> None:
        if utterance_id and utterance_id not in self._flushed:
            self._flushed.append(utterance_id)
        text = json.dumps({"t": "flush", "utt": utterance_id})
        for client in self._clients:
            self.stats.audio_dropped += client.drop_utterance(utterance_id)
            client.queue(_Queued(text=text))

    def on_resume(self, utterance_id: int) -> None:
        """A paused utterance goes on (the interruption was a backchannel): accept its chunks again."""
        if utterance_id in self._flushed:
            self._flushed.remove(utterance_id)
        text = json.dumps({"t": "resume", "utt": utterance_id})
        for client in self._clients:
            client.queue(_Queued(text=text))

    def on_agent(self, online: bool) -> None:
        """The controller saw the agent come or go."""
        self._agent = online
        text = json.dumps({"t": "agent", "online": online})
        for client in self._clients:
            client.queue(_Queued(text=text))

    async def close(self) -> None:
        for client in self._clients:
            client.stop_timer()
        # Together, and each bounded by the socket's close timeout: a frozen tab must not hold up the shutdown.
        await asyncio.gather(
            *(c.ws.close(code=1001, message=b"face simulator stopped") for c in list(self._clients)),
            return_exceptions=True,
        )
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        self.url = ""

    # --- HTTP and WebSocket ------------------------------------------------------------------------------------

    async def _serve_index(self, request: web.Request) -> web.StreamResponse:
        refusal = self._refusal(request, websocket=False)
        if refusal:
            return self._refuse(refusal)
        return web.FileResponse(STATIC_DIR / "index.html", headers={"Cache-Control": "no-cache"})

    def _refusal(self, request: web.Request, *, websocket: bool) -> str:
        """Why ``request`` may not see the face ("" when it may): a foreign host name, origin or a wrong token."""
        host = request.host.rsplit(":", 1)[0] if not request.host.endswith("]") else request.host
        if not self._known_host(host.strip("[]")):
            return f"unknown host name {host[:60]!r}"
        origin = request.headers.get("Origin")
        # Browsers always send Origin with a WebSocket; a client without one is no browser page (the token is
        # what keeps those out).
        if websocket and origin is not None and not self._origin_allowed(origin, request):
            return f"origin {origin[:80]!r} is not allowed"
        if self._token is not None:
            given = request.query.get("token", "")
            if not hmac.compare_digest(given.encode(), self._token.encode()):
                return "missing or wrong token"
        return ""

    def _refuse(self, reason: str) -> web.Response:
        self.refused += 1
        self._drops.drop("simulator request", reason)
        return web.Response(status=403, text=f"companion face simulator: refused ({reason})\n")

    def _known_host(self, host: str) -> bool:
        if is_loopback(host) or host in (self.config.host, socket.gethostname(), f"{socket.gethostname()}.local"):
            return True
        try:
            ipaddress.ip_address(host)
            return True  # an address literal cannot be rebound by DNS
        except ValueError:
            pass
        return any(_origin_host(o) == host.lower() for o in self.config.allowed_origins)

    def _origin_allowed(self, origin: str, request: web.Request) -> bool:
        if "*" in self.config.allowed_origins:
            return True
        own = f"{request.scheme}://{request.host}".lower()
        return origin.lower() == own or origin.lower() in (o.lower().rstrip("/") for o in self.config.allowed_origins)

    async def _serve_socket(self, request: web.Request) -> web.StreamResponse:
        refusal = self._refusal(request, websocket=True)
        if refusal:
            return self._refuse(refusal)
        # No compression: frames are small and 60 deflates a second per tab would cost a 2-core robot real CPU.
        ws = web.WebSocketResponse(
            timeout=CLOSE_TIMEOUT_S, compress=False, max_msg_size=MAX_PAGE_MESSAGE, heartbeat=10.0
        )
        await ws.prepare(request)
        client = _Client(ws, self._frame_seq)
        client.queue(_Queued(text=self._hello()))
        self._clients.add(client)
        sender = asyncio.create_task(self._send_loop(client))
        try:
            async for message in ws:
                if message.type == WSMsgType.TEXT:
                    self._on_page_message(client, message.data)
                else:
                    self.stats.bad_messages += 1
        finally:
            self._clients.discard(client)
            client.stop_timer()
            sender.cancel()
            await asyncio.wait([sender])
        return ws

    def _hello(self) -> str:
        layout = self.layout
        return json.dumps(
            {
                "t": "hello",
                "v": PROTOCOL_VERSION,
                "layout_id": layout.layout_id,
                "channels": [
                    {"name": c.name, "min": c.minimum, "max": c.maximum, "neutral": c.neutral, "unit": c.unit}
                    for c in layout.channels
                ],
                "max_frames_per_s": MAX_FRAMES_PER_S,
                # The controller commands each frame this much before its pts for the motors' sake; the page
                # draws it that much later, so the drawn face and the voice stay in step.
                "latency_ms": self.rig.latency_ms,
                "agent": bool(self._agent),
            }
        )

    def _on_page_message(self, client: _Client, text: str) -> None:
        try:
            page_ms = decode_page_message(text)
        except ProtocolError as error:
            self.stats.bad_messages += 1
            self._drops.drop("simulator page message", error)
            return
        # Ahead of queued audio: a pong that waits in the queue only makes its round trip (and error) larger.
        client.queue(_Queued(pong_of=page_ms), first=True)

    async def _send_loop(self, client: _Client) -> None:
        loop = asyncio.get_running_loop()
        interval = 1.0 / MAX_FRAMES_PER_S
        try:
            while not client.ws.closed:
                await client.wake.wait()
                client.wake.clear()
                while client.pending:
                    item = client.take()
                    if item.pong_of is not None:
                        await client.ws.send_str(json.dumps({"t": "pong", "c": item.pong_of, "s": self._wall_ms()}))
                    elif item.text is not None:
                        await client.ws.send_str(item.text)
                    elif item.data is not None:
                        await client.ws.send_bytes(item.data)
                frame, seq = self._frame, self._frame_seq
                if frame is None or seq == client.sent_seq:
                    continue
                now = loop.time()
                if now < client.next_frame_at:
                    client.wake_after(client.next_frame_at - now)
                    continue
                await client.ws.send_bytes(frame)
                self.stats.frames_sent += 1
                self.stats.frames_coalesced += max(0, ((seq - client.counted_seq) & 0xFFFFFFFF) - 1)
                client.sent_seq = client.counted_seq = seq
                # Keep a steady cadence when ticks arrive a little after each slot; restart it after a pause.
                late = now - client.next_frame_at
                client.next_frame_at = client.next_frame_at + interval if late < interval else now + interval
        except ConnectionError:
            pass  # the tab went away; the socket handler cleans up
