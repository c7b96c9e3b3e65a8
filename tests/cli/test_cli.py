"""The command line as a user meets it: clear errors with non-zero exits (never a traceback), check, chat --json."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from companion.tools.tiny import TinyModels
from tests.support.broker import Broker, free_port

CLI = [sys.executable, "-m", "companion.cli"]
VALID = """\
persona: guide
personas:
  guide:
    name: Ada
    style: You are a museum guide.
"""


def run_cli(*args: str, env: dict[str, str] | None = None, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args], capture_output=True, text=True, timeout=timeout, env={**os.environ, **(env or {})}
    )


def assert_clear_error(result: subprocess.CompletedProcess[str], *expected: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr, result.stderr
    for text in expected:
        assert text in result.stderr, result.stderr


def test_broken_yaml_names_file_and_line(tmp_path: Path) -> None:
    config = tmp_path / "broken.yaml"
    config.write_text("persona: guide\npersonas:\n  guide: {name: Ada, style: [unclosed\n")
    assert_clear_error(run_cli("check", "-c", str(config)), "broken.yaml:", "YAML syntax error")


def test_unknown_key_is_refused_with_a_suggestion(tmp_path: Path) -> None:
    config = tmp_path / "typo.yaml"
    config.write_text(VALID + "    voise: en_US-amy-low\n")
    assert_clear_error(
        run_cli("check", "-c", str(config)),
        "typo.yaml:6:",
        "personas.guide.voise",
        "unknown key 'voise' (did you mean 'voice'?)",
    )


def test_wrong_type_says_what_was_expected(tmp_path: Path) -> None:
    config = tmp_path / "types.yaml"
    config.write_text(VALID + "face:\n  rate_hz: fast\n")
    assert_clear_error(run_cli("check", "-c", str(config)), "types.yaml:7:", "face.rate_hz", "expected a valid integer")


def test_missing_config_file(tmp_path: Path) -> None:
    assert_clear_error(run_cli("chat", "--say", "hi", "-c", str(tmp_path / "nope.yaml")), "config file not found")


def test_missing_model_path_says_where_it_looked_and_how_to_get_it(tmp_path: Path) -> None:
    config = tmp_path / "models.yaml"
    config.write_text(VALID + f"models:\n  tts:\n    path: {tmp_path}/voices/missing.onnx\n")
    result = run_cli("chat", "--no-face", "--say", "hello", "-c", str(config))
    assert_clear_error(result, "not found. Looked in:", f"{tmp_path}/voices/missing.onnx", "hint: fix models.tts.path")
    assert result.returncode == 3


def test_model_not_fetched_says_how_to_get_it(tmp_path: Path) -> None:
    config = tmp_path / "models.yaml"
    config.write_text(VALID + f"models:\n  dir: {tmp_path}/empty-models\n")
    result = run_cli("chat", "--no-face", "--say", "hello", "-c", str(config))
    assert_clear_error(result, "not found. Looked in:", f"{tmp_path}/empty-models/", "companion models fetch")


def test_unreachable_broker_is_a_clear_error(tiny_models: TinyModels, tmp_path: Path) -> None:
    config = tmp_path / "no-broker.yaml"
    text = tiny_models.config.read_text().replace("models:\n  dir: .", f"models:\n  dir: {tiny_models.config.parent}")
    for folder in ("stt", "llm", "tts/", "affect/"):
        text = text.replace(f"path: {folder}", f"path: {tiny_models.config.parent}/{folder}")
    config.write_text(
        text.replace("  url: mqtt://127.0.0.1:1883", "  url: mqtt://127.0.0.1:1883\n  embedded_fallback: false")
    )
    result = run_cli(
        "chat", "--say", "hi", "-c", str(config), env={"COMPANION_BROKER": f"mqtt://127.0.0.1:{free_port()}"}
    )
    assert_clear_error(result, "no MQTT broker answers at mqtt://127.0.0.1:")
    assert result.returncode == 4


def test_bad_environment_override_names_the_variable(tmp_path: Path) -> None:
    config = tmp_path / "ok.yaml"
    config.write_text(VALID)
    result = run_cli("check", "-c", str(config), env={"COMPANION_BROKER": "http://nowhere"})
    assert_clear_error(result, "environment variable COMPANION_BROKER", "broker.url")


def test_unknown_plugin_in_a_persona(tmp_path: Path) -> None:
    config = tmp_path / "plugins.yaml"
    config.write_text(VALID + "    plugins: [repaet]\n")
    result = run_cli("check", "-c", str(config))
    assert result.returncode == 1
    assert "unknown plugin 'repaet'" in result.stdout and "did you mean 'repeat'" in result.stdout


def test_missing_wav_is_reported_before_models_load(tmp_path: Path) -> None:
    config = tmp_path / "ok.yaml"
    config.write_text(VALID)
    assert_clear_error(run_cli("run", "--wav", str(tmp_path / "none.wav"), "-c", str(config)), "audio file not found")


@pytest.mark.integration
def test_check_reports_models_and_broker(tiny_models: TinyModels, broker: Broker) -> None:
    result = run_cli("check", "-c", str(tiny_models.config), env={"COMPANION_BROKER": broker.url})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "stt model" in result.stdout and "answers MQTT" in result.stdout and result.stdout.strip().endswith("ready")


@pytest.mark.integration
def test_chat_json_prints_turns_replies_emotions_and_timings(tiny_models: TinyModels, broker: Broker) -> None:
    result = run_cli(
        "chat", "--json", "--say", "hello there", "--say", "could you repeat that?", "-c", str(tiny_models.config),
        env={"COMPANION_BROKER": broker.url},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    events = [json.loads(line) for line in result.stdout.splitlines()]
    turns = [e for e in events if e["type"] == "user_turn"]
    replies = [e for e in events if e["type"] == "reply_finished"]
    assert [t["text"] for t in turns] == ["hello there", "could you repeat that?"]
    assert len(replies) == 2
    for reply in replies:
        assert reply["emotion"] and 0 <= reply["intensity"] <= 1
        assert {"llm_first_token", "first_clause", "first_audio_ready", "first_audio_pts"} <= set(reply["timings_ms"])
    # The second turn was answered by the repeat plugin, with the first reply's words.
    assert replies[1]["source"] == "plugin:repeat" and replies[1]["text"] == replies[0]["text"]


def test_help_explains_every_command() -> None:
    for command in ("demo", "chat", "run", "face", "check", "models", "bench"):
        result = run_cli(command, "--help", timeout=60)
        assert result.returncode == 0 and "usage: companion " + command in result.stdout
        assert "--config" in result.stdout and "--persona" in result.stdout  # the global options, here too


def test_version_before_or_after_the_command() -> None:
    for args in (("--version",), ("chat", "--version")):
        result = run_cli(*args, timeout=60)
        assert result.returncode == 0 and result.stdout.startswith("companion 0."), result.stdout + result.stderr


def test_global_options_work_on_either_side_of_the_command(tmp_path: Path) -> None:
    config = tmp_path / "two.yaml"
    config.write_text(VALID + "  tutor:\n    name: Pip\n    style: A tutor.\n")
    for args in (
        ("-c", str(config), "--persona", "tutor", "check", "-v"),
        ("check", "--persona", "tutor", "-c", str(config)),
    ):
        result = run_cli(*args, env={"COMPANION_BROKER": f"mqtt://127.0.0.1:{free_port()}"})
        assert f"config {config} (from --config): persona 'tutor' (Pip)" in result.stdout, result.stdout + result.stderr
    verbose = run_cli(
        "-v", "check", "-v", "-c", str(config), env={"COMPANION_BROKER": f"mqtt://127.0.0.1:{free_port()}"}
    )
    assert "DEBUG" in verbose.stderr and "verbosity 2" in verbose.stderr  # -v before and after add up to -vv


def _isolated(tmp_path: Path) -> dict[str, str]:
    """An environment with its own (empty) user folders and no COMPANION_* variables."""
    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMPANION_")}
    env |= {"HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"), "XDG_DATA_HOME": str(home / ".local/share")}
    env["COMPANION_BROKER"] = f"mqtt://127.0.0.1:{free_port()}"
    return env


def run_in(folder: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    folder.mkdir(parents=True, exist_ok=True)
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=180, env=env, cwd=folder)


def test_the_config_is_searched_from_any_folder(tmp_path: Path) -> None:
    env = _isolated(tmp_path)
    # Nothing anywhere: the packaged default (the repository's config.yaml in a source checkout).
    result = run_in(tmp_path / "empty", "check", env=env)
    assert "(from the packaged default)" in result.stdout and "robot museum-1" in result.stdout, result.stdout
    # A config in the user config folder wins over the default ...
    user = Path(env["XDG_CONFIG_HOME"]) / "companion" / "config.yaml"
    user.parent.mkdir(parents=True)
    user.write_text(VALID + "robot: {id: from-user}\n")
    result = run_in(tmp_path / "empty", "check", env=env)
    assert f"config {user} (from the user config folder)" in result.stdout and "robot from-user" in result.stdout
    # ... ./config.yaml wins over that, $COMPANION_CONFIG over that, and --config over everything.
    (tmp_path / "here").mkdir()
    (tmp_path / "here" / "config.yaml").write_text(VALID + "robot: {id: from-cwd}\n")
    assert "robot from-cwd" in run_in(tmp_path / "here", "check", env=env).stdout
    named = tmp_path / "named.yaml"
    named.write_text(VALID + "robot: {id: from-env}\n")
    assert "robot from-env" in run_in(tmp_path / "here", "check", env={**env, "COMPANION_CONFIG": str(named)}).stdout
    result = run_in(tmp_path / "here", "check", "-c", str(user), env={**env, "COMPANION_CONFIG": str(named)})
    assert "robot from-user" in result.stdout
    # A named file that is missing is an error, never a silent fall back to another file.
    missing = run_in(tmp_path / "here", "check", env={**env, "COMPANION_CONFIG": str(tmp_path / "nope.yaml")})
    assert_clear_error(missing, "config file not found (given by $COMPANION_CONFIG)")


def test_the_face_controller_runs_from_any_folder(tmp_path: Path) -> None:
    # The packaged default config and the packaged rig: no file of the repository is needed.
    env = _isolated(tmp_path)
    process = subprocess.Popen(
        [*CLI, "face", "--driver", "log", "--log", "face.jsonl"], cwd=tmp_path, env=env, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    assert process.stdout is not None
    line = process.stdout.readline()
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=30)
    assert "face log at" in line and "rig sample" in line and "(embedded)" in line, line + err
    assert process.returncode == 0 and "Traceback" not in err, err
    assert "No data" not in err  # the embedded broker's probe noise is not shown


def test_make_tiny_refuses_to_overwrite_and_explains_bad_places(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "config.yaml").write_text("mine\n")
    refused = run_in(project, "models", "make-tiny", env=_isolated(tmp_path))
    assert_clear_error(refused, "is not empty", "--force")
    assert (project / "config.yaml").read_text() == "mine\n" and sorted(p.name for p in project.iterdir()) == [
        "config.yaml"
    ]
    assert_clear_error(run_cli("models", "make-tiny", str(project / "config.yaml")), "is a file, not a folder")
    assert_clear_error(run_cli("models", "make-tiny", "/proc/companion-tiny"), "cannot write the tiny models")


def test_every_missing_model_is_listed_at_once(tmp_path: Path) -> None:
    config = tmp_path / "models.yaml"
    config.write_text(VALID + f"models:\n  dir: {tmp_path}/empty-models\n")
    result = run_cli("chat", "--no-face", "--say", "hello", "-c", str(config))
    assert_clear_error(result, "2 models are missing", "language model", "piper voice", "companion models fetch")
    assert result.returncode == 3


def test_bench_latency_peer_options_go_together(tmp_path: Path) -> None:
    alone = run_cli("bench", "latency", "--peer", str(tmp_path), timeout=60)
    assert_clear_error(alone, "--peer and --peer-harness go together")
    url = run_cli("bench", "latency", "--llm-url", "http://127.0.0.1:9/v1", timeout=60)
    assert_clear_error(url, "--llm-url is for the peer workload")
    missing = run_cli("bench", "latency", "--peer", str(tmp_path), "--peer-harness", str(tmp_path), timeout=60)
    assert_clear_error(missing, "the peer workload is incomplete", "make_inputs.py")
