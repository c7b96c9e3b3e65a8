"""The face benchmark's measurements: what one run recorded, and the statistics the README reports.

The definitions (delivery latency, output jitter, viseme onset error, audio/visual offset as shown) are in the
``face_bench`` module docstring.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from companion.face.controller.jitter import Insert
from companion.face.lipsync import find_mouth_onsets, onset_errors_ms, plan_clause
from companion.face.phonemes import TimedPhoneme
from companion.face.protocol import DEFAULT_LAYOUT
from companion.face.visemes import SPEECH_CHANNELS, fold_phonemes

ONSET_THRESHOLD = 0.5  # progress at the onset, as in onset_errors_ms
MIN_MOVEMENT = 0.1  # key changes smaller than this are not onsets, as in onset_errors_ms
JITTER_TARGET_MS = 2.0
AV_TARGET_MS = 10.0
_SPEECH_INDEX = np.array([DEFAULT_LAYOUT.index()[name] for name in SPEECH_CHANNELS], dtype=np.intp)


@dataclass(frozen=True)
class PlayedClause:
    """A clause as the playout placed it: its first sample is played at ``start_ms`` (epoch ms)."""

    utterance_id: int
    start_ms: float
    duration_s: float
    phonemes: tuple[TimedPhoneme, ...]


@dataclass
class FaceRun:
    """Everything one run recorded, before any statistics (times are epoch ms)."""

    voice: str
    hop_ms: float
    rate_hz: int
    output_rate_hz: int
    lookahead_ms: float
    latency_ms: float
    rig: str
    clauses: list[PlayedClause]
    sent_ms: np.ndarray  # per published frame: when it was handed to MQTT
    seqs: np.ndarray
    pts_ms: np.ndarray
    values: np.ndarray  # published channel values (as decoded from the payload, so float16-rounded)
    arrivals: list[tuple[float, int, float, str]]  # (receive ms, seq, pts ms, insert result)
    tick_ms: np.ndarray
    tick_channels: np.ndarray
    tick_utterances: np.ndarray
    tick_following: np.ndarray
    controller_stats: dict[str, Any]
    publisher_overruns: int
    started_ms: float  # the publisher's first tick
    ended_ms: float  # the publisher was stopped
    clock_skew_ms: float  # controller's epoch reading minus the agent's, for the same instant
    scheduling: str = "normal"  # what the controller's process got: "SCHED_FIFO 20", "nice -10", "normal"
    load_processes: int = 0  # busy processes run alongside (--load)
    load_1m: float = 0.0  # the machine's load average at the end of the run


@dataclass
class FaceBenchResult:
    """The printed numbers (ms unless named otherwise; None where a run gave nothing to measure)."""

    voice: str
    hop_ms: float
    rate_hz: int
    output_rate_hz: int
    lookahead_ms: float
    latency_ms: float
    rig: str
    speech_s: float
    clauses: int
    onsets: int  # phoneme onsets that move the mouth (the candidates of every onset measure)
    delivery_p50_ms: float | None
    delivery_p99_ms: float | None
    delivery_max_ms: float | None
    headroom_min_ms: float | None  # least time a frame arrived before the controller needed it
    jitter_p50_ms: float | None
    jitter_p99_ms: float | None
    jitter_max_ms: float | None
    publish_jitter_p99_ms: float | None  # the same measure on the agent's sends, to tell where jitter comes from
    av_offset_p50_ms: float | None
    av_offset_abs_p99_ms: float | None
    av_onsets: int
    av_onsets_missed: int
    published_offset_p50_ms: float | None
    published_offset_abs_p99_ms: float | None
    transport_shift_p50_ms: float | None
    transport_shift_abs_p99_ms: float | None
    viseme_onset_p50_ms: float | None
    viseme_onset_p99_ms: float | None
    viseme_onsets: int
    frames_published: int
    frames_received: int
    frames_dropped: int
    frames_late: int
    frames_played: int
    controller_ticks: int
    tick_overruns: int
    publisher_overruns: int
    clock_skew_ms: float
    targets: dict[str, bool] = field(default_factory=dict)
    scheduling: str = "normal"
    load_processes: int = 0
    load_1m: float = 0.0


def percentile(values: Sequence[float] | np.ndarray, q: float) -> float | None:
    """The q-th percentile (linear interpolation), rounded to 0.001 ms; None when there is nothing to measure."""
    array = np.asarray(values, dtype=np.float64)
    return round(float(np.percentile(array, q)), 3) if array.size else None


def shown_trajectory(run: FaceRun) -> tuple[np.ndarray, np.ndarray]:
    """When the face shows each output tick (epoch ms: tick time plus the rig's latency) and its channel values."""
    return run.tick_ms + run.latency_ms, run.tick_channels


@dataclass(frozen=True)
class OnsetMatch:
    """One phoneme onset of the audio as played and the mouth's onset for it, in epoch ms."""

    onset_ms: float  # the phoneme onset in the audio as played
    published_ms: float | None  # the mouth onset in the published frames (None: never crossed)
    shown_ms: float | None  # the mouth onset as shown by the controller


def speech_values(values: np.ndarray) -> np.ndarray:
    """The speech channels (jaw, lips, tongue) of layout-ordered values, in ``SPEECH_CHANNELS`` order."""
    return values[:, _SPEECH_INDEX].astype(np.float64)


def mouth_onsets(
    phonemes: Sequence[TimedPhoneme], start_ms: float, trajectories: Sequence[tuple[np.ndarray, np.ndarray]]
) -> list[tuple[float, list[float | None]]]:
    """Per mouth-moving phoneme onset of a clause starting at ``start_ms``: the onset, and the mouth onset in each
    trajectory ``(times_ms, values)`` (layout-ordered values), found as ``onset_errors_ms`` finds it (ms)."""
    folded = fold_phonemes(phonemes)
    if not folded:
        return []
    start_s = start_ms / 1000.0
    plan = plan_clause(folded, start_s)
    onsets = [start_s + segment.start_s for segment in folded]  # the alignment's, before must-reach widening
    per_trajectory = [
        find_mouth_onsets(plan, onsets, times / 1000.0, speech_values(values), ONSET_THRESHOLD, MIN_MOVEMENT)
        for times, values in trajectories
    ]
    if not per_trajectory:
        return []
    return [
        (onset * 1000.0, [None if found[i][1] is None else found[i][1] * 1000.0 for found in per_trajectory])
        for i, (onset, _) in enumerate(per_trajectory[0])
    ]


def onset_matches(run: FaceRun) -> list[OnsetMatch]:
    """Every mouth-moving phoneme onset of the run, with the mouth onset as published and as shown."""
    published = (run.pts_ms, run.values)
    shown = shown_trajectory(run)
    matches: list[OnsetMatch] = []
    for clause in run.clauses:
        for onset, (in_frames, on_face) in mouth_onsets(clause.phonemes, clause.start_ms, [published, shown]):
            matches.append(OnsetMatch(onset, in_frames, on_face))
    return matches


def analyse(run: FaceRun) -> FaceBenchResult:
    """The statistics of one run (see the module docstring for the definitions)."""
    sent_by_seq = dict(zip(run.seqs.tolist(), run.sent_ms.tolist(), strict=True))
    delivery = [recv - sent_by_seq[seq] for recv, seq, _, _ in run.arrivals if seq in sent_by_seq]
    headroom = [pts - run.latency_ms - recv for recv, _, pts, _ in run.arrivals]
    received = {seq for _, seq, _, _ in run.arrivals}

    period_ms = 1000.0 / run.output_rate_hz
    measured = run.tick_ms[(run.tick_ms >= run.started_ms) & (run.tick_ms <= run.ended_ms)]
    jitter = np.abs(np.diff(measured) - period_ms)
    publish_jitter = np.abs(np.diff(run.sent_ms) - 1000.0 / run.rate_hz)

    matches = onset_matches(run)
    av = [m.shown_ms - m.onset_ms for m in matches if m.shown_ms is not None]
    as_published = [m.published_ms - m.onset_ms for m in matches if m.published_ms is not None]
    shift = [m.shown_ms - m.published_ms for m in matches if m.shown_ms is not None and m.published_ms is not None]

    origin_ms = float(run.pts_ms[0]) if run.pts_ms.size else 0.0
    viseme: list[float] = []
    for clause in run.clauses:  # on the frame grid, at the phase this clause had against the published frames
        start_t = (clause.start_ms - origin_ms) / 1000.0
        viseme += [abs(e) for e in onset_errors_ms(list(clause.phonemes), float(run.rate_hz), start_t)]

    stats = run.controller_stats
    result = FaceBenchResult(
        voice=run.voice,
        hop_ms=round(run.hop_ms, 2),
        rate_hz=run.rate_hz,
        output_rate_hz=run.output_rate_hz,
        lookahead_ms=run.lookahead_ms,
        latency_ms=run.latency_ms,
        rig=run.rig,
        speech_s=round(sum(c.duration_s for c in run.clauses), 2),
        clauses=len(run.clauses),
        onsets=len(matches),
        delivery_p50_ms=percentile(delivery, 50),
        delivery_p99_ms=percentile(delivery, 99),
        delivery_max_ms=percentile(delivery, 100),
        headroom_min_ms=percentile(headroom, 0),
        jitter_p50_ms=percentile(jitter, 50),
        jitter_p99_ms=percentile(jitter, 99),
        jitter_max_ms=percentile(jitter, 100),
        publish_jitter_p99_ms=percentile(publish_jitter, 99),
        av_offset_p50_ms=percentile(av, 50),
        av_offset_abs_p99_ms=percentile(np.abs(av), 99),
        av_onsets=len(av),
        av_onsets_missed=len(matches) - len(av),
        published_offset_p50_ms=percentile(as_published, 50),
        published_offset_abs_p99_ms=percentile(np.abs(as_published), 99),
        transport_shift_p50_ms=percentile(shift, 50),
        transport_shift_abs_p99_ms=percentile(np.abs(shift), 99),
        viseme_onset_p50_ms=percentile(viseme, 50),
        viseme_onset_p99_ms=percentile(viseme, 99),
        viseme_onsets=len(viseme),
        frames_published=int(run.seqs.size),
        frames_received=len(run.arrivals),
        frames_dropped=len(set(run.seqs.tolist()) - received),
        frames_late=sum(1 for *_, how in run.arrivals if how == Insert.LATE.value),
        frames_played=int(stats.get("frames_played", 0)),
        controller_ticks=int(run.tick_ms.size),
        tick_overruns=int(stats.get("tick_overruns", 0)),
        publisher_overruns=run.publisher_overruns,
        clock_skew_ms=round(run.clock_skew_ms, 4),
        scheduling=run.scheduling,
        load_processes=run.load_processes,
        load_1m=run.load_1m,
    )
    result.targets = _targets(result)
    return result


def _targets(result: FaceBenchResult) -> dict[str, bool]:
    def within(value: float | None, limit: float) -> bool:
        return value is not None and value <= limit

    return {
        "jitter_p99": within(result.jitter_p99_ms, JITTER_TARGET_MS),
        "av_offset_abs_p99": within(result.av_offset_abs_p99_ms, AV_TARGET_MS),
        "viseme_onset_p99": within(result.viseme_onset_p99_ms, result.hop_ms),
    }
