"""Test speech: sentences spoken by espeak-ng into 16 kHz wav files, as a visitor would say them."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np

from companion.speech.sources import read_audio_file
from companion.speech.types import INPUT_SAMPLE_RATE


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
