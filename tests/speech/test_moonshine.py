"""The Moonshine speech-to-text backend: chosen by name, its model found or its absence explained, and the real
transformers model run on a tiny random-weight copy (integration)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from companion.agent.config.schema import Config, Persona
from companion.agent.models import registry
from companion.core.errors import ConfigError, ModelMissingError
from companion.core.worker import CancelToken
from companion.speech.config import SttConfig
from companion.speech.stt import moonshine
from companion.speech.stt.moonshine import MoonshineSTT
from companion.speech.types import Transcript
from companion.tools.conformance import check_speech_to_text
from companion.tools.tiny.moonshine import make_tiny_moonshine


def test_names_map_to_the_authors_repos() -> None:
    assert moonshine.repo_id("tiny") == "UsefulSensors/moonshine-tiny"
    assert moonshine.repo_id("base") == "UsefulSensors/moonshine-base"
    assert moonshine.repo_id("me/my-moonshine") == "me/my-moonshine"


def test_a_missing_model_says_where_it_looked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf-cache"))
    config = Config(persona="p", personas={"p": Persona(name="P", style="kind")})
    config.models.dir = tmp_path
    config.models.stt = SttConfig(backend="moonshine", model="base")
    need = next(n for n in registry.model_needs(config) if n.kind == "stt")
    with pytest.raises(ModelMissingError) as caught:
        need.locate()
    message = str(caught.value)
    assert str(tmp_path / "stt" / "UsefulSensors--moonshine-base") in message
    assert "UsefulSensors/moonshine-base" in message and "companion models fetch" in message


def test_whisper_keys_are_refused_with_the_backend_named() -> None:
    section = SttConfig(backend="moonshine", beam_size=5)
    with pytest.raises(ConfigError, match=r"(?s)speech-to-text backend 'moonshine'.*beam_size"):
        _ = section.options


def test_the_token_cap_follows_the_audio(tmp_path: Path) -> None:
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "config.json").write_text("{}")
    stt = MoonshineSTT(folder)
    assert stt.token_cap(16000) == 7  # 6.5 a second, rounded up
    assert stt.token_cap(160000) == 65
    assert stt.token_cap(800) == 4  # never fewer than four
    assert MoonshineSTT(folder, max_new_tokens=20).token_cap(160000) == 20


@pytest.fixture(scope="module")
def tiny_moonshine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_tiny_moonshine(tmp_path_factory.mktemp("moonshine") / "tiny")


@pytest.mark.integration
@pytest.mark.parametrize("quantize", ["int8", "none"])
async def test_the_real_model_conforms(tiny_moonshine: Path, quantize: str) -> None:
    import torch

    stt = MoonshineSTT(tiny_moonshine, threads=1, quantize=quantize)
    try:
        await check_speech_to_text(stt)
        linears = [type(m) for m in stt._model.modules() if "Linear" in type(m).__name__]
        # int8 (the default) swaps every float linear layer for a dynamically quantized one; none keeps them.
        assert linears and all((cls is torch.nn.Linear) is (quantize == "none") for cls in linears), linears
    finally:
        await stt.close()


@pytest.mark.integration
async def test_built_by_name_from_the_config(tiny_moonshine: Path) -> None:
    from companion.core.registry import BuildContext

    section = SttConfig(backend="moonshine", path=tiny_moonshine, max_new_tokens=6)
    stt = section.kind.load(section.backend).from_config(section.options, BuildContext(language="en-GB"))
    try:
        assert isinstance(stt, MoonshineSTT)
        transcript = await stt.transcribe(np.random.default_rng(0).normal(0, 0.1, 32000).astype(np.float32))
        assert transcript.language == "en" and transcript.is_final
        # A random decoder writes filler tokens (" w123") until the cap; the cap holds.
        assert len(transcript.text.split()) <= 6
    finally:
        await stt.close()


@pytest.mark.integration
async def test_drafts_run_on_one_torch_thread_and_the_final_transcript_on_its_own(tiny_moonshine: Path) -> None:
    """A draft never makes a second torch team (core/torch_threads.py); the final transcript uses ``threads``."""
    import torch

    seen: list[tuple[bool, int]] = []

    class Recording(MoonshineSTT):
        def _transcribe(self, audio: np.ndarray, partial: bool, cancel: CancelToken) -> Transcript:
            seen.append((partial, torch.get_num_threads()))
            return super()._transcribe(audio, partial, cancel)

    stt = Recording(tiny_moonshine, threads=2)
    try:
        audio = np.zeros(16000, dtype=np.float32)
        await stt.transcribe(audio, partial=True)
        await stt.transcribe(audio)
        await stt.transcribe(audio, partial=True)
    finally:
        await stt.close()
    assert seen == [(True, 1), (False, 2), (True, 1)]
