"""Data that flows through the speech stages."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from companion.face.phonemes import TimedPhoneme

INPUT_SAMPLE_RATE = 16000  # what VAD and speech-to-text take


@dataclass(frozen=True)
class AudioChunk:
    """A piece of input audio: float32 mono at ``INPUT_SAMPLE_RATE``, captured starting at loop time ``t``."""

    samples: np.ndarray
    t: float

    @property
    def duration_s(self) -> float:
        return len(self.samples) / INPUT_SAMPLE_RATE


@dataclass
class SpeechAudio:
    """Synthesized speech for one clause: float32 mono samples plus the decoder's phoneme timings."""

    text: str
    samples: np.ndarray
    sample_rate: int
    phonemes: list[TimedPhoneme] = field(default_factory=list)

    @property
    def duration_s(self) -> float:
        return len(self.samples) / self.sample_rate


@dataclass(frozen=True)
class Word:
    text: str
    start_s: float
    end_s: float
    probability: float


@dataclass(frozen=True)
class Transcript:
    text: str
    language: str | None = None
    words: tuple[Word, ...] = ()
    no_speech_probability: float = 0.0
    is_final: bool = True
