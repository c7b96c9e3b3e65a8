"""Visitor sessions and empathy on a virtual clock: a visitor who arrives is greeted, a visitor who leaves takes
their conversation with them, and a reply without an emotion tag answers the visitor's face."""

from __future__ import annotations

import asyncio

import numpy as np

from companion.agent.config.schema import Config, Persona, PrivacyConfig
from companion.agent.events import EventBus, ReplyFinished, VisitorSession
from companion.agent.session import ConversationSession, SessionParts
from companion.core.clock import LoopClock
from companion.face.emotions import Emotion
from companion.perception.presence import PresenceEvent
from companion.perception.visitor import VisitorState
from companion.speech.sources import ArraySource
from companion.speech.types import INPUT_SAMPLE_RATE
from companion.speech.vad import EnergyVad
from companion.tools.testing import virtual_time
from companion.tools.testing.fakes import FakeLLM, FakeSTT, FakeTTS, ToneSpeech
from tests.support.safety import inline_safety_step

SPEECH = ToneSpeech("my name is ada where are the dinosaurs what is my name".split())


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * INPUT_SAMPLE_RATE), dtype=np.float32)


def make_session(
    llm: FakeLLM, deployment: str = "public", greeting: str | None = "Hello, welcome!"
) -> tuple[ConversationSession, EventBus]:
    config = Config(
        persona="guide",
        personas={"guide": Persona(name="Ada", style="You are a museum guide.", greeting=greeting)},
        privacy=PrivacyConfig(deployment=deployment),  # type: ignore[arg-type]
    )
    events = EventBus()
    parts = SessionParts(tts=FakeTTS(), llm=llm, stt=FakeSTT(SPEECH), vad=EnergyVad(), safety=inline_safety_step())
    return ConversationSession(config, parts, LoopClock(), events), events


def arrived(t: float, affect: Emotion | None = None, confidence: float = 0.0) -> VisitorState:
    return VisitorState(
        present=True,
        updated_t=t,
        face_center=(0.5, 0.5),
        face_size=0.2,
        gaze=(0.0, 0.0),
        affect=affect,
        affect_confidence=confidence,
        faces=1,
        presence="present",
        presence_events=(PresenceEvent("arrived", t - 0.5, t),),
    )


def left(t: float) -> VisitorState:
    return VisitorState.absent(t, presence="absent", events=(PresenceEvent("left", t - 3.0, t),))


async def at(t: float, action: object) -> None:
    await asyncio.sleep(t - asyncio.get_running_loop().time())
    action()  # type: ignore[operator]


@virtual_time
async def test_a_visitor_who_leaves_takes_their_conversation_with_them() -> None:
    llm = FakeLLM(lambda messages: "Nice to meet you.")
    session, events = make_session(llm)
    await session.start()
    t0 = asyncio.get_running_loop().time()
    audio = np.concatenate(
        [
            silence(1.0),
            SPEECH.speak("my name is ada"),
            silence(4.0),
            silence(4.0),
            SPEECH.speak("what is my name"),
            silence(3.0),
        ]
    )
    visits = asyncio.gather(
        at(t0 + 0.2, lambda: session.on_visitor(arrived(t0 + 0.2))),
        at(t0 + 6.0, lambda: session.on_visitor(left(t0 + 6.0))),
        at(t0 + 7.0, lambda: session.on_visitor(arrived(t0 + 7.0))),
    )
    await session.listen(ArraySource(audio, trailing_silence_s=1.0))
    await visits
    await session.close()

    greetings = [e for e in events.of_type(ReplyFinished) if e.source == "greeting"]
    assert len(greetings) == 2  # each arrival is greeted
    phases = [(e.phase, e.reason) for e in events.of_type(VisitorSession)]
    assert ("ended", "left") in phases and phases.count(("started", "arrived")) == 2
    visitors = {e.visitor for e in events.of_type(VisitorSession) if e.phase == "started"}
    assert len(visitors) == 4  # the room before anyone came, the first visitor, the room after they left, the second

    assert len(llm.calls) == 2
    first, second = llm.calls
    assert any("my name is ada" in m.content for m in first)
    # The second visitor's prompt holds nothing of the first visitor's conversation.
    assert not any("my name is ada" in m.content or "Nice to meet you" in m.content for m in second)
    assert any("what is my name" in m.content for m in second)


async def _reply_emotion(deployment: str, affect: Emotion, confidence: float) -> ReplyFinished:
    llm = FakeLLM(lambda messages: "I see. Tell me more.")  # no emotion tag
    session, events = make_session(llm, deployment=deployment, greeting=None)
    await session.start()
    session.on_visitor(arrived(asyncio.get_running_loop().time(), affect, confidence))
    audio = np.concatenate([silence(0.5), SPEECH.speak("where are the dinosaurs"), silence(3.0)])
    await session.listen(ArraySource(audio, trailing_silence_s=1.0))
    await session.close()
    (reply,) = [e for e in events.of_type(ReplyFinished) if e.source != "greeting"]
    return reply


@virtual_time
async def test_a_reply_without_an_emotion_tag_answers_a_sad_face_with_concern() -> None:
    reply = await _reply_emotion("public", Emotion.SAD, 0.8)
    assert reply.emotion == Emotion.CONCERNED.value


@virtual_time
async def test_an_unsure_affect_is_ignored() -> None:
    reply = await _reply_emotion("public", Emotion.SAD, 0.2)
    assert reply.emotion != Emotion.CONCERNED.value


@virtual_time
async def test_no_empathy_where_emotion_inference_is_not_allowed() -> None:
    reply = await _reply_emotion("education", Emotion.SAD, 0.8)
    assert reply.emotion != Emotion.CONCERNED.value
