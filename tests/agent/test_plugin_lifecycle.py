"""Plugins' lifecycle hooks: ``on_start`` before the first visitor, ``visitor_left`` then ``on_stop`` at shutdown;
a failing ``on_start`` is one log line and the robot starts anyway; ``on_perception`` is not called in a crisis."""

from __future__ import annotations

import asyncio

import pytest

from companion.agent.config.schema import Config, Persona
from companion.agent.events import Event, EventBus, VisitorPresence
from companion.agent.policy.types import DialogueContext, Reply, UserTurn
from companion.agent.session import ConversationSession, SessionParts
from companion.core.clock import LoopClock
from companion.tools.testing import virtual_time
from companion.tools.testing.fakes import FakeLLM, FakeTTS
from tests.support.safety import inline_safety_step


class Recorder:
    name = "recorder"

    def __init__(self, fail_start: bool = False) -> None:
        self.calls: list[str] = []
        self.fail_start = fail_start

    async def on_start(self) -> None:
        self.calls.append("on_start")
        if self.fail_start:
            raise RuntimeError("no database")

    async def on_stop(self) -> None:
        self.calls.append("on_stop")

    async def visitor_left(self, context: DialogueContext) -> None:
        self.calls.append("visitor_left")

    async def on_perception(self, event: Event, context: DialogueContext) -> Reply | None:
        self.calls.append(f"perceived:{event.type}")
        return None

    async def on_turn(self, turn: UserTurn, context: DialogueContext) -> Reply | None:
        self.calls.append("on_turn")
        return None


def make_session(plugin: Recorder) -> ConversationSession:
    parts = SessionParts(tts=FakeTTS(), llm=FakeLLM(), plugins=[plugin], safety=inline_safety_step())
    persona = Persona(name="Ada", style="You guide.")
    return ConversationSession(Config(persona="guide", personas={"guide": persona}), parts, LoopClock(), EventBus())


@virtual_time
async def test_start_and_stop_hooks_run_in_order() -> None:
    plugin = Recorder()
    session = make_session(plugin)
    await session.start()
    await session.say("hello")
    await session.close()
    assert plugin.calls == ["on_start", "on_turn", "visitor_left", "on_stop"]


@virtual_time
async def test_a_failing_start_hook_is_one_log_line_and_the_robot_runs(caplog: pytest.LogCaptureFixture) -> None:
    plugin = Recorder(fail_start=True)
    session = make_session(plugin)
    await session.start()
    assert (await session.say("hello")).source == "llm"
    await session.close()
    assert "plugin 'recorder' on_start" in caplog.text and "no database" in caplog.text


@virtual_time
async def test_perception_reaches_plugins_but_not_during_a_crisis() -> None:
    plugin = Recorder()
    session = make_session(plugin)
    await session.start()
    now = session.clock.now()
    session.events.emit(VisitorPresence(now, "engaged", now))
    await session.say("I want to kill myself")
    session.events.emit(VisitorPresence(session.clock.now(), "disengaged", now))
    await asyncio.sleep(1.0)  # time for the hook to have run, had it been called
    await session.close()
    assert plugin.calls.count("perceived:visitor_presence") == 1
