"""The faster-whisper backend (CTranslate2 Whisper), the default speech-to-text.

Whisper pads every call to a 30 s window, so a call costs about the same for 1 s or 29 s of audio: partial
transcripts are rationed by the turn-taker, not here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from companion.core.models import MAKE_TINY_HINT, HubSource, ModelNeed, folder_name, has_file, hf_cache_snapshot
from companion.core.registry import BuildContext, require
from companion.core.worker import CancelToken
from companion.speech.stt.base import ThreadedSpeechToText
from companion.speech.types import INPUT_SAMPLE_RATE, Transcript, Word

# faster-whisper's names that do not follow "Systran/faster-whisper-<name>" (from faster_whisper.utils._MODELS).
_REPO_EXCEPTIONS = {
    "large": "Systran/faster-whisper-large-v3",
    "distil-large-v2": "Systran/faster-distil-whisper-large-v2",
    "distil-medium.en": "Systran/faster-distil-whisper-medium.en",
    "distil-small.en": "Systran/faster-distil-whisper-small.en",
    "distil-large-v3": "Systran/faster-distil-whisper-large-v3",
    "distil-large-v3.5": "distil-whisper/distil-large-v3.5-ct2",
    "large-v3-turbo": "mobiuslabsgmbh/faster-whisper-large-v3-turbo",
    "turbo": "mobiuslabsgmbh/faster-whisper-large-v3-turbo",
}
FILES = ("config.json", "preprocessor_config.json", "model.bin", "tokenizer.json", "vocabulary.*")


def repo_id(model: str) -> str:
    """The Hugging Face repo of a faster-whisper model name (``base.en`` -> ``Systran/faster-whisper-base.en``)."""
    if "/" in model:
        return model
    return _REPO_EXCEPTIONS.get(model, f"Systran/faster-whisper-{model}")


class FasterWhisperOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model: str = Field("base.en", description="a faster-whisper model name (tiny, base.en, small, ...)")
    path: Path | None = Field(None, description="a local CTranslate2 model folder; overrides `model`")
    compute_type: str = "int8"
    threads: int = Field(1, ge=1, le=64, description="CTranslate2 threads of the final transcript (drafts: one)")
    beam_size: int = Field(1, ge=1, le=10)
    temperature: float = Field(0.0, ge=0.0, le=1.0)
    max_new_tokens: int | None = Field(None, ge=1, le=440)


def model_need(options: FasterWhisperOptions, models_dir: Path, hf_cache: Path | None = None) -> ModelNeed:
    complete = has_file("model.bin")
    if options.path is not None:
        return ModelNeed(
            "stt", str(options.path), [options.path], complete,
            "fix models.stt.path (or $COMPANION_STT_MODEL) to point at a faster-whisper (CTranslate2) folder, "
            f"or remove it to use models.stt.model ({options.model!r}) from models.dir",
            explicit=True,
            describe=f"speech-to-text model at models.stt.path ({options.path}, a folder with model.bin)",
        )  # fmt: skip
    target = models_dir / "stt" / folder_name(options.model)
    return ModelNeed(
        "stt", options.model, [target, hf_cache_snapshot(repo_id(options.model), hf_cache)], complete,
        f"run `companion models fetch --only stt` (downloads {repo_id(options.model)}), {MAKE_TINY_HINT}, "
        "or set models.stt.path ($COMPANION_STT_MODEL) to a faster-whisper model folder",
        source=HubSource(repo_id(options.model), target, allow_patterns=FILES, licence="MIT (OpenAI Whisper)"),
        describe=f"speech-to-text model {options.model!r}",
    )  # fmt: skip


class FasterWhisperSTT(ThreadedSpeechToText):
    Options = FasterWhisperOptions

    @classmethod
    def model_needs(cls, options: FasterWhisperOptions, context: BuildContext) -> list[ModelNeed]:
        return [model_need(options, context.models_dir)]

    @classmethod
    def from_config(cls, options: FasterWhisperOptions, context: BuildContext) -> FasterWhisperSTT:
        # The library first: a missing extra says so, before any model file is looked for.
        require("faster_whisper", extra="speech", what="the faster-whisper speech-to-text backend")
        return cls(
            model_need(options, context.models_dir).locate(),
            language=context.language,
            compute_type=options.compute_type,
            threads=options.threads,
            beam_size=options.beam_size,
            temperature=options.temperature,
            max_new_tokens=options.max_new_tokens,
        )

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
        model_need(FasterWhisperOptions(path=model_path), model_path.parent).locate()
        self.model_path = model_path
        self.language = language.split("-")[0] if language else None
        self._compute_type = compute_type
        self._threads = threads
        self._beam_size = beam_size
        self._temperature = temperature
        self._max_new_tokens = max_new_tokens

    def _load(self) -> None:
        faster_whisper = require("faster_whisper", extra="speech", what="the faster-whisper backend")

        def whisper(threads: int, workers: int) -> Any:
            return faster_whisper.WhisperModel(
                str(self.model_path), device="cpu", compute_type=self._compute_type, cpu_threads=threads,
                num_workers=workers,
            )  # fmt: skip

        if self._threads == 1:  # two CTranslate2 workers: a draft and a final transcript can run at the same time
            self._model = self._draft_model = whisper(1, workers=2)
        else:
            # The final transcript gets the threads; drafts a one-thread model of their own. CTranslate2's OpenMP,
            # like torch's, slows every call once two of its threads run teams (core/torch_threads.py).
            self._model, self._draft_model = whisper(self._threads, workers=1), whisper(1, workers=1)

    def decode_options(self, audio: np.ndarray) -> dict[str, Any]:
        """The keyword arguments of faster-whisper's ``transcribe`` for ``audio``."""
        # A cap on new tokens proportional to the audio keeps a confused model from decoding for seconds.
        seconds = len(audio) / INPUT_SAMPLE_RATE
        cap = int(12 + 8 * seconds)
        if self._max_new_tokens is not None:
            cap = min(cap, self._max_new_tokens)
        return {
            "language": self.language,
            "beam_size": self._beam_size,
            "temperature": self._temperature,
            "max_new_tokens": cap,
            "without_timestamps": True,
            "word_timestamps": False,
            "condition_on_previous_text": False,
            "vad_filter": False,  # our own VAD already segmented the audio
        }

    def _transcribe(self, audio: np.ndarray, partial: bool, cancel: CancelToken) -> Transcript:
        model = self._draft_model if partial else self._model
        segments, info = model.transcribe(audio, **self.decode_options(audio))
        texts: list[str] = []
        words: list[Word] = []
        no_speech = 0.0
        for segment in segments:  # decoded lazily, one segment at a time: stop between them once cancelled
            if cancel.cancelled:
                break
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
