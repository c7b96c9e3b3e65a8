"""Data that flows through the speech stages."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

INPUT_SAMPLE_RATE = 16000  # what VAD and speech-to-text take


@dataclass(frozen=True)
class AudioChunk:
    """A piece of input audio: float32 mono at ``INPUT_SAMPLE_RATE``, captured starting at loop time ``t``."""

    samples: np.ndarray
    t: float

    @property
    def duration_s(self) -> float:
        return len(self.samples) / INPUT_SAMPLE_RATE


@dataclass(frozen=True)
class TimedPhoneme:
    """One entry of the TTS decoder's alignment, in seconds from the start of its audio.

    Entries are exactly as the voice reports them: ``^``/``$`` (leading/trailing silence), stress and length
    marks, spaces and punctuation included. ``companion.face.visemes`` folds those into their neighbours.
    """

    phoneme: str
    start_s: float
    end_s: float


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
