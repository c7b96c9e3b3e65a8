"""The checks of the conformance kit, one per kind of backend (see the package docstring)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

import numpy as np
from pydantic import BaseModel

from companion.agent.llm.base import ChatMessage, LanguageModel
from companion.face.controller.rig import Rig
from companion.face.drivers.base import Driver, OutputTick
from companion.face.phonemes import TimedPhoneme
from companion.face.protocol import DEFAULT_LAYOUT
from companion.face.visemes import (
    DIPHTHONGS,
    FOLD_NEXT_SYMBOLS,
    FOLD_PREVIOUS_SYMBOLS,
    PAUSE_SYMBOLS,
    PHONEME_VISEMES,
    SILENCE_SYMBOLS,
)
from companion.speech.stt import SpeechToText
from companion.speech.tts import TextToSpeech
from companion.speech.types import INPUT_SAMPLE_RATE, SpeechAudio, Transcript
from companion.speech.vad import VoiceActivityDetector

CANCEL_WITHIN_S = 1.0  # a cancelled call must return this soon, and the next one must not wait behind it
DOCUMENTED_SYMBOLS = (
    set(PHONEME_VISEMES) | set(DIPHTHONGS) | SILENCE_SYMBOLS | PAUSE_SYMBOLS | FOLD_NEXT_SYMBOLS | FOLD_PREVIOUS_SYMBOLS
)


class ConformanceError(AssertionError):
    """A backend does not keep its contract; the message says which part."""


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise ConformanceError(message)


def check_backend_class(cls: type[Any]) -> None:
    """What the registry needs of a backend class: ``Options`` (a pydantic model whose defaults validate) and
    ``from_config``."""
    options = getattr(cls, "Options", None)
    _require(isinstance(options, type) and issubclass(options, BaseModel), f"{cls.__name__}.Options is not a model")
    try:
        options.model_validate({})
    except Exception as error:
        raise ConformanceError(f"{cls.__name__}: its options have no usable defaults: {error}") from None
    _require(callable(getattr(cls, "from_config", None)), f"{cls.__name__} has no from_config")


# --- speech-to-text ---------------------------------------------------------------------------------------------


async def check_speech_to_text(stt: SpeechToText, speech: np.ndarray | None = None) -> None:
    """A transcript for speech and for silence; drafts marked as such; a cancelled call returns at once."""
    speech = _audio(speech, 2.0)
    started = time.perf_counter()
    final = await stt.transcribe(speech)
    one_call_s = time.perf_counter() - started
    _require(isinstance(final, Transcript) and isinstance(final.text, str), "transcribe must return a Transcript")
    _require(final.is_final, "a transcript asked for with partial=False must have is_final=True")
    draft = await stt.transcribe(speech[: len(speech) // 2], partial=True)
    _require(not draft.is_final, "a transcript asked for with partial=True must have is_final=False")
    silence = await stt.transcribe(np.zeros(INPUT_SAMPLE_RATE // 2, dtype=np.float32))
    _require(isinstance(silence.text, str), "silence must give a transcript (usually empty), not fail")
    long_speech = np.tile(speech, 5)
    await _cancel_promptly("transcribe", lambda: stt.transcribe(long_speech))
    next_started = time.perf_counter()
    await stt.transcribe(speech)
    # At most what is left of one step of the cancelled call, then its own: never the whole cancelled call.
    _require(time.perf_counter() - next_started < 2 * one_call_s + CANCEL_WITHIN_S,
             "the call after a cancelled one waited behind all of it")  # fmt: skip


# --- text-to-speech ---------------------------------------------------------------------------------------------


async def check_text_to_speech(tts: TextToSpeech) -> None:
    """Audio at ``sample_rate`` with phoneme timings in the documented alphabet (given or estimated), streaming in
    chunks, nothing for blank text, and a stream that stops when its consumer leaves."""
    _require(isinstance(tts.sample_rate, int) and 8000 <= tts.sample_rate <= 48000, "sample_rate must be 8-48 kHz")
    _require(isinstance(getattr(tts, "provides_timings", None), bool), "provides_timings must be declared (bool)")
    chunks = [chunk async for chunk in tts.stream("Hello there. Welcome to the museum!")]
    _require(len(chunks) >= 1, "stream() gave no audio")
    for chunk in chunks:
        _check_speech(chunk, tts.sample_rate)
    blank = [chunk async for chunk in tts.stream("  ")]
    _require(all(len(chunk.samples) == 0 for chunk in blank), "blank text must give no audio")
    whole = await tts.synthesize("Hello there.")
    _check_speech(whole, tts.sample_rate)
    stream = tts.stream("This first sentence is long enough to take a while. " * 4 + "And another one.")
    async with contextlib.aclosing(stream) as opened:
        async for _ in opened:
            break  # a barge-in: the consumer leaves after the first chunk
    started = time.perf_counter()
    await tts.synthesize("Yes.")
    _require(time.perf_counter() - started < 5 * CANCEL_WITHIN_S, "the next clause waited behind a closed stream")


def _check_speech(speech: SpeechAudio, sample_rate: int) -> None:
    samples = speech.samples
    _require(isinstance(samples, np.ndarray) and samples.dtype == np.float32 and samples.ndim == 1,
             "audio must be mono float32")  # fmt: skip
    _require(len(samples) > 0, f"no audio for {speech.text!r}")
    _require(speech.sample_rate == sample_rate, f"audio at {speech.sample_rate} Hz, the backend says {sample_rate}")
    _require(bool(np.all(np.isfinite(samples))) and float(np.abs(samples).max()) <= 1.0, "audio must be in [-1, 1]")
    _check_phonemes(speech.phonemes, speech.duration_s)


def _check_phonemes(phonemes: list[TimedPhoneme], duration_s: float) -> None:
    _require(len(phonemes) > 0, "no phoneme timings: lip-sync needs them (set provides_timings = False to estimate)")
    previous_start = 0.0
    for phoneme in phonemes:
        _require(isinstance(phoneme, TimedPhoneme), "phonemes must be TimedPhoneme")
        _require(phoneme.start_s >= previous_start - 1e-6, f"phoneme {phoneme} starts before the one before it")
        _require(phoneme.start_s <= phoneme.end_s + 1e-6, f"phoneme {phoneme} ends before it starts")
        _require(phoneme.end_s <= duration_s + 0.02, f"phoneme {phoneme} ends after the audio ({duration_s:.3f} s)")
        previous_start = phoneme.start_s
    unknown = sorted({p.phoneme for p in phonemes} - DOCUMENTED_SYMBOLS)
    _require(not unknown, f"symbols outside the documented alphabet (companion.face.phonemes): {unknown}")


# --- language model ---------------------------------------------------------------------------------------------


async def check_language_model(llm: LanguageModel) -> None:
    """Text pieces for a chat, and a stream that frees the model as soon as its consumer leaves."""
    _require(isinstance(getattr(llm, "name", None), str), "a language model has a name")
    messages = [ChatMessage("system", "You are a robot."), ChatMessage("user", "Hello!")]
    pieces = [piece async for piece in llm.stream(messages, max_new_tokens=8)]
    _require(all(isinstance(piece, str) for piece in pieces), "stream() must yield str pieces")
    stream = llm.stream(messages, max_new_tokens=200)
    async with contextlib.aclosing(stream) as opened:
        async for _ in opened:
            break
    started = time.perf_counter()
    async for _ in llm.stream(messages, max_new_tokens=4):
        pass
    _require(time.perf_counter() - started < 10 * CANCEL_WITHIN_S, "the next reply waited behind a closed stream")


# --- voice activity -----------------------------------------------------------------------------------------------


def check_voice_activity_detector(vad: VoiceActivityDetector) -> None:
    """A probability in [0, 1] per chunk of ``chunk_samples``, lower for silence than for a loud tone."""
    size = vad.chunk_samples
    _require(isinstance(size, int) and size > 0, "chunk_samples must be a positive int")
    vad.reset()
    silent = vad.probability(np.zeros(size, dtype=np.float32))
    _require(0.0 <= silent <= 1.0, "probability must be in [0, 1]")
    _require(silent < 0.5, "silence must not read as speech")


# --- face drivers -------------------------------------------------------------------------------------------------


async def check_driver(driver: Driver, rig: Rig) -> None:
    """open, a second of ticks at 100 Hz (each returning at once), a flush, audio, close."""
    _require(isinstance(getattr(driver, "name", None), str), "a driver has a name")
    await driver.open(rig, DEFAULT_LAYOUT)
    try:
        neutral = DEFAULT_LAYOUT.neutral_values()
        positions = {actuator.name: actuator.neutral for actuator in rig.actuators}
        slowest = 0.0
        for tick in range(100):
            started = time.perf_counter()
            driver.write(OutputTick(1e12 + tick * 10.0, neutral, positions, 0))
            slowest = max(slowest, time.perf_counter() - started)
        _require(slowest < 0.005, f"write() took {slowest * 1000:.1f} ms: it runs on the controller's loop")
        driver.on_flush(1)
    finally:
        await driver.close()


# --- helpers ------------------------------------------------------------------------------------------------------


def _audio(speech: np.ndarray | None, seconds: float) -> np.ndarray:
    if speech is not None:
        return np.asarray(speech, dtype=np.float32)
    t = np.arange(int(seconds * INPUT_SAMPLE_RATE)) / INPUT_SAMPLE_RATE
    return (0.2 * np.sin(2 * np.pi * 220 * t) * (np.sin(2 * np.pi * 3 * t) > 0)).astype(np.float32)


async def _cancel_promptly(what: str, start: Any) -> None:
    task = asyncio.ensure_future(start())
    await asyncio.sleep(0.01)
    if task.done():
        return  # too quick to cancel: nothing to check
    cancelled_at = time.perf_counter()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    _require(task.cancelled(), f"a cancelled {what} must raise CancelledError")
    _require(time.perf_counter() - cancelled_at < CANCEL_WITHIN_S, f"a cancelled {what} took too long to return")
