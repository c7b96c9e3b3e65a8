"""Start-up in any order, clear failures, through the real CLI: a language-model server that is down or silent,
an output folder that cannot be written."""

from __future__ import annotations

import socket
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from companion.agent.config.schema import LlmConfig
from companion.tools.tiny import TinyModels
from tests.cli.test_cli import assert_clear_error, run_cli
from tests.support.broker import free_port


def config_beside(tiny_models: TinyModels, **changes: object) -> Path:
    """The tiny models' config with ``changes`` (top-level sections merged), written beside it so its relative
    model paths still resolve."""
    data = yaml.safe_load(tiny_models.config.read_text())
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key].update(value)
        else:
            data[key] = value
    path = tiny_models.config.parent / f"config-{uuid.uuid4().hex[:8]}.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def openai_models(tiny_models: TinyModels, port: int) -> dict[str, object]:
    models = yaml.safe_load(tiny_models.config.read_text())["models"]
    models["llm"] = {
        "backend": "openai",
        "base_url": f"http://127.0.0.1:{port}/v1",
        "connect_timeout_s": 1.0,
        "first_token_timeout_s": 2.0,
        "idle_timeout_s": 2.0,
    }
    return models


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A server that accepts TCP connections and never answers (a hung process, a wedged proxy)."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(16)
        yield server.getsockname()[1]


@pytest.mark.integration
@pytest.mark.parametrize("server", ["down", "silent"])
def test_a_language_model_server_that_does_not_answer_gives_one_line_and_the_robot_speaks_its_fallback(
    tiny_models: TinyModels, server: str, request: pytest.FixtureRequest
) -> None:
    port = free_port() if server == "down" else request.getfixturevalue("silent_server")
    config = config_beside(tiny_models, models=openai_models(tiny_models, port))
    started = time.monotonic()
    result = run_cli("chat", "--no-face", "--say", "hello", "-c", str(config), timeout=120)
    elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr, result.stderr
    warnings = [line for line in result.stderr.splitlines() if "language model is not answering" in line]
    assert len(warnings) == 1 and f"127.0.0.1:{port}" in warnings[0]
    assert ("no answer within 2 s" in warnings[0]) == (server == "silent")
    spoken = " ".join(result.stdout.split())  # chat prints a reply clause by clause
    assert LlmConfig.model_fields["fallback_line"].default in spoken, result.stdout
    assert elapsed < 60  # sanity: seconds (probe 2 s, a turn's first-token timeout 2 s), not the 121 s it was


@pytest.mark.integration
@pytest.mark.parametrize("where", ["a file", "under a file"])
def test_an_unwritable_output_folder_is_reported_before_anything_starts(
    tiny_models: TinyModels, tmp_path: Path, where: str
) -> None:
    file = tmp_path / "not-a-folder.txt"
    file.write_text("x")
    output = file if where == "a file" else file / "replies"
    args = ("chat", "--no-face", "--say", "hi", "--output", str(output), "-c", str(tiny_models.config))
    result = run_cli(*args, timeout=60)
    assert_clear_error(result, str(output), "--output")
    check = run_cli("check", "-c", str(config_beside(tiny_models, audio={"output": {"dir": str(output)}})))
    assert check.returncode == 1 and "output folder" in check.stdout and str(output) in check.stdout


def test_check_says_the_output_folder_is_writable(tiny_models: TinyModels, tmp_path: Path) -> None:
    config = config_beside(tiny_models, audio={"output": {"sink": "wav", "dir": str(tmp_path / "out")}})
    result = run_cli("check", "-c", str(config), env={"COMPANION_BROKER": f"mqtt://127.0.0.1:{free_port()}"})
    assert f"ok      output folder {tmp_path / 'out'} is writable" in result.stdout
