"""The playout scheduler: the audio timeline that defines time for the whole robot.

Each reply is an *utterance*: clauses of synthesized speech placed back to back on the loop clock (a clause
that arrives late starts late; the speaker is silent in between). A background task writes the audio to the
sink in small blocks shortly before each block is due, so a barge-in can still change what has not been
written: ``pause`` fades out within ``fade_ms`` and holds the rest, ``resume`` plays it again from the start of
the clause that was cut (a person repeats the phrase they were in), ``cancel`` fades out and drops it all.

The face follows this timeline: whoever schedules a clause hands the same start time to the animator.
The playout also keeps what it played in a short history, the reference signal an echo canceller needs.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np

from companion.core.clock import Clock
from companion.speech.sinks import AudioSink
from companion.speech.types import INPUT_SAMPLE_RATE, SpeechAudio


@dataclass
class ScheduledClause:
    utterance_id: int
    index: int
    speech: SpeechAudio
    start_t: float  # loop time of its first sample

    @property
    def end_t(self) -> float:
        return self.start_t + self.speech.duration_s


@dataclass(frozen=True)
class PlayoutResult:
    utterance_id: int
    first_sample_t: float | None  # None: nothing was ever played
    end_t: float
    interrupted: bool
    played_s: float
    path: Path | None


class PlayoutListener(Protocol):
    """Told what actually plays, when it plays (called from the writer a few ms before the sample is due, with
    the exact loop time of the sample)."""

    def audio_started(self, utterance_id: int, t: float) -> None: ...

    def clause_started(self, clause: ScheduledClause, t: float) -> None: ...

    def audio_ended(self, result: PlayoutResult) -> None: ...


@dataclass
class _Utterance:
    id: int
    done: asyncio.Future[PlayoutResult]
    clauses: list[ScheduledClause] = field(default_factory=list)
    held: list[ScheduledClause] = field(default_factory=list)
    next_index: int = 0
    closed: bool = False
    interrupted: bool = False
    begun: bool = False
    anchor: float | None = None  # loop time of sample 0 of this utterance's timeline
    cursor_samples: int = 0  # samples written so far (from the anchor)
    fade: tuple[float, float] | None = None  # a fade-out in progress: (start, end)
    first_sample_t: float | None = None
    played_s: float = 0.0

    @property
    def cursor(self) -> float | None:
        """Loop time up to which audio has been written (None before the first clause is placed)."""
        return None if self.anchor is None or not self.begun else self.anchor + self.cursor_samples / self.rate

    rate: int = 22050

    def timeline_end(self) -> float | None:
        ends = [c.end_t for c in self.clauses]
        if self.fade is not None:
            ends = [min(e, self.fade[1]) for e in ends]
        return max(ends) if ends else None


class Playout:
    def __init__(
        self,
        clock: Clock,
        sink: AudioSink,
        sample_rate: int,
        block_ms: float = 10.0,
        write_ahead_ms: float = 30.0,
        history_s: float = 8.0,
        listener: PlayoutListener | None = None,
    ) -> None:
        self.clock = clock
        self.listener = listener
        self.sink = sink
        self.sample_rate = sample_rate
        self._block_s = block_ms / 1000.0
        self._write_ahead_s = write_ahead_ms / 1000.0
        self._utterances: dict[int, _Utterance] = {}
        self._order: deque[int] = deque()
        self._wakeup = asyncio.Event()
        self._history: deque[tuple[float, np.ndarray]] = deque()
        self._history_s = history_s

    # --- scheduling -------------------------------------------------------------------------------------------

    def open(self, utterance_id: int) -> None:
        if utterance_id not in self._utterances:
            future: asyncio.Future[PlayoutResult] = asyncio.get_running_loop().create_future()
            self._utterances[utterance_id] = _Utterance(utterance_id, future, rate=self.sample_rate)
            self._order.append(utterance_id)

    def timeline_end(self) -> float:
        """When everything scheduled so far (in every utterance) has played."""
        ends = [u.timeline_end() for u in self._utterances.values()]
        return max([e for e in ends if e is not None], default=self.clock.now())

    def schedule(self, utterance_id: int, speech: SpeechAudio, not_before: float) -> ScheduledClause:
        """Place a clause after everything already scheduled, no earlier than ``not_before``."""
        self.open(utterance_id)
        utterance = self._utterances[utterance_id]
        if speech.sample_rate != self.sample_rate:
            raise ValueError(f"clause at {speech.sample_rate} Hz on a {self.sample_rate} Hz playout")
        start = self._on_grid(utterance, max(not_before, self.timeline_end(), utterance.cursor or 0.0))
        clause = ScheduledClause(utterance_id, utterance.next_index, speech, start)
        utterance.next_index += 1
        if utterance.fade is not None or utterance.held:
            utterance.held.append(clause)  # paused: it plays if the reply resumes
        else:
            utterance.clauses.append(clause)
        self._wakeup.set()
        return clause

    def _on_grid(self, utterance: _Utterance, t: float) -> float:
        """Round ``t`` up to a whole sample of the utterance's timeline, so clauses join without drift."""
        if utterance.anchor is None:
            utterance.anchor = t
            return t
        samples = math.ceil((t - utterance.anchor) * self.sample_rate - 1e-6)
        return utterance.anchor + samples / self.sample_rate

    def close(self, utterance_id: int) -> None:
        """No more clauses will come for this utterance; it is done once they have played."""
        self.open(utterance_id)
        self._utterances[utterance_id].closed = True
        self._wakeup.set()

    def pause(self, utterance_id: int, t: float, fade_ms: float) -> float | None:
        """Fade out from ``t`` and hold the rest. Returns when the audio is silent (None: nothing was playing)."""
        utterance = self._utterances.get(utterance_id)
        if utterance is None or utterance.done.done() or utterance.fade is not None:
            return None
        fade_start = max(t, utterance.cursor or t)
        fade_end = fade_start + fade_ms / 1000.0
        playing = [c for c in utterance.clauses if c.end_t > fade_start]
        if not playing:
            fade_end = fade_start  # silent already (between clauses): nothing to fade
        utterance.fade = (fade_start, fade_end)
        utterance.held = [*playing, *utterance.held]
        utterance.clauses = [c for c in utterance.clauses if c.start_t < fade_end]
        self._wakeup.set()
        return fade_end

    def resume(self, utterance_id: int, not_before: float) -> list[ScheduledClause]:
        """Play the held clauses again, from the start of the one that was cut. Returns them re-timed."""
        utterance = self._utterances.get(utterance_id)
        if utterance is None or utterance.done.done() or not utterance.held:
            return []
        fade_end = utterance.fade[1] if utterance.fade else not_before
        start = self._on_grid(utterance, max(not_before, fade_end, utterance.cursor or 0.0))
        utterance.fade = None
        retimed: list[ScheduledClause] = []
        for clause in utterance.held:
            retimed.append(ScheduledClause(utterance_id, clause.index, clause.speech, start))
            start = self._on_grid(utterance, start + clause.speech.duration_s)
        utterance.held = []
        # Clauses that had finished before the pause stay in the past; the one that was cut is replaced.
        replaced = {clause.index for clause in retimed}
        utterance.clauses = [c for c in utterance.clauses if c.end_t <= fade_end and c.index not in replaced]
        utterance.clauses += retimed
        self._wakeup.set()
        return retimed

    def cancel(self, utterance_id: int, t: float, fade_ms: float) -> float | None:
        """Fade out from ``t`` and drop the rest of the utterance for good."""
        utterance = self._utterances.get(utterance_id)
        if utterance is None or utterance.done.done():
            return None
        silent_at = self.pause(utterance_id, t, fade_ms)
        if silent_at is None and utterance.fade is not None:
            silent_at = utterance.fade[1]
        utterance.held = []
        utterance.closed = True
        utterance.interrupted = True
        self._wakeup.set()
        return silent_at

    def is_held(self, utterance_id: int) -> bool:
        utterance = self._utterances.get(utterance_id)
        return bool(utterance and utterance.held and not utterance.done.done())

    async def wait_done(self, utterance_id: int) -> PlayoutResult:
        self.open(utterance_id)
        return await asyncio.shield(self._utterances[utterance_id].done)

    def speaking_at(self, t: float) -> bool:
        """Whether robot audio is (scheduled to be) coming out of the speaker at loop time ``t``."""
        for utterance in self._utterances.values():
            for clause in utterance.clauses:
                end = clause.end_t if utterance.fade is None else min(clause.end_t, utterance.fade[1])
                if clause.start_t <= t < end:
                    return True
        return False

    # --- the echo reference -----------------------------------------------------------------------------------

    def reference(self, t0: float, num_samples: int) -> np.ndarray:
        """What the speaker played from loop time ``t0``, as ``num_samples`` at 16 kHz (zeros where silent)."""
        out = np.zeros(num_samples, dtype=np.float32)
        if num_samples == 0:
            return out
        out_t = t0 + np.arange(num_samples) / INPUT_SAMPLE_RATE
        margin = 2.0 / self.sample_rate
        blocks = [(s, b) for s, b in self._history if s + len(b) / self.sample_rate >= t0 - margin and s <= out_t[-1]]
        # Join contiguous blocks into runs so interpolation across block edges is exact.
        runs: list[tuple[float, list[np.ndarray]]] = []
        for start, block in sorted(blocks, key=lambda item: item[0]):
            if runs:
                run_start, parts = runs[-1]
                run_end = run_start + sum(len(p) for p in parts) / self.sample_rate
                if abs(start - run_end) < 0.5 / self.sample_rate:
                    parts.append(block)
                    continue
            runs.append((start, [block]))
        for start, parts in runs:
            samples = np.concatenate(parts)
            end = start + len(samples) / self.sample_rate
            mask = (out_t >= start) & (out_t < end)
            if mask.any():
                src_t = start + np.arange(len(samples)) / self.sample_rate
                out[mask] = np.interp(out_t[mask], src_t, samples)
        return out

    # --- the writer task --------------------------------------------------------------------------------------

    async def run(self) -> None:
        """Write due audio to the sink until cancelled."""
        while True:
            utterance = self._current()
            if utterance is None:
                self._wakeup.clear()
                await self._wakeup.wait()
                continue
            next_wake = self._pump(utterance)
            if utterance.done.done():
                continue
            self._wakeup.clear()
            timeout = None if next_wake is None else max(0.0, next_wake - self.clock.now())
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), timeout)

    def _current(self) -> _Utterance | None:
        while self._order:
            utterance = self._utterances[self._order[0]]
            if not utterance.done.done():
                return utterance
            self._order.popleft()
            self._forget_old()
        return None

    def _forget_old(self) -> None:
        """Keep a few finished utterances (for ``speaking_at``), drop older ones."""
        finished = [k for k, u in self._utterances.items() if u.done.done() and k not in self._order]
        for key in finished[:-8]:
            del self._utterances[key]

    def _pump(self, utterance: _Utterance) -> float | None:
        """Write what is due; finish the utterance when it is over. Returns when to look again."""
        now = self.clock.now()
        if not utterance.clauses:
            if utterance.closed and not utterance.held:
                self._finish(utterance, now)
            return None
        end = utterance.timeline_end()
        assert end is not None and utterance.anchor is not None
        end_sample = round((end - utterance.anchor) * self.sample_rate)
        horizon = now + self._write_ahead_s
        block = max(1, round(self._block_s * self.sample_rate))
        # Write every block that is due (its start within the write-ahead horizon); the cursor always advances,
        # so the next wake-up is strictly in the future.
        while utterance.cursor_samples < end_sample:
            start_t = utterance.anchor + utterance.cursor_samples / self.sample_rate
            if utterance.begun and start_t > horizon + 1e-9:
                break
            if not utterance.begun:
                first = min(c.start_t for c in utterance.clauses)
                if first > horizon + 1e-9:
                    return first - self._write_ahead_s
                utterance.cursor_samples = round((first - utterance.anchor) * self.sample_rate)
            count = min(block, end_sample - utterance.cursor_samples)
            self._write(utterance, utterance.cursor_samples, count)
            utterance.cursor_samples += count
        if utterance.cursor_samples >= end_sample:
            if utterance.closed and not utterance.held:
                self._finish(utterance, end)
            return None  # finished, or waiting for the next clause or for resume/cancel after a pause
        return utterance.anchor + utterance.cursor_samples / self.sample_rate - self._write_ahead_s

    def _write(self, utterance: _Utterance, first_sample: int, n: int) -> None:
        assert utterance.anchor is not None
        rate = self.sample_rate
        block = np.zeros(n, dtype=np.float32)
        for clause in utterance.clauses:
            clause_start = round((clause.start_t - utterance.anchor) * rate)
            offset = first_sample - clause_start
            src_start, dst_start = max(0, offset), max(0, -offset)
            count = min(len(clause.speech.samples) - src_start, n - dst_start)
            if count > 0:
                block[dst_start : dst_start + count] += clause.speech.samples[src_start : src_start + count]
        t0 = utterance.anchor + first_sample / rate
        if utterance.fade is not None:
            fade_start, fade_end = utterance.fade
            times = t0 + np.arange(n) / rate
            gain = np.clip((fade_end - times) / max(fade_end - fade_start, 1e-6), 0.0, 1.0)
            block *= gain.astype(np.float32)
        if not utterance.begun:
            self.sink.begin(utterance.id, rate)
            utterance.begun = True
            utterance.first_sample_t = t0
            if self.listener is not None:
                self.listener.audio_started(utterance.id, t0)
        if self.listener is not None and utterance.fade is None:
            for clause in utterance.clauses:
                if first_sample <= round((clause.start_t - utterance.anchor) * rate) < first_sample + n:
                    self.listener.clause_started(clause, clause.start_t)
        self.sink.write(utterance.id, block)
        utterance.played_s += n / rate
        self._history.append((t0, block))
        while self._history and self._history[0][0] < t0 - self._history_s:
            self._history.popleft()

    def _finish(self, utterance: _Utterance, end_t: float) -> None:
        path = self.sink.end(utterance.id, utterance.interrupted) if utterance.begun else None
        result = PlayoutResult(
            utterance.id, utterance.first_sample_t, end_t, utterance.interrupted, utterance.played_s, path
        )
        utterance.done.set_result(result)
        if self.listener is not None and utterance.begun:
            self.listener.audio_ended(result)
