"""Tools the language model may call: typed, allowed per persona, validated, timed out and screened.

A tool is a name, a description, a JSON Schema for its parameters and an async ``run``. companion has built-in
tools (``BUILTIN_TOOLS``: ``show_expression``), and a plugin offers more with a ``tools`` attribute (the lesson
plugin offers ``list_lessons``). A persona lists the tools its model may call (``personas.<name>.tools``); none
by default. ``ToolBox.call`` is the only way a call runs, and it:

* refuses a tool the persona does not allow, or that does not exist (the model is told so, the turn goes on);
* validates the arguments against the tool's schema (jsonschema) and refuses bad ones with the reason;
* runs the tool as every plugin hook runs (``plugin_calls.call_hook``): the plugins' timeout (``plugins.timeout_s``),
  and an exception, a timeout, a wrong return or a blocked event loop is one log line naming the plugin;
* screens the result with the output screen before the model sees it;
* reports a ``tool_called`` event (tool, arguments, ok, error) for ``--json``.

The language model step (``llm_step.py``) offers no tool during a crisis, and a tool result can change the face
(``ToolResult.emotion``) only through the same emotion tags the model's text uses.
"""

from __future__ import annotations

import dataclasses
import difflib
import logging
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import jsonschema

from companion.agent.events import ToolCalled
from companion.agent.llm.prompt import EXPRESSIVE_EMOTIONS
from companion.agent.llm.tool_calls import ToolCall, ToolSpec
from companion.agent.policy.plugin_calls import PluginFaults, call_hook
from companion.agent.policy.types import DialogueContext
from companion.agent.safety.output_screen import ScreenVerdict
from companion.core.errors import ConfigError
from companion.face.emotions import EmotionState, normalize_emotion

log = logging.getLogger(__name__)

MAX_RESULT_CHARS = 2000


@dataclass(frozen=True)
class ToolResult:
    content: str  # what the model is told
    emotion: EmotionState | None = None  # shown on the face at once


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    parameters: dict[str, Any]
    run: Callable[[dict[str, Any], DialogueContext], Coroutine[Any, Any, ToolResult]]
    owner: str = "companion"  # the plugin that offers it (set by ``offered_tools``), named in its fault lines

    @property
    def spec(self) -> ToolSpec:
        return ToolSpec(self.name, self.description, self.parameters)


async def _show_expression(arguments: dict[str, Any], context: DialogueContext) -> ToolResult:
    emotion = normalize_emotion(str(arguments["emotion"]))
    assert emotion is not None  # the schema's enum
    state = EmotionState(emotion, float(arguments.get("intensity", 0.7)))
    return ToolResult(f"Your face now shows {emotion.value}.", state)


SHOW_EXPRESSION = Tool(
    "show_expression",
    "Show an emotion on your face right now, for example when the visitor asks you to look surprised.",
    {
        "type": "object",
        "properties": {
            "emotion": {"type": "string", "enum": list(EXPRESSIVE_EMOTIONS)},
            "intensity": {"type": "number", "minimum": 0, "maximum": 1},
        },
        "required": ["emotion"],
        "additionalProperties": False,
    },
    _show_expression,
)
BUILTIN_TOOLS: tuple[Tool, ...] = (SHOW_EXPRESSION,)


def offered_tools(plugins: Sequence[object]) -> list[Tool]:
    """The built-in tools and those the plugins offer (a plugin's ``tools`` attribute)."""
    offered = [
        dataclasses.replace(tool, owner=str(getattr(plugin, "name", "?")))
        for plugin in plugins
        for tool in getattr(plugin, "tools", ())
        if isinstance(tool, Tool)
    ]
    return [*BUILTIN_TOOLS, *offered]


def check_allowed(allowed: Sequence[str], available: Iterable[str], where: str) -> None:
    """Every name in a persona's ``tools`` is a tool there is: a ConfigError with a suggestion otherwise."""
    known = list(available)
    for index, name in enumerate(allowed):
        if name not in known:
            close = difflib.get_close_matches(name, known, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise ConfigError(
                f"{where}[{index}]: no tool called {name!r}",
                f"{hint}tools there are: {', '.join(sorted(known))} (docs/PLUGINS.md, 'Tools')",
            )


class ToolBox:
    """Every tool there is (built-in and the plugins'), and the only way one runs."""

    def __init__(
        self,
        tools: Iterable[Tool],
        screen: Callable[[str], Awaitable[ScreenVerdict]],
        timeout_s: float = 2.0,
        faults: PluginFaults | None = None,
    ) -> None:
        self.tools: dict[str, Tool] = {}
        for tool in tools:
            if tool.name in self.tools:
                log.warning("two tools are called %r: the first one is kept", tool.name)
                continue
            self.tools[tool.name] = tool
        self.screen = screen
        self.timeout_s = timeout_s
        self.faults = faults or PluginFaults()

    @classmethod
    def of(
        cls,
        plugins: Sequence[object],
        screen: Callable[[str], Awaitable[ScreenVerdict]],
        timeout_s: float = 2.0,
        faults: PluginFaults | None = None,
    ) -> ToolBox:
        """The built-in tools and those the plugins offer (a plugin's ``tools`` attribute)."""
        return cls(offered_tools(plugins), screen, timeout_s, faults)

    def check(self, allowed: Sequence[str], where: str) -> None:
        """A persona's ``tools`` must name tools that exist: a ConfigError with a suggestion otherwise."""
        check_allowed(allowed, self.tools, where)

    def specs_for(self, allowed: Sequence[str]) -> list[ToolSpec]:
        return [self.tools[name].spec for name in allowed if name in self.tools]

    async def call(self, call: ToolCall, context: DialogueContext, allowed: Sequence[str]) -> ToolResult:
        """Run one call the model made, or refuse it with a reason the model can read."""
        result, error = await self._run(call, context, allowed)
        context.emit(ToolCalled(context.now(), call.name, dict(call.arguments), not error, error))
        if error:
            log.info("tool call %s refused or failed: %s", call.name, error)
            return ToolResult(f"The tool {call.name} could not be used: {error}.")
        assert result is not None
        return result

    async def _run(
        self, call: ToolCall, context: DialogueContext, allowed: Sequence[str]
    ) -> tuple[ToolResult | None, str]:
        tool = self.tools.get(call.name)
        if tool is None or call.name not in allowed:
            return None, "no such tool is available to you"
        if call.error:
            return None, call.error
        try:
            jsonschema.validate(call.arguments, tool.parameters)
        except jsonschema.ValidationError as invalid:
            where = "/".join(str(part) for part in invalid.absolute_path)
            return None, f"bad arguments{f' at {where}' if where else ''}: {invalid.message}"
        timeouts = self.faults.timeouts
        ok, result = await call_hook(  # the plugins' one path: timeout, exception, wrong return, blocking
            tool.owner,
            f"tool {call.name}",
            tool.run(dict(call.arguments), context.for_plugins()),
            timeout_s=self.timeout_s,
            expected=(ToolResult,),
            faults=self.faults,
        )
        if not ok:
            return None, "it took too long" if self.faults.timeouts > timeouts else "it failed"
        content = result.content[:MAX_RESULT_CHARS]
        verdict = await self.screen(content) if content.strip() else ScreenVerdict(True)
        if not verdict.safe:
            return None, f"its result was withheld ({verdict.category})"
        return ToolResult(content, result.emotion), ""
