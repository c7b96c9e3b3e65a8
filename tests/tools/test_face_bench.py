"""``companion bench face``: its onset search is onset_errors_ms's, and a short real run measures what it claims.

The integration test plays about 3 s of speech through the real mosquitto and a face-controller in its own process
and checks structural truths of the recordings, never the timing targets (those are the benchmark's to print).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np
import pytest

from companion.core.errors import CompanionError
from companion.face.controller.service import RESUME_RAMP_MS
from companion.face.lipsync import LipSync, onset_errors_ms
from companion.face.phonemes import TimedPhoneme
from companion.face.protocol import DEFAULT_LAYOUT
from companion.face.visemes import SPEECH_CHANNELS
from companion.tools import mosquitto
from companion.tools.bench.face_analysis import FaceRun, analyse, mouth_onsets, shown_trajectory
from companion.tools.bench.face_bench import collect_face_run, report_lines
from companion.tools.tiny.piper_voice import make_tiny_piper_voice

# "bob, a bee": closures, open vowels and a spread vowel, with its stress mark and a word gap.
PHONEMES = [
    TimedPhoneme("^", 0.0, 0.06),
    TimedPhoneme("b", 0.06, 0.13),
    TimedPhoneme("ˈ", 0.13, 0.15),
    TimedPhoneme("ɑ", 0.15, 0.29),
    TimedPhoneme("b", 0.29, 0.36),
    TimedPhoneme(" ", 0.36, 0.39),
    TimedPhoneme("ə", 0.39, 0.47),
    TimedPhoneme("b", 0.47, 0.53),
    TimedPhoneme("i", 0.53, 0.7),
    TimedPhoneme("$", 0.7, 0.82),
]
SPEECH_INDEX = [DEFAULT_LAYOUT.index()[name] for name in SPEECH_CHANNELS]


def _rendered(phonemes: list[TimedPhoneme], start_s: float, rate_hz: float) -> tuple[np.ndarray, np.ndarray]:
    """The lip-sync sampled on the frame grid ``k / rate_hz``, as full layout-ordered frames (times in ms)."""
    lipsync = LipSync()
    lipsync.add(1, phonemes, start_s)
    times = np.arange(int((start_s - 0.2) * rate_hz), int((start_s + 1.2) * rate_hz)) / rate_hz
    values = np.zeros((len(times), len(DEFAULT_LAYOUT.channels)), dtype=np.float32)
    for row, t in enumerate(times):
        values[row, SPEECH_INDEX] = lipsync.sample(float(t)).values
    return times * 1000.0, values


def test_mouth_onsets_use_the_definition_of_onset_errors_ms() -> None:
    start_s = 1.003  # off the frame grid, so the crossings are interpolated
    times_ms, values = _rendered(PHONEMES, start_s, 100.0)
    found = mouth_onsets(PHONEMES, start_s * 1000.0, [(times_ms, values)])
    errors = [crossings[0] - onset for onset, crossings in found if crossings[0] is not None]
    expected = onset_errors_ms(PHONEMES, 100.0, start_s)
    assert len(found) >= 4
    assert errors == pytest.approx(expected, abs=1e-6)


def test_a_delayed_or_missing_mouth_is_measured_as_such() -> None:
    start_s = 2.0
    times_ms, values = _rendered(PHONEMES, start_s, 100.0)
    still = np.zeros_like(values)
    found = mouth_onsets(PHONEMES, start_s * 1000.0, [(times_ms, values), (times_ms + 7.0, values), (times_ms, still)])
    for _, (on_time, late, never) in found:
        assert on_time is not None and late is not None
        assert late - on_time == pytest.approx(7.0, abs=1e-6)
        assert never is None  # a face that does not move has no onsets: counted as missed, not as zero error


def test_a_missing_mosquitto_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(mosquitto.shutil, "which", lambda name: None)
    monkeypatch.setattr(mosquitto.Path, "exists", lambda self: False)
    with pytest.raises(CompanionError) as raised:
        mosquitto.start_mosquitto(tmp_path)
    assert "apt-get install mosquitto" in str(raised.value)


async def test_a_frame_rate_the_protocol_does_not_allow_is_refused_before_anything_starts() -> None:
    with pytest.raises(CompanionError, match="--rate"):
        await collect_face_run(1.0, 500)
    with pytest.raises(CompanionError, match="--seconds"):
        await collect_face_run(0.0, 100)


@pytest.fixture(scope="module")
def short_run(tmp_path_factory: pytest.TempPathFactory) -> FaceRun:
    voice = make_tiny_piper_voice(Path(tmp_path_factory.mktemp("voice")) / "tiny.onnx")
    return asyncio.run(collect_face_run(3.0, 100, voice))


@pytest.mark.integration
def test_frames_are_accounted_for(short_run: FaceRun) -> None:
    run, result = short_run, analyse(short_run)
    received = [seq for _, seq, _, _ in run.arrivals]
    assert result.frames_published == len(run.seqs) > 200  # over 3 s of speech at 100 Hz
    assert len(received) == len(set(received))
    assert set(received) <= set(run.seqs.tolist())
    assert result.frames_received == result.frames_published - result.frames_dropped
    assert run.controller_stats["frames_received"] == result.frames_received
    assert run.controller_stats["frames_late"] == result.frames_late
    assert result.controller_ticks == run.controller_stats["ticks"] == len(run.tick_following)
    # Frames leave after their pts was taken: never more than the lookahead ahead of it.
    assert np.all(run.pts_ms - run.sent_ms <= run.lookahead_ms + 1e-6)
    # Every reply was spoken in frames and shown by the controller under its utterance id.
    replies = {clause.utterance_id for clause in run.clauses}
    assert replies and replies <= set(np.unique(run.tick_utterances).tolist())


@pytest.mark.integration
def test_timing_statistics_are_sane(short_run: FaceRun) -> None:
    result = analyse(short_run)
    assert result.delivery_p50_ms is not None and result.delivery_p50_ms > 0  # received after it was sent
    assert result.delivery_p50_ms <= result.delivery_p99_ms <= result.delivery_max_ms  # type: ignore[operator]
    assert result.jitter_p50_ms is not None and result.jitter_p50_ms >= 0
    assert result.jitter_p50_ms <= result.jitter_p99_ms <= result.jitter_max_ms  # type: ignore[operator]
    assert result.speech_s >= 3.0
    assert result.onsets >= 20
    assert 2 * result.av_onsets > result.onsets  # the shown mouth is found for most onsets
    assert result.av_onsets + result.av_onsets_missed == result.onsets
    assert result.viseme_onsets > 0 and result.viseme_onset_p50_ms is not None
    assert result.av_offset_p50_ms is not None and result.av_offset_abs_p99_ms is not None
    text = "\n".join(report_lines(result))
    assert "A/V offset" in text and "tiny.onnx" in text


@pytest.mark.integration
def test_the_shown_face_is_the_published_frames_at_the_playhead(short_run: FaceRun) -> None:
    """Each tick shows, at tick + rig latency, the frames it had interpolated at that pts: the reconstruction the
    A/V offset stands on. Ticks whose neighbouring frames had not arrived yet, or that ramp in, are left out."""
    run = short_run
    accepted = {seq: recv for recv, seq, _, how in run.arrivals if how in ("added", "replaced")}
    keep = np.array([seq in accepted for seq in run.seqs.tolist()])
    pts, values = run.pts_ms[keep], run.values[keep]
    arrived = np.array([accepted[seq] for seq in run.seqs[keep].tolist()])
    shown_ms, shown = shown_trajectory(run)
    assert run.tick_following.any()
    # After the face stopped following (before the first frame, or a stall that starved the buffer) it ramps back
    # in over RESUME_RAMP_MS: those ticks blend from neutral on purpose.
    last_neutral_ms = np.maximum.accumulate(np.where(run.tick_following, -np.inf, run.tick_ms))
    steady = run.tick_following & (run.tick_ms - last_neutral_ms > RESUME_RAMP_MS + 20.0)
    checked = 0
    for i, playhead in enumerate(shown_ms):
        if not steady[i] or not pts[0] <= playhead <= pts[-1]:
            continue
        after = int(np.searchsorted(pts, playhead, side="right"))
        before = max(after - 1, 0)
        if arrived[before] > run.tick_ms[i] or (after < len(pts) and arrived[after] > run.tick_ms[i]):
            continue
        expected = np.array([np.interp(playhead, pts, values[:, c]) for c in range(values.shape[1])])
        assert shown[i] == pytest.approx(expected, abs=1e-4), f"tick {i} at playhead {playhead:.1f} ms"
        checked += 1
    assert checked > 200
