"""The documented event stream: docs/events.schema.json matches the event classes, and every event a session emits
(a virtual-time conversation with barge-ins, and the real `companion run --json` on the tiny models) is valid
against the committed file. A new event type fails here until the file is regenerated."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from companion.agent.event_schema import registered_events, render
from companion.agent.events import Event
from companion.tools.testing import virtual_time
from companion.tools.tiny import TinyModels
from tests.agent.test_session_turn_taking import run_conversation, script
from tests.support.broker import Broker
from tests.support.speech import espeak

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_PATH = ROOT / "docs" / "events.schema.json"
REGENERATE = "python -m companion.agent.event_schema > docs/events.schema.json"


def committed_schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def assert_valid(records: Iterable[dict[str, Any]]) -> set[str]:
    """Validate each record against the committed schema; returns the event types seen."""
    schema = committed_schema()
    known = set(schema["properties"]["type"]["enum"])
    validator = jsonschema.Draft202012Validator(schema)
    seen: set[str] = set()
    for record in records:
        kind = record.get("type")
        assert kind in known, f"event type {kind!r} has no schema in docs/events.schema.json: run `{REGENERATE}`"
        one = jsonschema.Draft202012Validator({"$ref": f"#/$defs/event.{kind}", "$defs": schema["$defs"]})
        problems = [f"{'.'.join(map(str, e.absolute_path)) or '(event)'}: {e.message}" for e in one.iter_errors(record)]
        assert not problems, f"{kind} event {record} does not match its schema: {problems}"
        assert validator.is_valid(record)
        seen.add(kind)
    return seen


def test_the_committed_schema_matches_the_event_classes() -> None:
    assert SCHEMA_PATH.read_text(encoding="utf-8") == render(), f"docs/events.schema.json is stale: run `{REGENERATE}`"


def test_every_event_type_has_a_schema_with_its_fields() -> None:
    schema = committed_schema()
    for name, cls in registered_events().items():
        definition = schema["$defs"][f"event.{name}"]
        fields = set(definition["properties"]) - {"type", "epoch_ms", "mono_s"}
        assert fields == {f.name for f in dataclasses.fields(cls)} - {"t", "epoch_ms"}, name
        assert definition["description"], f"{cls.__name__} needs a docstring: it is the event's documentation"


def test_a_wrong_event_is_refused() -> None:
    # The validation is not vacuous: a missing field, a wrong type or an unknown type fail.
    good = {"type": "user_turn", "epoch_ms": 1.0, "mono_s": 2.0, "turn_id": 1, "text": "hi", "source": "text",
            "end_of_speech_t": None, "heard_until_t": None}  # fmt: skip
    assert assert_valid([good]) == {"user_turn"}
    for bad in ({**good, "turn_id": "one"}, {k: v for k, v in good.items() if k != "text"}, {**good, "extra": 1}):
        with pytest.raises(AssertionError):
            assert_valid([bad])
    with pytest.raises(AssertionError, match="has no schema"):
        assert_valid([{**good, "type": "made_up"}])


@virtual_time
async def test_every_event_of_a_conversation_with_interruptions_is_valid() -> None:
    # A question, an interruption that takes the turn, a backchannel that does not.
    audio = script(0.3, "where are the dinosaurs", 1.8, "stop tell me about whales", 1.8, "mhm", 6.0)
    _, events, _ = await run_conversation(audio)
    seen = assert_valid(event.as_dict() for event in events.history)
    expected = {"speech_started", "user_turn", "reply_started", "clause", "clause_started", "audio_started"}
    expected |= {"audio_ended", "reply_finished", "barge_in", "interruption_resolved"}
    assert expected <= seen, expected - seen


def test_epoch_and_monotonic_times_of_an_event() -> None:
    from companion.agent.events import EventBus, UserTurnEvent

    class Clock:
        def wall_ms(self, t: float | None = None) -> float:
            return 1_700_000_000_000.0 + (t or 0.0) * 1000.0

    bus = EventBus(Clock())  # type: ignore[arg-type]
    bus.emit(UserTurnEvent(12.5, 1, "hello", "text"))
    (event,) = bus.history
    record: dict[str, Any] = Event.as_dict(event)
    assert record["mono_s"] == 12.5 and record["epoch_ms"] == 1_700_000_012_500.0
    assert_valid([record])


@pytest.mark.integration
def test_every_event_of_a_real_run_is_valid(tiny_models: TinyModels, broker: Broker, tmp_path: Path) -> None:
    question = espeak("Where are the dinosaurs?", tmp_path / "question.wav")
    result = subprocess.run(
        [sys.executable, "-m", "companion.cli", "run", "--json", "--wav", str(question), "-c", str(tiny_models.config),
         "--output", str(tmp_path / "out")],
        capture_output=True, text=True, timeout=180, env={**os.environ, "COMPANION_BROKER": broker.url},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    records = [json.loads(line) for line in result.stdout.splitlines()]
    seen = assert_valid(records)
    expected = {"session_started", "speech_started", "user_turn", "reply_started", "clause", "clause_started"}
    expected |= {"audio_started", "audio_ended", "reply_finished", "warning"}  # warning: no face-controller runs
    assert expected <= seen, expected - seen
    assert all(isinstance(r["epoch_ms"], float) and isinstance(r["mono_s"], float) for r in records)
    clauses = [r for r in records if r["type"] == "clause"]
    assert clauses and all(c["text"] and c["emotion"] for c in clauses)
