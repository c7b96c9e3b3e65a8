"""The playout timeline on a virtual clock: back-to-back clauses, late clauses, pause/resume, cancel, reference."""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np

from companion.core.clock import LoopClock
from companion.speech.playout import Playout
from companion.speech.types import SpeechAudio
from companion.tools.testing import virtual_time

RATE = 22050


class RecordingSink:
    def __init__(self) -> None:
        self.audio: dict[int, list[np.ndarray]] = {}
        self.ended: dict[int, bool] = {}

    def begin(self, utterance_id: int, sample_rate: int) -> None:
        self.audio[utterance_id] = []

    def write(self, utterance_id: int, samples: np.ndarray) -> None:
        self.audio[utterance_id].append(samples.copy())

    def end(self, utterance_id: int, interrupted: bool) -> Path | None:
        self.ended[utterance_id] = interrupted
        return None

    def close(self) -> None:
        return None

    def played(self, utterance_id: int) -> np.ndarray:
        return np.concatenate(self.audio[utterance_id])


def tone(seconds: float, freq: float) -> SpeechAudio:
    t = np.arange(int(seconds * RATE)) / RATE
    return SpeechAudio("x", (0.5 * np.sin(2 * np.pi * freq * t)).astype(np.float32), RATE)


async def _start(sink: RecordingSink) -> tuple[Playout, asyncio.Task[None], LoopClock]:
    clock = LoopClock()
    playout = Playout(clock, sink, RATE)
    return playout, asyncio.create_task(playout.run()), clock


@virtual_time
async def test_back_to_back_clauses_play_contiguously() -> None:
    sink = RecordingSink()
    playout, task, clock = await _start(sink)
    a, b = tone(0.5, 200), tone(0.3, 300)
    t0 = clock.now() + 0.1
    first = playout.schedule(1, a, t0)
    second = playout.schedule(1, b, t0)
    playout.close(1)
    result = await playout.wait_done(1)
    task.cancel()
    assert first.start_t == t0 and abs(second.start_t - (t0 + 0.5)) < 1e-9
    assert result.first_sample_t == t0 and not result.interrupted
    assert abs(result.end_t - (t0 + 0.8)) < 1e-6
    np.testing.assert_allclose(sink.played(1), np.concatenate([a.samples, b.samples]), atol=1e-6)


@virtual_time
async def test_a_late_clause_leaves_silence_in_between() -> None:
    sink = RecordingSink()
    playout, task, clock = await _start(sink)
    a, b = tone(0.2, 200), tone(0.2, 300)
    first = playout.schedule(1, a, clock.now())
    await asyncio.sleep(0.5)  # "TTS" took longer than the first clause lasted
    late = playout.schedule(1, b, clock.now() + 0.05)
    playout.close(1)
    await playout.wait_done(1)
    task.cancel()
    played = sink.played(1)
    gap = round((late.start_t - first.end_t) * RATE)
    assert gap > 0.3 * RATE
    assert len(played) == len(a.samples) + gap + len(b.samples)
    assert np.all(played[len(a.samples) : len(a.samples) + gap] == 0)


@virtual_time
async def test_pause_fades_out_and_resume_replays_the_cut_clause() -> None:
    sink = RecordingSink()
    playout, task, clock = await _start(sink)
    a, b = tone(0.4, 200), tone(0.4, 300)
    start = clock.now()
    playout.schedule(1, a, start)
    playout.schedule(1, b, start)
    playout.close(1)
    await asyncio.sleep(0.6)  # in the middle of b
    silent_at = playout.pause(1, clock.now(), fade_ms=20)
    # Silent within write-ahead (30 ms) + one block (10 ms) + the fade (20 ms).
    assert silent_at is not None and silent_at - clock.now() <= 0.03 + 0.01 + 0.02 + 1e-6
    await asyncio.sleep(0.5)
    assert not playout.speaking_at(clock.now())
    assert playout.is_held(1)
    retimed = playout.resume(1, clock.now() + 0.1)
    assert [c.index for c in retimed] == [1]
    result = await playout.wait_done(1)
    task.cancel()
    played = sink.played(1)
    # The end of what played is b, replayed whole, at its new start time.
    np.testing.assert_allclose(played[-len(b.samples) :], b.samples, atol=1e-6)
    assert abs(result.end_t - (retimed[0].start_t + 0.4)) < 1e-6
    # The fade: the audio around the pause point goes to zero within 20 ms and stays there.
    pause_index = round((silent_at - start) * RATE)
    assert np.all(played[pause_index : pause_index + int(0.3 * RATE)] == 0)


@virtual_time
async def test_cancel_drops_the_rest_and_reports_interrupted() -> None:
    sink = RecordingSink()
    playout, task, clock = await _start(sink)
    start = clock.now()
    playout.schedule(1, tone(1.0, 200), start)
    await asyncio.sleep(0.3)
    playout.schedule(1, tone(1.0, 300), start)  # arrives while the first plays
    silent_at = playout.cancel(1, clock.now(), fade_ms=20)
    result = await playout.wait_done(1)
    task.cancel()
    assert result.interrupted and sink.ended[1] is True
    assert silent_at is not None
    assert abs(result.end_t - silent_at) < 1e-6
    assert len(sink.played(1)) <= round((silent_at - start) * RATE) + 1


@virtual_time
async def test_cancel_before_any_audio_finishes_without_writing() -> None:
    sink = RecordingSink()
    playout, task, clock = await _start(sink)
    playout.open(7)
    playout.cancel(7, clock.now(), fade_ms=20)
    result = await playout.wait_done(7)
    task.cancel()
    assert result.first_sample_t is None and result.interrupted and 7 not in sink.audio


@virtual_time
async def test_reference_is_what_was_played_at_16khz() -> None:
    sink = RecordingSink()
    playout, task, clock = await _start(sink)
    clip = tone(0.5, 440)
    start = clock.now() + 0.05
    playout.schedule(1, clip, start)
    playout.close(1)
    await playout.wait_done(1)
    task.cancel()
    reference = playout.reference(start + 0.1, 1600)  # 100 ms from 100 ms into the clip
    t = 0.1 + np.arange(1600) / 16000
    expected = 0.5 * np.sin(2 * np.pi * 440 * t)
    np.testing.assert_allclose(reference, expected, atol=0.01)
    assert np.all(playout.reference(start + 1.0, 160) == 0)
