"""The plugin API. A plugin sees each user turn (after the safety check) and may answer it or pass.

A minimal plugin (see plugins/builtin/repeat.py and docs/PLUGINS.md)::

    class Hello:
        name = "hello"

        async def on_turn(self, turn: UserTurn, context: DialogueContext) -> Reply | None:
            if "hello" in turn.text.lower():
                return fixed_reply("[happy] Hello to you too!", source=f"plugin:{self.name}")
            return None

Register it under the ``companion.plugins`` entry-point group and list its name in a persona's ``plugins``.
Plugins run in the persona's order; the first reply wins; the language model answers when none does. Plugins
never run while the session is in crisis mode, and they cannot skip or change the safety step. The optional hooks,
``context.ask_model`` (a narrow, screened request to the language model), ``context.report_risk``, tools for the
model (a ``tools`` attribute), the timeouts and what a plugin sees are in docs/PLUGINS.md.
"""

from __future__ import annotations

from companion.agent.events import Event
from companion.agent.policy.model_requests import ModelAnswer, ModelRequest
from companion.agent.policy.tools import Tool, ToolResult
from companion.agent.policy.types import DialogueContext, Exchange, Plugin, Reply, UserTurn, fixed_reply

__all__ = [
    "DialogueContext",
    "Event",
    "Exchange",
    "ModelAnswer",
    "ModelRequest",
    "Plugin",
    "Reply",
    "Tool",
    "ToolResult",
    "UserTurn",
    "fixed_reply",
]
