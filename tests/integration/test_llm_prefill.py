"""The transformers model's KV cache on the tiny model: kept across turns, extended ahead of time by ``prefill``
(the session calls it when someone starts speaking), and dropped for the next visitor."""

from __future__ import annotations

import pytest

from companion.agent.config.schema import Persona
from companion.agent.llm.base import ChatMessage
from companion.agent.llm.prompt import build_messages, prompt_prefix
from companion.agent.llm.transformers_llm import TransformersLLM
from companion.agent.policy.types import DialogueContext, Exchange, UserTurn
from companion.tools.tiny import TinyModels
from tests.support.llm import reply_text

pytestmark = pytest.mark.integration

STYLE = "You are Ada, a friendly guide robot in a science museum. Answer in one short sentence, kindly and clearly."


def context_after(*exchanges: tuple[str, str]) -> DialogueContext:
    context = DialogueContext(Persona(name="Ada", style=STYLE))
    context.history.extend(Exchange(user, robot) for user, robot in exchanges)
    return context


@pytest.fixture
async def llm(tiny_models: TinyModels) -> TransformersLLM:
    model = TransformersLLM(tiny_models.llm, threads=1, quantize="none", dtype="float32", max_new_tokens=6)
    yield model  # type: ignore[misc]
    await model.close()


async def test_a_prefilled_prompt_start_leaves_only_the_new_words(llm: TransformersLLM) -> None:
    turn = UserTurn(1, "where are the dinosaurs please", "voice", 0.0)
    context = context_after(("hello robot", "Hello, welcome to the museum."))
    full = llm.prompt_ids(build_messages(turn, context, 8))

    await reply_text(llm, build_messages(turn, context, 8))
    assert llm.last_prefill_tokens == len(full)  # nothing cached yet: everything

    llm.forget()
    await llm.prefill(prompt_prefix(context, 8))
    await reply_text(llm, build_messages(turn, context, 8))
    prefix = llm._tokenizer.apply_chat_template([m.openai() for m in prompt_prefix(context, 8)], tokenize=False)
    prefix_ids = llm._tokenizer(prefix, add_special_tokens=False).input_ids
    assert full[: len(prefix_ids)] == prefix_ids  # the chat template renders the prefix as the prompt's start
    assert llm.last_prefill_tokens == len(full) - len(prefix_ids)  # only the user's words and the turn's markers


async def test_a_prefilled_draft_of_the_words_leaves_only_what_it_missed(llm: TransformersLLM) -> None:
    """The session prefills each draft transcript while the user speaks: the turn then feeds only the words the
    draft did not have (and the turn's markers); a draft that differs is cut back where it differs."""
    context = context_after(("hello robot", "Hello, welcome to the museum."))
    turn = UserTurn(1, "where are the dinosaurs and the whales please", "voice", 0.0)
    await llm.prefill(prompt_prefix(context, 8))
    await reply_text(llm, build_messages(turn, context, 8))
    words_and_markers = llm.last_prefill_tokens

    for draft in ("where are the dinosaurs and the", "where are the dinosaurs and a whale"):
        llm.forget()
        await llm.prefill(prompt_prefix(context, 8))
        await llm.prefill([*prompt_prefix(context, 8), ChatMessage("user", draft)])
        text = await reply_text(llm, build_messages(turn, context, 8))
        assert text  # the cut-back cache still answers
        assert 0 < llm.last_prefill_tokens < words_and_markers - 3, draft


async def test_a_prefill_after_forget_keeps_nothing_of_the_last_visitor(llm: TransformersLLM) -> None:
    first = context_after(("my name is Zebulon and I live on Elm Street", "Nice to meet you, Zebulon."))
    await llm.prefill(prompt_prefix(first, 8))
    assert "Zebulon" in llm._tokenizer.decode(llm._cache_ids)
    llm.forget()
    await llm.prefill(prompt_prefix(context_after(), 8))
    assert "Zebulon" not in llm._tokenizer.decode(llm._cache_ids)
    assert llm._cache is not None and llm._cache.get_seq_length() == len(llm._cache_ids)


async def test_an_unchanged_prompt_start_is_not_computed_twice(llm: TransformersLLM) -> None:
    context = context_after(("hello", "Hi there."))
    await llm.prefill(prompt_prefix(context, 8))
    cached = llm._cache
    length = cached.get_seq_length()
    await llm.prefill(prompt_prefix(context, 8))
    assert llm._cache is cached and cached.get_seq_length() == length
