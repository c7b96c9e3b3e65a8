"""The language-model interface and the base class that runs a blocking backend in a worker thread.

A backend streams text for a list of chat messages. The consumer may stop at any time (a barge-in cancels the
task that iterates): the base class then tells the worker to stop at the next token, so the CPU is free for the
next turn at once. A new blocking backend implements one method, ``_generate``.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable


@dataclass(frozen=True)
class ChatMessage:
    role: Literal["system", "user", "assistant"]
    content: str


class LanguageModelError(Exception):
    """The model failed or timed out mid-reply. The dialogue policy answers with the persona's fallback line."""


@runtime_checkable
class LanguageModel(Protocol):
    name: str

    def stream(self, messages: Sequence[ChatMessage], max_new_tokens: int | None = None) -> AsyncIterator[str]:
        """Yield the reply's text as it is generated. Raises ``LanguageModelError`` on failure."""
        ...

    async def warm_up(self) -> None:
        """Load weights and run once so the first real turn is not slow."""
        ...

    async def close(self) -> None: ...


_DONE = object()


class ThreadedLanguageModel:
    """Runs ``_generate`` in a dedicated thread and streams its pieces into the event loop."""

    name = "threaded"

    def __init__(self) -> None:
        # One worker: a model generates one reply at a time, and a thread budget is the model's own setting.
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"llm-{self.name}")

    def _generate(
        self,
        messages: Sequence[ChatMessage],
        max_new_tokens: int | None,
        emit: Callable[[str], None],
        cancelled: threading.Event,
    ) -> None:
        """Generate a reply, calling ``emit`` with each new piece of text; return early once ``cancelled``."""
        raise NotImplementedError

    def _load(self) -> None:
        """Load the model (called in the worker thread by ``warm_up``; may be called more than once)."""

    async def warm_up(self) -> None:
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._executor, self._load)
        async for _ in self.stream([ChatMessage("user", "Hello")], max_new_tokens=4):
            pass

    async def stream(self, messages: Sequence[ChatMessage], max_new_tokens: int | None = None) -> AsyncIterator[str]:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[object] = asyncio.Queue()
        cancelled = threading.Event()

        def emit(piece: str) -> None:
            if not cancelled.is_set():
                loop.call_soon_threadsafe(queue.put_nowait, piece)

        def work() -> None:
            try:
                self._load()
                self._generate(messages, max_new_tokens, emit, cancelled)
            except Exception as error:  # handed to the consumer, raised there
                loop.call_soon_threadsafe(queue.put_nowait, error)
            finally:
                loop.call_soon_threadsafe(queue.put_nowait, _DONE)

        future = loop.run_in_executor(self._executor, work)
        try:
            while True:
                item = await queue.get()
                if item is _DONE:
                    break
                if isinstance(item, LanguageModelError):
                    raise item
                if isinstance(item, Exception):
                    raise LanguageModelError(f"{self.name} failed: {item}") from item
                assert isinstance(item, str)
                yield item
        finally:
            cancelled.set()
            if not future.done():
                # Don't wait for the worker here: it stops at its next token, and the next stream() call queues
                # behind it on the single worker.
                future.add_done_callback(lambda f: f.exception())
            else:
                with contextlib.suppress(Exception):
                    future.result()

    async def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
