"""The language-model interface and the base class that runs a blocking backend in a worker thread.

A backend streams text for a list of chat messages. The consumer may stop at any time (a barge-in cancels the
task that iterates): the base class then tells the worker to stop at the next token, so the CPU is free for the
next turn at once. A new blocking backend implements one method, ``_generate``.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

from companion.core.registry import BackendKind, Configurable
from companion.core.worker import CancelToken, ThreadedModel

LLM_BACKENDS = BackendKind("companion.llm", "language-model backend")


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


class ThreadedLanguageModel(ThreadedModel, Configurable):
    """Runs ``_generate`` in the model's own worker thread and streams its pieces into the event loop."""

    name = "threaded"

    def __init__(self) -> None:
        # One worker: a model generates one reply at a time, and a thread budget is the model's own setting.
        super().__init__(f"llm-{self.name}")

    def _generate(
        self,
        messages: Sequence[ChatMessage],
        max_new_tokens: int | None,
        emit: Callable[[str], None],
        cancel: CancelToken,
    ) -> None:
        """Generate a reply, calling ``emit`` with each new piece of text; return early once ``cancel`` is set."""
        raise NotImplementedError

    async def warm_up(self) -> None:
        await self.worker.run(self.ensure_loaded)
        async for _ in self.stream([ChatMessage("user", "Hello")], max_new_tokens=4):
            pass

    async def stream(self, messages: Sequence[ChatMessage], max_new_tokens: int | None = None) -> AsyncIterator[str]:
        def work(emit: Callable[[str], None], cancel: CancelToken) -> None:
            self.ensure_loaded()
            self._generate(messages, max_new_tokens, emit, cancel)

        try:
            async with contextlib.aclosing(self.worker.push_stream(work)) as pieces:
                async for piece in pieces:
                    yield piece
        except LanguageModelError:
            raise
        except Exception as error:
            raise LanguageModelError(f"{self.name} failed: {error}") from error
