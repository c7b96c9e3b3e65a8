"""Runs a user turn through safety, the AI disclosure, the persona's boundaries, the active plugins, then the model.

Plugins are called through ``call_hook``: a timeout per call, one clear log line for a failure, a timeout, a wrong
return type or a blocking plugin, and the turn goes on (next plugin, then the model). Plugins see a read-only view
of the context (``DialogueContext.for_plugins``): a copy of the persona and the history, so no plugin can rewrite
the system prompt or the past. A plugin that hears a risk the detector cannot (an answer to PHQ-9 item 9) calls
``context.report_risk(reason)``: its reply is dropped and the crisis protocol answers instead. A plugin may ask the
model one narrow, typed thing (``context.ask_model``, ``model_requests.py``), screened like every reply. Besides
``on_turn``, a plugin may define the optional hooks ``opening`` (what to say when a conversation starts, instead of
the persona's greeting) and ``visitor_left`` (the conversation is over).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Awaitable, Callable, Sequence

from companion.agent.events import Event
from companion.agent.policy.boundaries import BoundaryStep
from companion.agent.policy.disclosure import DisclosureStep
from companion.agent.policy.llm_step import LlmStep
from companion.agent.policy.model_requests import ModelAnswer, ModelRequest, ModelRequests, no_model
from companion.agent.policy.plugin_calls import PluginFaults, call_hook
from companion.agent.policy.safety import SafetyStep
from companion.agent.policy.types import DialogueContext, Plugin, PolicyStep, Reply, UserTurn
from companion.agent.safety.output_screen import ScreenVerdict

log = logging.getLogger(__name__)

DEFAULT_PLUGIN_TIMEOUT_S = 2.0
_REPLY_OR_NONE = (Reply, type(None))


class PolicyChain:
    def __init__(
        self,
        safety: SafetyStep,
        plugins: Sequence[Plugin],
        final: LlmStep | PolicyStep,
        *,
        plugin_timeout_s: float = DEFAULT_PLUGIN_TIMEOUT_S,
        boundaries: BoundaryStep | None = None,
    ) -> None:
        # Safety is a required argument and always runs first: no config, persona or plugin can remove it.
        self.safety = safety
        self.disclosure = DisclosureStep()  # like safety, not configurable: "are you a person?" is always answered
        self.boundaries = boundaries or BoundaryStep([], safety)
        self.plugins = list(plugins)
        self.final = final
        self.plugin_timeout_s = plugin_timeout_s
        self.faults = PluginFaults()

    @property
    def plugin_errors(self) -> int:
        return self.faults.total

    async def respond(self, turn: UserTurn, context: DialogueContext) -> Reply:
        for step in (self.safety, self.disclosure, self.boundaries):
            reply = await step.respond(turn, context)
            if reply is not None:
                return reply
        if not context.crisis_active:
            reported: list[tuple[str, str]] = []
            shared = context.for_plugins()  # copied once a turn; each plugin's view differs only in its callbacks
            for plugin in self.plugins:
                view = dataclasses.replace(
                    shared,
                    report_risk=lambda reason, name=plugin.name: reported.append((name, reason)),
                    ask_model=self._model_requests_for(plugin.name, context),
                )
                ok, reply = await call_hook(
                    plugin.name,
                    "on_turn",
                    plugin.on_turn(turn, view),
                    timeout_s=self.plugin_timeout_s,
                    expected=_REPLY_OR_NONE,
                    faults=self.faults,
                    what=f"turn {turn.turn_id}",
                )
                if reported:  # the plugin heard a risk: its own reply is dropped, the crisis protocol answers
                    name, reason = reported[0]
                    log.warning("plugin %r reported a risk (%s) in turn %d", name, reason, turn.turn_id)
                    return self.safety.begin("reported", reason, turn.turn_id, context)
                if ok and reply is not None:
                    return reply
        reply = await self.final.respond(turn, context)
        if reply is None:
            raise RuntimeError("the final policy step must always reply")
        return reply

    def _model_requests_for(
        self, plugin: str, context: DialogueContext
    ) -> Callable[[ModelRequest], Awaitable[ModelAnswer]]:
        """``context.ask_model`` for one plugin: the final step's model, this persona, the output screen."""
        llm = getattr(self.final, "llm", None)
        if llm is None:
            return no_model
        requests = ModelRequests(llm, self.screen_clause)

        async def ask(request: ModelRequest) -> ModelAnswer:
            return await requests.ask(
                request, plugin=plugin, persona_style=context.persona.style, emit=context.emit, now=context.now()
            )

        return ask

    async def screen_clause(self, clause: str) -> ScreenVerdict:
        """The output screen's verdict on one clause of the model's reply (the persona's boundaries included)."""
        return await self.boundaries.check_clause(clause)

    async def opening(self, context: DialogueContext) -> Reply | None:
        """The first plugin's ``opening`` reply for a new conversation (a lesson's intro), or None."""
        if context.crisis_active:
            return None
        view = context.for_plugins()
        for plugin in self.plugins:
            hook = getattr(plugin, "opening", None)
            if hook is None:
                continue
            ok, reply = await call_hook(
                plugin.name,
                "opening",
                hook(view),
                timeout_s=self.plugin_timeout_s,
                expected=_REPLY_OR_NONE,
                faults=self.faults,
            )
            if ok and reply is not None:
                return reply
        return None

    async def perceived(self, event: Event, context: DialogueContext) -> Reply | None:
        """The first plugin's ``on_perception`` reply to what the camera saw (a nod answering a yes/no question)."""
        if context.crisis_active:
            return None
        shared = context.for_plugins()
        for plugin in self.plugins:
            hook = getattr(plugin, "on_perception", None)
            if hook is None:
                continue
            view = dataclasses.replace(shared, ask_model=self._model_requests_for(plugin.name, context))
            ok, reply = await call_hook(
                plugin.name,
                "on_perception",
                hook(event, view),
                timeout_s=self.plugin_timeout_s,
                expected=_REPLY_OR_NONE,
                faults=self.faults,
                what=event.type,
            )
            if ok and reply is not None:
                return reply
        return None

    async def lifecycle(self, hook_name: str) -> None:
        """``on_start`` (the robot is starting) or ``on_stop`` (it is stopping), for every plugin that has it."""
        for plugin in self.plugins:
            hook = getattr(plugin, hook_name, None)
            if hook is not None:
                await call_hook(
                    plugin.name, hook_name, hook(), timeout_s=self.plugin_timeout_s, expected=(type(None),),
                    faults=self.faults,
                )  # fmt: skip

    async def visitor_left(self, context: DialogueContext) -> None:
        """Tells every plugin with a ``visitor_left`` hook that this conversation is over (its state goes next)."""
        view = context.for_plugins()
        for plugin in self.plugins:
            hook = getattr(plugin, "visitor_left", None)
            if hook is not None:
                await call_hook(
                    plugin.name,
                    "visitor_left",
                    hook(view),
                    timeout_s=self.plugin_timeout_s,
                    expected=(type(None),),
                    faults=self.faults,
                )
