"""Listening: microphone chunks in, turn-taking decisions out.

Per 32 ms chunk: cancel the robot's own echo, ask the VAD, gate what might still be the robot, and segment the
user's speech. While the user speaks, partial transcripts are made every ``partial_interval_ms`` (when the
speech-to-text worker is free). At each pause a *candidate* transcript is made for the speech so far; when a
recent partial already covers nearly all of it, that partial serves instead, so no new whisper call delays the
reply. The turn ends when the silence is long enough for what was said: ``end_of_turn_silence_ms`` after a
complete-sounding phrase, ``unfinished_silence_ms`` after "I was wondering if ...".

The listener only reports; the session (``TurnHandler``) decides about replies and barge-ins.
"""

from __future__ import annotations

import asyncio
import logging
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from companion.agent.config.schema import TurnTakingConfig
from companion.agent.hearing import (
    CandidateHeard,
    PartialHeard,
    SpeechPaused,
    SpeechResumed,
    SpeechStarted,
    TurnEnded,
    TurnHandler,
)
from companion.agent.turn_rules import normalize, sounds_unfinished
from companion.core.clock import Clock
from companion.core.tasks import TaskSet
from companion.speech.echo import ECHO_TAIL_S, EchoCanceller, SelfHearingGate, rms
from companion.speech.playout import Playout
from companion.speech.segmenter import SpeechSegmenter
from companion.speech.sinks import to_int16
from companion.speech.sources import AudioSource
from companion.speech.stt import SpeechToText
from companion.speech.types import INPUT_SAMPLE_RATE, AudioChunk
from companion.speech.vad import VoiceActivityDetector

log = logging.getLogger(__name__)

# A partial still being made stands in for a new transcript at a pause only when its audio reaches the pause: within
# one 32 ms chunk (the VAD's own lag), far too short for a word. It was 0.25 s, and a question's last word ("...the
# whales") fell into that gap and was never heard (issue 13: 5 of 6 benchmark runs answered half a question).
_PARTIAL_COVERS_S = 0.04
_STABLE_PARTIAL_COVERS_S = 0.6


@dataclass
class _Transcription:
    generation: int  # which pause it belongs to (pauses and resumptions count up)
    audio_end_t: float  # the loop time its audio ends
    text: str | None = None
    done_t: float | None = None
    task: asyncio.Task[None] | None = None


