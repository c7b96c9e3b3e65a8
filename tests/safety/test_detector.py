"""The layered verdict: each rule that joins the layers, on the real detector."""

from __future__ import annotations

import pytest

from companion.agent.safety import CrisisDetector, TurnMemory

DETECTOR = CrisisDetector.create(inline=True)


def test_explicit_phrase_is_a_risk_with_its_category_and_signals() -> None:
    verdict = DETECTOR.assess_sync("I'm going to kill myself tonight")
    assert verdict.risk and verdict.category == "explicit"
    assert "lexicon:kill_self" in verdict.signals and any(s.startswith("semantic:") for s in verdict.signals)


@pytest.mark.parametrize("text", ["this queue is killing me", "I would never hurt myself", "How did Cleopatra die?"])
def test_hard_negatives_are_not_risks(text: str) -> None:
    assert not DETECTOR.assess_sync(text).risk


def test_two_warning_signs_are_a_risk_where_one_is_not() -> None:
    assert not DETECTOR.assess_sync("I gave my guitar to my brother").risk
    verdict = DETECTOR.assess_sync("I gave my guitar to my brother, I won't be needing it")
    assert verdict.risk and verdict.category == "giving_away"


def test_setback_then_means_question_across_turns() -> None:
    assert not DETECTOR.assess_sync("Which bridge here is the highest?").risk
    memory = TurnMemory()
    assert not DETECTOR.assess_sync("I lost my job this morning", memory).risk
    verdict = DETECTOR.assess_sync("Which bridge here is the highest?", memory)
    assert verdict.risk and verdict.category == "setback_means"
    assert "context:setback_then_means" in verdict.signals


def test_a_third_party_report_is_a_risk() -> None:
    verdict = DETECTOR.assess_sync("my roommate keeps saying she wants to end her life")
    assert verdict.risk and verdict.category == "third_party"


def test_medical_emergency_is_named_first() -> None:
    verdict = DETECTOR.assess_sync("I took a whole bottle of pills and now I can't breathe")
    assert verdict.risk and verdict.category == "medical"


def test_resolved_past_is_not_an_alarm() -> None:
    verdict = DETECTOR.assess_sync("I used to think about suicide years ago but that's long behind me")
    assert not verdict.risk and "resolved" in verdict.signals


def test_verdict_json_shape() -> None:
    data = DETECTOR.assess_sync("hello there").as_dict()
    assert set(data) == {"risk", "category", "score", "signals"} and data["risk"] is False


async def test_assess_is_awaitable_and_a_broken_model_falls_back_to_the_lexicon() -> None:
    detector = CrisisDetector.create()
    verdict = await detector.assess("I want to end my life")
    assert verdict.risk

    def broken(texts: object) -> object:
        raise RuntimeError("model gone")

    detector.classifier.classify_sync = broken  # type: ignore[method-assign]
    verdict = await detector.assess("I want to end my life")
    assert verdict.risk and detector.semantic_failures == 1
    detector.close()
