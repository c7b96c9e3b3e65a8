"""Lip-sync: timing against the alignment, co-articulation, the closure and rounding constraints, barge-in."""

from __future__ import annotations

import numpy as np
import pytest
from piper.phonemize_espeak import EspeakPhonemizer

from companion.face.lipsync import (
    CLOSURE_COLUMN,
    KEY_COLUMNS,
    LEAD_S,
    LipSync,
    onset_errors_ms,
)
from companion.face.phonemes import TimedPhoneme
from companion.face.visemes import SPEECH_CHANNELS, VISEME_TARGETS, SymbolKind, classify
from tests.support.phonemes import timed

HOP = 256 / 22050  # one decoder hop at 22.05 kHz
JAW = SPEECH_CHANNELS.index("jawOpen")
CLOSE = SPEECH_CHANNELS.index("mouthClose")
PRESS = SPEECH_CHANNELS.index("mouthPressLeft")
PUCKER = SPEECH_CHANNELS.index("mouthPucker")
STRETCH = SPEECH_CHANNELS.index("mouthStretchLeft")


def synthetic_alignment(symbols: list[str], rng: np.random.Generator) -> list[TimedPhoneme]:
    """Durations in whole decoder hops, in the ranges piper produces: marks short, vowels long, pauses long."""
    entries: list[tuple[str, float]] = [("^", 8 * HOP)]
    for symbol in symbols:
        kind, viseme = classify(symbol)
        if kind is SymbolKind.FOLD_NEXT:
            hops = rng.integers(1, 3)
        elif kind is SymbolKind.FOLD_PREVIOUS:
            hops = rng.integers(2, 5)
        elif kind is SymbolKind.PAUSE:
            hops = rng.integers(1, 3) if symbol == " " else 12
        elif viseme in {"aa", "E", "I", "O", "U"}:
            hops = rng.integers(5, 11)
        else:
            hops = rng.integers(3, 8)
        entries.append((symbol, float(hops) * HOP))
    entries.append(("$", 8 * HOP))
    return timed(*entries)


def closed(values: np.ndarray) -> bool:
    return values[JAW] <= 0.05 and max(values[CLOSE], values[PRESS]) >= 0.4


@pytest.mark.parametrize("b_duration", [HOP, 2 * HOP, 0.04, 0.08])
@pytest.mark.parametrize("symbol", ["b", "p", "m"])
def test_a_bilabial_closes_the_mouth_even_when_very_short(symbol: str, b_duration: float) -> None:
    lipsync = LipSync()
    start = 2.0037
    plan = lipsync.add(1, timed(("^", 0.1), ("ɑ", 0.15), (symbol, b_duration), ("ɑ", 0.15), ("$", 0.1)), start)
    assert plan is not None
    bilabial = plan.segments[2]
    assert bilabial.viseme == "PP"
    centre = (bilabial.start_s + bilabial.end_s) / 2
    assert closed(lipsync.sample(centre).values)
    assert lipsync.sample(centre).closure == pytest.approx(1.0)
    # And frames see it: at 100 Hz, whatever the phase, some frame inside the segment shows the closed mouth.
    frames = np.arange(np.ceil(bilabial.start_s * 100), np.floor(bilabial.end_s * 100) + 1) / 100
    assert any(closed(lipsync.sample(float(t)).values) for t in frames)
    # The vowels around it are open.
    assert lipsync.sample(start + 0.1 + 0.075).values[JAW] > 0.4


@pytest.mark.parametrize("symbol", ["u", "o", "ʊ", "ɔ", "w"])
def test_a_rounded_vowel_always_puckers(symbol: str) -> None:
    lipsync = LipSync()
    plan = lipsync.add(1, timed(("^", 0.1), ("i", 0.12), (symbol, HOP), ("i", 0.12), ("$", 0.1)), 0.0)
    assert plan is not None
    rounded = plan.segments[2]
    viseme_pucker = VISEME_TARGETS[rounded.viseme]["mouthPucker"]
    pose = lipsync.sample((rounded.start_s + rounded.end_s) / 2).values
    assert pose[PUCKER] == pytest.approx(viseme_pucker)
    assert pose[STRETCH] < 0.05  # the spread of the i on both sides is gone


