"""Speech-to-text on a Wyoming server (``wyoming-faster-whisper``, Home Assistant's ASR add-ons, ...).

Each transcription is one connection: ``Transcribe``, the audio as 16-bit PCM chunks, ``AudioStop``, then the
server's ``Transcript`` (Wyoming ASR servers answer once per connection). Partial transcripts are made the same way
(the protocol has no drafts), so they cost a full call each: set ``turn_taking.partial_interval_ms`` accordingly.
A cancelled call closes its connection at once; the server's work for it is wasted, the robot's CPU is not.
"""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator

from companion.core.registry import BuildContext, Configurable, require
from companion.speech.types import INPUT_SAMPLE_RATE, Transcript
from companion.speech.wyoming.connection import WyomingConnection, parse_uri

CHUNK_SAMPLES = 4096


class WyomingSttOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    uri: str = Field("tcp://127.0.0.1:10300", description="the server, tcp://HOST:PORT")
    model: str | None = Field(None, description="the server's model name; none: its default")
    connect_timeout_s: float = Field(2.0, gt=0)
    read_timeout_s: float = Field(15.0, gt=0, description="how long a transcription may take")

    @field_validator("uri")
    @classmethod
    def _tcp(cls, uri: str) -> str:
        parse_uri(uri)
        return uri


class WyomingSTT(Configurable):
    Options = WyomingSttOptions

    @classmethod
    def from_config(cls, options: WyomingSttOptions, context: BuildContext) -> WyomingSTT:
        return cls(options, language=context.language)

    def __init__(self, options: WyomingSttOptions, language: str | None = "en") -> None:
        require("wyoming", extra="speech", what="the Wyoming speech-to-text backend")
        self.options = options
        self.language = language.split("-")[0] if language else None

    def _connection(self) -> WyomingConnection:
        o = self.options
        return WyomingConnection(
            o.uri, what="speech-to-text", setting="models.stt.uri",
            connect_timeout_s=o.connect_timeout_s, read_timeout_s=o.read_timeout_s,
        )  # fmt: skip

    async def transcribe(self, audio: np.ndarray, *, partial: bool = False) -> Transcript:
        from wyoming.asr import Transcribe
        from wyoming.asr import Transcript as WyomingTranscript
        from wyoming.audio import AudioChunk, AudioStart, AudioStop

        pcm = (np.clip(np.asarray(audio, dtype=np.float32), -1.0, 1.0) * 32767).astype("<i2")
        format_ = {"rate": INPUT_SAMPLE_RATE, "width": 2, "channels": 1}
        async with self._connection() as connection:
            await connection.send(Transcribe(name=self.options.model, language=self.language))
            await connection.send(AudioStart(**format_))
            for start in range(0, len(pcm), CHUNK_SAMPLES):
                await connection.send(AudioChunk(audio=pcm[start : start + CHUNK_SAMPLES].tobytes(), **format_))
            await connection.send(AudioStop())
            while True:
                event = await connection.receive()
                if WyomingTranscript.is_type(event.type):
                    result = WyomingTranscript.from_event(event)
                    return Transcript(result.text.strip(), language=result.language, is_final=not partial)

    async def warm_up(self) -> None:
        """One short transcription: the server answers, and loads its model now rather than on the first turn."""
        await self.transcribe(np.zeros(INPUT_SAMPLE_RATE // 2, dtype=np.float32))

    async def close(self) -> None:
        return None
