"""Results a plugin keeps after the visitor leaves (lesson scores, screening totals), and only where allowed.

Nothing is kept unless ``privacy.keep_results`` is true. Then each plugin has one JSON-lines file,
``<privacy.results_dir>/<plugin>.jsonl`` (readable by its owner only), and a line is one result: when
(``epoch_s``), a random id for the conversation (``conversation``: results of one visitor group together, with no
name, face or voice behind it) and the plugin's numbers. Plugins keep numbers and labels, never what was said.
Lines older than ``privacy.retention_days`` are deleted whenever the file is opened for writing, and by
``companion results prune``; ``companion results delete`` deletes them all.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from companion.agent.config.schema import Config

DAY_S = 86400.0


@dataclass(frozen=True)
class ResultStore:
    path: Path
    retention_days: int

    @classmethod
    def for_plugin(cls, config: Config | None, plugin: str) -> ResultStore | None:
        """The plugin's store, or None when the privacy config does not allow keeping results."""
        if config is None or not config.privacy.keep_results:
            return None
        return cls(config.privacy.results_dir / f"{plugin}.jsonl", config.privacy.retention_days)

    def keep(self, conversation: str, result: Mapping[str, Any]) -> None:
        """Append one result (and drop what is past its retention)."""
        self.prune()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps({"epoch_s": round(time.time(), 3), "conversation": conversation, **result}) + "\n"
        descriptor = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(descriptor, "a", encoding="utf-8") as file:
            file.write(line)

    def read(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        records = []
        for line in self.path.read_text(encoding="utf-8").splitlines():
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                continue  # a torn last line (power loss while writing) is dropped, not fatal
        return records

    def prune(self, now: float | None = None) -> int:
        """Delete results older than the retention period; returns how many went."""
        records = self.read()
        if not records:
            return 0
        cutoff = (time.time() if now is None else now) - self.retention_days * DAY_S
        kept = [record for record in records if float(record.get("epoch_s", 0)) >= cutoff]
        if len(kept) != len(records):
            temporary = self.path.with_suffix(".tmp")
            descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "w", encoding="utf-8") as file:
                file.writelines(json.dumps(record) + "\n" for record in kept)
            temporary.replace(self.path)
        return len(records) - len(kept)

    def delete(self) -> int:
        """Delete every kept result of this plugin; returns how many there were."""
        count = len(self.read())
        self.path.unlink(missing_ok=True)
        return count


def conversation_id(state: dict[str, Any]) -> str:
    """A random id for this conversation, kept in the plugin's state (a new visitor gets a new one)."""
    return str(state.setdefault("conversation_id", uuid.uuid4().hex[:12]))
