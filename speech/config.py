"""The speech config sections: which speech-to-text, text-to-speech and VAD backends (``models.stt``,
``models.tts``, ``models.vad``) and the audio devices (``audio``). Each backend's own keys are its ``Options``."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar, Literal

from pydantic import Field

from companion.core.config import BackendSection, Section
from companion.core.registry import BackendKind
from companion.speech.stt.base import STT_BACKENDS
from companion.speech.tts.base import TTS_BACKENDS
from companion.speech.vad import VAD_BACKENDS


class SttConfig(BackendSection):
    kind: ClassVar[BackendKind] = STT_BACKENDS
    backend: str = "faster-whisper"


class TtsConfig(BackendSection):
    kind: ClassVar[BackendKind] = TTS_BACKENDS
    backend: str = "piper"


class VadConfig(BackendSection):
    kind: ClassVar[BackendKind] = VAD_BACKENDS
    backend: str = "silero"


class AudioOutputConfig(Section):
    sink: Literal["wav", "speaker", "none"] = Field("wav", description="wav: one file per reply in `dir`")
    dir: Path = Path("outputs")
    device: str | int | None = Field(None, description="sounddevice output device (speaker sink)")


class AudioConfig(Section):
    input_device: str | int | None = Field(None, description="sounddevice input device (microphone)")
    output: AudioOutputConfig = Field(default_factory=AudioOutputConfig)
