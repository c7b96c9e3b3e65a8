"""One Wyoming connection: connect with a deadline, events in and out, and errors that say what to check.

A Wyoming server speaks JSON-line events with binary payloads over TCP (``tcp://host:port``). Speech servers are
often on another machine, so every wait has a deadline, and a refused or silent server becomes a
``SpeechServiceError`` that names the URI and the setting, never a hang or a raw socket traceback.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any
from urllib.parse import urlsplit

from companion.core.errors import CompanionError
from companion.core.registry import require


class SpeechServiceError(CompanionError):
    """A speech service did not answer, or answered with an error."""


def parse_uri(uri: str) -> tuple[str, int]:
    parts = urlsplit(uri)
    if parts.scheme != "tcp" or not parts.hostname or parts.port is None:
        raise ValueError(f"expected tcp://HOST:PORT, for example tcp://127.0.0.1:10300; got {uri!r}")
    return parts.hostname, parts.port


class WyomingConnection:
    """``async with WyomingConnection(uri, ...) as connection:`` then ``send`` and ``receive`` events."""

    def __init__(self, uri: str, *, what: str, setting: str, connect_timeout_s: float, read_timeout_s: float) -> None:
        self.uri = uri
        self.what = what  # "speech-to-text", for messages
        self.setting = setting  # "models.stt.uri", for messages
        self.connect_timeout_s = connect_timeout_s
        self.read_timeout_s = read_timeout_s
        self._client: Any = None

    async def __aenter__(self) -> WyomingConnection:
        client_module = require("wyoming.client", extra="speech", what=f"the Wyoming {self.what} backend")
        host, port = parse_uri(self.uri)
        self._client = client_module.AsyncTcpClient(host, port)
        try:
            await asyncio.wait_for(self._client.connect(), self.connect_timeout_s)
        except (OSError, asyncio.TimeoutError) as error:
            raise SpeechServiceError(
                f"the Wyoming {self.what} server at {self.uri} does not answer ({_describe(error)})",
                f"start it, or fix {self.setting}",
            ) from None
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        # Servers close their side after a transcript: closing ours may find the pipe already broken.
        with contextlib.suppress(OSError, asyncio.TimeoutError):
            await asyncio.wait_for(self._client.disconnect(), 1.0)

    async def send(self, message: Any) -> None:
        """Write one wyoming message object (``Transcribe(...)``, ``AudioChunk(...)``, ...)."""
        try:
            await self._client.write_event(message.event())
        except OSError as error:
            raise SpeechServiceError(f"the Wyoming {self.what} server at {self.uri} hung up ({error})") from None

    async def receive(self) -> Any:
        """The next event; raises ``SpeechServiceError`` on a server error, a timeout or a closed connection."""
        from wyoming.error import Error

        try:
            event = await asyncio.wait_for(self._client.read_event(), self.read_timeout_s)
        except asyncio.TimeoutError:
            raise SpeechServiceError(
                f"the Wyoming {self.what} server at {self.uri} sent nothing for {self.read_timeout_s:g} s",
                f"check the server, or raise {self.setting.rsplit('.', 1)[0]}.read_timeout_s",
            ) from None
        except OSError as error:
            raise SpeechServiceError(f"the Wyoming {self.what} server at {self.uri} hung up ({error})") from None
        if event is None:
            raise SpeechServiceError(f"the Wyoming {self.what} server at {self.uri} closed the connection")
        if Error.is_type(event.type):
            error = Error.from_event(event)
            raise SpeechServiceError(f"the Wyoming {self.what} server at {self.uri} refused: {error.text}")
        return event


def _describe(error: BaseException) -> str:
    if isinstance(error, asyncio.TimeoutError):
        return "no answer in time"
    return getattr(error, "strerror", None) or str(error) or type(error).__name__
