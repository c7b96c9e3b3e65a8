"""Thin wrappers that log when each model call starts and ends, for the latency breakdown."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from companion.agent.llm.base import ChatMessage, LanguageModel, PrefillingModel
from companion.agent.llm.tool_calls import ToolSpec
from companion.core.clock import Clock
from companion.speech.stt import SpeechToText
from companion.speech.tts import TextToSpeech
from companion.speech.tts.base import join_chunks
from companion.speech.types import SpeechAudio, Transcript


@dataclass
class Call:
    start: float
    end: float | None = None
    partial: bool = False
    pieces: list[tuple[float, str]] = field(default_factory=list)  # a model's streamed text, with arrival times


@dataclass
class CallLog:
    stt: list[Call] = field(default_factory=list)
    llm: list[Call] = field(default_factory=list)
    tts: list[Call] = field(default_factory=list)
    safety: list[Call] = field(default_factory=list)  # the crisis check of each user text (its classifier)


def time_safety(safety: Any, clock: Clock, log: CallLog) -> None:
    """Log each crisis check of ``safety`` (a ``SafetyStep``): its classifier is model compute, not overhead."""
    inner = safety.assess

    async def assess(text: str, context: Any) -> Any:
        call = Call(clock.now())
        log.safety.append(call)
        try:
            return await inner(text, context)
        finally:
            call.end = clock.now()

    safety.assess = assess


class TimedSTT:
    def __init__(self, inner: SpeechToText, clock: Clock, log: CallLog) -> None:
        self.inner, self.clock, self.log = inner, clock, log

    @property
    def busy(self) -> bool:
        return bool(getattr(self.inner, "busy", False))

    async def transcribe(self, audio: np.ndarray, *, partial: bool = False) -> Transcript:
        call = Call(self.clock.now(), partial=partial)
        self.log.stt.append(call)
        result = await self.inner.transcribe(audio, partial=partial)
        call.end = self.clock.now()
        return result

    async def warm_up(self) -> None:
        await self.inner.warm_up()

    async def close(self) -> None:
        await self.inner.close()


class TimedTTS:
    def __init__(self, inner: TextToSpeech, clock: Clock, log: CallLog) -> None:
        self.inner, self.clock, self.log = inner, clock, log
        self.sample_rate = inner.sample_rate

    @property
    def provides_timings(self) -> bool:
        return self.inner.provides_timings

    async def stream(self, text: str) -> AsyncIterator[SpeechAudio]:
        """The call ends when the first chunk is ready: that is what the reply waits for."""
        call = Call(self.clock.now())
        self.log.tts.append(call)
        async with contextlib.aclosing(self.inner.stream(text)) as chunks:
            async for chunk in chunks:
                if call.end is None:
                    call.end = self.clock.now()
                yield chunk

    async def synthesize(self, text: str) -> SpeechAudio:
        return join_chunks(text, [chunk async for chunk in self.stream(text)], self.sample_rate)

    async def warm_up(self) -> None:
        await self.inner.warm_up()

    async def close(self) -> None:
        await self.inner.close()


class TimedLLM:
    def __init__(self, inner: LanguageModel, clock: Clock, log: CallLog, *, prefill: bool = True) -> None:
        self.inner, self.clock, self.log = inner, clock, log
        self.prefills = prefill  # False: ``prefill`` does nothing (to measure what it pays)
        self.name = inner.name

    async def stream(self, messages: Sequence[ChatMessage], max_new_tokens: int | None = None) -> AsyncIterator[str]:
        call = Call(self.clock.now())
        self.log.llm.append(call)
        # aclosing: when the reply is cancelled, the model's own stream is closed at once (its worker stops).
        async with contextlib.aclosing(self.inner.stream(messages, max_new_tokens)) as pieces:
            async for piece in pieces:
                call.pieces.append((self.clock.now(), piece))
                yield piece
        call.end = self.clock.now()

    def forget(self) -> None:
        """A new visitor: the model drops its cache (the session asks every model that has one)."""
        forget = getattr(self.inner, "forget", None)
        if callable(forget):
            forget()

    async def prefill(self, messages: Sequence[ChatMessage], tools: Sequence[ToolSpec] = ()) -> None:
        if self.prefills and isinstance(self.inner, PrefillingModel):
            await self.inner.prefill(messages, tools)

    async def warm_up(self) -> None:
        await self.inner.warm_up()

    async def close(self) -> None:
        await self.inner.close()
