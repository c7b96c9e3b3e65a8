"""The text-to-speech interface and the base classes that carry streaming, cancellation and timing fallback.

A backend is found by name in the ``companion.tts`` entry-point group (``models.tts.backend``). It turns a clause
into one or more chunks of audio (``stream``), each with the phoneme timings lip-sync needs, in the alphabet of
``companion.face.phonemes``. A backend whose engine reports no timings sets ``provides_timings = False`` and gets
an estimate from ``companion.speech.alignment`` on every chunk. Producing speech in chunks lets a barge-in stop
it within one chunk: the consumer closes the stream and the engine is free for the next reply at once.

A blocking engine subclasses ``ThreadedTextToSpeech`` and implements one method, ``_synthesize`` (a generator of
chunks, run in the voice's worker thread); an engine with its own asyncio client subclasses ``BaseTextToSpeech``
and implements ``_stream``.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator
from typing import Protocol, runtime_checkable

import numpy as np

from companion.core.registry import BackendKind, Configurable
from companion.core.worker import CancelToken, ThreadedModel
from companion.speech.alignment import estimate_phonemes
from companion.speech.types import SpeechAudio

TTS_BACKENDS = BackendKind("companion.tts", "text-to-speech backend")


@runtime_checkable
class TextToSpeech(Protocol):
    sample_rate: int
    provides_timings: bool  # False: phoneme timings are estimated (companion.speech.alignment)

    def stream(self, text: str) -> AsyncIterator[SpeechAudio]:
        """The clause's audio in one or more chunks, each with phoneme times from its own start."""
        ...

    async def synthesize(self, text: str) -> SpeechAudio:
        """The whole clause as one piece of audio."""
        ...

    async def warm_up(self) -> None: ...

    async def close(self) -> None: ...


class BaseTextToSpeech(Configurable):
    """Streaming with timing fallback; ``synthesize`` joins the chunks. Subclasses implement ``_stream``."""

    sample_rate = 22050
    provides_timings = True
    language: str | None = "en"

    def _stream(self, text: str) -> AsyncIterator[SpeechAudio]:
        raise NotImplementedError

    async def stream(self, text: str) -> AsyncIterator[SpeechAudio]:
        async with contextlib.aclosing(self._stream(text)) as chunks:
            async for chunk in chunks:
                if not chunk.phonemes and len(chunk.samples):
                    chunk.phonemes = estimate_phonemes(chunk.text, chunk.samples, chunk.sample_rate, self.language)
                yield chunk

    async def synthesize(self, text: str) -> SpeechAudio:
        return join_chunks(text, [chunk async for chunk in self.stream(text)], self.sample_rate)

    async def warm_up(self) -> None:
        await self.synthesize("Hello.")

    async def close(self) -> None:
        return None


class ThreadedTextToSpeech(ThreadedModel, BaseTextToSpeech):
    """Runs ``_synthesize`` in the voice's own worker thread; a new backend implements ``_load``/``_synthesize``."""

    def __init__(self, name: str) -> None:
        super().__init__(f"tts-{name}")

    def _synthesize(self, text: str, cancel: CancelToken) -> Iterator[SpeechAudio]:
        """Yield the clause's audio chunk by chunk (blocking); stop once ``cancel`` is set."""
        raise NotImplementedError

    def _stream(self, text: str) -> AsyncIterator[SpeechAudio]:
        def produce(cancel: CancelToken) -> Iterator[SpeechAudio]:
            self.ensure_loaded()
            return self._synthesize(text, cancel)

        return self.worker.stream(produce)


def join_chunks(text: str, chunks: list[SpeechAudio], sample_rate: int) -> SpeechAudio:
    """Chunks of one clause as one ``SpeechAudio``, their phoneme times moved onto the joined timeline."""
    if len(chunks) == 1:
        return SpeechAudio(text, chunks[0].samples, chunks[0].sample_rate, list(chunks[0].phonemes))
    phonemes = []
    offset = 0.0
    for chunk in chunks:
        phonemes += [type(p)(p.phoneme, p.start_s + offset, p.end_s + offset) for p in chunk.phonemes]
        offset += chunk.duration_s
    samples = np.concatenate([c.samples for c in chunks]) if chunks else np.zeros(0, dtype=np.float32)
    rate = chunks[0].sample_rate if chunks else sample_rate
    return SpeechAudio(text, samples, rate, phonemes)
