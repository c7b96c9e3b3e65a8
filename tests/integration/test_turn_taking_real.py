"""Turn-taking with the real parts: faster-whisper, transformers, piper, Silero VAD and the speex echo canceller.

The tiny offline models hear and say nonsense, so these tests judge behaviour, not words: a long interruption
takes the turn, a short "mhm" does not, and the robot's own voice coming back into the microphone through a
simulated room never interrupts it. Audio is played into the session in real time, as a microphone would.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from companion.agent.assembly import assemble
from companion.agent.config import load_config
from companion.agent.events import BargeIn, EventBus, InterruptionResolved, ReplyFinished, UserTurnEvent
from companion.agent.session import ConversationSession
from companion.core.clock import LoopClock
from companion.speech.sources import ArraySource, AudioSource
from companion.speech.types import INPUT_SAMPLE_RATE
from companion.tools.tiny import TinyModels
from tests.support.speech import CuedSource, spoken

pytestmark = pytest.mark.integration


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * INPUT_SAMPLE_RATE), dtype=np.float32)


async def converse(
    tiny_models: TinyModels,
    audio: np.ndarray,
    tmp_path: Path,
    echo_gain: float = 0.0,
    interruption: np.ndarray | None = None,
) -> tuple[ConversationSession, EventBus]:
    """Plays ``audio`` into a real session; with ``interruption``, that is spoken once the robot is talking."""
    config = load_config(tiny_models.config)
    config.models.llm.max_new_tokens = 48  # a reply of several seconds, long enough to interrupt
    config.audio.output.dir = tmp_path / "replies"
    clock, events = LoopClock(), EventBus()
    assembly = await assemble(config, clock, listen=True, publish_face=False)
    session = ConversationSession(config, assembly.parts, clock, events)
    mix = None
    if echo_gain:
        # A room: the voice comes back 30 ms late, with two weaker reflections.
        def mix(t: float, n: int) -> np.ndarray:
            reference = session.playout.reference
            return echo_gain * (reference(t - 0.030, n) + 0.4 * reference(t - 0.045, n) + 0.15 * reference(t - 0.08, n))

    try:
        await session.warm_up()
        await session.start()
        source: AudioSource = ArraySource(audio, trailing_silence_s=1.0, mix=mix)
        if interruption is not None:
            source = CuedSource(audio, interruption, cue=lambda: session.robot_audible(clock.now()))
        await session.listen(source)
    finally:
        await session.close()
        await assembly.close()
    return session, events


async def test_a_long_interruption_stops_the_reply_and_takes_the_turn(tiny_models: TinyModels, tmp_path: Path) -> None:
    question = spoken("Can you tell me where the dinosaurs are?", tmp_path, "q.wav")
    interruption = spoken("Wait, I have a different question about the whales.", tmp_path, "i.wav")
    session, events = await converse(tiny_models, question, tmp_path, interruption=interruption)
    (barge,) = events.of_type(BargeIn)
    assert barge.silent_t is not None and barge.silent_t >= barge.onset_t
    assert [r.kind for r in events.of_type(InterruptionResolved)] == ["interrupted"]
    turns = events.of_type(UserTurnEvent)
    replies = events.of_type(ReplyFinished)
    assert len(turns) == 2
    first = next(r for r in replies if r.utterance_id == barge.utterance_id)
    assert first.interrupted
    last = replies[-1]
    assert last.turn_id == turns[-1].turn_id and not last.interrupted and last.text
    # Nothing of the interrupted reply was played after its fade: the speaker is silent until the next reply.
    next_start = last.end_of_speech_t + last.timings_ms["first_audio_pts"] / 1000.0
    quiet = session.playout.reference(barge.silent_t + 0.002, int((next_start - barge.silent_t - 0.01) * 16000))
    assert np.max(np.abs(quiet)) == 0.0
    # The robot remembers only what it said before it was cut off.
    assert session.context.history[0].interrupted


async def test_a_short_backchannel_does_not_interrupt(tiny_models: TinyModels, tmp_path: Path) -> None:
    question = spoken("Can you tell me where the dinosaurs are?", tmp_path, "q.wav")
    yeah = spoken("yeah", tmp_path, "yeah.wav")  # espeak says it in ~350 ms of speech; its "mhm" is spelled out
    _, events = await converse(tiny_models, np.concatenate([question, silence(2.5), yeah, silence(9.0)]), tmp_path)
    assert len(events.of_type(UserTurnEvent)) == 1
    # The robot paused at the "yeah" (it cannot know at once that it is only a backchannel), then went on.
    assert len(events.of_type(BargeIn)) == 1
    assert [r.kind for r in events.of_type(InterruptionResolved)] == ["resumed"]
    (reply,) = events.of_type(ReplyFinished)
    assert not reply.interrupted and reply.text


async def test_the_robots_own_voice_through_the_room_does_not_interrupt(
    tiny_models: TinyModels, tmp_path: Path
) -> None:
    question = spoken("Can you tell me where the dinosaurs are?", tmp_path, "q.wav")
    _, events = await converse(tiny_models, np.concatenate([question, silence(9.0)]), tmp_path, echo_gain=0.6)
    assert events.of_type(BargeIn) == []
    assert len(events.of_type(UserTurnEvent)) == 1
    (reply,) = events.of_type(ReplyFinished)
    assert not reply.interrupted and reply.audio_path is not None
