"""The counseling plugin driven turn by turn through ``on_turn`` with a real DialogueContext: whole PHQ-9 and GAD-7
runs with spoken answers, the item-9 risk rule, "stop", disclosure first, and a new visitor starting clean."""

from __future__ import annotations

from typing import Any

from companion.agent.config.schema import Persona
from companion.agent.events import Event
from companion.agent.policy.disclosure import AI_DISCLOSURE
from companion.agent.policy.types import Exchange
from companion.plugins.api import DialogueContext, Reply, UserTurn
from companion.plugins.counseling.events import CounselingEnded, CounselingResult, CounselingStarted
from companion.plugins.counseling.plugin import CounselingPlugin
from companion.tools.testing import virtual_time
from tests.agent.test_event_stream import assert_valid

PHQ9_ANSWERS = ["not at all", "several days", "most days", "nearly every day", "a couple of days",
                "more than half the days", "sometimes", "never", "not at all"]  # fmt: skip
PHQ9_SCORES = [0, 1, 2, 3, 1, 2, 1, 0, 0]  # total 10: moderate
GAD7_ANSWERS = ["every day", "all the time", "most of the time", "a lot", "constantly", "three", "often"]
GAD7_SCORES = [3, 3, 2, 2, 3, 3, 2]  # total 18: severe


class Conversation:
    """One visitor talking to the plugin: the context, the events emitted and the risks reported."""

    def __init__(self, plugin: CounselingPlugin) -> None:
        self.plugin = plugin
        self.events: list[Event] = []
        self.risks: list[str] = []
        self.context = DialogueContext(
            persona=Persona(name="Sam", style="You are kind."), emit=self.events.append, report_risk=self.risks.append
        )
        self.turns = 0

    async def say(self, text: str) -> str | None:
        self.turns += 1
        reply = await self.plugin.on_turn(UserTurn(self.turns, text, "text", 0.0), self.context)
        said = None if reply is None else await _text(reply)
        self.context.history.append(Exchange(text, said or "", source=reply.source if reply else "llm"))
        return said

    def of_type(self, kind: type[Any]) -> list[Any]:
        return [event for event in self.events if isinstance(event, kind)]


async def _text(reply: Reply) -> str:
    assert reply.source == "plugin:counseling"
    return "".join([piece async for piece in reply.pieces])


@virtual_time
async def test_a_whole_phq9_is_scored_and_banded() -> None:
    talk = Conversation(CounselingPlugin())
    opening = await talk.say("I'd like the depression questionnaire")
    assert opening is not None and "little interest or pleasure in doing things" in opening
    for answer in PHQ9_ANSWERS:
        last = await talk.say(answer)
    (result,) = talk.of_type(CounselingResult)
    assert (result.script, result.total, result.max, result.band) == ("phq9", 10, 27, "moderate")
    assert list(result.items.values()) == PHQ9_SCORES and result.complete
    assert last is not None and "10 out of 27" in last and "not a diagnosis" in last and "professional" in last
    assert talk.of_type(CounselingEnded)[-1].reason == "completed"
    assert talk.context.state_for("counseling")["results"][0]["band"] == "moderate"
    assert await talk.say("thanks, what a day") is None  # the script is over: the floor goes back
    assert not talk.risks
    assert_valid(event.as_dict() for event in talk.events)


@virtual_time
async def test_a_whole_gad7_is_scored_and_banded_and_a_low_score_gets_no_referral() -> None:
    talk = Conversation(CounselingPlugin())
    await talk.say("anxiety check")
    for answer in GAD7_ANSWERS:
        await talk.say(answer)
    (result,) = talk.of_type(CounselingResult)
    assert (result.script, result.total, result.max, result.band) == ("gad7", 18, 21, "severe")
    assert list(result.items.values()) == GAD7_SCORES
    low = Conversation(CounselingPlugin())
    await low.say("can we do the GAD-7")
    for _ in range(7):
        last = await low.say("not at all")
    (result,) = low.of_type(CounselingResult)
    assert (result.total, result.band) == (0, "minimal")
    assert last is not None and "professional" not in last


@virtual_time
async def test_an_answer_not_understood_is_asked_again_with_the_options_then_left_unanswered() -> None:
    talk = Conversation(CounselingPlugin())
    await talk.say("PHQ-9")
    again = await talk.say("hmm, purple")
    assert again is not None and "You can say: not at all, several days, more than half the days" in again
    await talk.say("banana")  # a second miss: unanswered, on to item 2
    for _ in range(7):
        await talk.say("several days")
    last = await talk.say("not at all")  # item 9
    (result,) = talk.of_type(CounselingResult)
    assert result.items["item1"] is None and result.total == 7 and not result.complete
    assert last is not None and "incomplete" in last


