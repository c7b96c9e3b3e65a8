"""A lesson answered by voice, with the real parts: espeak-ng speech through Silero VAD, the turn-taker and
faster-whisper, the lesson plugin loaded by name from the persona, piper and transformers answering.

The tiny offline whisper hears nonsense, so this judges the path, not the grading (the typed-answer tests in
tests/plugins/lessons grade): the visitor talks over the lesson's first question, the barge-in stops it, and the
words heard reach the lesson as an answer, which the lesson (not the language model) answers.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np
import pytest

from companion.agent.assembly import assemble
from companion.agent.config import load_config
from companion.agent.config.schema import LessonsConfig
from companion.agent.events import BargeIn, EventBus, ReplyFinished, UserTurnEvent
from companion.agent.session import ConversationSession
from companion.core.clock import LoopClock
from companion.plugins.lessons.events import AnswerAssessed, LessonStarted, QuestionAsked
from companion.speech.sources import ArraySource
from companion.speech.types import INPUT_SAMPLE_RATE
from companion.tools.tiny import TinyModels
from tests.support.speech import spoken

pytestmark = pytest.mark.integration

LESSON = """\
title: Quick sums
audience: tests
description: One question.
intro: Hello! Here is a question for you, and please take your time to think about it carefully.
steps:
  - ask:
      id: sum
      kind: number
      prompt: What is two plus three? Think about it, and then tell me the number you get.
      answer: 5
      hints: [Count three more after two.]
"""


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * INPUT_SAMPLE_RATE), dtype=np.float32)


async def test_a_spoken_answer_over_the_question_reaches_the_lesson(tiny_models: TinyModels, tmp_path: Path) -> None:
    (tmp_path / "lessons").mkdir()
    (tmp_path / "lessons" / "quick-sums.yaml").write_text(LESSON)
    config = load_config(tiny_models.config)
    config.lessons = LessonsConfig(folders=[tmp_path / "lessons"], start="quick-sums")
    config.active_persona.plugins.append("lesson")
    config.audio.output.dir = tmp_path / "replies"
    clock, events = LoopClock(), EventBus()
    assembly = await assemble(config, clock, listen=True, publish_face=False)
    session = ConversationSession(config, assembly.parts, clock, events)
    answer = spoken("I think the answer is five, it must be five.", tmp_path, "answer.wav")
    try:
        await session.warm_up()
        await session.start()
        opening = asyncio.create_task(session.greet())
        await session.listen(ArraySource(np.concatenate([silence(2.5), answer, silence(8.0)]), trailing_silence_s=1.0))
        await opening
    finally:
        await session.close()
        await assembly.close()
    (started,) = events.of_type(LessonStarted)
    assert started.lesson == "quick-sums" and started.questions == 1
    assert events.of_type(QuestionAsked)[0].question_id == "sum"
    # A slow machine may end the turn at the answer's comma; its second half then talks over the lesson's reply
    # too. That is a second barge-in and a second answer, both right, so the test judges the first of each.
    history = "\n".join(map(repr, events.history))
    barges = events.of_type(BargeIn)
    assert barges, history
    first = next(r for r in events.of_type(ReplyFinished) if r.utterance_id == barges[0].utterance_id)
    assert first.source == "plugin:lesson" and first.interrupted, history  # the question was talked over
    turns = events.of_type(UserTurnEvent)
    assessed = events.of_type(AnswerAssessed)
    assert turns and assessed and assessed[0].answer == turns[0].text, history  # what whisper heard, as the answer
    reply = events.of_type(ReplyFinished)[-1]
    assert reply.turn_id == turns[-1].turn_id and reply.source == "plugin:lesson", history
