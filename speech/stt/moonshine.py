"""The Moonshine backend (Useful Sensors, run by transformers): speech-to-text whose cost follows the audio.

Whisper encodes a 30 s window for every call, however short the question; Moonshine encodes the waveform it is
given, so a 2 s question or a 1 s draft costs a fraction of a full window (README, performance). Its authors
report word error rates on the Open ASR leaderboard sets close to Whisper's of the same size (moonshine-tiny
27M parameters against whisper tiny.en's 39M; moonshine-base 61M against base.en's 74M), English only.

Chosen with ``models.stt.backend: moonshine``. The final transcript runs on ``threads`` torch threads, drafts on
one (``companion.core.torch_threads``).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from companion.core.models import MAKE_TINY_HINT, HubSource, ModelNeed, folder_name, has_file, hf_cache_snapshot
from companion.core.registry import BuildContext, require
from companion.core.torch_quantize import quantize_int8
from companion.core.worker import CancelToken
from companion.speech.stt.base import ThreadedSpeechToText
from companion.speech.types import INPUT_SAMPLE_RATE, Transcript

MODELS = {"tiny": "UsefulSensors/moonshine-tiny", "base": "UsefulSensors/moonshine-base"}
FILES = ("*.json", "*.safetensors")
TOKENS_PER_SECOND = 6.5  # the authors' cap on output tokens per second of audio: a confused model stops there
MIN_SECONDS = 0.1  # the encoder's convolutions need at least this much audio


def repo_id(model: str) -> str:
    """The Hugging Face repo of a Moonshine model name (``tiny`` -> ``UsefulSensors/moonshine-tiny``)."""
    return model if "/" in model else MODELS.get(model, f"UsefulSensors/moonshine-{model}")


class MoonshineOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model: str = Field("tiny", description="tiny, base, or a Hugging Face repo id")
    path: Path | None = Field(None, description="a local transformers Moonshine folder; overrides `model`")
    threads: int = Field(
        1, ge=1, le=64, description="torch threads of the final transcript (drafts use one); see core/torch_threads.py"
    )
    max_new_tokens: int | None = Field(None, ge=1, le=440, description="a cap below 6.5 tokens per second")
    quantize: Literal["none", "int8"] = Field(
        "int8", description="int8: dynamic quantization of linear layers, faster on CPU (as faster-whisper's int8)"
    )


def model_need(options: MoonshineOptions, models_dir: Path, hf_cache: Path | None = None) -> ModelNeed:
    complete = has_file("config.json")
    if options.path is not None:
        return ModelNeed(
            "stt", str(options.path), [options.path], complete,
            "fix models.stt.path (or $COMPANION_STT_MODEL) to point at a transformers Moonshine folder, "
            f"or remove it to use models.stt.model ({options.model!r}) from models.dir",
            explicit=True,
            describe=f"speech-to-text model at models.stt.path ({options.path}, a folder with config.json)",
        )  # fmt: skip
    repo = repo_id(options.model)
    target = models_dir / "stt" / folder_name(repo)
    return ModelNeed(
        "stt", options.model, [target, hf_cache_snapshot(repo, hf_cache)], complete,
        f"run `companion models fetch --only stt` (downloads {repo}), {MAKE_TINY_HINT}, "
        "or set models.stt.path ($COMPANION_STT_MODEL) to a Moonshine model folder",
        source=HubSource(repo, target, allow_patterns=FILES, licence="MIT (Useful Sensors Moonshine)"),
        describe=f"speech-to-text model moonshine {options.model!r}",
    )  # fmt: skip


class MoonshineSTT(ThreadedSpeechToText):
    Options = MoonshineOptions

    @classmethod
    def model_needs(cls, options: MoonshineOptions, context: BuildContext) -> list[ModelNeed]:
        return [model_need(options, context.models_dir)]

    @classmethod
    def from_config(cls, options: MoonshineOptions, context: BuildContext) -> MoonshineSTT:
        require("transformers", extra="llm", what="the Moonshine speech-to-text backend")
        return cls(
            model_need(options, context.models_dir).locate(),
            language=context.language,
            threads=options.threads,
            max_new_tokens=options.max_new_tokens,
            quantize=options.quantize,
        )

    def __init__(
        self,
        model_path: Path,
        language: str | None = "en",
        threads: int = 1,
        max_new_tokens: int | None = None,
        quantize: str = "int8",
    ) -> None:
        super().__init__("moonshine", torch_threads=threads)
        model_need(MoonshineOptions(path=model_path), model_path.parent).locate()
        self.model_path = model_path
        self.language = language.split("-")[0] if language else None
        self._max_new_tokens = max_new_tokens
        self.quantize = quantize
        self._model: Any = None
        self._features: Any = None
        self._tokenizer: Any = None

    def _load(self) -> None:
        require("torch", extra="llm", what="the Moonshine speech-to-text backend")
        from transformers import AutoFeatureExtractor, AutoTokenizer, MoonshineForConditionalGeneration
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        self._features = AutoFeatureExtractor.from_pretrained(self.model_path)
        self._tokenizer = AutoTokenizer.from_pretrained(self.model_path)
        model = MoonshineForConditionalGeneration.from_pretrained(self.model_path).eval()
        self._model = quantize_int8(model, "speech-to-text model") if self.quantize == "int8" else model

    def token_cap(self, samples: int) -> int:
        """How many tokens a call may decode: the authors' 6.5 a second (at least 4), below ``max_new_tokens``."""
        cap = max(4, math.ceil(samples / INPUT_SAMPLE_RATE * TOKENS_PER_SECOND))
        return min(cap, self._max_new_tokens) if self._max_new_tokens is not None else cap

    def _transcribe(self, audio: np.ndarray, partial: bool, cancel: CancelToken) -> Transcript:
        import torch
        from transformers import StoppingCriteria, StoppingCriteriaList

        if len(audio) < MIN_SECONDS * INPUT_SAMPLE_RATE:
            audio = np.pad(audio, (0, int(MIN_SECONDS * INPUT_SAMPLE_RATE) - len(audio)))

        class _Cancelled(StoppingCriteria):
            def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor, **kwargs: Any) -> bool:
                return cancel.cancelled

        inputs = self._features(audio, sampling_rate=INPUT_SAMPLE_RATE, return_tensors="pt")
        with torch.inference_mode():
            ids = self._model.generate(
                inputs.input_values,
                attention_mask=inputs.get("attention_mask"),
                max_new_tokens=self.token_cap(len(audio)),
                do_sample=False,
                stopping_criteria=StoppingCriteriaList([_Cancelled()]),
            )
        text = self._tokenizer.decode(ids[0], skip_special_tokens=True).strip()
        return Transcript(text=text, language=self.language or "en", is_final=not partial)
