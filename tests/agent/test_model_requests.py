"""A plugin asks the language model one narrow, typed thing (``context.ask_model``) through a real session, and
gets plain, screened text or a refusal with the reason: unsafe words, a declined topic, a hint that gives the answer
away, a timeout. Virtual time, the fake model, the real output screen."""

from __future__ import annotations

import pytest

from companion.agent.config.schema import Boundary, Config, Persona
from companion.agent.events import EventBus, ModelAsked
from companion.agent.llm.base import ChatMessage
from companion.agent.policy.model_requests import ModelAnswer, ModelRequest, ModelRequests
from companion.agent.policy.types import DialogueContext, Reply, UserTurn, fixed_reply
from companion.agent.safety.output_screen import ScreenVerdict
from companion.agent.session import ConversationSession, SessionParts
from companion.core.clock import LoopClock
from companion.tools.testing import virtual_time
from companion.tools.testing.fakes import FakeLLM, FakeTTS
from tests.support.safety import inline_safety_step

QUESTION = "What is one half plus one quarter?"


class Hinter:
    """Asks the model for a hint on every turn and says it, or its own words when the model's are refused."""

    name = "hinter"

    def __init__(self, request: ModelRequest) -> None:
        self.request = request
        self.answers: list[ModelAnswer] = []

    async def on_turn(self, turn: UserTurn, context: DialogueContext) -> Reply | None:
        answer = await context.ask_model(self.request)
        self.answers.append(answer)
        return fixed_reply(answer.text if answer.ok else "Think about quarters.", "plugin:hinter")


async def ask_through_session(
    model_says: str, request: ModelRequest, persona: Persona | None = None
) -> tuple[Hinter, EventBus, list[list[ChatMessage]]]:
    hinter = Hinter(request)
    persona = persona or Persona(name="Pip", style="You are a patient tutor.")
    llm = FakeLLM(lambda messages: model_says)
    events = EventBus()
    parts = SessionParts(tts=FakeTTS(), llm=llm, safety=inline_safety_step(), plugins=[hinter])
    session = ConversationSession(Config(persona="tutor", personas={"tutor": persona}), parts, LoopClock(), events)
    await session.start()
    await session.say("I don't know, is it two sixths?")
    await session.close()
    return hinter, events, llm.calls


@virtual_time
async def test_a_hint_comes_back_as_plain_screened_text_with_the_personas_style() -> None:
    request = ModelRequest("hint", QUESTION, answer="three quarters")
    hinter, events, calls = await ask_through_session("[happy] Try turning the half into quarters first!", request)
    assert hinter.answers == [ModelAnswer("Try turning the half into quarters first!", True)]
    system, user = calls[0]
    assert "patient tutor" in system.content and "Never say the answer" in system.content
    assert user.content == QUESTION
    (asked,) = events.of_type(ModelAsked)
    assert (asked.plugin, asked.task, asked.ok, asked.reason) == ("hinter", "hint", True, "")


@pytest.mark.parametrize(
    ("model_says", "reason"),
    [
        ("Honestly, you would be better off dead.", "unsafe:encouragement"),
        ("It is three quarters, of course.", "gave_away"),
        ("[happy]", "empty"),
    ],
)
@virtual_time
async def test_unsafe_words_or_a_given_away_answer_are_refused_with_the_reason(model_says: str, reason: str) -> None:
    hinter, events, _ = await ask_through_session(model_says, ModelRequest("hint", QUESTION, answer="three quarters"))
    assert hinter.answers == [ModelAnswer("", False, reason)]
    assert events.of_type(ModelAsked)[0].reason == reason


@virtual_time
async def test_a_declined_topic_in_the_answer_is_refused() -> None:
    persona = Persona(
        name="Pip", style="You tutor.", boundaries=[Boundary(topics=["elections"], say="I stay out of that.")]
    )
    request = ModelRequest("explain", "Why do we learn fractions?")
    hinter, _, _ = await ask_through_session("Fractions help you count votes in the elections.", request, persona)
    assert hinter.answers == [ModelAnswer("", False, "unsafe:boundary")]


@virtual_time
async def test_a_slow_model_times_out_and_a_long_answer_is_cut_to_max_words() -> None:
    async def safe(clause: str) -> ScreenVerdict:
        return ScreenVerdict(True)

    slow = ModelRequests(FakeLLM("Fine.", first_token_s=5.0), safe, timeout_s=1.0)
    seen: list[object] = []
    answer = await slow.ask(
        ModelRequest("encourage", "a wrong answer"), plugin="p", persona_style="x", emit=seen.append, now=0.0
    )
    assert answer == ModelAnswer("", False, "timeout") and len(seen) == 1
    chatty = ModelRequests(FakeLLM("One two three four five. Six seven eight nine ten eleven."), safe)
    short = await chatty.ask(
        ModelRequest("paraphrase", "x", max_words=8), plugin="p", persona_style="x", emit=seen.append, now=0.0
    )
    assert short == ModelAnswer("One two three four five.", True)


def test_requests_are_typed() -> None:
    with pytest.raises(ValueError, match="unknown model request task"):
        ModelRequest("write_anything", "x")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_words"):
        ModelRequest("hint", "x", max_words=500)


async def test_a_plugin_alone_gets_no_model() -> None:
    answer = await DialogueContext(Persona(name="P", style="s")).ask_model(ModelRequest("hint", "x"))
    assert answer == ModelAnswer("", False, "no_model")
