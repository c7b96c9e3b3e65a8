"""Self-hearing: the speex echo canceller and the playback gate, on synthetic robot speech through a room."""

from __future__ import annotations

import numpy as np

from companion.speech.echo import ECHO_TAIL_S, SelfHearingGate, SpeexEchoCanceller, rms
from companion.speech.types import INPUT_SAMPLE_RATE
from companion.speech.vad import CHUNK_SAMPLES

RATE = INPUT_SAMPLE_RATE
TAIL = int(ECHO_TAIL_S * RATE)


def robot_voice(seconds: float, seed: int = 1, pitch_hz: float = 140.0) -> np.ndarray:
    """Speech-like: a harmonic buzz whose loudness jumps between 'phonemes' every 60-200 ms."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * RATE)) / RATE
    buzz = sum(np.sin(2 * np.pi * pitch_hz * k * t) / k for k in range(1, 8))
    envelope = np.zeros_like(t)
    position = 0
    while position < len(t):
        length = int(rng.uniform(0.06, 0.2) * RATE)
        envelope[position : position + length] = rng.choice([0.05, 0.3, 0.8])
        position += length
    return (0.25 * buzz * envelope).astype(np.float32)


def through_room(voice: np.ndarray) -> np.ndarray:
    """30 ms late at 0.6, with weaker reflections at 45 and 80 ms."""
    out = np.zeros_like(voice)
    for delay_s, gain in ((0.030, 0.6), (0.045, 0.24), (0.080, 0.09)):
        d = int(delay_s * RATE)
        out[d:] += gain * voice[: len(voice) - d]
    return out


def chunks(n: int) -> range:
    return range(0, n - CHUNK_SAMPLES + 1, CHUNK_SAMPLES)


def test_the_canceller_removes_most_of_the_echo_and_keeps_the_user() -> None:
    voice = robot_voice(6.0)
    echo = through_room(voice)
    user = np.zeros_like(voice)
    user[4 * RATE : 5 * RATE] = robot_voice(1.0, seed=7, pitch_hz=215.0)[:RATE] * 0.8  # another voice
    canceller = SpeexEchoCanceller()
    cleaned = np.concatenate(
        [
            canceller.process((echo + user)[s : s + CHUNK_SAMPLES], voice[s : s + CHUNK_SAMPLES])
            for s in chunks(len(voice))
        ]
    )
    echo_only = slice(2 * RATE, 4 * RATE)  # adapted, and nobody else talking
    attenuation_db = 20 * np.log10(rms(echo[echo_only]) / rms(cleaned[echo_only]))
    assert attenuation_db > 15
    # The user's first moments over the robot (all a barge-in needs) stand far above what is left of the echo
    # (the canceller takes about 5 dB off them as well; the gate only needs the contrast).
    onset = slice(4 * RATE, int(4.25 * RATE))
    assert rms(cleaned[onset]) > 5 * rms(cleaned[echo_only])


def gate_verdicts(mic: np.ndarray, reference: np.ndarray, gate: SelfHearingGate) -> list[float]:
    """What the gate says per chunk when the VAD calls everything speech; reference windows include the tail."""
    padded = np.concatenate([np.zeros(TAIL, np.float32), reference])
    verdicts = []
    for start in chunks(len(mic)):
        window = padded[start : start + TAIL + CHUNK_SAMPLES]
        verdicts.append(gate.user_speech_probability(mic[start : start + CHUNK_SAMPLES], window, 1.0))
    return verdicts


def test_the_robot_alone_never_passes_the_gate_even_in_the_rooms_tail() -> None:
    voice = robot_voice(6.0)
    gate = SelfHearingGate()
    verdicts = gate_verdicts(through_room(voice), voice, gate)  # no canceller at all: the gate must hold alone
    assert max(verdicts) == 0.0
    assert gate.suppressed == len(verdicts)


def test_the_gate_checks_the_recent_past_not_only_the_current_chunk() -> None:
    # A loud phoneme, then near silence: the room still rings with the loud part while the reference is quiet.
    loud, quiet = np.full(CHUNK_SAMPLES * 4, 0.5, np.float32), np.full(CHUNK_SAMPLES * 2, 0.01, np.float32)
    reference = np.concatenate([loud, quiet]) * np.sign(np.sin(np.arange(CHUNK_SAMPLES * 6)))
    mic = through_room(reference)
    assert max(gate_verdicts(mic, reference.astype(np.float32), SelfHearingGate())) == 0.0


def test_a_user_talking_over_the_robot_passes_once_the_leak_is_learned() -> None:
    voice = robot_voice(5.0)
    canceller, gate = SpeexEchoCanceller(), SelfHearingGate()
    user = np.zeros_like(voice)
    user[3 * RATE : 4 * RATE] = robot_voice(1.0, seed=9, pitch_hz=215.0)[:RATE]
    mic = through_room(voice) + user
    cleaned = np.concatenate(
        [canceller.process(mic[s : s + CHUNK_SAMPLES], voice[s : s + CHUNK_SAMPLES]) for s in chunks(len(voice))]
    )
    verdicts = np.array(gate_verdicts(cleaned, voice, gate))
    chunk_s = CHUNK_SAMPLES / RATE
    before_user = verdicts[int(1.0 / chunk_s) : int(2.9 / chunk_s)]
    assert before_user.max() == 0.0
    # The user's voiced chunks in their first 250 ms over the robot are heard as the user: a barge-in needs 64 ms
    # of them, then the robot fades out. (Kept up much longer, double talk makes the speex filter start to cancel
    # the user too: docs/TURN_TAKING.md.)
    starts = list(chunks(len(voice)))
    onset = [
        i for i, s in enumerate(starts) if 3 * RATE <= s <= 3.25 * RATE and rms(user[s : s + CHUNK_SAMPLES]) > 0.05
    ]
    assert len(onset) >= 3
    assert verdicts[onset].min() == 1.0


def test_when_the_robot_is_silent_the_gate_does_not_interfere() -> None:
    gate = SelfHearingGate()
    silence = np.zeros(TAIL + CHUNK_SAMPLES, np.float32)
    assert gate.user_speech_probability(np.full(CHUNK_SAMPLES, 0.1, np.float32), silence, 0.9) == 0.9
