"""The model's words are screened before they are spoken, and a persona's boundaries hold both ways, through a real
session (virtual time, fake speech and model, the real crisis detector and output screen)."""

from __future__ import annotations

from collections.abc import Sequence

from companion.agent.config.schema import Boundary, Config, Persona
from companion.agent.events import EventBus, ReplyScreened
from companion.agent.session import ConversationSession, SessionParts
from companion.core.clock import LoopClock
from companion.tools.testing import virtual_time
from companion.tools.testing.fakes import FakeLLM, FakeTTS
from tests.support.safety import inline_safety_step

POLITICS = Boundary(topics=["politics", "elections"], say="I stay out of politics, but I love talking about fossils.")


def make_session(reply: str, boundaries: Sequence[Boundary] = ()) -> tuple[ConversationSession, EventBus, FakeLLM]:
    persona = Persona(name="Ada", style="You are a museum guide.", boundaries=list(boundaries))
    llm = FakeLLM(lambda messages: reply)
    events = EventBus()
    parts = SessionParts(tts=FakeTTS(), llm=llm, safety=inline_safety_step())
    return (
        ConversationSession(Config(persona="guide", personas={"guide": persona}), parts, LoopClock(), events),
        events,
        llm,
    )


@virtual_time
async def test_an_unsafe_clause_is_replaced_the_reply_ends_and_the_face_is_not_happy() -> None:
    session, events, _ = make_session("[happy] Sure, I hear you. You would be better off dead. Anyway, see the whale!")
    await session.start()
    reply = await session.say("tell me something")
    assert reply.source == "llm"
    (screened,) = events.of_type(ReplyScreened)
    assert screened.category == "encouragement" and screened.utterance_id == reply.utterance_id
    assert "better off dead" not in reply.text and "whale" not in reply.text  # stopped there, nothing after
    assert reply.text.startswith("Sure, I hear you.") and "You matter" in reply.text
    assert reply.emotion == "concerned"
    assert "better off dead" not in session.context.history[-1].robot
    await session.close()


@virtual_time
async def test_a_safe_reply_is_spoken_whole() -> None:
    session, events, _ = make_session("[happy] The whale skeleton is in hall two. Please don't miss it!")
    await session.start()
    reply = await session.say("where is the whale?")
    assert reply.text == "The whale skeleton is in hall two. Please don't miss it!" and reply.emotion == "happy"
    assert events.of_type(ReplyScreened) == []
    await session.close()


@virtual_time
async def test_a_declined_topic_is_answered_with_the_personas_line_without_the_model() -> None:
    session, _, llm = make_session("[happy] Vote for whoever you like!", [POLITICS])
    await session.start()
    reply = await session.say("Who should I vote for in the election?")
    assert reply.source == "boundary" and reply.text == POLITICS.say
    assert llm.calls == []
    other = await session.say("Where are the fossils?")
    assert other.source == "llm"
    await session.close()


@virtual_time
async def test_a_model_that_drifts_onto_a_declined_topic_is_stopped_with_the_line() -> None:
    session, events, _ = make_session("[happy] Fossils are great. The elections last year were exciting!", [POLITICS])
    await session.start()
    reply = await session.say("tell me about fossils")
    (screened,) = events.of_type(ReplyScreened)
    assert screened.category == "boundary"
    assert reply.text == f"Fossils are great. {POLITICS.say}" and reply.emotion == "concerned"
    await session.close()


@virtual_time
async def test_a_crisis_that_mentions_a_declined_topic_gets_the_crisis_reply() -> None:
    session, _, _ = make_session("[happy] ok", [POLITICS])
    await session.start()
    reply = await session.say("the election made me want to kill myself")
    assert reply.source == "safety"
    await session.close()
