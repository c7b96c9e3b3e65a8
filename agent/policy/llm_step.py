"""The last step of the chain: the language model answers, or the persona's fallback line when it fails."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Sequence

from companion.agent.config.schema import LlmConfig
from companion.agent.llm.base import ChatMessage, LanguageModel, LanguageModelError
from companion.agent.llm.prompt import build_messages
from companion.agent.policy.types import DialogueContext, Reply, UserTurn

log = logging.getLogger(__name__)


class LlmStep:
    source = "llm"

    def __init__(
        self, llm: LanguageModel, config: LlmConfig, on_error: Callable[[LanguageModelError], None] | None = None
    ) -> None:
        self.llm = llm
        self.config = config
        self._on_error = on_error

    async def respond(self, turn: UserTurn, context: DialogueContext) -> Reply:
        messages = build_messages(turn, context, self.config.history_turns)
        return Reply(source=self.source, pieces=self._stream(messages))

    async def _stream(self, messages: Sequence[ChatMessage]) -> AsyncIterator[str]:
        said_something = False
        try:
            async for piece in self.llm.stream(messages, max_new_tokens=self.config.max_new_tokens):
                said_something = said_something or bool(piece.strip())
                yield piece
        except LanguageModelError as error:
            log.warning("language model failed: %s", error)
            if self._on_error is not None:
                self._on_error(error)
            # Say something rather than fall silent; mid-reply, just end the sentence.
            yield " ..." if said_something else f"[concerned:0.4] {self.config.fallback_line}"
