"""The crisis protocol through a real session (virtual time, fake speech and model, the real crisis detector):
follow-up questions, alert levels, a denial never clears it, it ends on an operator's acknowledgment or when the
visitor leaves, and nothing of it reaches the next visitor. Also the AI disclosure and a plugin's risk report."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from companion.agent.commands import CommandHandler
from companion.agent.config.schema import AlertHook, Config, Persona, SafetyConfig
from companion.agent.crisis_alerts import CrisisAlerts, alert_payload
from companion.agent.events import CrisisAcknowledged, CrisisAlert, CrisisEnded, EventBus
from companion.agent.metrics import Metrics
from companion.agent.policy.crisis import CrisisState, read_answer
from companion.agent.policy.disclosure import AI_DISCLOSURE, asks_if_ai
from companion.agent.policy.types import DialogueContext, Reply, UserTurn, fixed_reply
from companion.agent.session import ConversationSession, SessionParts
from companion.core.clock import LoopClock
from companion.tools.testing import virtual_time
from companion.tools.testing.fakes import FakeLLM, FakeTTS
from tests.support.safety import inline_safety_step


class ItemNine:
    """A plugin that hears a risk the detector would not: it reports it and tries to go on with its own reply."""

    name = "item-nine"

    async def on_turn(self, turn: UserTurn, context: DialogueContext) -> Reply | None:
        if turn.text == "several days":
            context.report_risk("phq9_item9")
        return fixed_reply("Next question: how is your sleep?", "plugin:item-nine")


def make_session(
    plugins: list[object] | None = None, safety: SafetyConfig | None = None
) -> tuple[ConversationSession, EventBus, FakeLLM]:
    persona = Persona(name="Sam", style="You are a kind listener.")
    llm = FakeLLM(lambda messages: "[calm] I'm here with you.")
    events = EventBus()
    parts = SessionParts(tts=FakeTTS(), llm=llm, safety=inline_safety_step(safety), plugins=list(plugins or []))
    session = ConversationSession(
        Config(persona="listener", personas={"listener": persona}), parts, LoopClock(), events
    )
    return session, events, llm


@virtual_time
async def test_a_crisis_asks_the_cssrs_questions_and_a_yes_to_intent_raises_the_alert_to_high() -> None:
    session, events, _ = make_session()
    await session.start()
    first = await session.say("I don't want to be alive anymore")
    assert first.source == "safety" and first.emotion == "concerned"
    assert "wished you were dead" in first.text
    (started,) = events.of_type(CrisisAlert)
    assert started.change == "started" and started.turn_id == 1
    said = [(await session.say(answer)).text for answer in ["yes", "sometimes, yeah", "not really", "I have"]]
    assert "thoughts about killing yourself" in said[0]
    assert "how you might do this" in said[1]  # a yes to thoughts leads to the method, intent and plan questions
    assert "intention of acting" in said[2]
    assert "work out the details" in said[3]
    alerts = events.of_type(CrisisAlert)
    assert [a.level for a in alerts] == ["unknown", "low", "high"]  # wish: low; method no; intent yes: high
    assert alerts[-1].answers == {"wish_dead": True, "thoughts": True, "method": False, "intent": True}
    assert len({a.alert_id for a in alerts}) == 1
    await session.close()


@virtual_time
async def test_denials_never_clear_crisis_mode_and_the_model_stays_supportive_without_plugins() -> None:
    session, events, llm = make_session(plugins=[ItemNine()])
    await session.start()
    await session.say("I want to kill myself")
    for answer in ["no", "no", "no"]:  # wish, thoughts, then behaviour (3 to 5 are skipped after a no to thoughts)
        reply = await session.say(answer)
        assert reply.source == "safety"
    assert "reach out to someone now" in reply.text  # the closing line, once the questions are done
    assert session.context.crisis_active
    assert events.of_type(CrisisAlert)[-1].level == "low"  # screened, every answer no: still an alert, graded low
    reply = await session.say("what is the weather like")
    assert reply.source == "llm"  # the plugin is not asked while the crisis lasts
    assert "crisis" in llm.calls[-1][0].content
    assert session.context.crisis_active and events.of_type(CrisisEnded) == []
    await session.close()


@virtual_time
async def test_an_operator_acknowledgment_ends_the_crisis_and_a_wrong_id_does_not() -> None:
    session, events, _ = make_session()
    await session.start()
    await session.say("I want to end my life")
    alert_id = session.context.crisis.alert_id
    commands = CommandHandler(session)
    commands(json.dumps({"v": 1, "cmd": "crisis_ack", "alert_id": "not-this-one"}).encode())
    assert session.context.crisis_active
    commands(json.dumps({"v": 1, "cmd": "crisis_ack"}).encode())  # malformed: counted and dropped
    assert commands.malformed == 1 and session.context.crisis_active
    commands(json.dumps({"v": 1, "cmd": "crisis_ack", "alert_id": alert_id, "by": "nurse Kim"}).encode())
    assert not session.context.crisis_active
    assert [(e.alert_id, e.reason) for e in events.of_type(CrisisEnded)] == [(alert_id, "acknowledged")]
    assert events.of_type(CrisisAcknowledged)[-1].by == "nurse Kim"
    assert (await session.say("tell me about the whale")).source == "llm"
    await session.close()


@virtual_time
async def test_a_visitor_who_leaves_during_a_crisis_ends_it_and_the_next_visitor_starts_clean() -> None:
    session, events, _ = make_session()
    await session.start()
    await session.say("I have pills saved up to end it")
    assert session.context.crisis_active and session.context.crisis.level == "high"  # preparations: high at once
    session.new_visitor("arrived")
    (ended,) = events.of_type(CrisisEnded)
    assert ended.reason == "visitor_left"
    assert not session.context.crisis_active and session.context.history == []
    reply = await session.say("hello, what is this robot?")
    assert reply.source != "safety"
    await session.close()


@virtual_time
async def test_a_plugins_risk_report_starts_the_protocol_and_its_own_reply_is_dropped() -> None:
    session, events, _ = make_session(plugins=[ItemNine()])
    await session.start()
    assert (await session.say("not at all")).text == "Next question: how is your sleep?"
    reply = await session.say("several days")
    assert reply.source == "safety" and "how is your sleep" not in reply.text
    assert "wished you were dead" in reply.text
    (alert,) = events.of_type(CrisisAlert)
    assert (alert.category, alert.reason) == ("reported", "phq9_item9")
    await session.close()


@virtual_time
async def test_abuse_gets_the_safety_question_and_a_no_raises_it_to_high() -> None:
    session, events, _ = make_session()
    await session.start()
    first = await session.say("my dad hits me when he gets drunk")
    assert "Are you safe right now?" in first.text
    await session.say("no, not really")
    assert events.of_type(CrisisAlert)[-1].level == "high"
    await session.close()


@virtual_time
async def test_the_robot_says_it_is_an_ai_when_asked_whatever_the_persona_says() -> None:
    session, _, llm = make_session()
    await session.start()
    reply = await session.say("wait, am I talking to a real person?")
    assert reply.source == "disclosure" and AI_DISCLOSURE in reply.text and "Sam" in reply.text
    assert llm.calls == []
    await session.close()


@pytest.mark.parametrize(
    "text",
    [
        "are you a real person?",
        "Are you human",
        "am I talking to a machine",
        "is this a bot?",
        "you're not a real person, are you?",
        "are u an AI",
        "what are you?",
        "is there a real person behind this?",
        "Are you actually a robot or is someone controlling you?",
        "r u a bot",
        "is this thing a computer?",
        "what are you exactly?",
    ],
)
def test_questions_about_what_the_robot_is(text: str) -> None:
    assert asks_if_ai(text)


@pytest.mark.parametrize(
    "text",
    [
        "are you a fan of dinosaurs?",
        "is my son a real pain or what",
        "what are the opening hours",
        "I am a person too",
        "what are you doing?",
        "is she a robot too?",
        "is this a real dinosaur?",
    ],
)
def test_other_questions_are_not_about_what_the_robot_is(text: str) -> None:
    assert not asks_if_ai(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("yes", True),
        ("sometimes", True),
        ("a little, I guess", True),
        ("I have, yeah", True),
        ("more than once", True),
        ("no", False),
        ("not really", False),
        ("never", False),
        ("I don't know", None),
        ("what do you mean?", None),
    ],
)
def test_follow_up_answers_as_people_say_them(text: str, expected: bool | None) -> None:
    assert read_answer(text) is expected


def test_the_cssrs_order_skips_method_intent_and_plan_after_a_no_to_thoughts() -> None:
    crisis = CrisisState("explicit", "explicit", 1)
    asked = []
    while (question := crisis.next_question()) is not None:
        asked.append(question.key)
        crisis.pending = question
        crisis.record(question.key == "wish_dead")
    assert asked == ["wish_dead", "thoughts", "behaviour"]
    assert crisis.level == "low"


def test_the_alert_payload_has_no_words_of_the_visitor_and_matches_the_protocol_doc() -> None:
    event = CrisisAlert(1.0, "abc123", "started", "explicit", "explicit", "unknown", 3, {"wish_dead": None})
    payload = json.loads(alert_payload(event, "companion", "listener"))
    doc = (Path(__file__).resolve().parents[2] / "docs" / "PROTOCOL.md").read_text()
    example = doc.split("```json crisis-alert-example\n", 1)[1].split("```", 1)[0]
    assert set(payload) == set(json.loads(example))
    assert payload["alert_id"] == "abc123" and payload["robot"] == "companion"


async def test_the_hook_command_gets_the_alert_and_a_failing_hook_is_one_log_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    out = tmp_path / "alert.json"
    script = f"import sys, pathlib; pathlib.Path({str(out)!r}).write_bytes(sys.stdin.buffer.read())"
    metrics = Metrics()
    alerts = CrisisAlerts(
        "companion", "listener", metrics=metrics, hook=AlertHook(command=[sys.executable, "-c", script])
    )
    alerts(CrisisAlert(1.0, "abc123", "started", "explicit", "explicit", "unknown", 3))
    await alerts.drain()
    assert json.loads(out.read_text())["alert_id"] == "abc123"
    body, _ = metrics.render()
    assert b'companion_crisis_alerts_total{category="explicit",change="started",level="unknown"} 1.0' in body
    failing = CrisisAlerts(
        "companion", "listener", hook=AlertHook(command=[sys.executable, "-c", "raise SystemExit(3)"])
    )
    failing(CrisisAlert(1.0, "def456", "started", "explicit", "explicit", "unknown", 3))
    await failing.drain()
    assert failing.hook_failures == 1
    assert "crisis alert hook failed" in caplog.text and "exited with 3" in caplog.text


def test_an_alert_hook_needs_a_command_or_a_webhook() -> None:
    with pytest.raises(ValueError, match="command"):
        AlertHook()
