"""The conversation layer: a setback then a means question; decayed evidence of earlier turns."""

from __future__ import annotations

from companion.agent.safety.context import TurnMemory, TurnRecord


def record(setback: bool = False, margin: float = -0.2, warnings: frozenset[str] = frozenset()) -> TurnRecord:
    return TurnRecord(setback, margin, warnings, False)


def test_a_means_question_after_a_setback() -> None:
    memory = TurnMemory()
    memory.remember(record(setback=True))
    assert memory.assess(False, True, frozenset()).setback_then_means
    assert not TurnMemory().assess(False, True, frozenset()).setback_then_means


def test_a_setback_too_long_ago_no_longer_counts() -> None:
    memory = TurnMemory()
    memory.remember(record(setback=True))
    for _ in range(5):
        memory.remember(record())
    assert not memory.assess(False, True, frozenset()).setback_then_means


def test_pressure_decays_and_ordinary_talk_adds_nothing() -> None:
    memory = TurnMemory()
    memory.remember(record(margin=0.12))
    memory.remember(record(margin=0.12))
    pressure = memory.assess(False, False, frozenset()).pressure
    assert 0.05 < pressure < 0.1  # 0.5 * 0.1 + 0.25 * 0.1
    calm = TurnMemory()
    for _ in range(6):
        calm.remember(record(margin=0.0))
    assert calm.assess(False, False, frozenset()).pressure == 0


def test_earlier_warnings_are_reported_once() -> None:
    memory = TurnMemory()
    memory.remember(record(warnings=frozenset({"goodbye_warning"})))
    evidence = memory.assess(False, False, frozenset({"goodbye_warning", "burden_warning"}))
    assert evidence.earlier_warnings == frozenset()
    assert memory.assess(False, False, frozenset({"burden_warning"})).earlier_warnings == {"goodbye_warning"}
