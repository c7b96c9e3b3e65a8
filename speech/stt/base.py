"""The speech-to-text interface and the base class that runs a blocking engine in worker threads.

A backend is found by name in the ``companion.stt`` entry-point group (``models.stt.backend``). A blocking engine
subclasses ``ThreadedSpeechToText`` and implements one method, ``_transcribe``; an engine with its own asyncio
client (a network service) implements ``transcribe`` directly. Either way a cancelled ``transcribe`` raises
``CancelledError`` at once and frees the engine for the next call (docs/EXTENDING.md).
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np

from companion.core.registry import BackendKind, Configurable
from companion.core.worker import CancelToken, ModelWorker, ThreadedModel
from companion.speech.types import INPUT_SAMPLE_RATE, Transcript

STT_BACKENDS = BackendKind("companion.stt", "speech-to-text backend")


@runtime_checkable
class SpeechToText(Protocol):
    async def transcribe(self, audio: np.ndarray, *, partial: bool = False) -> Transcript:
        """Transcribe 16 kHz float32 mono audio. ``partial``: a draft while the user is still speaking."""
        ...

    async def warm_up(self) -> None: ...

    async def close(self) -> None: ...


class ThreadedSpeechToText(ThreadedModel, Configurable):
    """Runs ``_transcribe`` in worker threads.

    Partial transcripts and final ones have a worker each, so the final transcript at the end of a turn (which
    the reply waits for) never queues behind a draft that happened to be running. ``busy`` tells the listener a
    draft is already being made. A backend that cannot run two calls at once sets ``parallel = False``.
    """

    parallel = True

    def __init__(self, name: str, torch_threads: int | None = None) -> None:
        super().__init__(f"stt-{name}", torch_threads)
        # Drafts run torch on one thread: a second team of threads would slow every model (core/torch_threads.py).
        self._partial_worker = (
            ModelWorker(f"stt-{name}-partial", 1 if torch_threads else None) if self.parallel else self.worker
        )

    def _transcribe(self, audio: np.ndarray, partial: bool, cancel: CancelToken) -> Transcript:
        """Transcribe (blocking, in a worker thread); stop early once ``cancel`` is set if the engine allows."""
        raise NotImplementedError

    @property
    def busy(self) -> bool:
        return self._partial_worker.busy > 0

    async def transcribe(self, audio: np.ndarray, *, partial: bool = False) -> Transcript:
        worker = self._partial_worker if partial else self.worker
        samples = np.asarray(audio, dtype=np.float32)

        def work(cancel: CancelToken) -> Transcript:
            self.ensure_loaded()
            return self._transcribe(samples, partial, cancel)

        return await worker.call(work)

    async def warm_up(self) -> None:
        await self.transcribe(np.zeros(INPUT_SAMPLE_RATE // 2, dtype=np.float32))

    async def close(self) -> None:
        self.worker.shutdown()
        self._partial_worker.shutdown()
