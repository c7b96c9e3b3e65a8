"""The language-model interface and the base class that runs a blocking backend in a worker thread.

A backend streams text for a list of chat messages. The consumer may stop at any time (a barge-in cancels the
task that iterates): the base class then tells the worker to stop at the next token, so the CPU is free for the
next turn at once. A new blocking backend implements one method, ``_generate``.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol, runtime_checkable

from companion.agent.llm.tool_calls import ToolCall, ToolSpec
from companion.core.registry import BackendKind, Configurable
from companion.core.worker import CancelToken, ThreadedModel

LLM_BACKENDS = BackendKind("companion.llm", "language-model backend")


@dataclass(frozen=True)
class ChatMessage:
    role: Literal["system", "user", "assistant", "tool"]
    content: str
    tool_calls: tuple[ToolCall, ...] = ()  # an assistant message that called tools
    tool_call_id: str | None = None  # a tool message: the call it answers
    name: str | None = None  # a tool message: the tool's name (chat templates show it)

    def openai(self) -> dict[str, Any]:
        """The message as OpenAI's chat-completions API and transformers chat templates take it."""
        message: dict[str, Any] = {"role": self.role, "content": self.content}
        if self.tool_calls:
            message["tool_calls"] = [call.openai() for call in self.tool_calls]
        if self.tool_call_id is not None:
            message["tool_call_id"] = self.tool_call_id
        if self.name is not None:
            message["name"] = self.name
        return message


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


@runtime_checkable
class PrefillingModel(Protocol):
    """A model that can compute the prompt's start ahead of time (a local model with a KV cache)."""

    async def prefill(self, messages: Sequence[ChatMessage], tools: Sequence[ToolSpec] = ()) -> None:
        """Compute and keep the cache of ``messages``, the start of the next prompt; never raises."""
        ...


@runtime_checkable
class ToolCallingModel(Protocol):
    """A model that can call tools: its stream yields text and ``ToolCall``s (docs/PLUGINS.md, "Tools")."""

    def stream_tools(
        self, messages: Sequence[ChatMessage], tools: Sequence[ToolSpec], max_new_tokens: int | None = None
    ) -> AsyncIterator[str | ToolCall]: ...


class ThreadedLanguageModel(ThreadedModel, Configurable):
    """Runs ``_generate`` in the model's own worker thread and streams its pieces into the event loop."""

    name = "threaded"

    def __init__(self, torch_threads: int | None = None) -> None:
        # One worker: a model generates one reply at a time, and a thread budget is the model's own setting.
        super().__init__(f"llm-{self.name}", torch_threads)

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

        async with contextlib.aclosing(self._run_stream(work)) as pieces:
            async for piece in pieces:
                yield piece

    async def _run_stream(self, work: Callable[[Callable[[str], None], CancelToken], None]) -> AsyncIterator[str]:
        """``work`` in the worker thread, its emitted pieces streamed here; any failure is a LanguageModelError."""
        try:
            async with contextlib.aclosing(self.worker.push_stream(work)) as pieces:
                async for piece in pieces:
                    yield piece
        except LanguageModelError:
            raise
        except Exception as error:
            raise LanguageModelError(f"{self.name} failed: {error}") from error
