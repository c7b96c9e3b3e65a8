"""Keeps the robot from hearing itself.

Two layers, because either alone fails somewhere:

1. An acoustic echo canceller subtracts the robot's own voice from the microphone signal, using what the
   playout actually played as the reference. speexdsp's MDF canceller (through the small ``pyaec`` wheel) removes
   25-30 dB of echo once adapted (about half a second of robot speech; the adaptation carries over between
   replies, the room does not change). Without pyaec the signal passes through unchanged.
2. A gate for the part the canceller leaves: while the robot speaks, input only counts as the user when the
   residual is clearly louder than the echo expected from the reference (``margin`` times the tracked leak).
   The leak is learned from moments that are the robot alone, so it falls as the canceller converges and a
   user talking at a normal level gets through, while the unadapted first moments cannot fake a barge-in.

Everything works on 16 kHz float32 chunks of the VAD's size and costs well under a millisecond per chunk.
"""

from __future__ import annotations

import logging
from collections import deque
from typing import Protocol

import numpy as np

log = logging.getLogger(__name__)

_SILENT_RMS = 1e-3  # below this the reference is silence (about -60 dBFS)


class EchoCanceller(Protocol):
    def process(self, mic: np.ndarray, reference: np.ndarray) -> np.ndarray:
        """The microphone signal with the reference's echo removed (same length, float32)."""
        ...


class PassThrough:
    def process(self, mic: np.ndarray, reference: np.ndarray) -> np.ndarray:
        return mic


class SpeexEchoCanceller:
    """speexdsp's multi-delay block frequency-domain canceller, in frames of ``frame_size`` samples."""

    def __init__(self, frame_size: int = 256, tail_ms: int = 64, sample_rate: int = 16000) -> None:
        from pyaec import Aec

        self._frame = frame_size
        self._aec = Aec(frame_size, int(sample_rate * tail_ms / 1000), sample_rate, False)

    def process(self, mic: np.ndarray, reference: np.ndarray) -> np.ndarray:
        if len(mic) % self._frame:
            raise ValueError(f"chunks must be a multiple of {self._frame} samples")
        mic16 = (np.clip(mic, -1.0, 1.0) * 32767).astype(np.int16)
        ref16 = (np.clip(reference, -1.0, 1.0) * 32767).astype(np.int16)
        out = np.empty(len(mic), dtype=np.float32)
        for start in range(0, len(mic), self._frame):
            end = start + self._frame
            cleaned = self._aec.cancel_echo(mic16[start:end].tolist(), ref16[start:end].tolist())
            out[start:end] = np.asarray(cleaned, dtype=np.float32) / 32767.0
        return out


def make_echo_canceller() -> EchoCanceller:
    try:
        return SpeexEchoCanceller()
    except (ImportError, OSError, AttributeError) as error:
        log.warning("no echo canceller (%s): relying on the playback gate alone", error)
        return PassThrough()


ECHO_TAIL_S = 0.128  # how long the room may echo the robot's voice (reflections, reverberation)


def loudest_block_rms(samples: np.ndarray, block: int) -> float:
    """The highest RMS over consecutive blocks of ``block`` samples (the last, partial block included)."""
    if len(samples) == 0:
        return 0.0
    return max(rms(samples[start : start + block]) for start in range(0, len(samples), block))


def rms(samples: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(samples, dtype=np.float64)))) if len(samples) else 0.0


class SelfHearingGate:
    """Turns the VAD's verdict on the residual into 'is this the user?' while the robot speaks.

    The leak is the residual's level over the reference's when only the robot is heard. It swings from chunk to
    chunk (phonemes, reverberation), and a gate must hold for the loud moments too, so the estimate is a high
    percentile of the recent robot-only ratios rather than an average. Until enough has been seen it assumes the
    worst (``initial_leak``). A user must be ``margin`` times louder than that to count while the robot speaks.
    """

    def __init__(
        self, margin: float = 3.0, initial_leak: float = 1.0, window: int = 64, percentile: float = 95.0
    ) -> None:
        self.margin = margin
        self.initial_leak = initial_leak
        self.percentile = percentile
        self._ratios: deque[float] = deque(maxlen=window)
        self.leak = initial_leak
        self.suppressed = 0  # chunks the gate refused during robot speech

    def user_speech_probability(self, residual: np.ndarray, reference: np.ndarray, vad_probability: float) -> float:
        """``reference`` covers this chunk and the echo tail before it (``ECHO_TAIL_S``): a room keeps ringing
        with louder audio from a moment ago while the current chunk's reference is quiet."""
        reference_level = loudest_block_rms(reference, len(residual))
        if reference_level < _SILENT_RMS:
            return vad_probability  # the robot is silent: nothing to confuse the user with
        residual_level = rms(residual)
        if residual_level > self.margin * self.leak * reference_level:
            return vad_probability  # clearly more than the robot's own echo: someone else is talking
        # The robot alone: learn how much of it leaks through, and do not call it speech.
        self._ratios.append(residual_level / reference_level)
        if len(self._ratios) >= 8:
            self.leak = max(float(np.percentile(self._ratios, self.percentile)), 1e-3)
        if vad_probability >= 0.5:
            self.suppressed += 1
        return 0.0