class Listener:
    def __init__(
        self,
        stt: SpeechToText,
        vad: VoiceActivityDetector,
        echo: EchoCanceller,
        playout: Playout,
        clock: Clock,
        config: TurnTakingConfig,
        handler: TurnHandler,
        store_audio_dir: Path | None = None,
    ) -> None:
        self.stt = stt
        self.vad = vad
        self.echo = echo
        self.gate = SelfHearingGate()
        self.playout = playout
        self.clock = clock
        self.config = config
        self.handler = handler
        self.store_audio_dir = store_audio_dir
        self.segmenter = SpeechSegmenter(threshold=config.vad_threshold, min_speech_ms=config.min_speech_ms)
        self._generation = 0
        self._candidate: _Transcription | None = None
        self._partial_in_flight: _Transcription | None = None
        self._partials: list[_Transcription] = []
        self._last_partial_start = -1e9
        self._transcriptions = TaskSet("listener")
        self._stored = 0
        self._audio_now = clock.now()  # the end of the latest chunk processed, on the audio timeline

    # --- the loop ---------------------------------------------------------------------------------------------

    async def run(self, source: AudioSource) -> None:
        """Listen until the source ends; a turn in progress at the end is finished (a file's last words count)."""
        async for chunk in source.chunks(self.clock):
            self.process(chunk)
        await self._finish_at_end()

    def process(self, chunk: AudioChunk) -> None:
        # Turn decisions run on the audio's own timeline (the end of this chunk), not on the wall clock: when the
        # loop falls behind and chunks arrive in a burst, silence must not seem longer than the audio says.
        now = chunk.t + chunk.duration_s
        self._audio_now = now
        reference = self.playout.reference(chunk.t, len(chunk.samples))
        residual = self.echo.process(chunk.samples, reference)
        probability = self.vad.probability(residual)
        tail = int(ECHO_TAIL_S * INPUT_SAMPLE_RATE)
        heard_lately = self.playout.reference(chunk.t - ECHO_TAIL_S, tail + len(chunk.samples))
        if rms(heard_lately) > 1e-3:
            probability = self.gate.user_speech_probability(residual, heard_lately, probability)
        robot = self.handler.robot_audible(chunk.t)
        min_speech = self.config.barge_in_min_speech_ms if robot else self.config.min_speech_ms
        self.segmenter.min_speech_s = min_speech / 1000.0
        for event in self.segmenter.push(AudioChunk(residual, chunk.t), probability):
            if event.kind == "started":
                self._new_generation()
                self.handler.on_speech_started(SpeechStarted(event.t))
            elif event.kind == "resumed":
                self._new_generation()
                self.handler.on_speech_resumed(SpeechResumed(event.t))
            else:
                self.handler.on_speech_paused(SpeechPaused(event.t))
                self._on_pause(event.t)
        self._maybe_partial(now)
        self._maybe_end_turn(now)

    # --- transcripts ------------------------------------------------------------------------------------------

    def _new_generation(self) -> None:
        self._generation += 1
        self._candidate = None

    def _on_pause(self, t: float) -> None:
        generation = self._generation
        in_flight = self._partial_in_flight
        if in_flight is not None and in_flight.audio_end_t >= t - _PARTIAL_COVERS_S:
            # A partial that is being made already covers this speech: adopt it as the candidate.
            in_flight.generation = generation
            self._candidate = in_flight
            return
        if in_flight is not None and in_flight.task is not None:
            # A draft that ends before the pause answers nothing now, and would share the cores with the transcript
            # the reply waits for: stop it (a backend that decodes token by token stops at its next token).
            in_flight.task.cancel()
            self._partial_in_flight = None
        stable = self._stable_partial(t)
        if stable is not None:
            self.handler.on_candidate(CandidateHeard(stable.text or "", self.clock.now(), stable.audio_end_t))
        candidate = _Transcription(generation, t)
        self._candidate = candidate
        self._transcriptions.spawn(self._transcribe(candidate, self.segmenter.audio(), partial=False), "transcript")

    def _stable_partial(self, pause_t: float) -> _Transcription | None:
        """The last partial, if it agrees with the one before and reaches close to the pause."""
        done = [p for p in self._partials if p.text is not None]
        if len(done) < 2:
            return None
        last, before = done[-1], done[-2]
        if last.audio_end_t < pause_t - _STABLE_PARTIAL_COVERS_S or not last.text:
            return None
        return last if normalize(last.text) == normalize(before.text or "") else None

    def _maybe_partial(self, now: float) -> None:
        if not self.segmenter.speaking or self._partial_in_flight is not None or getattr(self.stt, "busy", False):
            return
        if now - self._last_partial_start < self.config.partial_interval_ms / 1000.0 or self.segmenter.speech_s < 0.4:
            return
        self._last_partial_start = now
        partial = _Transcription(-1, now)
        self._partial_in_flight = partial
        partial.task = self._transcriptions.spawn(
            self._transcribe(partial, self.segmenter.audio(), partial=True), "partial"
        )

    async def _transcribe(self, job: _Transcription, audio: np.ndarray, partial: bool) -> None:
        try:
            transcript = await self.stt.transcribe(audio, partial=partial)
        finally:
            if job is self._partial_in_flight:
                self._partial_in_flight = None
        job.text = transcript.text
        job.done_t = self.clock.now()
        if partial:
            self._partials = [*self._partials[-3:], job]
            self.handler.on_partial(PartialHeard(transcript.text, job.done_t, job.audio_end_t))
        if job.generation == self._generation and job is self._candidate:
            self.handler.on_candidate(CandidateHeard(transcript.text, job.done_t, job.audio_end_t))
            self._maybe_end_turn(self._audio_now)

    # --- ending turns -----------------------------------------------------------------------------------------

    def _maybe_end_turn(self, now: float, force: bool = False) -> None:
        segmenter = self.segmenter
        if not segmenter.in_utterance or segmenter.speaking:
            return
        candidate = self._candidate
        if candidate is None or candidate.text is None or candidate.generation != self._generation:
            return
        needed_ms = self.config.unfinished_silence_ms if sounds_unfinished(candidate.text) else (
            self.config.end_of_turn_silence_ms)  # fmt: skip
        too_long = segmenter.speech_s >= self.config.max_turn_s
        if not (force or too_long or segmenter.silence_s(now) * 1000.0 >= needed_ms):
            return
        end_of_speech = segmenter.last_speech_end or now
        speech_s = segmenter.speech_s
        audio = segmenter.finish_utterance()
        self._store(audio)
        self._candidate = None
        self._partials = []
        self._generation += 1
        assert candidate.done_t is not None
        self.handler.on_end_of_turn(
            TurnEnded(
                candidate.text, end_of_speech, candidate.done_t, max(now, self.clock.now()), speech_s,
                candidate.audio_end_t,
            )
        )  # fmt: skip

    async def _finish_at_end(self) -> None:
        """The source ended: wait for transcripts in flight and end the turn in progress, if any."""
        if self.segmenter.in_utterance and self.segmenter.speaking:
            self.segmenter.speaking = False
            self._on_pause(self._audio_now)
        await self._transcriptions.wait()
        self._maybe_end_turn(self._audio_now, force=True)

    def _store(self, audio: np.ndarray) -> None:
        """Keep the user's speech only when privacy.store_audio allows it."""
        if self.store_audio_dir is None or len(audio) == 0:
            return
        self.store_audio_dir.mkdir(parents=True, exist_ok=True)
        self._stored += 1
        path = self.store_audio_dir / f"user-{self._stored:04d}.wav"
        with wave.open(str(path), "wb") as handle:
            handle.setnchannels(1)
            handle.setsampwidth(2)
            handle.setframerate(INPUT_SAMPLE_RATE)
            handle.writeframes(to_int16(audio).tobytes())

    async def close(self) -> None:
        await self._transcriptions.cancel()
