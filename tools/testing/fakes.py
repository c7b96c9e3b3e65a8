"""Fake models for fast, deterministic tests of conversation logic (no threads, so virtual time works).

Speech is faked faithfully enough for turn-taking: ``ToneSpeech`` turns words into tone bursts (one frequency per
word) and ``FakeSTT`` hears them back by frequency, so a partial transcript holds exactly the words spoken so
far and a pause in the audio is a pause in the words. Pair them with ``EnergyVad``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence

import numpy as np

from companion.agent.llm.base import ChatMessage
from companion.face.phonemes import TimedPhoneme
from companion.speech.tts.base import BaseTextToSpeech
from companion.speech.types import INPUT_SAMPLE_RATE, SpeechAudio, Transcript

_BASE_HZ = 300.0
_STEP_HZ = 50.0  # each word of the vocabulary gets its own frequency
_WORD_S = 0.25
_GAP_S = 0.06


class ToneSpeech:
    """A vocabulary of words, each spoken as a tone of its own frequency."""

    def __init__(self, vocabulary: Sequence[str]) -> None:
        self.vocabulary = list(dict.fromkeys(w.lower() for w in vocabulary))

    def frequency(self, word: str) -> float:
        return _BASE_HZ + _STEP_HZ * self.vocabulary.index(word.lower())

    def speak(self, text: str, level: float = 0.3) -> np.ndarray:
        """16 kHz audio: each word a 250 ms tone, 60 ms apart."""
        pieces: list[np.ndarray] = []
        t = np.arange(int(_WORD_S * INPUT_SAMPLE_RATE)) / INPUT_SAMPLE_RATE
        gap = np.zeros(int(_GAP_S * INPUT_SAMPLE_RATE), dtype=np.float32)
        for word in text.lower().split():
            tone = level * np.sin(2 * np.pi * self.frequency(word) * t)
            pieces += [tone.astype(np.float32), gap]
        return np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.float32)

    def hear(self, audio: np.ndarray) -> str:
        """The words in ``audio``: dominant frequency per 20 ms frame, runs of one frequency are one word."""
        frame = int(0.02 * INPUT_SAMPLE_RATE)
        words: list[str] = []
        current: str | None = None
        run = 0
        window = np.hanning(frame)
        for start in range(0, len(audio) - frame + 1, frame):
            chunk = audio[start : start + frame]
            word = None
            if np.sqrt(np.mean(chunk**2)) > 0.02:
                spectrum = np.abs(np.fft.rfft(chunk * window, n=4096))
                peak_hz = np.argmax(spectrum) * INPUT_SAMPLE_RATE / 4096
                index = round((peak_hz - _BASE_HZ) / _STEP_HZ)
                if 0 <= index < len(self.vocabulary):
                    word = self.vocabulary[index]
            if word is not None and word == current:
                run += 1
            else:
                if current is not None and run >= 4:  # at least 80 ms of the same tone
                    words.append(current)
                current, run = word, 1
        if current is not None and run >= 4:
            words.append(current)
        return " ".join(words)


class FakeSTT:
    def __init__(self, speech: ToneSpeech, delay_s: float = 0.1) -> None:
        self.speech = speech
        self.delay_s = delay_s
        self.calls = 0
        self.busy = False
        self.cancelled_partials = 0

    async def transcribe(self, audio: np.ndarray, *, partial: bool = False) -> Transcript:
        self.calls += 1
        self.busy = True
        try:
            await asyncio.sleep(self.delay_s)
        except asyncio.CancelledError:
            self.cancelled_partials += partial
            raise
        finally:
            self.busy = False
        return Transcript(self.speech.hear(audio), "en", is_final=not partial)

    async def warm_up(self) -> None:
        return None

    async def close(self) -> None:
        return None


class FakeTTS(BaseTextToSpeech):
    """Speech of ``seconds_per_char`` per character: a quiet tone with one 'phoneme' per letter."""

    def __init__(self, sample_rate: int = 16000, seconds_per_char: float = 0.05, delay_s: float = 0.05) -> None:
        self.sample_rate = sample_rate
        self.seconds_per_char = seconds_per_char
        self.delay_s = delay_s
        self.texts: list[str] = []

    async def _stream(self, text: str) -> AsyncIterator[SpeechAudio]:
        if text.strip():
            yield await self._speak(text)

    async def _speak(self, text: str) -> SpeechAudio:
        self.texts.append(text)
        await asyncio.sleep(self.delay_s)
        letters = [c for c in text.lower() if c.isalpha()]
        duration = self.seconds_per_char * max(1, len(text))
        n = int(duration * self.sample_rate)
        t = np.arange(n) / self.sample_rate
        samples = (0.2 * np.sin(2 * np.pi * 180.0 * t)).astype(np.float32)
        step = duration / max(1, len(letters))
        phonemes = [TimedPhoneme(c, i * step, (i + 1) * step) for i, c in enumerate(letters)]
        return SpeechAudio(text, samples, self.sample_rate, phonemes)

    async def warm_up(self) -> None:
        return None


class FakeLLM:
    """Streams ``reply_for(messages)`` word by word, ``token_delay_s`` apart; records calls and cancellations."""

    name = "fake"

    def __init__(
        self,
        reply_for: Callable[[Sequence[ChatMessage]], str] | str = "[happy] Hello there, nice to meet you.",
        first_token_s: float = 0.2,
        token_delay_s: float = 0.05,
    ) -> None:
        self.reply_for = reply_for if callable(reply_for) else (lambda _messages, text=reply_for: text)
        self.first_token_s = first_token_s
        self.token_delay_s = token_delay_s
        self.calls: list[list[ChatMessage]] = []
        self.cancelled = 0
        self.completed = 0

    async def stream(self, messages: Sequence[ChatMessage], max_new_tokens: int | None = None) -> AsyncIterator[str]:
        self.calls.append(list(messages))
        text = self.reply_for(messages)
        try:
            await asyncio.sleep(self.first_token_s)
            for index, word in enumerate(text.split(" ")):
                if index:
                    await asyncio.sleep(self.token_delay_s)
                yield word if index == 0 else " " + word
            self.completed += 1
        except (asyncio.CancelledError, GeneratorExit):
            self.cancelled += 1
            raise

    async def warm_up(self) -> None:
        return None

    async def close(self) -> None:
        return None
