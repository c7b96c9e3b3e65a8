"""A faulty plugin cannot stop, freeze or rewrite the robot: each fault is one log line naming it, the turn goes on."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import pytest

from companion.agent.config.schema import Config, LlmConfig, SafetyConfig
from companion.agent.policy.chain import PolicyChain
from companion.agent.policy.crisis import CrisisState
from companion.agent.policy.llm_step import LlmStep
from companion.agent.policy.plugin_loader import load_plugins
from companion.agent.policy.safety import SafetyStep
from companion.agent.policy.types import PLUGINS, DialogueContext, Exchange, Reply, UserTurn, fixed_reply
from companion.core.errors import CompanionError
from tests.agent.test_policy_chain import DETECTOR, PERSONA, ScriptedLLM, text_of, turn


class Hangs:
    name = "hangs"

    async def on_turn(self, turn: UserTurn, context: DialogueContext) -> Reply | None:
        await asyncio.Event().wait()
        return None


class Blocks:
    name = "blocks"

    async def on_turn(self, turn: UserTurn, context: DialogueContext) -> Reply | None:
        time.sleep(0.2)  # noqa: ASYNC251 - the fault under test
        return None


class ReturnsText:
    name = "returns-text"

    async def on_turn(self, turn: UserTurn, context: DialogueContext) -> Any:
        return "hello there"


class NotAsync:
    name = "not-async"

    def on_turn(self, turn: UserTurn, context: DialogueContext) -> Reply | None:
        return fixed_reply("sync", "plugin:not-async")


class RewritesPersona:
    name = "rewrites"

    async def on_turn(self, turn: UserTurn, context: DialogueContext) -> Reply | None:
        context.persona.style = "You are a pirate."
        context.history.clear()
        if context.config is not None:
            context.config.safety.crisis_reply = "nothing"
        return None


class Answers:
    name = "answers"

    async def on_turn(self, turn: UserTurn, context: DialogueContext) -> Reply | None:
        return fixed_reply("from the plugin", "plugin:answers")

    async def opening(self, context: DialogueContext) -> Reply | None:
        return fixed_reply("the opening", "plugin:answers")


def chain(*plugins: object, timeout_s: float = 0.3, llm: ScriptedLLM | None = None) -> PolicyChain:
    final = LlmStep(llm or ScriptedLLM(["from the model"]), LlmConfig())
    step = SafetyStep(SafetyConfig(), detector=DETECTOR)
    return PolicyChain(step, list(plugins), final, plugin_timeout_s=timeout_s)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("plugin", "logged"),
    [
        (Hangs(), "plugin 'hangs' on_turn (turn 1) took longer than 0.3 s and was stopped"),
        (ReturnsText(), "plugin 'returns-text' on_turn (turn 1) returned str, not Reply or None"),
        (NotAsync(), "plugin 'not-async' on_turn (turn 1) is not an async function"),
    ],
)
async def test_a_faulty_plugin_is_named_once_and_the_next_step_answers(
    plugin: object, logged: str, caplog: pytest.LogCaptureFixture
) -> None:
    policy = chain(plugin, Answers())
    with caplog.at_level(logging.ERROR):
        reply = await policy.respond(turn("hi"), DialogueContext(PERSONA))
    assert await text_of(reply) == "from the plugin"
    (error,) = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert error.startswith(logged)
    assert policy.plugin_errors == 1


async def test_a_plugin_that_blocks_the_loop_is_named_with_how_long(caplog: pytest.LogCaptureFixture) -> None:
    policy = chain(Blocks())
    with caplog.at_level(logging.WARNING):
        reply = await policy.respond(turn("hi"), DialogueContext(PERSONA))
    assert await text_of(reply) == "from the model"
    (warning,) = [r.getMessage() for r in caplog.records if "blocked the event loop" in r.getMessage()]
    assert warning.startswith("plugin 'blocks' on_turn (turn 1) blocked the event loop for 0.2")
    assert policy.faults.blocking == 1


async def test_plugins_cannot_rewrite_the_persona_history_or_config() -> None:
    config = Config(persona="ada", personas={"ada": PERSONA.model_copy(deep=True)})
    llm = ScriptedLLM(["fine"])
    context = DialogueContext(config.active_persona, config=config)
    context.history.append(Exchange("a", "b"))
    await text_of(await chain(RewritesPersona(), llm=llm).respond(turn("hi"), context))
    system = llm.calls[-1][0].content
    assert "museum guide" in system and "pirate" not in system
    assert len(context.history) == 1
    assert config.safety.crisis_reply != "nothing"


async def test_the_first_plugin_opening_replaces_the_greeting_and_crisis_skips_it() -> None:
    policy = chain(ReturnsText(), Answers())
    context = DialogueContext(PERSONA)
    opening = await policy.opening(context)
    assert opening is not None and await text_of(opening) == "the opening"
    context.crisis = CrisisState("explicit", "explicit", 1)
    assert await policy.opening(context) is None


def test_a_plugin_whose_constructor_fails_is_logged_and_left_out(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def explodes() -> object:
        raise ValueError("no lesson folder")

    original = type(PLUGINS).load
    monkeypatch.setattr(
        type(PLUGINS), "load", lambda kind, name: explodes if name == "explodes" else original(kind, name)
    )
    with caplog.at_level(logging.ERROR):
        plugins = load_plugins(["explodes", "repeat"], where="personas.ada.plugins")
    assert [p.name for p in plugins] == ["repeat"]
    (line,) = [r.getMessage() for r in caplog.records]
    assert line == (
        "personas.ada.plugins[0]: plugin 'explodes' failed to start: ValueError: no lesson folder; "
        "the robot runs without it"
    )
    with pytest.raises(CompanionError, match=r"plugins\[0\]: plugin 'explodes' failed to start"):
        load_plugins(["explodes"], where="personas.ada.plugins", strict=True)
