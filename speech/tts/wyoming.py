"""Text-to-speech on a Wyoming server (``wyoming-piper``, Home Assistant's TTS add-ons, ...).

One connection per clause; each sentence is one ``Synthesize`` and comes back as one chunk (so a barge-in stops the
clause between sentences, and the connection is closed at once). Wyoming returns audio only, no phoneme timings:
the base class estimates them from the text (``companion.speech.alignment``), so the lips move, less exactly than
with the piper backend's decoder timings. Audio at another rate than ``sample_rate`` is resampled.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator

from companion.core.registry import BuildContext, require
from companion.speech.tts.base import BaseTextToSpeech
from companion.speech.types import SpeechAudio
from companion.speech.wyoming.connection import WyomingConnection, parse_uri

_SENTENCE = re.compile(r"(?<=[.!?])\s+")


class WyomingTtsOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    uri: str = Field("tcp://127.0.0.1:10200", description="the server, tcp://HOST:PORT")
    voice: str | None = Field(None, description="the server's voice name; a persona's `voice` overrides it")
    sample_rate: int = Field(22050, ge=8000, le=48000, description="the robot's playout rate (audio is resampled)")
    language: str = Field("en", description="for the estimated lip-sync timings (espeak-ng voice)")
    connect_timeout_s: float = Field(2.0, gt=0)
    read_timeout_s: float = Field(10.0, gt=0, description="how long a sentence may take")

    @field_validator("uri")
    @classmethod
    def _tcp(cls, uri: str) -> str:
        parse_uri(uri)
        return uri


class WyomingTTS(BaseTextToSpeech):
    Options = WyomingTtsOptions
    provides_timings = False

    @classmethod
    def from_config(cls, options: WyomingTtsOptions, context: BuildContext) -> WyomingTTS:
        if context.voice:
            options = options.model_copy(update={"voice": context.voice})
        return cls(options)

    def __init__(self, options: WyomingTtsOptions) -> None:
        require("wyoming", extra="speech", what="the Wyoming text-to-speech backend")
        self.options = options
        self.sample_rate = options.sample_rate
        self.language = options.language

    def _connection(self) -> WyomingConnection:
        o = self.options
        return WyomingConnection(
            o.uri, what="text-to-speech", setting="models.tts.uri",
            connect_timeout_s=o.connect_timeout_s, read_timeout_s=o.read_timeout_s,
        )  # fmt: skip

    async def _stream(self, text: str) -> AsyncIterator[SpeechAudio]:
        sentences = [s for s in _SENTENCE.split(text.strip()) if s.strip()]
        if not sentences:
            return
        async with self._connection() as connection:
            for sentence in sentences:
                yield await self._sentence(connection, sentence)

    async def _sentence(self, connection: WyomingConnection, text: str) -> SpeechAudio:
        from wyoming.audio import AudioChunk, AudioStart, AudioStop
        from wyoming.tts import Synthesize, SynthesizeVoice

        voice = SynthesizeVoice(name=self.options.voice) if self.options.voice else None
        await connection.send(Synthesize(text=text, voice=voice))
        rate, width, channels = self.sample_rate, 2, 1
        pcm = bytearray()
        while True:
            event = await connection.receive()
            if AudioStart.is_type(event.type):
                start = AudioStart.from_event(event)
                rate, width, channels = start.rate, start.width, start.channels
            elif AudioChunk.is_type(event.type):
                pcm += AudioChunk.from_event(event).audio
            elif AudioStop.is_type(event.type):  # blank text: a stop without a start
                break
        return SpeechAudio(text, self._to_float(bytes(pcm), rate, width, channels), self.sample_rate)

    def _to_float(self, pcm: bytes, rate: int, width: int, channels: int) -> np.ndarray:
        if width != 2:
            raise ValueError(f"the Wyoming TTS server sent {8 * width}-bit audio; 16-bit is expected")
        samples = np.frombuffer(pcm[: len(pcm) - len(pcm) % (2 * channels)], dtype="<i2").astype(np.float32) / 32768
        if channels > 1:
            samples = samples.reshape(-1, channels).mean(axis=1)
        if rate != self.sample_rate and len(samples):
            count = round(len(samples) * self.sample_rate / rate)
            samples = np.interp(np.arange(count) * rate / self.sample_rate, np.arange(len(samples)), samples)
        return samples.astype(np.float32)
