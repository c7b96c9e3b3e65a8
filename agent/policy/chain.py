"""Runs a user turn through safety, then the active plugins, then the language model."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from companion.agent.policy.llm_step import LlmStep
from companion.agent.policy.safety import SafetyStep
from companion.agent.policy.types import DialogueContext, Plugin, PolicyStep, Reply, UserTurn

log = logging.getLogger(__name__)


class PolicyChain:
    def __init__(self, safety: SafetyStep, plugins: Sequence[Plugin], final: LlmStep | PolicyStep) -> None:
        # Safety is a required argument and always runs first: no config, persona or plugin can remove it.
        self.safety = safety
        self.plugins = list(plugins)
        self.final = final
        self.plugin_errors = 0
        self._failed_plugins: set[str] = set()

    async def respond(self, turn: UserTurn, context: DialogueContext) -> Reply:
        reply = await self.safety.respond(turn, context)
        if reply is not None:
            return reply
        if not context.crisis_active:
            for plugin in self.plugins:
                try:
                    reply = await plugin.on_turn(turn, context)
                except Exception as error:
                    # A broken plugin must not silence the robot: log it and let the next step answer. The
                    # traceback (for its author) once per plugin; later failures in one line each.
                    self.plugin_errors += 1
                    if plugin.name not in self._failed_plugins:
                        self._failed_plugins.add(plugin.name)
                        log.exception("plugin %r failed on turn %d", plugin.name, turn.turn_id)
                    else:
                        log.warning("plugin %r failed on turn %d: %s", plugin.name, turn.turn_id, error)
                    continue
                if reply is not None:
                    return reply
        reply = await self.final.respond(turn, context)
        if reply is None:
            raise RuntimeError("the final policy step must always reply")
        return reply
