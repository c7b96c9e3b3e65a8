"""The last step of the chain: the language model answers, or the persona's fallback line when it fails.

When the persona allows tools (``personas.<name>.tools``) and the model can call them (``ToolCallingModel``), the
model is offered those tools. Its calls run through the ``ToolBox`` (allowlist, schema, timeout, screen); their
results go back to the model, which then answers, up to ``MAX_TOOL_ROUNDS`` rounds. The text streams as it comes,
and a tool that changes the face does it with an emotion tag in the stream. No tool is offered during a crisis."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable

from companion.agent.config.schema import LlmConfig
from companion.agent.llm.base import (
    ChatMessage,
    LanguageModel,
    LanguageModelError,
    PrefillingModel,
    ToolCallingModel,
)
from companion.agent.llm.prompt import build_messages, prompt_prefix
from companion.agent.llm.tool_calls import ToolCall
from companion.agent.policy.tools import ToolBox
from companion.agent.policy.types import DialogueContext, Reply, UserTurn

log = logging.getLogger(__name__)

MAX_TOOL_ROUNDS = 2  # model calls tools, sees results, and may call again once; then it must answer in words


class LlmStep:
    source = "llm"

    def __init__(
        self,
        llm: LanguageModel,
        config: LlmConfig,
        on_error: Callable[[LanguageModelError], None] | None = None,
        tools: ToolBox | None = None,
    ) -> None:
        self.llm = llm
        self.config = config
        self._on_error = on_error
        self.tools = tools

    def _allowed_tools(self, context: DialogueContext) -> list[str]:
        if context.crisis_active or self.tools is None or not isinstance(self.llm, ToolCallingModel):
            return []
        return list(context.persona.tools)

    async def prefill(self, context: DialogueContext, heard: str = "") -> None:
        """Compute the next prompt's start (system prompt, tools, history, and ``heard``: a draft of the words said
        so far) while the user is still speaking, so the end of the turn prefills only what the draft did not have.
        A model without a cache of its own (a server) is skipped."""
        if isinstance(self.llm, PrefillingModel):
            allowed = self._allowed_tools(context)
            specs = self.tools.specs_for(allowed) if allowed and self.tools is not None else []
            messages = prompt_prefix(context, self.config.history_turns)
            if heard:
                messages.append(ChatMessage("user", heard))
            await self.llm.prefill(messages, specs)

    async def respond(self, turn: UserTurn, context: DialogueContext) -> Reply:
        messages = build_messages(turn, context, self.config.history_turns)
        allowed = self._allowed_tools(context)
        if allowed and isinstance(self.llm, ToolCallingModel):
            return Reply(source=self.source, pieces=self._stream(self._with_tools(messages, allowed, context)))
        return Reply(
            source=self.source,
            pieces=self._stream(self.llm.stream(messages, max_new_tokens=self.config.max_new_tokens)),
        )

    async def _with_tools(
        self, messages: list[ChatMessage], allowed: list[str], context: DialogueContext
    ) -> AsyncIterator[str]:
        assert self.tools is not None and isinstance(self.llm, ToolCallingModel)
        specs = self.tools.specs_for(allowed)
        for round_number in range(MAX_TOOL_ROUNDS + 1):
            calls: list[ToolCall] = []
            offered = specs if round_number < MAX_TOOL_ROUNDS else []  # the last round must answer in words
            stream = self.llm.stream_tools(messages, offered, self.config.max_new_tokens)
            async with contextlib.aclosing(stream):
                async for item in stream:
                    if isinstance(item, ToolCall):
                        calls.append(item)
                    else:
                        yield item
            if not calls:
                return
            if round_number == MAX_TOOL_ROUNDS:
                log.info("the model called tools again after %d rounds: not run", MAX_TOOL_ROUNDS)
                return
            results = [await self.tools.call(call, context, allowed) for call in calls]
            for result in results:
                if result.emotion is not None:
                    yield f"[{result.emotion.emotion.value}:{result.emotion.intensity:.2f}]"
            messages = [
                *messages,
                ChatMessage("assistant", "", tool_calls=tuple(calls)),
                *(
                    ChatMessage("tool", result.content, tool_call_id=call.id, name=call.name)
                    for call, result in zip(calls, results, strict=True)
                ),
            ]

    async def _stream(self, pieces: AsyncIterator[str]) -> AsyncIterator[str]:
        said_something = False
        try:
            async for piece in pieces:
                said_something = said_something or bool(piece.strip())
                yield piece
        except LanguageModelError as error:
            log.warning("language model failed: %s", error)
            if self._on_error is not None:
                self._on_error(error)
            # Say something rather than fall silent; mid-reply, just end the sentence.
            yield " ..." if said_something else f"[concerned:0.4] {self.config.fallback_line}"
