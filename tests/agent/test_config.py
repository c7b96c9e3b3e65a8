"""Loading config.yaml: typed values, located errors, environment overrides, derived settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from companion.agent.config import load_config
from companion.core.errors import ConfigError

BASE = """\
persona: guide
personas:
  guide:
    name: Ada
    style: You are a museum guide.
"""


def write(tmp_path: Path, text: str, name: str = "config.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def error_of(path: Path, environ: dict[str, str] | None = None) -> str:
    with pytest.raises(ConfigError) as info:
        load_config(path, environ or {})
    return str(info.value)


def test_the_repository_config_is_valid() -> None:
    config = load_config(Path(__file__).parents[2] / "config.yaml", {})
    assert config.active_persona.name == "Ada"
    assert set(config.personas) == {"guide", "tutor", "listener"}
    for persona in config.personas.values():
        assert "repeat" in persona.plugins


def test_defaults_fill_everything_but_the_persona(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, BASE), {})
    assert config.broker.port == 1883 and config.face.rate_hz == 60 and config.privacy.store_audio is False


def test_every_problem_is_listed_with_its_line_and_key_path(tmp_path: Path) -> None:
    path = write(tmp_path, BASE + "    voise: x\nface:\n  rate_hz: 500\nbroker:\n  url: http://x\n")
    message = error_of(path)
    assert "(3 problems)" in message
    assert f"{path}:6: personas.guide.voise: unknown key 'voise' (did you mean 'voice'?)" in message
    assert f"{path}:8: face.rate_hz: expected less than or equal to 100; got 500" in message
    assert f"{path}:10: broker.url: expected mqtt://HOST:PORT" in message


def test_a_key_given_twice_is_refused(tmp_path: Path) -> None:
    message = error_of(write(tmp_path, BASE + "face:\n  rate_hz: 50\n  rate_hz: 60\n"))
    assert ":8: face.rate_hz: key given twice (first on line 7)" in message


def test_yaml_syntax_and_empty_files(tmp_path: Path) -> None:
    assert "YAML syntax error" in error_of(write(tmp_path, "persona: [guide\n"))
    assert "is empty" in error_of(write(tmp_path, "", "empty.yaml"))
    assert "must be a mapping" in error_of(write(tmp_path, "- a\n- b\n", "list.yaml"))


def test_the_active_persona_must_exist(tmp_path: Path) -> None:
    # The persona line is the last of the file here: the error points at it, not at line 1 or a section.
    text = "robot:\n  id: r1\npersonas:\n  guide:\n    name: Ada\n    style: A guide.\npersona: guard\n"
    path = write(tmp_path, text)
    message = error_of(path)
    assert f"{path}:7: persona: 'guard' is not defined in `personas` (defined: guide); did you mean 'guide'?" in message
    assert "{" not in message, "no dict dump"


def test_a_wrong_persona_from_the_environment_or_the_option_names_its_source(tmp_path: Path) -> None:
    path = write(tmp_path, BASE + "  tutor:\n    name: Pip\n    style: A tutor.\n")
    message = error_of(path, {"COMPANION_PERSONA": "tutr"})
    assert f"{path} (environment variable COMPANION_PERSONA): persona: 'tutr' is not defined" in message
    assert "did you mean 'tutor'?" in message
    with pytest.raises(ConfigError, match=r"\(option --persona\): persona: 'gide'.*did you mean 'guide'"):
        load_config(path, {"COMPANION_PERSONA": "tutor"}, persona="gide")
    assert load_config(path, {"COMPANION_PERSONA": "guide"}, persona="tutor").active_persona.name == "Pip"


def test_a_yaml_error_says_where_the_construct_opened_and_where_it_broke(tmp_path: Path) -> None:
    text = BASE + "    plugins: [repeat\n    greeting: Hello\n    voice: amy\n"
    path = write(tmp_path, text)
    broke, opened = error_of(path).splitlines()
    assert broke.startswith(f"{path}:7:13: YAML syntax error: expected ',' or ']'"), broke
    assert opened.strip() == f"{path}:6:14: parsing a flow sequence that started here"


def test_environment_overrides_win_and_are_named_when_wrong(tmp_path: Path) -> None:
    path = write(tmp_path, BASE)
    config = load_config(path, {"COMPANION_BROKER": "mqtt://10.0.0.5:1884", "COMPANION_TTS_VOICE": "voices/a.onnx"})
    assert (config.broker.host, config.broker.port) == ("10.0.0.5", 1884)
    assert config.models.tts.options.path == tmp_path / "voices/a.onnx"  # relative to the config file
    message = error_of(path, {"COMPANION_BROKER": "nope"})
    assert "(environment variable COMPANION_BROKER): broker.url" in message


def test_emotion_recognition_is_refused_in_schools_and_workplaces(tmp_path: Path) -> None:
    for place in ("education", "workplace"):
        text = BASE + f"privacy:\n  deployment: {place}\nperception:\n  emotion_inference: true\n"
        path = write(tmp_path, text, f"{place}.yaml")
        message = error_of(path)
        assert f"{path}:9: perception.emotion_inference: emotion recognition is not allowed" in message
        assert "EU AI Act" in message and "{" not in message
        off_by_default = load_config(write(tmp_path, BASE + f"privacy:\n  deployment: {place}\n", "x.yaml"), {})
        assert off_by_default.emotion_inference_enabled is False
    assert load_config(write(tmp_path, BASE), {}).emotion_inference_enabled is True


def test_a_clinic_must_list_its_crisis_lines_and_records_nothing(tmp_path: Path) -> None:
    clinic = BASE + "privacy:\n  deployment: clinic\n"
    message = error_of(write(tmp_path, clinic, "clinic.yaml"))
    assert "safety.resources: a clinic deployment must list its local crisis lines" in message
    lines = clinic + 'safety:\n  resources: ["Call 988."]\n'
    assert load_config(write(tmp_path, lines, "ok.yaml"), {}).safety.resources == ["Call 988."]
    recording = lines.replace("deployment: clinic\n", "deployment: clinic\n  store_audio: true\n")
    path = write(tmp_path, recording, "rec.yaml")
    message = error_of(path)
    assert "privacy.store_audio: privacy.store_audio must be false" in message and f"{path}:" in message, message


def test_a_persona_overrides_only_the_turn_taking_keys_it_names(tmp_path: Path) -> None:
    text = BASE + "    turn_taking:\n      unfinished_silence_ms: 2000\nturn_taking:\n  end_of_turn_silence_ms: 300\n"
    config = load_config(write(tmp_path, text), {})
    merged = config.turn_taking_for(config.active_persona)
    assert merged.unfinished_silence_ms == 2000 and merged.end_of_turn_silence_ms == 300


def test_emotion_baseline_accepts_synonyms(tmp_path: Path) -> None:
    text = BASE + "    emotion_baseline: {emotion: joy, intensity: 0.4}\n"
    assert load_config(write(tmp_path, text), {}).active_persona.emotion_baseline.emotion.value == "happy"
