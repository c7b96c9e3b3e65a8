"""The Moonshine speech-to-text backend: chosen by name, its model found or its absence explained, and the real
transformers model run on a tiny random-weight copy (integration)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from transformers import MoonshineForConditionalGeneration

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


def lively(model: MoonshineForConditionalGeneration) -> MoonshineForConditionalGeneration:
    """The tiny model with larger random weights: its greedy tokens vary from step to step (the stock tiny one
    repeats one token, which would hide a wrong position or cache)."""
    import torch

    torch.manual_seed(0)
    with torch.no_grad():
        for weight in model.parameters():
            if weight.dim() >= 2:
                weight.normal_(0, 3 * weight.shape[-1] ** -0.5)
    return model


@pytest.mark.integration
@pytest.mark.parametrize("quantize", ["int8", "none"])
def test_greedy_decoding_writes_the_tokens_generate_writes(tiny_moonshine: Path, quantize: str) -> None:
    """The backend's own token loop is an optimisation of transformers' ``generate``, never another decoder."""
    import torch
    from transformers import AutoFeatureExtractor

    from companion.core.torch_quantize import quantize_int8

    model = lively(MoonshineForConditionalGeneration.from_pretrained(tiny_moonshine).eval())
    model = quantize_int8(model, "test") if quantize == "int8" else model
    features = AutoFeatureExtractor.from_pretrained(tiny_moonshine)
    rng = np.random.default_rng(1)
    sine = np.sin(np.arange(40000) * 2 * np.pi * 220 / 16000).astype(np.float32) * 0.3
    for audio in (rng.normal(0, 0.1, 16000).astype(np.float32), sine, rng.normal(0, 0.3, 3000).astype(np.float32)):
        inputs = features(audio, sampling_rate=16000, return_tensors="pt")
        with torch.inference_mode():
            reference = model.generate(
                inputs.input_values, attention_mask=inputs.get("attention_mask"), max_new_tokens=12, do_sample=False
            )[0].tolist()
            ours = moonshine.greedy_decode(model, inputs.input_values, 12, CancelToken())
        assert ours == reference
        assert len(set(ours)) >= 4, ours  # the tokens vary, so a wrong position or cache would show


def test_greedy_decoding_is_used_only_where_the_model_asks_for_nothing_more() -> None:
    from transformers import GenerationConfig

    assert moonshine.plain_greedy(GenerationConfig(bos_token_id=1, decoder_start_token_id=1, eos_token_id=2))
    assert not moonshine.plain_greedy(GenerationConfig(repetition_penalty=1.2))
    assert not moonshine.plain_greedy(GenerationConfig(suppress_tokens=[5]))


@pytest.mark.integration
def test_a_cancelled_call_stops_decoding(tiny_moonshine: Path) -> None:
    import torch

    model = MoonshineForConditionalGeneration.from_pretrained(tiny_moonshine).eval()
    cancel = CancelToken()
    cancel.cancel()
    with torch.inference_mode():
        ids = moonshine.greedy_decode(model, torch.zeros(1, 16000), 12, cancel)
    assert ids == [model.generation_config.decoder_start_token_id]


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