def test_the_mouth_anticipates_the_next_viseme_and_is_half_way_at_its_onset() -> None:
    lipsync = LipSync()
    plan = lipsync.add(1, timed(("^", 0.2), ("ɑ", 0.3), ("u", 0.3), ("$", 0.2)), 1.0)
    assert plan is not None
    aa, u = plan.keys[1], plan.keys[2]
    onset = plan.segments[2].start_s

    def progress(t: float, column: int) -> float:
        value = np.concatenate([lipsync.sample(t).values, [0.0, 0.0]])
        return float((value[column] - aa[column]) / (u[column] - aa[column]))

    lips_lead, jaw_lead = LEAD_S[1], LEAD_S[0]
    # Still at the previous key just before the lead, moving within it, exactly half-way at the onset.
    assert progress(onset - lips_lead - 0.002, PUCKER) == pytest.approx(0.0, abs=1e-9)
    assert progress(onset - lips_lead / 2, PUCKER) > 0.05
    assert progress(onset, PUCKER) == pytest.approx(0.5, abs=1e-6)
    assert progress(onset, JAW) == pytest.approx(0.5, abs=1e-6)
    # Jaw and lips are separate curves: the lips set off before the jaw does.
    between = onset - (lips_lead + jaw_lead) / 2
    assert progress(between, PUCKER) > 0.0 and progress(between, JAW) == pytest.approx(0.0, abs=1e-9)
    assert 0.04 <= lips_lead <= 0.06
    # The key is reached and held in the middle of a long segment.
    middle = lipsync.sample((plan.segments[2].start_s + plan.segments[2].end_s) / 2).values
    assert np.allclose(middle, u[:CLOSURE_COLUMN])


def test_every_segment_of_40_ms_or_more_holds_its_key_for_a_fifth_of_its_duration() -> None:
    durations = [0.04, 0.05, 0.07, 0.09, 0.12, 0.2]
    entries: list[tuple[str, float]] = [("^", 0.1)]
    for i, duration in enumerate(durations):
        entries += [("ɑ" if i % 2 else "i", duration), ("s", duration)]
    lipsync = LipSync()
    plan = lipsync.add(1, timed(*entries, ("$", 0.1)), 0.0)
    assert plan is not None
    for segment, key in zip(plan.segments[1:-1], plan.keys[1:-1], strict=True):
        held = [
            np.allclose(lipsync.sample(t).values, key[:CLOSURE_COLUMN], atol=1e-9)
            for t in np.linspace(segment.start_s, segment.end_s, 201)
        ]
        assert np.mean(held) >= 0.19, segment


def test_consonants_borrow_the_lip_shape_of_the_next_vowel() -> None:
    """Co-articulation: the t of "two" is already rounded, the t of "tea" is spread."""
    poses = {}
    for vowel in ("u", "i"):
        lipsync = LipSync()
        plan = lipsync.add(1, timed(("^", 0.2), ("t", 0.08), (vowel, 0.2), ("$", 0.2)), 0.0)
        assert plan is not None
        poses[vowel] = lipsync.sample((plan.segments[1].start_s + plan.segments[1].end_s) / 2).values
    assert poses["u"][PUCKER] > 0.3 > poses["i"][PUCKER]
    assert poses["i"][STRETCH] > poses["u"][STRETCH]


def test_onset_error_at_100_hz_is_within_one_decoder_hop_on_a_real_phonemization() -> None:
    rng = np.random.default_rng(7)
    phonemizer = EspeakPhonemizer()
    errors: list[float] = []
    frame_errors: list[float] = []
    measured = expected = 0
    for text in ("Bob picks a blue moon.", "Hello, how are you today? I think the thought was nice."):
        for sentence in phonemizer.phonemize("en-us", text):
            alignment = synthetic_alignment(sentence, rng)
            start = float(rng.uniform(0.0, 5.0))  # any phase against the frame grid
            found = onset_errors_ms(alignment, frame_rate_hz=100.0, start_t=start)
            errors += found
            frame_errors += onset_errors_ms(alignment, frame_rate_hz=100.0, start_t=start, interpolate=False)
            plan = LipSync().add(1, alignment, start)
            assert plan is not None
            expected += sum(1 for s in plan.segments if s.viseme != "sil")
            measured += len(found)
    assert measured >= 0.8 * expected  # nearly every onset moves the mouth visibly and is measured
    assert np.percentile(np.abs(errors), 99) <= HOP * 1000
    # Holding each frame instead of interpolating costs at most one frame period, never more.
    assert max(frame_errors) <= 10.0 + 1e-6 and min(frame_errors) >= -1e-6


