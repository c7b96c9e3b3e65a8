"""docs/EXTENDING.md's examples are real: each runs, and each passes the conformance kit its kind must pass."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from companion.core import registry
from companion.face.controller.rig import load_rig
from companion.tools.conformance import (
    check_backend_class,
    check_driver,
    check_language_model,
    check_speech_to_text,
    check_text_to_speech,
)

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "EXTENDING.md").read_text()
EXAMPLES = dict(re.findall(r"```python\n# example: (\w+)\n(.*?)```", DOC, flags=re.S))


def example(name: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": f"example_{name}"}
    exec(compile(EXAMPLES[name], f"EXTENDING.md:{name}", "exec"), namespace)
    return namespace


def test_every_example_is_found() -> None:
    assert set(EXAMPLES) == {"tts", "stt", "llm", "driver"}


async def test_the_voice_example_conforms() -> None:
    voice = example("tts")["HumVoice"]
    check_backend_class(voice)
    await check_text_to_speech(voice())


async def test_the_speech_to_text_example_conforms() -> None:
    ears = example("stt")["LoudnessEars"]
    check_backend_class(ears)
    await check_speech_to_text(ears())


async def test_the_language_model_example_conforms() -> None:
    model = example("llm")["EchoModel"]
    check_backend_class(model)
    await check_language_model(model())


async def test_the_driver_example_conforms(capsys: pytest.CaptureFixture[str]) -> None:
    driver = example("driver")["PrintDriver"]
    check_backend_class(driver)
    await check_driver(driver(every=50), load_rig(ROOT / "face" / "rigs" / "sample.yaml"))
    assert capsys.readouterr().out.count("\n") == 2


def test_the_table_of_groups_matches_what_is_registered() -> None:
    documented = dict(re.findall(r"\| `(companion\.\w+)` \| [^|]+\| [^|]+\| [^|]+\| ([^|]+) \|", DOC))
    assert documented, "the table of entry-point groups is missing"
    for group, names in documented.items():
        listed = sorted(re.findall(r"`([\w-]+)`", names))
        assert listed == sorted(registry._discover(group)), group