@virtual_time
async def test_item9_above_not_at_all_reports_the_risk_and_stops_the_run() -> None:
    talk = Conversation(CounselingPlugin())
    await talk.say("can we do the phq 9 please")
    for _ in range(8):
        await talk.say("not at all")
    reply = await talk.say("several days")  # item 9
    assert talk.risks == ["phq9_item9"]
    assert reply is not None  # a reply is still returned; the chain drops it for the crisis protocol
    assert talk.of_type(CounselingEnded)[-1].reason == "safety" and not talk.of_type(CounselingResult)
    assert await talk.say("not at all") is None  # the run is over


@virtual_time
async def test_item9_not_at_all_reports_nothing() -> None:
    talk = Conversation(CounselingPlugin())
    await talk.say("PHQ-9")
    for _ in range(9):
        await talk.say("not at all")
    assert talk.risks == [] and talk.of_type(CounselingResult)[0].total == 0


@virtual_time
async def test_the_safety_layer_answering_mid_script_stops_it() -> None:
    talk = Conversation(CounselingPlugin())
    await talk.say("PHQ-9")
    talk.context.history.append(Exchange("...", "crisis line", source="safety"))
    assert await talk.say("several days") is None
    assert talk.of_type(CounselingEnded)[-1].reason == "safety"


@virtual_time
async def test_the_ai_disclosure_comes_first_and_a_screening_says_it_is_not_a_diagnosis() -> None:
    talk = Conversation(CounselingPlugin())
    opening = await talk.say("I'd like the depression questionnaire")
    assert opening is not None and opening.startswith(f"[calm:0.4] {AI_DISCLOSURE}")
    assert "not a diagnosis" in opening and "stop at any time" in opening
    exercise = await Conversation(CounselingPlugin()).say("can we do a thought record")
    assert exercise is not None and exercise.startswith(f"[calm:0.4] {AI_DISCLOSURE}")
    assert "diagnosis" not in exercise


@virtual_time
async def test_stop_ends_a_script_kindly_and_i_cant_stop_worrying_does_not() -> None:
    talk = Conversation(CounselingPlugin())
    await talk.say("can we do the gad 7")
    answered = await talk.say("I can't stop worrying, nearly every day")
    assert answered is not None and "not being able to stop or control worrying" in answered
    stopped = await talk.say("stop, please")
    assert stopped is not None and "We can stop here" in stopped
    assert talk.of_type(CounselingEnded)[-1].reason == "stopped" and not talk.of_type(CounselingResult)
    assert await talk.say("several days") is None


@virtual_time
async def test_a_new_visitor_starts_clean_and_the_one_who_left_is_forgotten() -> None:
    plugin = CounselingPlugin()
    first = Conversation(plugin)
    await first.say("PHQ-9")
    await first.say("several days")
    await plugin.visitor_left(first.context)
    assert first.of_type(CounselingEnded)[-1].reason == "visitor_left"
    assert "run" not in first.context.state_for("counseling")
    second = Conversation(plugin)  # a fresh context, as a new visitor gets
    assert await second.say("several days") is None  # the last visitor's answers mean nothing here
    assert second.context.state_for("counseling") == {}


@virtual_time
async def test_what_can_we_do_lists_the_scripts_and_naming_one_starts_it() -> None:
    talk = Conversation(CounselingPlugin())
    offer = await talk.say("what exercises do you have?")
    assert offer is not None and "a breathing exercise" in offer and "the PHQ-9 depression questionnaire" in offer
    started = await talk.say("the grounding one")
    assert started is not None and "five things you can see" in started
    assert talk.of_type(CounselingStarted)[0].script == "grounding"
    assert await Conversation(CounselingPlugin()).say("I've been feeling anxious lately") is None


@virtual_time
async def test_a_greeting_that_offers_the_scripts_lets_the_visitor_just_name_one() -> None:
    talk = Conversation(CounselingPlugin())
    talk.context.persona = Persona(
        name="Sam", style="You are kind.", greeting="Hi, I'm Sam. We can also do a breathing exercise if you like."
    )
    started = await talk.say("the breathing one")
    assert started is not None and talk.of_type(CounselingStarted)[0].script == "breathing"
    chatting = Conversation(CounselingPlugin())
    chatting.context.persona = talk.context.persona
    assert await chatting.say("I am feeling down today") is None  # a feeling is for the conversation
