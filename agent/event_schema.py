"""The JSON Schema of the event stream, generated from the event classes (their fields are the schema).

``python -m companion.agent.event_schema > docs/events.schema.json`` writes the committed file; a test fails when
the file and the classes disagree, and another validates every event a real session emits against the file. An
event type defined outside ``companion.agent.events`` is included once its module is imported: ``EVENT_MODULES``
lists the modules that define events, so adding one there is the only step besides the class itself.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import sys
from typing import Any

from pydantic import TypeAdapter

from companion.agent.events import EVENT_TYPES, Event

SCHEMA_ID = "urn:companion:events"
# Modules that define event classes (importing them registers their events).
EVENT_MODULES = ("companion.agent.events", "companion.plugins.lessons.events", "companion.plugins.counseling.events")


def registered_events() -> dict[str, type[Event]]:
    for module in EVENT_MODULES:
        importlib.import_module(module)
    return dict(sorted(EVENT_TYPES.items()))


def event_schema(cls: type[Event], defs: dict[str, Any]) -> dict[str, Any]:
    """One event type's schema: ``type`` fixed, the two timestamps, then its own fields (all required)."""
    generated = TypeAdapter(cls).json_schema(ref_template="#/$defs/{model}")
    defs.update(generated.pop("$defs", {}))
    own = {k: v for k, v in generated.get("properties", {}).items() if k not in ("t", "epoch_ms")}
    for value in own.values():
        value.pop("title", None)
    fields = [f.name for f in dataclasses.fields(cls) if f.name not in ("t", "epoch_ms")]
    return {
        "title": cls.event_type,
        "description": " ".join((cls.__doc__ or "").split()),
        "type": "object",
        "properties": {
            "type": {"const": cls.event_type},
            "epoch_ms": {"type": ["number", "null"], "description": "wall clock, ms since 1970 (UTC)"},
            "mono_s": {"type": "number", "description": "monotonic loop time, seconds"},
            **own,
        },
        "required": ["type", "epoch_ms", "mono_s", *fields],
        "additionalProperties": False,
    }


def stream_schema() -> dict[str, Any]:
    """The schema of one line of ``--json`` output: exactly one of the event types."""
    defs: dict[str, Any] = {}
    events = {name: event_schema(cls, defs) for name, cls in registered_events().items()}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "companion event",
        "description": "One line of `companion chat/run/demo --json`: an event of the conversation (docs/EVENTS.md).",
        "type": "object",
        "required": ["type"],
        "properties": {"type": {"enum": list(events)}},
        "oneOf": [{"$ref": f"#/$defs/event.{name}"} for name in events],
        "$defs": {**{f"event.{name}": schema for name, schema in events.items()}, **dict(sorted(defs.items()))},
    }


def render() -> str:
    return json.dumps(stream_schema(), indent=2) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())
