"""Test speech: sentences spoken by espeak-ng into 16 kHz wav files, as a visitor would say them."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import numpy as np

from companion.core.clock import Clock
from companion.speech.sources import ArraySource, read_audio_file
from companion.speech.types import INPUT_SAMPLE_RATE, AudioChunk
from companion.speech.vad import CHUNK_SAMPLES


def espeak(text: str, path: Path, words_per_minute: int = 150) -> Path:
    binary = shutil.which("espeak-ng")
    if binary is None:
        raise RuntimeError("espeak-ng is not installed: run `make test` (it installs it) or apt-get install espeak-ng")
    subprocess.run([binary, "-v", "en-us", "-s", str(words_per_minute), "-w", str(path), text], check=True)
    return path


def spoken(text: str, folder: Path, name: str = "speech.wav") -> np.ndarray:
    """``text`` spoken at 16 kHz, as float32 samples."""
    return read_audio_file(espeak(text, folder / name))


def voiced_end_s(audio: np.ndarray, level: float = 0.02) -> float:
    """Where the last clearly voiced sample is, in seconds."""
    loud = np.nonzero(np.abs(audio) > level)[0]
    return float(loud[-1] + 1) / INPUT_SAMPLE_RATE if len(loud) else 0.0


class CuedSource:
    """A visitor who talks over the robot: plays ``before``, then silence until ``cue()`` has held for
    ``after_cue_s`` (the robot has started its reply), then ``after`` and ``trailing_silence_s`` of silence.

    A fixed gap would make the test a race with the machine's speed: on a loaded machine the reply may not have
    started yet when the interruption comes. ``max_wait_s`` bounds the wait (the test then fails on its asserts)."""

    def __init__(
        self,
        before: np.ndarray,
        after: np.ndarray,
        cue: Callable[[], bool],
        after_cue_s: float = 0.5,
        trailing_silence_s: float = 6.0,
        max_wait_s: float = 30.0,
    ) -> None:
        self._before, self._after, self._cue = before, after, cue
        self._after_cue_s, self._trailing_s, self._max_wait_s = after_cue_s, trailing_silence_s, max_wait_s

    async def chunks(self, clock: Clock) -> AsyncIterator[AudioChunk]:
        async for chunk in ArraySource(self._before, trailing_silence_s=0.0).chunks(clock):
            yield chunk
        gap = ArraySource(np.zeros(CHUNK_SAMPLES, dtype=np.float32), trailing_silence_s=0.0)
        step = CHUNK_SAMPLES / INPUT_SAMPLE_RATE
        waited, cued = 0.0, None
        while waited < self._max_wait_s and (cued is None or waited - cued < self._after_cue_s):
            async for chunk in gap.chunks(clock):
                yield chunk
            waited += step
            if cued is None and self._cue():
                cued = waited
        async for chunk in ArraySource(self._after, trailing_silence_s=self._trailing_s).chunks(clock):
            yield chunk
