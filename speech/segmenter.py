"""Turns per-chunk speech probabilities into speech onsets and pauses.

Hysteresis keeps the decision steady: speech starts when the probability crosses ``threshold`` for
``min_speech_ms``, and a pause starts at the first chunk below ``threshold - 0.15``. The segmenter keeps the
audio of the current utterance (with a little pre-roll, so the first syllable is not clipped) for the
transcriber. Deciding whether a pause ends the *turn* is the turn-taker's job, not this one's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from companion.speech.types import INPUT_SAMPLE_RATE, AudioChunk


@dataclass(frozen=True)
class SpeechEvent:
    kind: Literal["started", "paused", "resumed"]
    t: float  # loop time of the onset (start of the first speech chunk) or of the pause (end of the last one)


class SpeechSegmenter:
    def __init__(
        self,
        threshold: float = 0.5,
        min_speech_ms: int = 64,
        preroll_ms: int = 200,
        max_utterance_s: float = 30.0,
    ) -> None:
        self.threshold = threshold
        self.neg_threshold = max(0.01, threshold - 0.15)
        self.min_speech_s = min_speech_ms / 1000.0
        self._preroll_samples = int(preroll_ms * INPUT_SAMPLE_RATE / 1000)
        self._max_samples = int(max_utterance_s * INPUT_SAMPLE_RATE)
        self._preroll: list[np.ndarray] = []
        self._audio: list[np.ndarray] = []
        self._audio_start_t: float | None = None
        self._candidate_start: float | None = None
        self.in_utterance = False  # speech started and not yet handed off
        self.speaking = False  # inside speech right now (not in a pause)
        self.last_speech_end: float | None = None
        self.speech_s = 0.0  # seconds of speech in the current utterance

    def push(self, chunk: AudioChunk, probability: float) -> list[SpeechEvent]:
        events: list[SpeechEvent] = []
        end_t = chunk.t + chunk.duration_s
        is_speech = probability >= self.threshold or (self.speaking and probability >= self.neg_threshold)
        if self.in_utterance:
            self._audio.append(chunk.samples)
            if is_speech:
                self.speech_s += chunk.duration_s
                if not self.speaking:
                    self.speaking = True
                    events.append(SpeechEvent("resumed", chunk.t))
                self.last_speech_end = end_t
            elif self.speaking:
                self.speaking = False
                events.append(SpeechEvent("paused", chunk.t))
            self._trim_to_max()
            return events

        self._preroll.append(chunk.samples)
        while sum(len(p) for p in self._preroll) > self._preroll_samples + len(chunk.samples) * 8:
            self._preroll.pop(0)
        if not is_speech:
            self._candidate_start = None
            return events
        if self._candidate_start is None:
            self._candidate_start = chunk.t
        if end_t - self._candidate_start + 1e-9 >= self.min_speech_s:
            onset = self._candidate_start
            self._begin_utterance(onset, chunk)
            events.append(SpeechEvent("started", onset))
        return events

    def _begin_utterance(self, onset: float, chunk: AudioChunk) -> None:
        audio = np.concatenate(self._preroll) if self._preroll else np.zeros(0, np.float32)
        # Keep pre-roll before the onset plus everything since it.
        speech_samples = round((chunk.t + chunk.duration_s - onset) * INPUT_SAMPLE_RATE)
        keep = min(len(audio), speech_samples + self._preroll_samples)
        self._audio = [audio[len(audio) - keep :]]
        self._audio_start_t = chunk.t + chunk.duration_s - keep / INPUT_SAMPLE_RATE
        self._preroll = []
        self.in_utterance = True
        self.speaking = True
        self.speech_s = chunk.t + chunk.duration_s - onset
        self.last_speech_end = chunk.t + chunk.duration_s

    def _trim_to_max(self) -> None:
        total = sum(len(a) for a in self._audio)
        if total > self._max_samples:
            audio = np.concatenate(self._audio)[-self._max_samples :]
            self._audio = [audio]

    def audio(self) -> np.ndarray:
        """The current utterance's audio so far (pre-roll included)."""
        return np.concatenate(self._audio) if self._audio else np.zeros(0, np.float32)

    def silence_s(self, t: float) -> float:
        """Seconds since the last speech chunk ended (0 while speaking)."""
        if self.speaking or self.last_speech_end is None:
            return 0.0
        return max(0.0, t - self.last_speech_end)

    def finish_utterance(self) -> np.ndarray:
        """Hand the utterance's audio off and go back to waiting for speech."""
        audio = self.audio()
        self._audio = []
        self._preroll = []
        self._candidate_start = None
        self.in_utterance = False
        self.speaking = False
        self.speech_s = 0.0
        return audio
