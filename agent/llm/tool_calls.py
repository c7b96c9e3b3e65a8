"""Tool calls on the wire: what a tool looks like to a language model, a call it makes, and how calls are read.

Two ways models call tools, both handled here:

* **OpenAI-compatible servers** (vLLM, llama.cpp, Ollama) take ``tools`` in the request and stream
  ``delta.tool_calls``: an index, an id, a function name, and the arguments as JSON text in pieces.
  ``ToolCallAssembler`` joins the pieces into ``ToolCall``s.
* **Chat templates** (transformers): the template renders the tools into the prompt, and the model writes each
  call as ``<tool_call>{"name": ..., "arguments": {...}}</tool_call>`` (the Hermes / Qwen2.5 convention).
  ``TextToolCallParser`` takes those out of the streamed text, holding back only what could still become one.

A call whose arguments are not a JSON object is kept, with ``error`` set, so the caller can tell the model.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

CALL_OPEN, CALL_CLOSE = "<tool_call>", "</tool_call>"


@dataclass(frozen=True)
class ToolSpec:
    """A tool as the model sees it: a name, what it does, and its parameters as a JSON Schema object."""

    name: str
    description: str
    parameters: dict[str, Any] = field(default_factory=lambda: {"type": "object", "properties": {}})

    def openai(self) -> dict[str, Any]:
        """The ``tools`` entry of an OpenAI chat-completions request (also what chat templates take)."""
        return {
            "type": "function",
            "function": {"name": self.name, "description": self.description, "parameters": self.parameters},
        }


@dataclass(frozen=True)
class ToolCall:
    """One call the model made. ``arguments`` is the parsed object; ``error`` says why it could not be parsed."""

    name: str
    arguments: dict[str, Any]
    id: str = field(default_factory=lambda: f"call_{uuid.uuid4().hex[:12]}")
    error: str = ""

    def openai(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": "function",
            "function": {"name": self.name, "arguments": json.dumps(self.arguments)},
        }


def parse_arguments(text: str) -> tuple[dict[str, Any], str]:
    """The arguments object from its JSON text, and an error ("" when fine). Empty text is no arguments."""
    if not text.strip():
        return {}, ""
    try:
        value = json.loads(text)
    except ValueError as error:
        return {}, f"the arguments are not valid JSON ({error.msg})"
    if not isinstance(value, dict):
        return {}, "the arguments are not a JSON object"
    return value, ""


class ToolCallAssembler:
    """Joins the ``delta.tool_calls`` pieces of an OpenAI stream into whole calls."""

    def __init__(self) -> None:
        self._calls: dict[int, dict[str, str]] = {}

    def feed(self, deltas: object) -> int:
        """Take one event's ``tool_calls`` list; returns how many pieces were malformed (and skipped)."""
        if not isinstance(deltas, list):
            return 1
        malformed = 0
        for delta in deltas:
            if not isinstance(delta, dict):
                malformed += 1
                continue
            index = delta.get("index", 0)
            call = self._calls.setdefault(index if isinstance(index, int) else 0, {"id": "", "name": "", "args": ""})
            if isinstance(delta.get("id"), str):
                call["id"] = delta["id"]
            function = delta.get("function")
            if isinstance(function, dict):
                if isinstance(function.get("name"), str):
                    call["name"] += function["name"]
                if isinstance(function.get("arguments"), str):
                    call["args"] += function["arguments"]
        return malformed

    def calls(self) -> list[ToolCall]:
        """The calls, in index order (those without a name are dropped)."""
        made = []
        for _, call in sorted(self._calls.items()):
            if not call["name"]:
                continue
            arguments, error = parse_arguments(call["args"])
            made.append(ToolCall(call["name"], arguments, call["id"] or f"call_{uuid.uuid4().hex[:12]}", error))
        return made


class TextToolCallParser:
    """Feed streamed model text; get text to speak and ``ToolCall``s out, in order (``<tool_call>`` blocks)."""

    def __init__(self) -> None:
        self._pending = ""

    def feed(self, piece: str) -> Iterator[str | ToolCall]:
        self._pending += piece
        yield from self._drain(final=False)

    def close(self) -> Iterator[str | ToolCall]:
        yield from self._drain(final=True)

    def _drain(self, final: bool) -> Iterator[str | ToolCall]:
        while self._pending:
            start = self._pending.find(CALL_OPEN)
            if start == -1:
                keep = 0 if final else _partial_suffix(self._pending, CALL_OPEN)
                text, self._pending = (
                    self._pending[: len(self._pending) - keep],
                    self._pending[len(self._pending) - keep :],
                )
                if text:
                    yield text
                return
            if start:
                yield self._pending[:start]
                self._pending = self._pending[start:]
            end = self._pending.find(CALL_CLOSE)
            if end == -1:
                if final:  # an unterminated call: read what is there
                    yield _call_from(self._pending[len(CALL_OPEN) :])
                    self._pending = ""
                return
            yield _call_from(self._pending[len(CALL_OPEN) : end])
            self._pending = self._pending[end + len(CALL_CLOSE) :].lstrip()


def _call_from(body: str) -> ToolCall:
    parsed, error = parse_arguments(body)
    name = parsed.get("name") if isinstance(parsed.get("name"), str) else ""
    arguments = parsed.get("arguments", parsed.get("parameters", {}))
    if isinstance(arguments, str):  # some models write the arguments as a JSON string
        arguments, error = parse_arguments(arguments)
    if not isinstance(arguments, dict):
        arguments, error = {}, "the arguments are not a JSON object"
    if not name:
        error = error or "the call has no name"
    return ToolCall(str(name), arguments, error=error)


def _partial_suffix(text: str, marker: str) -> int:
    """How many characters at the end of ``text`` could be the start of ``marker``."""
    for length in range(min(len(marker) - 1, len(text)), 0, -1):
        if marker.startswith(text[-length:]):
            return length
    return 0
