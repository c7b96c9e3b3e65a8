"""Tool calling on the transformers path: the tiny model's chat template renders the offered tools, a real
generation (forced, token by token, to write a ``<tool_call>`` block, then a sentence) calls ``show_expression``,
and the session shows that face and speaks the model's answer after the tool's result."""

from __future__ import annotations

from typing import Any

import pytest

from companion.agent.config.schema import Config, Persona
from companion.agent.events import EventBus, ToolCalled
from companion.agent.llm.base import ChatMessage
from companion.agent.llm.transformers_llm import TransformersLLM
from companion.agent.policy.tools import SHOW_EXPRESSION
from companion.agent.session import ConversationSession, SessionParts
from companion.core.clock import LoopClock
from companion.tools.bench.scripted_reply import ForcedReply
from companion.tools.testing.fakes import FakeTTS
from companion.tools.tiny import TinyModels
from tests.support.safety import inline_safety_step

pytestmark = pytest.mark.integration

CALL = '<tool_call>\n{"name": "show_expression", "arguments": {"emotion": "surprised"}}\n</tool_call>'
ANSWER = "That is a great question."


def scripted(llm: TransformersLLM, replies: list[str]) -> list[int]:
    """Force each generation to say the next reply; returns the prompt lengths seen."""
    tokenizer = llm._tokenizer
    eos = tokenizer.convert_tokens_to_ids("<|im_end|>")
    prompts: list[int] = []

    def make(prompt_length: int) -> Any:
        prompts.append(prompt_length)
        text = replies[min(len(prompts) - 1, len(replies) - 1)]
        return ForcedReply(list(tokenizer(text, add_special_tokens=False).input_ids), int(eos), prompt_length)

    llm._logits_processor_factory = make
    return prompts


async def test_a_real_generation_calls_a_tool_through_the_chat_template(tiny_models: TinyModels) -> None:
    llm = TransformersLLM(tiny_models.llm, temperature=0.0, dtype="float32", max_new_tokens=64)
    await llm.warm_up()
    prompt = llm._tokenizer.decode(llm.prompt_ids([ChatMessage("user", "hi")], [SHOW_EXPRESSION.spec]))
    assert "<tools>" in prompt and '"name": "show_expression"' in prompt
    scripted(llm, [CALL, ANSWER])
    persona = Persona(name="Ada", style="You are a museum guide.", tools=["show_expression"])
    events = EventBus()
    parts = SessionParts(tts=FakeTTS(seconds_per_char=0.001, delay_s=0.0), llm=llm, safety=inline_safety_step())
    session = ConversationSession(Config(persona="guide", personas={"guide": persona}), parts, LoopClock(), events)
    await session.start()
    try:
        reply = await session.say("Can you look surprised?")
    finally:
        await session.close()
        await llm.close()
    (called,) = events.of_type(ToolCalled)
    assert (called.tool, called.arguments, called.ok) == ("show_expression", {"emotion": "surprised"}, True)
    assert reply.text == ANSWER and reply.emotion == "surprised"
