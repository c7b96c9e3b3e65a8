"""A lesson with ``model_hints: true`` asks the language model for a hint once its own hints are used up: the hint
is said when it passes the output screen and does not give the answer away; otherwise "Have another go". Through a
real session (virtual time, the fake model, the real output screen)."""

from __future__ import annotations

from pathlib import Path

from companion.agent.config.schema import Config, LessonsConfig, Persona
from companion.agent.events import EventBus, ModelAsked
from companion.agent.session import ConversationSession, SessionParts
from companion.core.clock import LoopClock
from companion.plugins.lessons.events import HintGiven
from companion.plugins.lessons.plugin import LessonPlugin
from companion.tools.testing import virtual_time
from companion.tools.testing.fakes import FakeLLM, FakeTTS
from tests.support.safety import inline_safety_step

LESSON = """\
title: Planets
audience: tests
description: One question.
intro: Hello!
tries: 3
model_hints: true
steps:
  - ask:
      id: red
      kind: short
      prompt: Which planet is called the red planet?
      answer: Mars
      hints: [It is the fourth planet from the Sun.]
"""


def make_session(tmp_path: Path, model_says: str) -> tuple[ConversationSession, EventBus]:
    (tmp_path / "lessons").mkdir(exist_ok=True)
    (tmp_path / "lessons" / "planets.yaml").write_text(LESSON)
    persona = Persona(name="Pip", style="You are a tutor.", plugins=["lesson"])
    config = Config(persona="tutor", personas={"tutor": persona}, lessons=LessonsConfig(folders=[tmp_path / "lessons"]))
    events = EventBus()
    parts = SessionParts(
        tts=FakeTTS(), llm=FakeLLM(lambda messages: model_says), plugins=[LessonPlugin()], safety=inline_safety_step()
    )
    return ConversationSession(config, parts, LoopClock(), events), events


@virtual_time
async def test_once_its_own_hints_are_used_the_lesson_says_the_models_hint(tmp_path: Path) -> None:
    session, events = make_session(tmp_path, "[happy] Think of the rusty colour of its dust.")
    await session.start()
    await session.say("can we do the planets lesson?")
    first = await session.say("Venus")
    assert "fourth planet" in first.text  # the lesson's own hint first
    second = await session.say("Jupiter")
    assert "Here's a hint: Think of the rusty colour of its dust." in second.text
    assert "Have another go" not in second.text
    assert [(h.hint, h.number) for h in events.of_type(HintGiven)] == [
        ("It is the fourth planet from the Sun.", 1),
        ("Think of the rusty colour of its dust.", 2),
    ]
    assert [(a.plugin, a.task, a.ok) for a in events.of_type(ModelAsked)] == [("lesson", "hint", True)]
    await session.close()


@virtual_time
async def test_a_model_hint_that_gives_the_answer_away_is_not_said(tmp_path: Path) -> None:
    session, events = make_session(tmp_path, "It's Mars, obviously.")
    await session.start()
    await session.say("can we do the planets lesson?")
    await session.say("Venus")
    second = await session.say("Jupiter")
    assert "Mars" not in second.text and "Have another go" in second.text
    assert events.of_type(ModelAsked)[0].reason == "gave_away"
    await session.close()
