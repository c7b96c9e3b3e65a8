"""Voice activity detection, chunk by chunk.

Silero VAD v6 ships inside the faster-whisper wheel, so it is always there. It takes 512 new samples at 16 kHz
(32 ms) plus the previous 64 as context and carries an LSTM state between calls. One call costs about 0.1 ms,
so it runs inline on the event loop (measured in tests/speech/test_vad.py's benchmark helper).
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from companion.core.errors import ModelMissingError
from companion.core.registry import BackendKind, Configurable, require

VAD_BACKENDS = BackendKind("companion.vad", "voice activity detector")

CHUNK_SAMPLES = 512
_CONTEXT_SAMPLES = 64


class VoiceActivityDetector(Protocol):
    chunk_samples: int

    def probability(self, chunk: np.ndarray) -> float:
        """Speech probability of one chunk of ``chunk_samples`` float32 samples at 16 kHz."""
        ...

    def reset(self) -> None:
        """Forget the state (a new, unrelated stream starts)."""
        ...


def silero_model_path() -> Path:
    faster_whisper = require("faster_whisper", extra="speech", what="the Silero VAD (shipped in faster-whisper)")
    return Path(faster_whisper.utils.get_assets_path()) / "silero_vad_v6.onnx"


class SileroOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: Path | None = Field(None, description="the Silero VAD ONNX file; default: the one faster-whisper ships")


class SileroVad(Configurable):
    chunk_samples = CHUNK_SAMPLES
    Options = SileroOptions

    def __init__(self, path: Path | None = None) -> None:
        onnxruntime = require("onnxruntime", extra="speech", what="the Silero VAD")
        path = path or silero_model_path()
        if not path.is_file():
            raise ModelMissingError("Silero VAD model", [path], "reinstall faster-whisper: it ships the VAD model")
        options = onnxruntime.SessionOptions()
        # One thread: a 32 ms chunk costs ~0.1 ms; more threads only add wake-up overhead.
        options.inter_op_num_threads = 1
        options.intra_op_num_threads = 1
        options.log_severity_level = 4
        self._session = onnxruntime.InferenceSession(
            str(path), sess_options=options, providers=["CPUExecutionProvider"]
        )
        self.reset()

    def reset(self) -> None:
        self._h = np.zeros((1, 1, 128), dtype=np.float32)
        self._c = np.zeros((1, 1, 128), dtype=np.float32)
        self._context = np.zeros(_CONTEXT_SAMPLES, dtype=np.float32)

    def probability(self, chunk: np.ndarray) -> float:
        if len(chunk) != CHUNK_SAMPLES:
            raise ValueError(f"Silero VAD takes chunks of {CHUNK_SAMPLES} samples, got {len(chunk)}")
        chunk = np.asarray(chunk, dtype=np.float32)
        window = np.concatenate([self._context, chunk])[None, :]
        out, self._h, self._c = self._session.run(None, {"input": window, "h": self._h, "c": self._c})
        self._context = chunk[-_CONTEXT_SAMPLES:]
        return float(np.asarray(out).reshape(-1)[0])


class EnergyOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    threshold_dbfs: float = Field(-40.0, le=0.0, description="speech when a chunk's level is above this")


class EnergyVad(Configurable):
    """A level-based detector for tests and for machines without onnxruntime: speech when RMS exceeds a floor."""

    chunk_samples = CHUNK_SAMPLES
    Options = EnergyOptions

    def __init__(self, threshold_dbfs: float = -40.0) -> None:
        self._threshold = 10 ** (threshold_dbfs / 20)

    def reset(self) -> None:
        return None

    def probability(self, chunk: np.ndarray) -> float:
        rms = float(np.sqrt(np.mean(np.square(chunk, dtype=np.float64)))) if len(chunk) else 0.0
        return 1.0 if rms > self._threshold else 0.0
