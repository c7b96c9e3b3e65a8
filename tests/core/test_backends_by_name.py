"""Backends by name: chosen by ``backend:``, options validated with file:line errors, third parties by entry point."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from companion.agent.config import load_config
from companion.core import registry
from companion.core.errors import ConfigError
from companion.speech.stt.base import STT_BACKENDS

REPO = Path(__file__).resolve().parents[2]
BASE = (REPO / "config.yaml").read_text()


def write(tmp_path: Path, models: str) -> Path:
    """The repository's config with its ``models:`` section replaced."""
    head, rest = BASE.split("\nmodels:\n", 1)
    tail = rest[rest.index("\naudio:") :]
    path = tmp_path / "config.yaml"
    path.write_text(f"{head}\nmodels:\n{models}{tail}")
    return path


def line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def test_an_unknown_backend_names_the_line_and_the_closest_name(tmp_path: Path) -> None:
    path = write(tmp_path, "  stt:\n    backend: faster-wisper\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path, environ={})
    message = str(caught.value)
    assert f"{path}:{line_of(path, 'faster-wisper')}: models.stt.backend" in message
    assert "unknown speech-to-text backend 'faster-wisper'" in message and "did you mean 'faster-whisper'" in message


def test_backend_options_are_checked_against_the_backend(tmp_path: Path) -> None:
    path = write(tmp_path, "  stt:\n    backend: faster-whisper\n    beam_sise: 2\n  tts:\n    threads: many\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path, environ={})
    message = str(caught.value)
    assert "(2 problems)" in message
    assert f"{path}:{line_of(path, 'beam_sise')}: models.stt.beam_sise: unknown key 'beam_sise'" in message
    assert "did you mean 'beam_size'" in message
    assert f"{path}:{line_of(path, 'threads: many')}: models.tts.threads" in message


def test_the_same_key_means_what_the_chosen_backend_says(tmp_path: Path) -> None:
    # `model` is a Hugging Face id for transformers and a server's model name for openai: each validates its own.
    path = write(tmp_path, "  llm:\n    backend: openai\n    base_url: http://10.0.0.9:8000/v1\n    model: llama\n")
    config = load_config(path, environ={})
    assert config.models.llm.backend == "openai"
    assert config.models.llm.options.base_url == "http://10.0.0.9:8000/v1"
    path = write(tmp_path, "  llm:\n    backend: transformers\n    base_url: http://x\n")
    with pytest.raises(ConfigError, match=r"models\.llm\.base_url: unknown key"):
        load_config(path, environ={})


def test_a_name_alone_is_the_backend_and_relative_option_paths_follow_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "  vad: energy\n  tts:\n    path: voices/a.onnx\n")
    config = load_config(path, environ={})
    assert config.models.vad.backend == "energy" and config.models.vad.options.threshold_dbfs == -40.0
    assert config.models.tts.options.path == tmp_path / "voices" / "a.onnx"
    assert config.models.tts.path == tmp_path / "voices" / "a.onnx"  # the section reads its validated options


@pytest.fixture
def third_party(tmp_path: Path) -> Iterator[None]:
    """An installed distribution, as pip would leave it, that registers one speech-to-text backend."""
    package = tmp_path / "acme_asr"
    package.mkdir()
    (package / "__init__.py").write_text(
        "from pydantic import BaseModel\n"
        "from companion.speech.stt.base import ThreadedSpeechToText\n"
        "from companion.speech.types import Transcript\n\n"
        "class AcmeOptions(BaseModel):\n    greeting: str = 'hi'\n\n"
        "class AcmeAsr(ThreadedSpeechToText):\n"
        "    Options = AcmeOptions\n"
        "    def __init__(self, greeting: str = 'hi') -> None:\n"
        "        super().__init__('acme')\n        self.greeting = greeting\n"
        "    def _transcribe(self, audio, partial, cancel):\n"
        "        return Transcript(self.greeting)\n"
    )
    dist = tmp_path / "acme_asr-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-asr\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[companion.stt]\nacme = acme_asr:AcmeAsr\n")
    sys.path.insert(0, str(tmp_path))
    registry._discover.cache_clear()
    yield
    sys.path.remove(str(tmp_path))
    sys.modules.pop("acme_asr", None)
    registry._discover.cache_clear()
    registry._load.cache_clear()


async def test_a_third_party_backend_is_one_class_and_one_entry_point(third_party: None, tmp_path: Path) -> None:
    assert "acme" in STT_BACKENDS.names() and "faster-whisper" in STT_BACKENDS.names()
    path = write(tmp_path, "  stt:\n    backend: acme\n    greeting: hello robot\n")
    config = load_config(path, environ={})
    stt = STT_BACKENDS.create("acme", config.models.stt.options, config.build_context())
    assert (await stt.transcribe(np.zeros(1600, dtype=np.float32))).text == "hello robot"
    await stt.close()
