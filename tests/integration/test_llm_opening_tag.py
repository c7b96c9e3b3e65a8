"""The opening emotion tag chosen where the tags differ (``agent/llm/opening_tag.py``), on the tiny transformers
model: every reply the persona asks to tag opens with a real emotion, a reply forced token by token comes out the
same with fewer model passes, and a prompt without the instructions is left to the model."""

from __future__ import annotations

from typing import Any

import pytest

from companion.agent.config.schema import Persona
from companion.agent.llm.base import ChatMessage
from companion.agent.llm.prompt import EXPRESSIVE_EMOTIONS, build_messages
from companion.agent.llm.transformers_llm import TransformersLLM
from companion.agent.policy.types import DialogueContext, UserTurn
from companion.tools.bench.scripted_reply import forced_reply_factory
from companion.tools.tiny import TinyModels
from tests.support.llm import reply_text

pytestmark = pytest.mark.integration

STYLE = "You are Ada, a friendly guide robot in a science museum. Answer in one short sentence."
TAGS = tuple(f"[{emotion}" for emotion in EXPRESSIVE_EMOTIONS)


def messages(text: str, emotion_tags: bool = True) -> list[ChatMessage]:
    context = DialogueContext(Persona(name="Ada", style=STYLE, emotion_tags=emotion_tags))
    return build_messages(UserTurn(1, text, "voice", 0.0), context, 8)


def count_passes(llm: TransformersLLM) -> list[int]:
    """Counts the model's forward passes from now on (each prefill or decode step is one)."""
    calls = [0]
    model: Any = llm._model
    forward = model.forward

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        return forward(*args, **kwargs)

    model.forward = counted
    return calls


async def test_every_tagged_reply_opens_with_a_real_emotion(tiny_models: TinyModels) -> None:
    for seed in range(4):
        llm = TransformersLLM(tiny_models.llm, threads=1, quantize="none", dtype="float32", max_new_tokens=4, seed=seed)
        try:
            text = await reply_text(llm, messages("hello, what can I see here?"))
        finally:
            await llm.close()
        assert text.startswith(TAGS), text  # random weights would almost never write one by themselves


async def test_a_prompt_without_the_tag_instructions_is_left_to_the_model(tiny_models: TinyModels) -> None:
    llm = TransformersLLM(tiny_models.llm, threads=1, quantize="none", dtype="float32", max_new_tokens=4, seed=0)
    try:
        text = await reply_text(llm, messages("hello, what can I see here?", emotion_tags=False))
    finally:
        await llm.close()
    assert not text.startswith(TAGS), text


async def test_a_forced_reply_is_the_same_with_fewer_model_passes(tiny_models: TinyModels) -> None:
    forced = "[surprised] Oh, the dinosaurs are upstairs."
    texts, passes = [], []
    for opening in (False, True):
        llm = TransformersLLM(tiny_models.llm, threads=1, quantize="none", dtype="float32", max_new_tokens=40)
        try:
            llm.ensure_loaded()
            tags = llm._opening_tags
            assert tags is not None  # the tiny tokenizer spells every tag the same whatever follows it
            if not opening:
                llm._opening_tags = None
            llm._logits_processor_factory = forced_reply_factory(llm._tokenizer, forced)
            calls = count_passes(llm)
            first = await reply_text(llm, messages("where are the dinosaurs?"))
            second = await reply_text(llm, messages("and the whales?"))  # the kept cache, after an opening
        finally:
            await llm.close()
        texts.append((first, second))
        passes.append(calls[0])
    assert texts[0] == texts[1] == (forced, forced)
    word = next(s for s in tags.sequences if llm._tokenizer.decode(list(s)) == "[surprised")
    choices = sum(len(tags.next_tokens(list(word[:i]))) > 1 for i in range(len(word)))
    assert passes[0] - passes[1] == 2 * (len(word) - choices)  # each certain token of the tag saves a pass, per reply
