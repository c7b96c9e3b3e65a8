"""The policy chain: safety always first and not removable, plugins in order, LLM last, fallback line on failure."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

import pytest

from companion.agent.config.schema import LlmConfig, Persona, SafetyConfig
from companion.agent.llm.base import ChatMessage, LanguageModelError
from companion.agent.policy.chain import PolicyChain
from companion.agent.policy.llm_step import LlmStep
from companion.agent.policy.plugin_loader import load_plugins
from companion.agent.policy.safety import SafetyStep, build_detector
from companion.agent.policy.types import DialogueContext, Exchange, Reply, UserTurn, fixed_reply
from companion.core.errors import ConfigError
from companion.face.emotions import Emotion, EmotionState

PERSONA = Persona(name="Ada", style="You are a museum guide.")


class ScriptedLLM:
    name = "scripted"

    def __init__(self, pieces: Sequence[str], fail_after: int | None = None) -> None:
        self.pieces = list(pieces)
        self.fail_after = fail_after
        self.calls: list[list[ChatMessage]] = []

    async def stream(self, messages: Sequence[ChatMessage], max_new_tokens: int | None = None) -> AsyncIterator[str]:
        self.calls.append(list(messages))
        for index, piece in enumerate(self.pieces):
            if self.fail_after is not None and index >= self.fail_after:
                raise LanguageModelError("server went away")
            yield piece

    async def warm_up(self) -> None:
        return None

    async def close(self) -> None:
        return None


class EchoPlugin:
    name = "echo"

    def __init__(self) -> None:
        self.seen: list[str] = []

    async def on_turn(self, turn: UserTurn, context: DialogueContext) -> Reply | None:
        self.seen.append(turn.text)
        return fixed_reply(f"echo {turn.text}", "plugin:echo") if turn.text.startswith("echo") else None


class BrokenPlugin:
    name = "broken"

    async def on_turn(self, turn: UserTurn, context: DialogueContext) -> Reply | None:
        raise RuntimeError("bug in a plugin")


async def text_of(reply: Reply) -> str:
    return "".join([piece async for piece in reply.pieces])


def turn(text: str, turn_id: int = 1) -> UserTurn:
    return UserTurn(turn_id, text, "text", 0.0)


DETECTOR = build_detector(SafetyConfig())  # the real detector (lexicon, MiniLM classifier), built once


def chain_with(llm: ScriptedLLM, *plugins: object) -> PolicyChain:
    step = SafetyStep(SafetyConfig(), detector=DETECTOR)
    return PolicyChain(step, list(plugins), LlmStep(llm, LlmConfig()))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "text",
    [
        "I want to kill myself",
        "sometimes I think everyone would be better off without me",
        "I don't want to live anymore",
        "I've been cutting myself",
        "my dad hits me",
        "I can't breathe",
        "I’m going to end it all",
    ],
)
def test_crisis_phrases_are_detected(text: str) -> None:
    assert DETECTOR.assess_sync(text).risk


@pytest.mark.parametrize(
    "text", ["this exhibit is killer", "the dinosaurs died out long ago", "how do volcanoes erupt", "I hurt my knee"]
)
def test_ordinary_sentences_are_not_crises(text: str) -> None:
    assert not DETECTOR.assess_sync(text).risk


async def test_safety_answers_before_plugins_and_model_and_turns_on_crisis_mode() -> None:
    llm, echo = ScriptedLLM(["[happy] Great!"]), EchoPlugin()
    chain = chain_with(llm, echo)
    context = DialogueContext(PERSONA)
    reply = await chain.respond(turn("echo I want to die"), context)
    assert reply.source == "safety"
    assert reply.emotion == EmotionState(Emotion.CONCERNED, 0.8)
    assert "emergency" in await text_of(reply)
    assert echo.seen == [] and llm.calls == []
    assert context.crisis_active
    # The follow-up questions are the safety step's too; "no" to each never ends crisis mode.
    for turn_id, answer in enumerate(["echo no", "echo no, never", "echo no"], start=2):
        reply = await chain.respond(turn(answer, turn_id), context)
        assert reply.source == "safety" and context.crisis_active
        await text_of(reply)
    # Then plugins are still skipped and the model is told it is a crisis.
    reply = await chain.respond(turn("echo what is the tallest dinosaur", 5), context)
    assert reply.source == "llm" and echo.seen == []
    await text_of(reply)
    assert "crisis" in llm.calls[-1][0].content


async def test_deployment_resources_are_added_to_the_crisis_reply() -> None:
    config = SafetyConfig(resources=["Call 988 in the US."], extra_patterns=[r"\bno way out\b"])
    chain = PolicyChain(SafetyStep(config), [], LlmStep(ScriptedLLM([]), LlmConfig()))
    reply = await chain.respond(turn("I feel like there is no way out"), DialogueContext(PERSONA))
    assert "Call 988 in the US." in await text_of(reply)


def test_bad_custom_pattern_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"safety.extra_patterns\[0\]"):
        SafetyStep(SafetyConfig(extra_patterns=["(unclosed"]))


async def test_plugins_answer_in_order_and_a_broken_one_is_skipped() -> None:
    llm, echo = ScriptedLLM(["[happy] From the model."]), EchoPlugin()
    chain = chain_with(llm, BrokenPlugin(), echo)
    reply = await chain.respond(turn("echo this"), DialogueContext(PERSONA))
    assert reply.source == "plugin:echo" and await text_of(reply) == "echo echo this"
    assert chain.plugin_errors == 1
    reply = await chain.respond(turn("what is this"), DialogueContext(PERSONA))
    assert reply.source == "llm" and await text_of(reply) == "[happy] From the model."


async def test_model_failure_before_any_text_speaks_the_fallback_line() -> None:
    errors: list[LanguageModelError] = []
    step = LlmStep(ScriptedLLM(["x"], fail_after=0), LlmConfig(fallback_line="One moment please."), errors.append)
    reply = await step.respond(turn("hi"), DialogueContext(PERSONA))
    assert await text_of(reply) == "[concerned:0.4] One moment please."
    assert len(errors) == 1


async def test_model_failure_mid_reply_ends_the_sentence_instead() -> None:
    step = LlmStep(ScriptedLLM(["[happy] The moon", " is", " far"], fail_after=2), LlmConfig())
    reply = await step.respond(turn("hi"), DialogueContext(PERSONA))
    assert await text_of(reply) == "[happy] The moon is ..."


async def test_prompt_carries_persona_history_and_visitor_affect_only_when_allowed() -> None:
    from companion.perception.visitor import VisitorState

    llm = ScriptedLLM(["ok"])
    step = LlmStep(llm, LlmConfig(history_turns=1))
    visitor = VisitorState(present=True, updated_t=0.0, affect=Emotion.SAD, affect_confidence=0.8)
    history = [Exchange("first question", "first answer"), Exchange("second question", "second answer")]
    context = DialogueContext(PERSONA, history=history, visitor=visitor)
    await text_of(await step.respond(turn("third"), context))
    messages = llm.calls[-1]
    assert messages[0].role == "system" and "museum guide" in messages[0].content and "Ada" in messages[0].content
    assert "looks sad" in messages[0].content
    assert [m.content for m in messages[1:]] == ["second question", "second answer", "third"]
    context.emotion_inference = False
    await text_of(await step.respond(turn("fourth"), context))
    assert "looks sad" not in llm.calls[-1][0].content


async def test_repeat_plugin_repeats_the_last_reply_with_its_emotion() -> None:
    (plugin,) = load_plugins(["repeat"])
    context = DialogueContext(PERSONA)
    assert await plugin.on_turn(turn("could you repeat that?"), context) is None  # nothing said yet
    context.history.append(Exchange("hi", "The whale is thirty metres long.", EmotionState(Emotion.HAPPY, 0.5)))
    for ask in ["Could you repeat that, please?", "say that again", "Pardon?", "what did you say"]:
        reply = await plugin.on_turn(turn(ask), context)
        assert reply is not None, ask
        assert await text_of(reply) == "The whale is thirty metres long."
        assert reply.emotion == EmotionState(Emotion.HAPPY, 0.5)
    assert await plugin.on_turn(turn("repeat after me: whales are big"), context) is None


def test_unknown_plugin_name_suggests_the_closest() -> None:
    with pytest.raises(ConfigError, match="unknown plugin 'repaet'") as info:
        load_plugins(["repaet"])
    assert info.value.hint == "did you mean 'repeat'?"
