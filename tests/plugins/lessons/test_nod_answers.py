"""A nod answers a lesson's yes/no question, a head shake says no: perception events reach plugins through the
``on_perception`` hook while the robot is silent (a real session in virtual time; the gesture events are those the
visitor follower emits, tests/integration/test_mirror.py shows a real nod clip producing them)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from companion.agent.config.schema import Config, LessonsConfig, Persona
from companion.agent.events import EventBus, HeadGesture, ReplyFinished
from companion.agent.session import ConversationSession, SessionParts
from companion.core.clock import LoopClock
from companion.plugins.lessons.events import AnswerAssessed
from companion.plugins.lessons.plugin import LessonPlugin
from companion.tools.testing import virtual_time
from companion.tools.testing.fakes import FakeLLM, FakeTTS
from tests.support.safety import inline_safety_step

LESSON = """\
title: Space facts
audience: tests
description: Two questions.
intro: Nod or shake your head!
steps:
  - ask:
      id: sun
      kind: yesno
      prompt: Is the Sun a star?
      answer: yes
  - ask:
      id: moon
      kind: yesno
      prompt: Is the Moon a planet?
      answer: no
"""


def make_session(tmp_path: Path) -> tuple[ConversationSession, EventBus]:
    (tmp_path / "lessons").mkdir()
    (tmp_path / "lessons" / "space-facts.yaml").write_text(LESSON)
    persona = Persona(name="Pip", style="You are a tutor.", plugins=["lesson"])
    config = Config(
        persona="tutor",
        personas={"tutor": persona},
        lessons=LessonsConfig(folders=[tmp_path / "lessons"], start="space-facts"),
    )
    events = EventBus()
    parts = SessionParts(tts=FakeTTS(), llm=FakeLLM(), plugins=[LessonPlugin()], safety=inline_safety_step())
    return ConversationSession(config, parts, LoopClock(), events), events


def gesture(session: ConversationSession, kind: str, phase: str = "onset") -> None:
    now = session.clock.now()
    session.events.emit(HeadGesture(now, kind, phase, now - 0.3, 9.0))


@virtual_time
async def test_a_nod_says_yes_and_a_shake_says_no(tmp_path: Path) -> None:
    session, events = make_session(tmp_path)
    await session.start()
    await session.greet()  # the intro and the first question, then silence
    gesture(session, "nod")
    await asyncio.sleep(5.0)
    gesture(session, "shake", "end")  # an end is not an answer
    gesture(session, "shake")
    await asyncio.sleep(5.0)
    assessed = events.of_type(AnswerAssessed)
    assert [(a.question_id, a.answer, a.correct) for a in assessed] == [("sun", "yes", True), ("moon", "no", True)]
    replies = events.of_type(ReplyFinished)
    assert replies[-1].source == "plugin:lesson" and "2 out of 2" in replies[-1].text
    await session.close()


@virtual_time
async def test_a_nod_while_the_robot_speaks_is_not_an_answer(tmp_path: Path) -> None:
    session, events = make_session(tmp_path)
    await session.start()
    greeting = asyncio.create_task(session.greet())
    await asyncio.sleep(0.5)  # the intro is playing: a listener's nod, not an answer
    gesture(session, "nod")
    await greeting
    await asyncio.sleep(2.0)
    assert events.of_type(AnswerAssessed) == []
    await session.close()