def test_movement_starts_40_to_60_ms_ahead_of_each_onset_between_long_segments() -> None:
    alignment = timed(("^", 0.3), ("ɑ", 0.2), ("s", 0.15), ("u", 0.2), ("l", 0.15), ("i", 0.2), ("$", 0.3))
    timing = onset_errors_ms(alignment, frame_rate_hz=1000.0, start_t=0.5)
    lead = onset_errors_ms(alignment, frame_rate_hz=1000.0, start_t=0.5, threshold=0.02)
    assert len(timing) == len(lead) == 5
    assert np.abs(timing).max() <= 1.0  # half-way exactly at each onset...
    assert all(-60.0 <= ms <= -35.0 for ms in lead)  # ...after setting off 40-60 ms ahead


def test_times_are_placed_on_the_playout_clock() -> None:
    alignment = timed(("^", 0.1), ("m", 0.08), ("ɑ", 0.2), ("$", 0.1))
    early, late = LipSync(), LipSync()
    early.add(1, alignment, 1.0)
    late.add(1, alignment, 3.25)
    for t in np.linspace(0.9, 1.5, 37):
        assert np.allclose(early.sample(float(t)).values, late.sample(float(t) + 2.25).values)


def test_consecutive_clauses_join_without_a_jump_and_report_their_utterance() -> None:
    lipsync = LipSync()
    first = lipsync.add(5, timed(("^", 0.05), ("ɑ", 0.1), ("$", 0.05)), 1.0)
    assert first is not None
    second = lipsync.add(5, timed(("^", 0.05), ("o", 0.1), ("$", 0.05)), first.end_t)
    assert second is not None
    frames = [lipsync.sample(t) for t in np.arange(0.9, 1.6, 0.01)]
    steps = np.abs(np.diff([f.values for f in frames], axis=0)).max()
    assert steps < 0.25  # smooth at 100 Hz (a jump would be the full jawOpen of aa, 0.6)
    assert lipsync.sample(1.1).utterance_id == 5 and lipsync.sample(1.1).viseme == "aa"
    assert lipsync.sample(second.start_t + 0.1).viseme == "O"
    assert lipsync.sample(2.0).utterance_id == 0 and lipsync.sample(2.0).viseme == "sil"
    assert lipsync.end_t() == pytest.approx(second.end_t)


def test_cancel_removes_the_rest_and_eases_the_mouth_closed_quickly() -> None:
    lipsync = LipSync()
    alignment = timed(("^", 0.1), *[("ɑ", 0.2), ("d", 0.06)] * 5, ("$", 0.1))
    plan = lipsync.add(3, alignment, 0.0)
    assert plan is not None
    other = lipsync.add(4, timed(("^", 0.05), ("u", 0.2), ("$", 0.05)), plan.end_t + 0.5)
    assert other is not None
    for t in np.arange(0.0, 0.2, 0.01):
        lipsync.sample(float(t))
    cut = 0.2  # inside the first ɑ: mouth wide open
    assert lipsync.sample(cut).values[JAW] > 0.5
    lipsync.cancel(3, cut)
    frames = [lipsync.sample(float(t)) for t in np.arange(cut, cut + 0.5, 0.01)]
    jaw = [f.values[JAW] for f in frames]
    assert max(np.abs(np.diff(jaw))) < 0.2  # eased, not snapped shut
    assert all(j < 1e-9 for j in jaw[10:])  # at rest within 100 ms and it stays there
    assert all(f.utterance_id == 0 and f.viseme == "sil" for f in frames)
    assert lipsync.end_t() == pytest.approx(other.end_t)  # the other utterance still plays
    assert lipsync.sample(other.start_t + 0.15).values[PUCKER] > 0.5


def test_speech_added_after_its_first_frames_fades_in_without_a_jump() -> None:
    lipsync = LipSync()
    for t in np.arange(0.0, 1.0, 0.01):
        lipsync.sample(float(t))
    # Starts 30 ms before the last sampled frame, with no leading silence: the mouth was already due to move.
    lipsync.add(1, timed(("ɑ", 0.2), ("$", 0.1)), 0.96)
    values = [lipsync.sample(float(t)).values for t in np.arange(0.99, 1.3, 0.01)]
    assert values[0][JAW] < 0.05  # what was shown (rest) is where it starts
    assert np.abs(np.diff(values, axis=0)).max() < 0.2
    assert max(v[JAW] for v in values) > 0.55


def test_end_t_and_empty_input() -> None:
    lipsync = LipSync()
    assert lipsync.end_t() is None
    assert lipsync.add(1, [], 1.0) is None
    assert lipsync.end_t() is None
    assert lipsync.sample(1.0).values.shape == (len(SPEECH_CHANNELS),)
    assert len(KEY_COLUMNS) == len(SPEECH_CHANNELS) + 2
