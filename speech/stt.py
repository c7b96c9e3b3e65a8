"""Speech-to-text: the interface, a threaded base class, and the faster-whisper backend."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from companion.core.errors import ModelMissingError
from companion.core.worker import ModelWorker
from companion.speech.types import INPUT_SAMPLE_RATE, Transcript, Word


@runtime_checkable
class SpeechToText(Protocol):
    async def transcribe(self, audio: np.ndarray, *, partial: bool = False) -> Transcript:
        """Transcribe 16 kHz float32 audio. ``partial``: a draft while the user is still speaking."""
        ...

    async def warm_up(self) -> None: ...

    async def close(self) -> None: ...


class ThreadedSpeechToText:
    """Runs ``_transcribe`` in worker threads. A new backend implements ``_load``/``_transcribe``.

    Partial transcripts and final ones have a worker each, so the final transcript at the end of a turn (which
    the reply waits for) never queues behind a draft that happened to be running. ``busy`` tells the listener a
    draft is already being made. A backend that cannot run two calls at once sets ``parallel = False``.
    """

    parallel = True

    def __init__(self, name: str) -> None:
        self._final_worker = ModelWorker(f"stt-{name}")
        self._partial_worker = ModelWorker(f"stt-{name}-partial") if self.parallel else self._final_worker
        self._loaded = False
        self._load_lock = threading.Lock()

    def _load(self) -> None:
        raise NotImplementedError

    def _transcribe(self, audio: np.ndarray, partial: bool) -> Transcript:
        raise NotImplementedError

    def _ensure_loaded(self) -> None:
        with self._load_lock:
            if not self._loaded:
                self._load()
                self._loaded = True

    def _call(self, audio: np.ndarray, partial: bool) -> Transcript:
        self._ensure_loaded()
        return self._transcribe(audio, partial)

    @property
    def busy(self) -> bool:
        return self._partial_worker.busy > 0

    async def transcribe(self, audio: np.ndarray, *, partial: bool = False) -> Transcript:
        worker = self._partial_worker if partial else self._final_worker
        return await worker.run(self._call, np.asarray(audio, dtype=np.float32), partial)

    async def warm_up(self) -> None:
        await self.transcribe(np.zeros(INPUT_SAMPLE_RATE // 2, dtype=np.float32))

    async def close(self) -> None:
        self._final_worker.shutdown()
        self._partial_worker.shutdown()


class FasterWhisperSTT(ThreadedSpeechToText):
    """faster-whisper (CTranslate2). Whisper pads every call to a 30 s window, so a call costs about the same for
    1 s or 29 s of audio: partial transcripts are rationed by the turn-taker, not here. ``threads`` is per call."""

    def __init__(
        self,
        model_path: Path,
        language: str | None = "en",
        compute_type: str = "int8",
        threads: int = 1,
        beam_size: int = 1,
        temperature: float = 0.0,
        max_new_tokens: int | None = None,
    ) -> None:
        super().__init__("whisper")
        if not (model_path / "model.bin").is_file():
            raise ModelMissingError(
                "faster-whisper model", [model_path], "run `companion models fetch` (or set models.stt.path)"
            )
        self.model_path = model_path
        self.language = language.split("-")[0] if language else None
        self._compute_type = compute_type
        self._threads = threads
        self._beam_size = beam_size
        self._temperature = temperature
        self._max_new_tokens = max_new_tokens

    def _load(self) -> None:
        from faster_whisper import WhisperModel

        # Two CTranslate2 workers: a draft and a final transcription can run at the same time (one per thread).
        self._model = WhisperModel(
            str(self.model_path),
            device="cpu",
            compute_type=self._compute_type,
            cpu_threads=self._threads,
            num_workers=2,
        )

    def _transcribe(self, audio: np.ndarray, partial: bool) -> Transcript:
        # A cap on new tokens proportional to the audio keeps a confused model from decoding for seconds.
        seconds = len(audio) / INPUT_SAMPLE_RATE
        cap = int(12 + 8 * seconds)
        if self._max_new_tokens is not None:
            cap = min(cap, self._max_new_tokens)
        segments, info = self._model.transcribe(
            audio,
            language=self.language,
            beam_size=self._beam_size,
            temperature=self._temperature,
            max_new_tokens=cap,
            without_timestamps=True,
            word_timestamps=False,
            condition_on_previous_text=False,
            vad_filter=False,  # our own VAD already segmented the audio
        )
        texts: list[str] = []
        words: list[Word] = []
        no_speech = 0.0
        for segment in segments:
            texts.append(segment.text.strip())
            no_speech = max(no_speech, float(segment.no_speech_prob))
            for word in segment.words or ():
                words.append(Word(word.word.strip(), float(word.start), float(word.end), float(word.probability)))
        return Transcript(
            text=" ".join(t for t in texts if t).strip(),
            language=info.language,
            words=tuple(words),
            no_speech_probability=no_speech,
            is_final=not partial,
        )
