"""A language model served elsewhere: any server speaking OpenAI's streaming ``/v1/chat/completions``.

Users who outgrow one machine run the model on vLLM, llama.cpp's server or Ollama and point the agent at it. The
reply streams back as Server-Sent Events; this backend parses them incrementally, enforces three deadlines (connect,
first token, gap between tokens) so a stuck server turns into the persona's fallback line instead of silence, and
closes the HTTP response the moment the consumer stops reading (a barge-in), which makes the server stop generating.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import json
import logging
import os
import re
import sys
from collections.abc import AsyncIterator, Sequence
from typing import Any

import aiohttp
from pydantic import BaseModel, ConfigDict, Field

from companion.agent.llm.base import ChatMessage, LanguageModelError
from companion.agent.llm.tool_calls import ToolCall, ToolCallAssembler, ToolSpec
from companion.core.registry import Configurable

# Deadlines use timeout_at, not asyncio.wait_for: before Python 3.12 wait_for can swallow a cancellation that lands
# as the awaited read completes, and a barge-in must never be lost.
if sys.version_info >= (3, 11):
    from asyncio import timeout_at
else:  # aiohttp itself depends on async-timeout before Python 3.11
    from async_timeout import timeout_at

log = logging.getLogger(__name__)

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_BASE_URL_HINT = "check models.llm.base_url and that the server is running"
# A server such as Ollama loads the model on the first request, which may take far longer than a first token
# normally does; warm_up exists to pay that once, so it waits this long.
WARM_UP_TIMEOUT_S = 120.0
_CALLING = "\x00tool-call"  # _parse_event's mark for an event that carried a piece of a tool call, not text


class SseDecoder:
    """Turns the bytes of an event stream into the ``data`` of each event, however the bytes are split.

    Follows the SSE spec's line rules: ``\\r\\n``, ``\\n`` or a lone ``\\r`` end a line, ``:`` starts a comment, a
    blank line ends an event, several ``data`` lines of one event are joined by ``\\n``. A multi-byte UTF-8
    character cut between two reads is decoded once its last byte arrives.
    """

    def __init__(self) -> None:
        self._utf8 = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._pending = ""
        self._data: list[str] = []

    def feed(self, chunk: bytes) -> list[str]:
        """Return the data of every event completed by ``chunk``."""
        return self._lines(self._pending + self._utf8.decode(chunk), final=False)

    def close(self) -> list[str]:
        """End of stream: return the data of an event the server did not terminate with a blank line."""
        events = self._lines(self._pending + self._utf8.decode(b"", final=True), final=True)
        if self._data:
            events.append("\n".join(self._data))
            self._data = []
        return events

    def _lines(self, text: str, *, final: bool) -> list[str]:
        # A trailing \r may be the first half of \r\n: only the next read can tell, so it waits with the rest.
        held = "\r" if not final and text.endswith("\r") else ""
        parts = _LINE_BREAK.split(text[: len(text) - len(held)])
        self._pending = parts.pop() + held  # the unterminated rest waits for the next read
        events: list[str] = []
        for line in parts:
            if line == "":
                if self._data:
                    events.append("\n".join(self._data))
                    self._data = []
            elif not line.startswith(":"):
                field, _, value = line.partition(":")
                if field == "data":
                    self._data.append(value[1:] if value.startswith(" ") else value)
        return events


class OpenAIOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    base_url: str = Field("http://127.0.0.1:8000/v1", description="an OpenAI-compatible server (vLLM, llama.cpp)")
    model: str = "default"
    api_key_env: str = Field("OPENAI_API_KEY", description="the environment variable that holds the key")
    connect_timeout_s: float = Field(2.0, gt=0)
    first_token_timeout_s: float = Field(4.0, gt=0)
    idle_timeout_s: float = Field(4.0, gt=0)
    temperature: float = Field(0.7, ge=0.0, le=2.0)
    top_p: float = Field(0.9, gt=0.0, le=1.0)


class OpenAICompatibleLLM(Configurable):
    """Streams replies from an OpenAI-compatible chat-completions server (vLLM, llama.cpp server, Ollama)."""

    name = "openai"
    Options = OpenAIOptions

    @classmethod
    def from_config(cls, options: OpenAIOptions, context: object) -> OpenAICompatibleLLM:
        return cls(options)

    def __init__(self, options: OpenAIOptions, max_new_tokens: int = 96) -> None:
        self._openai = options
        self._max_new_tokens = max_new_tokens
        self.base_url = self._openai.base_url.rstrip("/")
        self.model = self._openai.model
        key = os.environ.get(self._openai.api_key_env, "") if self._openai.api_key_env else ""
        self._api_key = key.strip() or None  # kept private: never logged, never in a repr or error message
        self._session: aiohttp.ClientSession | None = None
        self._session_loop: asyncio.AbstractEventLoop | None = None
        self.malformed_events = 0  # over the model's lifetime; the agent reports it as a metric
        self.last_finish_reason: str | None = None

    # --- the LanguageModel protocol -----------------------------------------------------------------------------

    async def stream(self, messages: Sequence[ChatMessage], max_new_tokens: int | None = None) -> AsyncIterator[str]:
        """Yield the reply's text deltas; raise ``LanguageModelError`` on an HTTP error, a timeout or a cut stream."""
        # aclosing: when the consumer stops, the inner generator's cleanup (closing the response) runs right now,
        # not whenever the garbage collector finalises it.
        pieces = self._stream(messages, max_new_tokens, self._openai.first_token_timeout_s)
        async with contextlib.aclosing(pieces):
            async for piece in pieces:
                if isinstance(piece, str):
                    yield piece

    async def stream_tools(
        self, messages: Sequence[ChatMessage], tools: Sequence[ToolSpec], max_new_tokens: int | None = None
    ) -> AsyncIterator[str | ToolCall]:
        """Like ``stream``, offering ``tools`` (the request's ``tools``): the calls the model makes come after its
        text, once the stream ends."""
        pieces = self._stream(messages, max_new_tokens, self._openai.first_token_timeout_s, tools)
        async with contextlib.aclosing(pieces):
            async for piece in pieces:
                yield piece

    async def warm_up(self) -> None:
        """Check the server answers and make it load the model, so the first real turn is not slow.

        The check (``GET /models``, which no server needs a model loaded for) must answer within twice the connect
        timeout: a server that is down or accepts connections but never answers fails here within seconds with one
        ``LanguageModelError``. Only a server that answers gets the long warm-up request (model loading)."""
        url = f"{self.base_url}/models"
        probe_s = 2 * self._openai.connect_timeout_s
        try:
            session = self._get_session()
            async with session.get(url, headers=self._headers(), timeout=self._timeout(probe_s)) as response:
                if response.status >= 400:
                    detail = _error_detail(await response.read())
                    raise LanguageModelError(
                        f"the LLM server at {url} answered HTTP {response.status}{detail}; {_BASE_URL_HINT}"
                    )
                listed = _model_ids(await response.read())
        except LanguageModelError:
            raise
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as error:
            silent = isinstance(error, asyncio.TimeoutError | aiohttp.ServerTimeoutError)
            what = f"no answer within {probe_s:g} s" if silent else _describe(error)
            raise LanguageModelError(f"cannot reach the LLM server at {url} ({what}); {_BASE_URL_HINT}") from None
        if listed and self.model not in listed:
            # llama.cpp serves whatever it loaded under any name, vLLM and Ollama refuse unknown names: warn only.
            log.warning("model %r is not among those %s lists: %s", self.model, url, ", ".join(sorted(listed)))
        async for _ in self._stream([ChatMessage("user", "Hello")], 1, WARM_UP_TIMEOUT_S):
            pass

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    # --- the request ----------------------------------------------------------------------------------------------

    async def _stream(
        self,
        messages: Sequence[ChatMessage],
        max_new_tokens: int | None,
        first_token_timeout_s: float,
        tools: Sequence[ToolSpec] = (),
    ) -> AsyncIterator[str | ToolCall]:
        url = f"{self.base_url}/chat/completions"
        body = self._request_body(messages, max_new_tokens, tools)
        calls = ToolCallAssembler()
        loop = asyncio.get_running_loop()
        # The first-token deadline covers everything up to the first piece of text: connecting, the server's
        # queue, prefill. After that each new piece must follow the previous one within the idle timeout.
        deadline = loop.time() + first_token_timeout_s
        response = await self._post(url, body, deadline, first_token_timeout_s)
        finished = False
        try:
            if response.status >= 400:
                detail = _error_detail(await self._read_rest(response, deadline))
                hint = self._status_hint(response.status)
                raise LanguageModelError(f"the LLM server at {url} answered HTTP {response.status}{detail}{hint}")
            decoder = SseDecoder()
            got_text = False
            valid = malformed = 0
            self.last_finish_reason = None
            done = False
            while not done:
                chunk = await self._read(response, deadline, got_text, first_token_timeout_s)
                events = decoder.feed(chunk) if chunk else decoder.close()
                for data in events:
                    if data.strip() == "[DONE]":
                        done = True
                        break
                    piece = self._parse_event(data, calls)
                    if piece is None:
                        malformed += 1
                        self.malformed_events += 1
                        continue
                    valid += 1
                    if piece is _CALLING:
                        got_text = True  # a tool call is the model's answer as much as text is
                        deadline = loop.time() + self._openai.idle_timeout_s
                    elif piece:
                        got_text = True
                        deadline = loop.time() + self._openai.idle_timeout_s
                        yield piece
                if not chunk and not done:
                    if self.last_finish_reason is None:
                        raise LanguageModelError(
                            f"the LLM server at {url} ended the stream without [DONE] or a finish_reason"
                        )
                    break  # a finish_reason is enough: some servers end the body without [DONE]
            if malformed:
                log.warning("skipped %d malformed event(s) from %s", malformed, url)
            if malformed and not valid:
                raise LanguageModelError(f"the LLM server at {url} sent {malformed} malformed event(s) and none valid")
            for call in calls.calls():
                yield call
            finished = True
        finally:
            if finished:
                response.release()  # back to the pool for the next turn (closed instead if the body is unread)
            else:
                # Error, aclose() or cancellation (barge-in): drop the connection now so the server stops generating.
                response.close()

    def _request_body(
        self, messages: Sequence[ChatMessage], max_new_tokens: int | None, tools: Sequence[ToolSpec] = ()
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.model,
            "messages": [m.openai() for m in messages],
            "stream": True,
            "max_tokens": max_new_tokens or self._max_new_tokens,
            "temperature": self._openai.temperature,
            "top_p": self._openai.top_p,
        }
        if tools:
            body["tools"] = [tool.openai() for tool in tools]
        return body

    async def _post(
        self, url: str, body: dict[str, Any], deadline: float, first_token_timeout_s: float
    ) -> aiohttp.ClientResponse:
        session = self._get_session()
        headers = {**self._headers(), "Accept": "text/event-stream"}
        try:
            async with timeout_at(deadline):
                return await session.post(url, json=body, headers=headers)
        except aiohttp.ConnectionTimeoutError as error:
            raise LanguageModelError(
                f"connect timeout: no connection to the LLM server at {url} within {self._openai.connect_timeout_s} s"
            ) from error
        except asyncio.TimeoutError as error:
            raise LanguageModelError(
                f"first-token timeout: the LLM server at {url} did not answer within {first_token_timeout_s} s"
            ) from error
        except (aiohttp.ClientError, OSError) as error:
            raise LanguageModelError(
                f"cannot reach the LLM server at {url} ({_describe(error)}); {_BASE_URL_HINT}"
            ) from error

    async def _read(
        self, response: aiohttp.ClientResponse, deadline: float, got_text: bool, first_token_timeout_s: float
    ) -> bytes:
        """The next bytes of the body (b"" at its end), within the current deadline."""
        try:
            async with timeout_at(deadline):
                return await response.content.readany()
        except asyncio.TimeoutError as error:
            if got_text:
                message = f"idle timeout: no new token from {response.url} for {self._openai.idle_timeout_s} s"
            else:
                message = f"first-token timeout: no token from {response.url} within {first_token_timeout_s} s"
            raise LanguageModelError(message) from error
        except (aiohttp.ClientError, OSError) as error:
            raise LanguageModelError(
                f"the connection to the LLM server at {response.url} broke mid-stream ({_describe(error)})"
            ) from error

    async def _read_rest(self, response: aiohttp.ClientResponse, deadline: float) -> bytes:
        """An error body, read within the deadline; whatever came if it does not finish in time."""
        try:
            async with timeout_at(deadline):
                return await response.content.read()
        except (asyncio.TimeoutError, aiohttp.ClientError, OSError):
            return b""

    def _parse_event(self, data: str, calls: ToolCallAssembler) -> str | None:
        """The text delta of one event ("" for none, ``_CALLING`` for a piece of a tool call, which goes to
        ``calls``), or None when the event is not a chunk we understand."""
        try:
            event = json.loads(data)
        except ValueError:
            return None
        if not isinstance(event, dict):
            return None
        if event.get("error"):
            # vLLM and others report a failure that happens after the headers went out as an event.
            raise LanguageModelError(f"the LLM server failed mid-reply:{_error_detail(data.encode())}")
        choices = event.get("choices", ())
        if choices is None or choices == []:
            return ""  # a usage-only chunk: its list of choices is empty or null
        if not isinstance(choices, list) or not isinstance(choices[0], dict):
            return None
        choice = choices[0]
        if choice.get("finish_reason"):
            self.last_finish_reason = str(choice["finish_reason"])
        delta = choice.get("delta") or {}
        content = delta.get("content") if isinstance(delta, dict) else None
        if isinstance(delta, dict) and delta.get("tool_calls"):
            if calls.feed(delta["tool_calls"]):
                return None
            return content if isinstance(content, str) and content else _CALLING
        return content if isinstance(content, str) else ""

    # --- the session ----------------------------------------------------------------------------------------------

    def _get_session(self) -> aiohttp.ClientSession:
        """One session (and connection pool) per event loop, made on first use inside that loop."""
        loop = asyncio.get_running_loop()
        if self._session is None or self._session.closed or self._session_loop is not loop:
            self._session = aiohttp.ClientSession(timeout=self._timeout(None))
            self._session_loop = loop
        return self._session

    def _timeout(self, total: float | None) -> aiohttp.ClientTimeout:
        # Reads are timed here (first token, idle), not by aiohttp, so the error can say which deadline passed.
        return aiohttp.ClientTimeout(total=total, connect=None, sock_connect=self._openai.connect_timeout_s)

    def _status_hint(self, status: int) -> str:
        if status in (401, 403):
            return f"; check the API key in the environment variable {self._openai.api_key_env}"
        if status == 404:
            return "; check models.llm.base_url (usually ending in /v1) and models.llm.model"
        return ""

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._api_key}"} if self._api_key else {}


def _error_detail(body: bytes) -> str:
    """The server's own error message, in any of the shapes OpenAI, vLLM, llama.cpp and Ollama use."""
    text = body.decode("utf-8", errors="replace").strip()
    if not text:
        return ""
    try:
        parsed = json.loads(text)
    except ValueError:
        return f": {text[:300]}"
    message: object = parsed
    if isinstance(parsed, dict):
        error = parsed.get("error", parsed)
        if isinstance(error, dict):
            message = error.get("message") or error
        else:
            message = error
    return f": {str(message)[:300]}"


def _model_ids(body: bytes) -> set[str]:
    try:
        listing = json.loads(body)
        return {str(entry["id"]) for entry in listing.get("data", []) if isinstance(entry, dict) and "id" in entry}
    except (ValueError, AttributeError, TypeError):
        return set()


def _describe(error: BaseException) -> str:
    if isinstance(error, aiohttp.ConnectionTimeoutError | asyncio.TimeoutError):
        return "timed out"
    return str(error) or type(error).__name__
