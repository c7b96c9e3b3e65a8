"""Audio sources: a wav (or any audio) file, a queue, or the microphone, all as 16 kHz float32 chunks.

A source stamps each chunk with the loop time of its first sample and paces itself on the clock, so a file
"plays" into the agent exactly as a microphone would (and instantly under a virtual-time test loop).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Protocol

import numpy as np

from companion.core.clock import Clock
from companion.core.errors import CompanionError, InputError
from companion.speech.types import INPUT_SAMPLE_RATE, AudioChunk
from companion.speech.vad import CHUNK_SAMPLES


class AudioSource(Protocol):
    def chunks(self, clock: Clock) -> AsyncIterator[AudioChunk]:
        """Chunks of ``CHUNK_SAMPLES`` at 16 kHz until the source ends (a microphone never does)."""
        ...


def read_audio_file(path: str | Path) -> np.ndarray:
    """Decode any audio file to 16 kHz mono float32 (faster-whisper's decoder, PyAV underneath)."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"audio file not found: {path}")
    from faster_whisper.audio import decode_audio

    try:
        return np.asarray(decode_audio(str(path), sampling_rate=INPUT_SAMPLE_RATE), dtype=np.float32)
    except Exception as error:  # PyAV raises many kinds of errors for a bad file
        raise InputError(f"cannot decode audio file {path}: {error}") from None


class ArraySource:
    """Plays a sample array in real time (on ``clock``), then ``trailing_silence_s`` of silence, then ends.

    The trailing silence lets the VAD see the end of the last utterance, as a room would after a visitor stops.
    ``mix`` (optional) adds a signal to each chunk, e.g. the robot's own voice coming back through the air.
    """

    def __init__(
        self,
        samples: np.ndarray,
        trailing_silence_s: float = 1.5,
        mix: Callable[[float, int], np.ndarray] | None = None,
    ) -> None:
        silence = np.zeros(int(trailing_silence_s * INPUT_SAMPLE_RATE), dtype=np.float32)
        audio = np.concatenate([np.asarray(samples, dtype=np.float32), silence])
        pad = (-len(audio)) % CHUNK_SAMPLES
        self._audio = np.concatenate([audio, np.zeros(pad, dtype=np.float32)])
        self._mix = mix

    @property
    def duration_s(self) -> float:
        return len(self._audio) / INPUT_SAMPLE_RATE

    async def chunks(self, clock: Clock) -> AsyncIterator[AudioChunk]:
        start = clock.now()
        step = CHUNK_SAMPLES / INPUT_SAMPLE_RATE
        for index in range(len(self._audio) // CHUNK_SAMPLES):
            t = start + index * step
            await clock.sleep_until(t + step)  # a chunk exists once its last sample was "captured"
            samples = self._audio[index * CHUNK_SAMPLES : (index + 1) * CHUNK_SAMPLES]
            if self._mix is not None:
                samples = np.clip(samples + self._mix(t, CHUNK_SAMPLES), -1.0, 1.0).astype(np.float32)
            yield AudioChunk(samples, t)


class WavFileSource(ArraySource):
    def __init__(self, path: str | Path, trailing_silence_s: float = 1.5) -> None:
        super().__init__(read_audio_file(path), trailing_silence_s)
        self.path = Path(path)


class MicrophoneSource:
    """The default input device through sounddevice (PortAudio), 16 kHz mono."""

    def __init__(self, device: str | int | None = None) -> None:
        try:
            import sounddevice
        except (ImportError, OSError) as error:
            raise CompanionError(
                f"no audio input available ({error})",
                "install the audio extra (pip install 'companion-agent[audio]') and PortAudio (libportaudio2)",
            ) from None
        try:
            sounddevice.check_input_settings(device=device, samplerate=INPUT_SAMPLE_RATE, channels=1)
        except Exception as error:
            raise CompanionError(
                f"no usable microphone ({error})", "pass --wav FILE to feed a recording, or --say TEXT to type"
            ) from None
        self._sd = sounddevice
        self._device = device

    async def chunks(self, clock: Clock) -> AsyncIterator[AudioChunk]:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[tuple[np.ndarray, float]] = asyncio.Queue(maxsize=200)

        def callback(indata: np.ndarray, frames: int, time_info: object, status: object) -> None:
            captured = clock.now() - frames / INPUT_SAMPLE_RATE
            with contextlib.suppress(asyncio.QueueFull):
                loop.call_soon_threadsafe(queue.put_nowait, (indata[:, 0].copy(), captured))

        stream = self._sd.InputStream(
            samplerate=INPUT_SAMPLE_RATE,
            channels=1,
            dtype="float32",
            blocksize=CHUNK_SAMPLES,
            device=self._device,
            callback=callback,
        )
        with stream:
            while True:
                samples, t = await queue.get()
                yield AudioChunk(samples, t)
