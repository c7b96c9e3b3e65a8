"""What a plugin may ask the language model: one narrow, typed request, screened like every reply.

A plugin calls ``await context.ask_model(ModelRequest("hint", question, answer=...))`` and gets a ``ModelAnswer``.
The tasks are few on purpose (``TASKS``): a hint that does not give the answer away, a paraphrase, a simple
explanation, a word of encouragement. The plugin never writes the prompt's instructions and never sees the raw
output: the answer is plain text (emotion tags and stage directions removed), at most ``max_words`` words, and every
clause of it has passed the output screen (self-harm encouragement, methods, the persona's declined topics). A
clause that fails, a model error or a timeout gives ``ok=False`` with the reason and no text, so the plugin falls
back to its own words. A hint that contains the answer is refused too (``gave_away``). Each request is a
``model_asked`` event (the task, ok and reason, not the text).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal

from companion.agent.clauses import ClauseChunker
from companion.agent.emotion_tags import EmotionTagParser, TextPiece
from companion.agent.events import ModelAsked
from companion.agent.llm.base import ChatMessage, LanguageModel, LanguageModelError
from companion.agent.safety.output_screen import ScreenVerdict

log = logging.getLogger(__name__)

Task = Literal["hint", "paraphrase", "explain", "encourage"]
TASKS: dict[str, str] = {
    "hint": "Give one short hint that helps the learner find the answer to the question below by themselves. "
    "Never say the answer.",
    "paraphrase": "Say the text below again in other, simpler words, keeping its meaning exactly.",
    "explain": "Explain the text below simply, in one or two sentences, for a visitor who has never heard of it.",
    "encourage": "Say one short, warm sentence that encourages the person after what is described below.",
}
DEFAULT_TIMEOUT_S = 8.0


@dataclass(frozen=True)
class ModelRequest:
    task: Task
    text: str  # the material: the question to hint at, the sentence to paraphrase, what happened
    answer: str | None = None  # for a hint: the right answer, which the hint must not contain
    max_words: int = 40

    def __post_init__(self) -> None:
        if self.task not in TASKS:
            raise ValueError(f"unknown model request task {self.task!r} (one of {', '.join(TASKS)})")
        if not 1 <= self.max_words <= 80:
            raise ValueError("max_words must be between 1 and 80")


@dataclass(frozen=True)
class ModelAnswer:
    text: str  # "" unless ok
    ok: bool
    reason: str = ""  # "", "no_model", "error", "timeout", "empty", "gave_away", "unsafe:<category>"


async def no_model(request: ModelRequest) -> ModelAnswer:
    """What ``context.ask_model`` does where no model is wired (tests of a plugin alone)."""
    return ModelAnswer("", False, "no_model")


class ModelRequests:
    """Runs plugins' model requests: a fixed prompt per task, the persona's style, the output screen on the answer."""

    def __init__(
        self,
        llm: LanguageModel,
        screen: Callable[[str], Awaitable[ScreenVerdict]],
        *,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        max_new_tokens: int = 96,
    ) -> None:
        self.llm = llm
        self.screen = screen
        self.timeout_s = timeout_s
        self.max_new_tokens = max_new_tokens

    async def ask(
        self, request: ModelRequest, *, plugin: str, persona_style: str, emit: Callable[[ModelAsked], None], now: float
    ) -> ModelAnswer:
        answer = await self._answer(request, persona_style)
        if not answer.ok:
            log.info("plugin %r asked the model for a %s: refused (%s)", plugin, request.task, answer.reason)
        emit(ModelAsked(now, plugin, request.task, answer.ok, answer.reason))
        return answer

    async def _answer(self, request: ModelRequest, persona_style: str) -> ModelAnswer:
        system = (
            f"{persona_style.strip()}\n\n{TASKS[request.task]} Answer in at most {request.max_words} words of plain "
            "spoken English: no emotion tags, no lists, no markdown."
        )
        messages = [ChatMessage("system", system), ChatMessage("user", request.text)]
        try:
            raw = await asyncio.wait_for(self._collect(messages), self.timeout_s)
        except asyncio.TimeoutError:
            return ModelAnswer("", False, "timeout")
        except LanguageModelError:
            return ModelAnswer("", False, "error")
        text = _limit_words(_plain(raw), request.max_words)
        if not text:
            return ModelAnswer("", False, "empty")
        if request.task == "hint" and request.answer and _contains(text, request.answer):
            return ModelAnswer("", False, "gave_away")
        chunker = ClauseChunker()
        for clause in [*chunker.feed(text), *chunker.close()]:
            verdict = await self.screen(clause)
            if not verdict.safe:
                return ModelAnswer("", False, f"unsafe:{verdict.category}")
        return ModelAnswer(text, True)

    async def _collect(self, messages: list[ChatMessage]) -> str:
        pieces = [piece async for piece in self.llm.stream(messages, max_new_tokens=self.max_new_tokens)]
        return "".join(pieces)


def _plain(raw: str) -> str:
    parser = EmotionTagParser()
    parsed = [*parser.feed(raw), *parser.close()]
    text = "".join(part.text for part in parsed if isinstance(part, TextPiece))
    return re.sub(r"\s+", " ", text).strip()


def _limit_words(text: str, max_words: int) -> str:
    words = text.split()
    if len(words) <= max_words:
        return text
    cut = " ".join(words[:max_words])
    end = max(cut.rfind("."), cut.rfind("!"), cut.rfind("?"))
    return cut[: end + 1] if end > len(cut) // 2 else cut.rstrip(",;:") + "."


def _contains(text: str, answer: str) -> bool:
    """Does ``text`` say ``answer`` (as whole words, case and punctuation aside)?"""
    words = re.findall(r"[a-z0-9]+(?:[./][0-9]+)?", answer.lower())
    if not words:
        return False
    pattern = r"\b" + r"\W+".join(re.escape(word) for word in words) + r"\b"
    return re.search(pattern, text.lower()) is not None
