"""The config loader takes any file and answers with a config or a ``ConfigError`` naming the problem, never
a traceback (property-based, hypothesis): random text, random YAML structures, and the repository's own
config.yaml with values replaced by hostile ones (non-finite numbers, huge integers, wrong types, deep nesting)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from companion.agent.config import load_config
from companion.core.errors import ConfigError
from companion.face.config import load_controller_config
from tests.support.hostile import hostile_values

REPO_CONFIG = yaml.safe_load((Path(__file__).resolve().parents[2] / "config.yaml").read_text(encoding="utf-8"))
FUZZ = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def mutated_config(draw: st.DrawFn) -> dict[str, Any]:
    """config.yaml with a few values, at any depth, replaced by hostile ones."""
    config: dict[str, Any] = yaml.safe_load(yaml.safe_dump(REPO_CONFIG))
    for _ in range(draw(st.integers(1, 4))):
        node: Any = config
        path = []
        while isinstance(node, dict) and node and draw(st.booleans()):
            key = draw(st.sampled_from(sorted(node, key=str)))
            path.append(key)
            if not isinstance(node[key], dict):
                break
            node = node[key]
        if isinstance(node, dict) and node:
            node[draw(st.sampled_from(sorted(node, key=str)))] = draw(hostile_values)
    return config


def load_text(text: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "config.yaml"
        path.write_text(text, encoding="utf-8")
        for loader in (load_config, load_controller_config):
            try:
                loader(path)
            except ConfigError as error:
                assert str(path) in str(error)  # the message names the file


@FUZZ
@given(mutated_config())
def test_a_config_with_hostile_values_loads_or_says_why(config: dict[str, Any]) -> None:
    load_text(yaml.safe_dump(config, allow_unicode=True))


@FUZZ
@given(st.one_of(st.text(max_size=200), hostile_values.map(lambda v: yaml.safe_dump(v, allow_unicode=True))))
def test_any_text_loads_or_says_why(text: str) -> None:
    load_text(text)


def test_deep_nesting_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("broker: " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    with pytest.raises(ConfigError):
        load_controller_config(path)
