"""The lesson plugin in a conversation session (virtual time, fake speech and model, the real crisis detector): a
visitor asks for a lesson and answers it, ``lessons.start`` opens every conversation with one, a visitor who leaves
ends it, a crisis ends it, and every lesson event matches the documented schema."""

from __future__ import annotations

from companion.agent.config.schema import Config, LessonsConfig, Persona
from companion.agent.events import Event, EventBus, ReplyFinished
from companion.agent.session import ConversationSession, SessionParts
from companion.core.clock import LoopClock
from companion.plugins.lessons.events import AnswerAssessed, HintGiven, LessonFinished, LessonStarted, QuestionAsked
from companion.plugins.lessons.loader import load_lesson_named
from companion.plugins.lessons.plugin import LessonPlugin
from companion.plugins.lessons.question import Question
from companion.tools.testing import virtual_time
from companion.tools.testing.fakes import FakeLLM, FakeTTS
from tests.agent.test_event_stream import assert_valid
from tests.support.safety import inline_safety_step

GREETING = "Hi! I can give you a lesson on fractions or on the solar system. Which one?"


def make_session(start: str | None = None) -> tuple[ConversationSession, EventBus, list[Event]]:
    config = Config(
        persona="tutor",
        personas={"tutor": Persona(name="Pip", style="You are a tutor.", greeting=GREETING, plugins=["lesson"])},
        lessons=LessonsConfig(start=start),
    )
    events = EventBus()
    seen: list[Event] = []
    events.subscribe(seen.append)
    llm = FakeLLM(lambda messages: "[neutral] The model answers.")
    parts = SessionParts(tts=FakeTTS(), llm=llm, plugins=[LessonPlugin()], safety=inline_safety_step())
    return ConversationSession(config, parts, LoopClock(), events), events, seen


def asked_now(events: EventBus) -> Question:
    """The question the lesson is waiting on (the last one asked)."""
    last = events.of_type(QuestionAsked)[-1]
    lesson = load_lesson_named(last.lesson)
    return next(q for q in lesson.questions() if q.id == last.question_id)


@virtual_time
async def test_a_visitor_asks_for_a_lesson_and_answers_every_question() -> None:
    session, events, seen = make_session()
    await session.start()
    opened = await session.say("Could we do the solar system lesson please?")
    assert opened.source == "plugin:lesson"
    (started,) = events.of_type(LessonStarted)
    assert (started.lesson, started.title) == ("solar-system", load_lesson_named("solar-system").title)
    first = True
    while not events.of_type(LessonFinished):
        question = asked_now(events)
        answer = "I think it is something else entirely" if first else question.spoken_answer
        reply = await session.say(answer)
        assert reply.source == "plugin:lesson"
        first = False
    (finished,) = events.of_type(LessonFinished)
    assert finished.reason == "completed" and finished.asked == started.questions
    assessed = events.of_type(AnswerAssessed)
    assert assessed[0].understood is False or assessed[0].correct is False
    assert all(a.correct for a in assessed if a.question_id != assessed[0].question_id)
    assert finished.correct >= finished.asked - 1
    after = await session.say("thanks, what else is in the museum?")
    assert after.source == "llm"  # the lesson is over: the floor goes back to the model
    assert_valid(event.as_dict() for event in seen)
    await session.close()


@virtual_time
async def test_lessons_start_opens_every_conversation_and_a_hint_follows_a_wrong_answer() -> None:
    session, events, seen = make_session(start="fractions")
    await session.start()
    opening = await session.greet()
    assert isinstance(opening, ReplyFinished) and opening.source == "plugin:lesson"
    assert load_lesson_named("fractions").intro in opening.text
    wrong = await session.say("seven")
    (hint,) = events.of_type(HintGiven)
    assert hint.hint in wrong.text and events.of_type(QuestionAsked)[-1].attempt == 2
    assert_valid(event.as_dict() for event in seen)
    await session.close()


@virtual_time
async def test_a_visitor_who_leaves_ends_the_lesson_and_the_next_one_starts_fresh() -> None:
    session, events, _ = make_session()
    await session.start()
    await session.say("quiz me on fractions")
    assert events.of_type(LessonStarted)
    session.new_visitor("left")
    finished = await events.wait_for(LessonFinished)
    assert finished.reason == "visitor_left" and finished.asked == 0
    reply = await session.say("five")  # the last visitor's answer means nothing to the next one
    assert reply.source == "llm"
    await session.close()


@virtual_time
async def test_a_crisis_during_a_lesson_ends_it() -> None:
    session, events, _ = make_session(start="fractions")
    await session.start()
    await session.greet()
    crisis = await session.say("I want to kill myself")
    assert crisis.source == "safety"
    assert not events.of_type(AnswerAssessed)  # the crisis turn never reached the lesson
    session.context.crisis = None  # as when an operator acknowledged the alert
    after = await session.say("five")
    assert after.source == "llm"
    assert events.of_type(LessonFinished)[-1].reason == "safety"
    await session.close()
