"""The face's lookahead fits the rig: a face-controller reports its rig's latency in its status, and the agent then
schedules audio and frames only that far ahead plus ``face.lookahead_margin_ms``, never more than
``face.lookahead_ms``, switching only while no reply plays. (bench latency and bench face measure the effect.)"""

from __future__ import annotations

from companion.agent.config.schema import Config, Persona
from companion.agent.session import ConversationSession, SessionParts
from companion.core.clock import LoopClock
from companion.core.mqtt import MqttLink
from companion.face.animator import FaceAnimator
from companion.face.protocol import Topics, encode_status
from companion.face.publisher import FacePublisher
from companion.tools.testing.fakes import FakeLLM, FakeTTS
from tests.support.safety import inline_safety_step

TOPICS = Topics("fit")


def make(margin_ms: int | None = 30) -> tuple[ConversationSession, FacePublisher]:
    config = Config(persona="guide", personas={"guide": Persona(name="Ada", style="You guide.")})
    config.face.lookahead_margin_ms = margin_ms
    clock = LoopClock()
    link = MqttLink("127.0.0.1", 1, name="unused")  # never connected: only the status callback is exercised
    publisher = FacePublisher(link, TOPICS, FaceAnimator(), clock, config.face)
    parts = SessionParts(tts=FakeTTS(), llm=FakeLLM(), safety=inline_safety_step(), publisher=publisher)
    return ConversationSession(config, parts, clock), publisher


def status(**details: object) -> bytes:
    return encode_status("online", **details)


async def test_a_40_ms_rig_gets_a_70_ms_lookahead_for_audio_and_frames_alike() -> None:
    session, publisher = make()
    assert session.responder.lookahead_s == publisher.lookahead_s == 0.1
    publisher.on_message(TOPICS.controller_status, status(latency_ms=40))
    assert session.responder.lookahead_s == publisher.lookahead_s == 0.07


async def test_never_more_than_lookahead_ms_and_off_without_a_margin() -> None:
    session, publisher = make()
    publisher.on_message(TOPICS.controller_status, status(latency_ms=250))
    assert session.responder.lookahead_s == 0.1
    fixed, fixed_publisher = make(margin_ms=None)
    fixed_publisher.on_message(TOPICS.controller_status, status(latency_ms=10))
    assert fixed.responder.lookahead_s == 0.1


async def test_a_malformed_latency_is_counted_and_changes_nothing() -> None:
    session, publisher = make()
    publisher.on_message(TOPICS.controller_status, status(latency_ms="fast"))
    publisher.on_message(TOPICS.controller_status, status(latency_ms=1e9))
    assert session.responder.lookahead_s == 0.1
    assert publisher.drops.total == 2
