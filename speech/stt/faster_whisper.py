"""The faster-whisper backend (CTranslate2 Whisper), the default speech-to-text.

Whisper pads every call to a 30 s window, so a call costs about the same for 1 s or 29 s of audio: partial
transcripts are rationed by the turn-taker, not here. ``window_s`` (whisper.cpp's ``audio_ctx``) shortens the window
the encoder sees to the audio's length, at least ``window_s``: a 3 s question then costs a tenth of the encoder's
time. Stock Whisper checkpoints were trained on 30 s windows only; on a window much shorter than that they may stop
early or repeat themselves, so the default keeps 30 s (README, "Speech-to-text by name" and "Performance").
"""

from __future__ import annotations

import math
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
WHISPER_WINDOW_S = 30.0  # the window every Whisper checkpoint was trained on
WINDOW_MARGIN_S = 0.5  # silence kept after the audio in a short window, as Whisper always saw some
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
    window_s: float = Field(
        WHISPER_WINDOW_S, ge=1.0, le=WHISPER_WINDOW_S,
        description="the shortest audio window the encoder sees (s); below 30 a call's cost follows the audio's "
        "length. Stock checkpoints were trained on 30 s: lower it only for checkpoints fine-tuned for short windows",
    )  # fmt: skip


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
            window_s=options.window_s,
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
        window_s: float = WHISPER_WINDOW_S,
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
        self._window_s = window_s
        self._tokenizer: Any = None  # the short-window pass's, built with the model (_load)
        self._prompt: list[int] = []
        self._suppressed: list[int] = []

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
        if self.short_window:
            # The short-window pass's tokenizer, prompt and suppressed tokens: the same for every call and model.
            from faster_whisper.tokenizer import Tokenizer
            from faster_whisper.transcribe import get_suppressed_tokens

            model = self._model
            self._tokenizer = Tokenizer(
                model.hf_tokenizer, model.model.is_multilingual, task="transcribe", language=self.language
            )
            self._prompt = [*self._tokenizer.sot_sequence, self._tokenizer.no_timestamps]
            self._suppressed = get_suppressed_tokens(self._tokenizer, [-1])

    def token_cap(self, audio: np.ndarray) -> int:
        """New tokens at most: proportional to the audio, so a confused model cannot decode for seconds."""
        cap = int(12 + 8 * len(audio) / INPUT_SAMPLE_RATE)
        return cap if self._max_new_tokens is None else min(cap, self._max_new_tokens)

    @property
    def short_window(self) -> bool:
        """Whether calls may take the short-window pass: a window under 30 s and a fixed language (a language to
        detect takes the library's own path)."""
        return self._window_s < WHISPER_WINDOW_S and self.language is not None

    def window(self, audio: np.ndarray) -> float | None:
        """The encoder's window for ``audio`` in seconds, or None for Whisper's own 30 s path."""
        if not self.short_window:
            return None
        needed = math.ceil(len(audio) / INPUT_SAMPLE_RATE + WINDOW_MARGIN_S)
        return None if needed >= WHISPER_WINDOW_S else max(self._window_s, float(needed))

    def decode_options(self, audio: np.ndarray) -> dict[str, Any]:
        """The keyword arguments of faster-whisper's ``transcribe`` for ``audio``."""
        return {
            "language": self.language,
            "beam_size": self._beam_size,
            "temperature": self._temperature,
            "max_new_tokens": self.token_cap(audio),
            "without_timestamps": True,
            "word_timestamps": False,
            "condition_on_previous_text": False,
            "vad_filter": False,  # our own VAD already segmented the audio
        }

    def _transcribe(self, audio: np.ndarray, partial: bool, cancel: CancelToken) -> Transcript:
        model = self._draft_model if partial else self._model
        window = self.window(audio)
        if window is not None:
            return self._transcribe_window(model, audio, window, partial)
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

    def _transcribe_window(self, model: Any, audio: np.ndarray, window_s: float, partial: bool) -> Transcript:
        """One greedy or beam pass over an encoder window of ``window_s`` seconds (the audio is shorter)."""
        from faster_whisper.audio import pad_or_trim

        extractor = model.feature_extractor
        features = pad_or_trim(extractor(audio), round(window_s * extractor.sampling_rate / extractor.hop_length))
        encoded = model.encode(features)
        sampling = {"sampling_temperature": self._temperature, "sampling_topk": 0} if self._temperature > 0 else {}
        result = model.model.generate(
            encoded, [self._prompt], beam_size=self._beam_size, max_length=len(self._prompt) + self.token_cap(audio),
            return_no_speech_prob=True, suppress_blank=True, suppress_tokens=self._suppressed,
            **sampling,
        )[0]  # fmt: skip
        return Transcript(
            text=self._tokenizer.decode(result.sequences_ids[0]).strip(),
            language=self.language,
            words=(),
            no_speech_probability=float(result.no_speech_prob),
            is_final=not partial,
        )
