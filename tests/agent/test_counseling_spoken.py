"""A whole PHQ-9 answered by voice, and an item-9 answer mid-questionnaire, through the real session: the
listener (VAD, turn-taking) hears each spoken answer, the counseling plugin loaded by name scores it, and an item-9
answer starts the crisis protocol. Virtual time; speech is the tone voice of ``companion.tools.testing`` (one tone a
word), because no trained speech recogniser is available offline (the real-whisper path of a plugin answered by
voice is tests/integration/test_lesson_spoken.py)."""

from __future__ import annotations

import numpy as np

from companion.agent.config.schema import Config, Persona
from companion.agent.events import CrisisAlert, EventBus, ReplyFinished, UserTurnEvent
from companion.agent.policy.plugin_loader import load_plugins
from companion.agent.session import ConversationSession, SessionParts
from companion.core.clock import LoopClock
from companion.plugins.counseling.events import CounselingEnded, CounselingResult
from companion.speech.sources import ArraySource
from companion.speech.types import INPUT_SAMPLE_RATE
from companion.speech.vad import EnergyVad
from companion.tools.testing import virtual_time
from companion.tools.testing.fakes import FakeLLM, FakeSTT, FakeTTS, ToneSpeech
from tests.support.safety import inline_safety_step

ANSWERS = ["not at all", "several days", "more than half the days", "nearly every day", "most days", "sometimes",
           "never", "several days", "not at all"]  # fmt: skip
SCORES = [0, 1, 2, 3, 2, 1, 0, 1, 0]
REQUEST = "can we do the phq nine"
SPEECH = ToneSpeech(" ".join([REQUEST, *ANSWERS]).split())
LISTENER = Persona(name="Sam", style="You are a kind listener.", plugins=["counseling"])


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * INPUT_SAMPLE_RATE), dtype=np.float32)


async def answer_by_voice(said: list[str]) -> EventBus:
    """Speak each line after the robot has had time to ask its question (the robot's speech is short here)."""
    events = EventBus()
    parts = SessionParts(
        tts=FakeTTS(seconds_per_char=0.02), llm=FakeLLM(lambda messages: "[calm] I'm listening."),
        stt=FakeSTT(SPEECH), vad=EnergyVad(), safety=inline_safety_step(), plugins=load_plugins(LISTENER.plugins),
    )  # fmt: skip
    session = ConversationSession(
        Config(persona="listener", personas={"listener": LISTENER}), parts, LoopClock(), events
    )
    await session.start()
    audio = [silence(1.0)]
    for line in said:
        audio += [SPEECH.speak(line), silence(14.0)]
    await session.listen(ArraySource(np.concatenate(audio), trailing_silence_s=1.0))
    await session.close()
    return events


@virtual_time
async def test_a_whole_phq9_answered_by_voice_is_scored_as_a_screening() -> None:
    events = await answer_by_voice([REQUEST, *ANSWERS])
    assert [turn.text for turn in events.of_type(UserTurnEvent)] == [REQUEST, *ANSWERS]
    replies = events.of_type(ReplyFinished)
    assert all(reply.source == "plugin:counseling" and not reply.interrupted for reply in replies)
    (result,) = events.of_type(CounselingResult)
    assert result.script == "phq9" and result.complete
    assert list(result.items.values()) == SCORES and result.total == sum(SCORES) == 10
    assert result.band == "moderate"
    assert events.of_type(CrisisAlert) == []


@virtual_time
async def test_an_item9_answer_by_voice_starts_the_crisis_protocol_mid_questionnaire() -> None:
    events = await answer_by_voice([REQUEST, *ANSWERS[:8], "several days"])
    (alert,) = events.of_type(CrisisAlert)
    assert (alert.category, alert.reason) == ("reported", "phq9_item9")
    last = events.of_type(ReplyFinished)[-1]
    assert last.source == "safety"
    assert events.of_type(CounselingResult) == []  # no score is given in place of help
    assert [ended.reason for ended in events.of_type(CounselingEnded)] == ["safety"]
