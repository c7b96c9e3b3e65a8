"""Results kept after a visitor leaves: only where privacy.keep_results allows, numbers only, owner-readable, pruned
after the retention period, deleted on request; and through the real counseling and lesson plugins."""

from __future__ import annotations

import json
import stat
import time
from pathlib import Path

from companion.agent.config.schema import Config, Persona, PrivacyConfig
from companion.agent.policy.types import DialogueContext, UserTurn
from companion.plugins.counseling.plugin import CounselingPlugin
from companion.plugins.results import DAY_S, ResultStore
from tests.cli.test_cli import run_cli

PERSONA = Persona(name="Sam", style="You listen.")


def config_keeping(tmp_path: Path, keep: bool = True) -> Config:
    privacy = PrivacyConfig(keep_results=keep, results_dir=tmp_path / "results", retention_days=7)
    return Config(persona="listener", personas={"listener": PERSONA}, privacy=privacy)


def test_nothing_is_kept_unless_the_privacy_config_allows_it(tmp_path: Path) -> None:
    assert ResultStore.for_plugin(config_keeping(tmp_path, keep=False), "lesson") is None
    assert ResultStore.for_plugin(None, "lesson") is None
    store = ResultStore.for_plugin(config_keeping(tmp_path), "lesson")
    assert store is not None and store.path == tmp_path / "results" / "lesson.jsonl"


def test_results_are_owner_only_pruned_after_retention_and_deleted(tmp_path: Path) -> None:
    store = ResultStore(tmp_path / "r" / "counseling.jsonl", retention_days=7)
    store.keep("c1", {"script": "gad7", "total": 4})
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    old = {"epoch_s": time.time() - 8 * DAY_S, "conversation": "c0", "script": "phq9", "total": 3}
    with store.path.open("a") as file:
        file.write(json.dumps(old) + "\n")
    assert [r["conversation"] for r in store.read()] == ["c1", "c0"]
    assert store.prune() == 1
    assert [r["script"] for r in store.read()] == ["gad7"]
    store.keep("c2", {"script": "phq9", "total": 9})
    assert store.delete() == 2 and not store.path.exists()


async def test_a_finished_screening_keeps_numbers_and_no_words(tmp_path: Path) -> None:
    config = config_keeping(tmp_path)
    context = DialogueContext(PERSONA, config=config)
    plugin = CounselingPlugin()
    said = ["can we do the GAD-7 anxiety check?", "several days", "not at all", "more than half the days",
            "nearly every day", "not at all", "several days", "never"]  # fmt: skip
    for turn_id, text in enumerate(said, start=1):
        reply = await plugin.on_turn(UserTurn(turn_id, text, "text", 0.0), context)
        assert reply is not None
    (kept,) = ResultStore(tmp_path / "results" / "counseling.jsonl", 7).read()
    assert kept["script"] == "gad7" and kept["total"] == 1 + 0 + 2 + 3 + 0 + 1 + 0
    assert "several" not in json.dumps(kept) and "never" not in json.dumps(kept)


def test_the_results_command_lists_and_deletes(tmp_path: Path) -> None:
    results = tmp_path / "results"
    ResultStore(results / "lesson.jsonl", 30).keep("c1", {"lesson": "fractions", "correct": 3, "asked": 4})
    config = tmp_path / "config.yaml"
    config.write_text(
        "persona: guide\npersonas:\n  guide: {name: Ada, style: You guide.}\n"
        f"privacy:\n  keep_results: true\n  results_dir: {results}\n"
    )
    listed = run_cli("results", "list", "-c", str(config))
    assert listed.returncode == 0 and "lesson: 1 results" in listed.stdout, listed.stderr
    deleted = run_cli("results", "delete", "--plugin", "lesson", "-c", str(config))
    assert "lesson: deleted 1 results" in deleted.stdout and not (results / "lesson.jsonl").exists()
