"""A local server that speaks the OpenAI streaming chat-completions wire format, and misbehaves on request.

The OpenAI-compatible LLM backend is tested against it in-process on a free loopback port: it streams a reply as
Server-Sent Events the way vLLM and llama.cpp do, and can be told to stall, fail with an HTTP error, send malformed
lines, cut the connection, or split its writes so events and UTF-8 characters straddle the client's reads. It
records every request and whether the client hung up before the reply was complete.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

# Between the pieces of a split write: long enough that the client's read sees each piece on its own.
_SPLIT_PAUSE_S = 0.002


@dataclass
class Behaviour:
    """What the server does for each chat-completion request (change ``server.behaviour`` between requests)."""

    reply: Sequence[str] = ("Hello", ", world", "!")  # one content delta per event
    chunk_delay_s: float = 0.0  # pause before each content delta
    headers_delay_s: float = 0.0  # pause before the response headers go out
    first_token_delay_s: float = 0.0  # pause after the headers and the role chunk, before the first delta
    stall_after: int | None = None  # after this many deltas, pause for ``stall_s``
    stall_s: float = 0.0
    status: int = 200  # >= 400: answer with ``error_body`` as JSON instead of streaming
    error_body: Any = None
    raw_lines: Sequence[str] = ()  # sent as they are, each followed by a blank line, before the first delta
    # After this many deltas (and one more chunk_delay_s), drop the connection: no [DONE], no end of body. aiohttp
    # drops bytes that arrive together with the cut, so give the deltas a delay if the client should see them.
    close_after: int | None = None
    line_ending: str = "\n"
    split_writes: bool = False  # cut each event inside multi-byte characters, after each \r and in its middle
    role_chunk: bool = True  # vLLM and llama.cpp first send a delta with only the role
    keep_alive_comment: bool = True  # an SSE comment line before the deltas, as some proxies add
    finish_reason: str | None = "stop"
    usage_chunk: bool = True  # a final chunk with "choices": [] (stream_options.include_usage)
    done: bool = True  # end with "data: [DONE]"
    # Tool calls after the text: (name, arguments JSON text); each call's arguments go out in three pieces, as vLLM
    # streams them, and the finish_reason becomes "tool_calls".
    tool_calls: Sequence[tuple[str, str]] = ()


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: Any  # the parsed JSON body, or the raw text when it is not JSON
    deltas_sent: int = 0
    completed: bool = False  # the whole reply went out
    disconnected: bool = False  # the client hung up before the reply was complete
    closed_by_server: bool = False


@dataclass
class FakeOpenAIServer:
    """An aiohttp app on 127.0.0.1; ``base_url`` ends in /v1 like a real server's."""

    models: Sequence[str] = ("test-model",)
    behaviour: Behaviour = field(default_factory=Behaviour)
    requests: list[RecordedRequest] = field(default_factory=list)
    script: list[Behaviour] = field(default_factory=list)  # one behaviour per chat request, then ``behaviour``

    def __post_init__(self) -> None:
        self._runner: web.AppRunner | None = None
        self._port = 0
        self._disconnect: asyncio.Event | None = None
        self._chat_seen: asyncio.Event | None = None
        self._stopping = False

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._port}/v1"

    async def start(self) -> str:
        app = web.Application()
        app.router.add_get("/v1/models", self._models)
        app.router.add_post("/v1/chat/completions", self._chat)
        # Handler cancellation turns a client hang-up into a CancelledError at once, even while the handler sleeps:
        # that is how the server observes a disconnect mid-stall.
        self._runner = web.AppRunner(app, handler_cancellation=True, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._port = int(self._runner.addresses[0][1])
        self._disconnect = asyncio.Event()
        self._chat_seen = asyncio.Event()
        return self.base_url

    async def stop(self) -> None:
        self._stopping = True
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def wait_for_chat_request(self, timeout: float = 2.0) -> None:
        """Return once a chat-completion request has arrived."""
        assert self._chat_seen is not None, "start() the server first"
        await asyncio.wait_for(self._chat_seen.wait(), timeout)

    async def wait_for_disconnect(self, timeout: float = 2.0) -> RecordedRequest:
        """The first request whose client hung up mid-reply; AssertionError if none does within ``timeout``."""
        assert self._disconnect is not None, "start() the server first"
        try:
            await asyncio.wait_for(self._disconnect.wait(), timeout)
        except asyncio.TimeoutError:
            raise AssertionError(f"the server saw no client disconnect within {timeout} s") from None
        return next(r for r in self.requests if r.disconnected)

    # --- handlers -------------------------------------------------------------------------------------------------

    async def _models(self, request: web.Request) -> web.Response:
        self.requests.append(RecordedRequest(request.method, request.path, dict(request.headers), None))
        data = [{"id": name, "object": "model", "owned_by": "test"} for name in self.models]
        return web.json_response({"object": "list", "data": data})

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        raw = await request.text()
        try:
            body: Any = json.loads(raw)
        except ValueError:
            body = raw
        record = RecordedRequest(request.method, request.path, dict(request.headers), body)
        self.requests.append(record)
        if self._chat_seen is not None:
            self._chat_seen.set()
        behaviour = self.script.pop(0) if self.script else self.behaviour
        try:
            if behaviour.headers_delay_s:
                await asyncio.sleep(behaviour.headers_delay_s)
            if behaviour.status >= 400:
                record.completed = True
                return web.json_response(behaviour.error_body, status=behaviour.status)
            response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
            await response.prepare(request)
            model = str(body.get("model", "")) if isinstance(body, dict) else ""
            await self._stream(request, response, record, behaviour, model)
            return response
        except asyncio.CancelledError:
            if not record.closed_by_server and not self._stopping:
                record.disconnected = True
                if self._disconnect is not None:
                    self._disconnect.set()
            raise
        except ConnectionResetError:
            # A write can hit the closing transport before the hang-up has cancelled the handler.
            record.disconnected = not record.closed_by_server
            if self._disconnect is not None and record.disconnected:
                self._disconnect.set()
            raise

    async def _stream(
        self,
        request: web.Request,
        response: web.StreamResponse,
        record: RecordedRequest,
        behaviour: Behaviour,
        model: str,
    ) -> None:
        end = behaviour.line_ending

        async def send_line(line: str) -> None:
            await self._write(response, f"{line}{end}{end}".encode(), behaviour.split_writes)

        async def send_chunk(delta: dict[str, Any], finish_reason: str | None = None) -> None:
            choice = {"index": 0, "delta": delta, "finish_reason": finish_reason}
            await send_line("data: " + json.dumps(_chunk(model, [choice]), ensure_ascii=False))

        if behaviour.keep_alive_comment:
            await send_line(": keep-alive")
        if behaviour.role_chunk:
            await send_chunk({"role": "assistant", "content": ""})
        for line in behaviour.raw_lines:
            await send_line(line)
        if behaviour.first_token_delay_s:
            await asyncio.sleep(behaviour.first_token_delay_s)
        for index, piece in enumerate(behaviour.reply):
            if behaviour.stall_after is not None and index == behaviour.stall_after:
                await asyncio.sleep(behaviour.stall_s)
            if behaviour.chunk_delay_s:
                await asyncio.sleep(behaviour.chunk_delay_s)
            if behaviour.close_after is not None and index == behaviour.close_after:
                record.closed_by_server = True
                assert request.transport is not None
                request.transport.close()
                await asyncio.sleep(3600)  # the closed connection cancels this handler
            await send_chunk({"content": piece})
            record.deltas_sent += 1
        for index, (name, arguments) in enumerate(behaviour.tool_calls):
            third = max(1, len(arguments) // 3)
            pieces = [arguments[:third], arguments[third : 2 * third], arguments[2 * third :]]
            first = {"index": index, "id": f"call_{index}", "type": "function", "function": {"name": name}}
            await send_chunk({"tool_calls": [{**first, "function": {"name": name, "arguments": pieces[0]}}]})
            for piece in pieces[1:]:
                await send_chunk({"tool_calls": [{"index": index, "function": {"arguments": piece}}]})
        if behaviour.finish_reason is not None:
            reason = "tool_calls" if behaviour.tool_calls else behaviour.finish_reason
            await send_chunk({}, reason)
        if behaviour.usage_chunk:
            usage = {"prompt_tokens": 5, "completion_tokens": len(behaviour.reply), "total_tokens": 5}
            await send_line("data: " + json.dumps({**_chunk(model, []), "usage": usage}))
        if behaviour.done:
            await send_line("data: [DONE]")
        await response.write_eof()
        record.completed = True

    @staticmethod
    async def _write(response: web.StreamResponse, data: bytes, split: bool) -> None:
        if not split:
            await response.write(data)
            return
        for piece in _split_points(data):
            await response.write(piece)
            await asyncio.sleep(_SPLIT_PAUSE_S)


def _chunk(model: str, choices: list[dict[str, Any]]) -> dict[str, Any]:
    return {"id": "chatcmpl-test", "object": "chat.completion.chunk", "created": 0, "model": model, "choices": choices}


def _split_points(data: bytes) -> list[bytes]:
    """``data`` cut after each multi-byte lead byte, after each \\r, and in the middle: the awkward places."""
    cuts = {len(data) // 2}
    cuts.update(i + 1 for i, byte in enumerate(data) if byte >= 0xC0 or byte == 0x0D)
    edges = sorted(c for c in cuts if 0 < c < len(data))
    pieces = []
    start = 0
    for cut in [*edges, len(data)]:
        pieces.append(data[start:cut])
        start = cut
    return pieces
