"""Tools the language model calls: the OpenAI-compatible backend against a local server that streams tool calls,
a whole session in which the model calls ``show_expression`` and then answers, the persona's allowlist, bad
arguments, a failing tool, and the chat-template path of transformers on the tiny model (a real generation that
writes a ``<tool_call>`` block)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from companion.agent.config.schema import Config, Persona
from companion.agent.events import EventBus, ToolCalled
from companion.agent.llm.base import ChatMessage, ToolCallingModel
from companion.agent.llm.openai_compat import OpenAICompatibleLLM, OpenAIOptions
from companion.agent.llm.tool_calls import TextToolCallParser, ToolCall, ToolSpec
from companion.agent.policy.tools import SHOW_EXPRESSION, Tool, ToolResult
from companion.agent.policy.types import DialogueContext
from companion.agent.session import ConversationSession, SessionParts
from companion.core.clock import LoopClock
from companion.core.errors import ConfigError
from companion.tools.testing.fakes import FakeTTS
from tests.support.openai_server import Behaviour, FakeOpenAIServer
from tests.support.safety import inline_safety_step

ARGS = json.dumps({"emotion": "surprised", "intensity": 0.9})


def openai_llm(server: FakeOpenAIServer) -> OpenAICompatibleLLM:
    options = OpenAIOptions(base_url=server.base_url, model="test-model", api_key_env="COMPANION_NO_KEY")
    return OpenAICompatibleLLM(options, max_new_tokens=40)


class Broken:
    """A plugin offering a tool that always fails."""

    name = "broken"

    async def on_turn(self, turn: object, context: DialogueContext) -> None:
        return None

    @property
    def tools(self) -> list[Tool]:
        async def fail(arguments: dict[str, Any], context: DialogueContext) -> ToolResult:
            raise RuntimeError("the door sensor is offline")

        return [Tool("check_door", "Is the museum door open?", {"type": "object", "properties": {}}, fail)]


async def session_with(server: FakeOpenAIServer, tools: list[str]) -> tuple[ConversationSession, EventBus]:
    persona = Persona(name="Ada", style="You are a museum guide.", tools=tools)
    events = EventBus()
    tts = FakeTTS(seconds_per_char=0.001, delay_s=0.0)  # real time here: keep the speech short
    parts = SessionParts(tts=tts, llm=openai_llm(server), safety=inline_safety_step(), plugins=[Broken()])
    session = ConversationSession(Config(persona="guide", personas={"guide": persona}), parts, LoopClock(), events)
    await session.start()
    return session, events


async def test_the_openai_backend_joins_streamed_tool_call_pieces(server: FakeOpenAIServer) -> None:
    server.behaviour = Behaviour(reply=["Let me see."], tool_calls=[("show_expression", ARGS), ("check_door", "")])
    llm = openai_llm(server)
    assert isinstance(llm, ToolCallingModel)
    items = [item async for item in llm.stream_tools([ChatMessage("user", "hi")], [SHOW_EXPRESSION.spec])]
    await llm.close()
    assert items[0] == "Let me see."
    calls = [item for item in items if isinstance(item, ToolCall)]
    assert [(c.name, c.arguments, c.id, c.error) for c in calls] == [
        ("show_expression", {"emotion": "surprised", "intensity": 0.9}, "call_0", ""),
        ("check_door", {}, "call_1", ""),
    ]
    body = server.requests[-1].body
    assert body["tools"][0]["function"]["name"] == "show_expression"
    assert body["tools"][0]["function"]["parameters"]["required"] == ["emotion"]


async def test_the_model_calls_show_expression_then_answers_with_that_face(server: FakeOpenAIServer) -> None:
    server.script = [
        Behaviour(reply=[], tool_calls=[("show_expression", ARGS)]),
        Behaviour(reply=["Wow", ", a dinosaur", "!"]),
    ]
    session, events = await session_with(server, ["show_expression"])
    reply = await session.say("Can you look surprised?")
    await session.close()
    assert reply.text == "Wow, a dinosaur!" and reply.emotion == "surprised" and reply.source == "llm"
    (called,) = events.of_type(ToolCalled)
    assert (called.tool, called.arguments, called.ok) == (
        "show_expression",
        {"emotion": "surprised", "intensity": 0.9},
        True,
    )
    second = server.requests[-1].body["messages"]
    assert second[-2]["role"] == "assistant" and second[-2]["tool_calls"][0]["function"]["name"] == "show_expression"
    assert second[-1] == {
        "role": "tool", "content": "Your face now shows surprised.", "tool_call_id": "call_0", "name": "show_expression"
    }  # fmt: skip


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (("check_door", "{}"), "no such tool is available to you"),  # exists, but the persona does not allow it
        (("unlock_doors", "{}"), "no such tool is available to you"),
        (("show_expression", '{"emotion": "smug"}'), "bad arguments at emotion"),
        (("show_expression", '{"emotion": "happy", "colour": "red"}'), "bad arguments"),
        (("show_expression", '{"emotion": '), "not valid JSON"),
    ],
)
async def test_refused_calls_are_explained_to_the_model_and_the_turn_goes_on(
    server: FakeOpenAIServer, call: tuple[str, str], error: str
) -> None:
    server.script = [Behaviour(reply=[], tool_calls=[call]), Behaviour(reply=["Sorry, I can't do that."])]
    session, events = await session_with(server, ["show_expression"])
    reply = await session.say("Do it")
    await session.close()
    assert reply.text == "Sorry, I can't do that."
    (called,) = events.of_type(ToolCalled)
    assert not called.ok and error in called.error
    assert error in server.requests[-1].body["messages"][-1]["content"]


async def test_a_failing_tool_is_logged_and_the_model_is_told(
    server: FakeOpenAIServer, caplog: pytest.LogCaptureFixture
) -> None:
    server.script = [Behaviour(reply=[], tool_calls=[("check_door", "{}")]), Behaviour(reply=["I can't tell."])]
    session, events = await session_with(server, ["check_door"])
    reply = await session.say("Is the door open?")
    await session.close()
    assert reply.text == "I can't tell." and events.of_type(ToolCalled)[0].error == "it failed"
    assert "plugin 'broken' tool check_door failed" in caplog.text  # the plugins' fault line (call_hook)
    assert "RuntimeError: the door sensor is offline" in caplog.text


async def test_no_tools_are_offered_during_a_crisis(server: FakeOpenAIServer) -> None:
    session, _ = await session_with(server, ["show_expression"])
    await session.say("I want to kill myself")
    for answer in ["no", "no", "no"]:
        await session.say(answer)
    await session.say("tell me something")
    await session.close()
    assert "tools" not in server.requests[-1].body


async def test_a_persona_naming_an_unknown_tool_is_a_config_error(server: FakeOpenAIServer) -> None:
    with pytest.raises(ConfigError, match=r"personas\.guide\.tools\[0\]: no tool called 'show_expresion'") as error:
        await session_with(server, ["show_expresion"])
    assert "did you mean 'show_expression'" in (error.value.hint or "")


def test_the_text_parser_takes_tool_call_blocks_out_of_streamed_text() -> None:
    parser = TextToolCallParser()
    text = 'Sure. <tool_call>\n{"name": "show_expression", "arguments": {"emotion": "happy"}}\n</tool_call> Done.'
    items = [item for piece in [text[i : i + 5] for i in range(0, len(text), 5)] for item in parser.feed(piece)]
    items += list(parser.close())
    spoken = "".join(item for item in items if isinstance(item, str))
    calls = [item for item in items if isinstance(item, ToolCall)]
    assert spoken == "Sure. Done." and [(c.name, c.arguments) for c in calls] == [
        ("show_expression", {"emotion": "happy"})
    ]
    broken = list(TextToolCallParser().feed('<tool_call>{"name": "x", "arguments": [1]}</tool_call>'))
    assert isinstance(broken[0], ToolCall) and broken[0].error == "the arguments are not a JSON object"


def test_tool_specs_are_openai_functions() -> None:
    spec = ToolSpec("look", "Look at the visitor.", {"type": "object", "properties": {}})
    assert spec.openai() == {
        "type": "function",
        "function": {"name": "look", "description": "Look at the visitor.", "parameters": spec.parameters},
    }
