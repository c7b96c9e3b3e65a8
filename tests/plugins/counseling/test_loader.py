"""Script files: the shipped ones load, and mistakes are reported as file:line: key: message."""

from __future__ import annotations

from pathlib import Path

import pytest

from companion.plugins.counseling.loader import ScriptError, load_script, script_files

GOOD = """\
title: A check
kind: screening
intro: Hello.
steps:
  - ask: How often?
    id: first
    scale: frequency
    score: true
  - branch:
      if: {answer: first, at_least: 1}
      goto: end
  - score:
      bands: [{min: 0, max: 3, label: all}]
"""


def write(tmp_path: Path, text: str, name: str = "check") -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def problem(tmp_path: Path, text: str) -> str:
    path = write(tmp_path, text)
    with pytest.raises(ScriptError) as raised:
        load_script(path)
    return raised.value.message


def test_every_shipped_script_loads() -> None:
    names = {found.name: load_script(found.path) for found in script_files()}
    assert set(names) == {"phq9", "gad7", "thought-record", "grounding", "breathing"}
    assert names["phq9"].scored_questions == 9 and names["gad7"].scored_questions == 7


def test_a_good_file_loads_and_takes_its_name_from_the_file(tmp_path: Path) -> None:
    script = load_script(write(tmp_path, GOOD))
    assert script.name == "check" and script.steps[0].id == "first"


def test_an_unknown_key_names_its_line(tmp_path: Path) -> None:
    message = problem(tmp_path, GOOD.replace("    scale: frequency\n", "    scale: frequency\n    scored: true\n"))
    assert f"{tmp_path / 'check.yaml'}:8: steps[0].scored: unknown key 'scored'" in message


def test_an_unknown_goto_target_names_its_line(tmp_path: Path) -> None:
    message = problem(tmp_path, GOOD.replace("goto: end", "goto: nowhere"))
    assert f"{tmp_path / 'check.yaml'}:11: steps[1].branch.goto: no step has the id 'nowhere'" in message


def test_a_bad_scale_names_its_line(tmp_path: Path) -> None:
    message = problem(tmp_path, GOOD.replace("scale: frequency", "scale: sometimes"))
    assert f"{tmp_path / 'check.yaml'}:7: steps[0].scale:" in message and "'frequency'" in message


def test_bands_must_cover_every_total(tmp_path: Path) -> None:
    message = problem(tmp_path, GOOD.replace("max: 3", "max: 2"))
    assert ":13: steps[2].score.bands: the bands end at 2 but the highest total is 3" in message


def test_a_branch_on_an_answer_not_asked_yet(tmp_path: Path) -> None:
    message = problem(tmp_path, GOOD.replace("answer: first", "answer: later"))
    assert ":10: steps[1].branch.if.answer: no question 'later' is asked before this branch" in message


def test_a_free_answer_cannot_be_scored(tmp_path: Path) -> None:
    message = problem(tmp_path, GOOD.replace("scale: frequency", "scale: free"))
    assert ":8: steps[0].score: a free answer cannot be scored" in message
