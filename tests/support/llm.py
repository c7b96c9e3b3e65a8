"""Helpers for tests of language-model backends."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence

from companion.agent.llm.base import ChatMessage, LanguageModel


async def reply_text(llm: LanguageModel, messages: Sequence[ChatMessage]) -> str:
    """The whole reply ``llm`` streams for ``messages``."""
    pieces: list[str] = []
    async with contextlib.aclosing(llm.stream(list(messages))) as stream:
        async for piece in stream:
            pieces.append(piece)
    return "".join(pieces)
