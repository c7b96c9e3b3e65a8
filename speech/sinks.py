"""Audio sinks: where the robot's voice goes. The playout scheduler writes to a sink in real time.

``WavFileSink`` writes one wav file per reply (what a speaker would have played, gaps and fades included),
numbered on from the files already in its folder, so a new session never overwrites an earlier one's.
``SpeakerSink`` plays through sounddevice when an output device exists. ``NullSink`` discards.
"""

from __future__ import annotations

import contextlib
import logging
import tempfile
import wave
from pathlib import Path
from typing import BinaryIO, Protocol

import numpy as np

from companion.core.errors import CompanionError

log = logging.getLogger(__name__)


class AudioSink(Protocol):
    def begin(self, utterance_id: int, sample_rate: int) -> None: ...

    def write(self, utterance_id: int, samples: np.ndarray) -> None:
        """Float32 mono samples, in play order, written shortly before they are due."""
        ...

    def end(self, utterance_id: int, interrupted: bool) -> Path | None:
        """The utterance is over; returns the file written, if any."""
        ...

    def close(self) -> None: ...


def to_int16(samples: np.ndarray) -> np.ndarray:
    return (np.clip(samples, -1.0, 1.0) * 32767.0).astype(np.int16)


def check_writable_folder(directory: Path, what: str = "the audio output folder") -> None:
    """Make sure ``directory`` exists (creating it) and a file can be written in it; ``CompanionError`` if not.

    Run before anything starts: a sink that cannot write would otherwise fail inside the playout task, where
    nobody waits for its error."""
    hint = "pass --output DIR or set audio.output.dir to a folder you can write to"
    if directory.exists() and not directory.is_dir():
        raise CompanionError(f"{what} {directory} is a file, not a folder", hint)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=directory, prefix=".companion-write-test-"):
            pass
    except OSError as error:
        raise CompanionError(f"cannot write to {what} {directory}: {error.strerror or error}", hint) from None


class WavFileSink:
    def __init__(self, directory: Path, prefix: str = "reply") -> None:
        self.directory = directory
        self.prefix = prefix
        self.written: list[Path] = []
        self.failures = 0  # replies whose file could not be written (the voice still plays on)
        self._open: dict[int, tuple[wave.Wave_write, Path]] = {}
        self._files: dict[int, BinaryIO] = {}  # wave does not close a file object it was given
        self._count = 0

    def check(self) -> None:
        """``CompanionError`` now if the folder cannot be written (``check_writable_folder``)."""
        check_writable_folder(self.directory)

    def begin(self, utterance_id: int, sample_rate: int) -> None:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            path, file = self._new_file()
        except OSError as error:
            # Called from the playout task: raising here would stop the voice and hang every reply. Say it, go on.
            self._failed(self.directory, error)
            return
        handle = wave.open(file, "wb")  # noqa: SIM115 - stays open across writes until end()
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(sample_rate)
        self._open[utterance_id] = (handle, path)
        self._files[utterance_id] = file

    def _new_file(self) -> tuple[Path, BinaryIO]:
        """The next free ``prefix-NNNN.wav``, created exclusively: never an earlier session's file (nor one that
        another process on the same folder has just taken)."""
        if self._count == 0:
            numbers = [_number(p.name, self.prefix) for p in self.directory.glob(f"{self.prefix}-*.wav")]
            self._count = max([n for n in numbers if n is not None], default=0)
        while True:
            self._count += 1
            path = self.directory / f"{self.prefix}-{self._count:04d}.wav"
            try:
                return path, path.open("xb")
            except FileExistsError:
                continue

    def write(self, utterance_id: int, samples: np.ndarray) -> None:
        entry = self._open.get(utterance_id)
        if entry is not None:
            try:
                entry[0].writeframes(to_int16(samples).tobytes())
            except OSError as error:  # the disk filled up, the folder went away
                self._open.pop(utterance_id, None)
                with contextlib.suppress(Exception):
                    entry[0].close()
                with contextlib.suppress(OSError):
                    self._files.pop(utterance_id).close()
                self._failed(entry[1], error)

    def _failed(self, path: Path, error: OSError) -> None:
        self.failures += 1
        if self.failures == 1:
            log.error("cannot write reply audio to %s (%s); later failures are counted only", path, error)

    def end(self, utterance_id: int, interrupted: bool) -> Path | None:
        entry = self._open.pop(utterance_id, None)
        if entry is None:
            return None
        file = self._files.pop(utterance_id)
        try:
            entry[0].close()
        except OSError as error:
            self._failed(entry[1], error)
            return None
        finally:
            with contextlib.suppress(OSError):
                file.close()
        self.written.append(entry[1])
        return entry[1]

    def close(self) -> None:
        for utterance_id in list(self._open):
            self.end(utterance_id, interrupted=True)


def _number(name: str, prefix: str) -> int | None:
    digits = name.removeprefix(f"{prefix}-").removesuffix(".wav")
    return int(digits) if digits.isdigit() else None


class NullSink:
    def begin(self, utterance_id: int, sample_rate: int) -> None:
        return None

    def write(self, utterance_id: int, samples: np.ndarray) -> None:
        return None

    def end(self, utterance_id: int, interrupted: bool) -> Path | None:
        return None

    def close(self) -> None:
        return None


class SpeakerSink:
    """Plays through the default output device. The playout paces writes, so a small blocking write is fine."""

    def __init__(self, device: str | int | None = None) -> None:
        try:
            import sounddevice
        except (ImportError, OSError) as error:
            raise CompanionError(
                f"no audio output available ({error})",
                "install the audio extra (pip install 'companion-agent[audio]') and PortAudio (libportaudio2)",
            ) from None
        try:
            sounddevice.check_output_settings(device=device, channels=1)
        except Exception as error:
            raise CompanionError(
                f"no usable speaker ({error})", "set audio.output.sink: wav to write files instead"
            ) from None
        self._sd = sounddevice
        self._device = device
        self._stream: object | None = None
        self._rate = 0

    def begin(self, utterance_id: int, sample_rate: int) -> None:
        if self._stream is None or self._rate != sample_rate:
            self.close()
            stream = self._sd.OutputStream(samplerate=sample_rate, channels=1, dtype="float32", device=self._device)
            stream.start()
            self._stream, self._rate = stream, sample_rate

    def write(self, utterance_id: int, samples: np.ndarray) -> None:
        if self._stream is not None:
            self._stream.write(samples.reshape(-1, 1))  # type: ignore[attr-defined]

    def end(self, utterance_id: int, interrupted: bool) -> Path | None:
        return None

    def close(self) -> None:
        if self._stream is not None:
            with contextlib.suppress(Exception):
                self._stream.close()  # type: ignore[attr-defined]
            self._stream = None
