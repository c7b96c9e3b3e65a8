"""The benchmark-model builders, at reduced sizes (the real 0.5B LLM takes too long for a test run)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from companion.tools.bench.models import BenchModels, BenchSizes, LlmShape, VitsShape, make_bench_models
from companion.tools.tiny.moonshine import MOONSHINE_TINY_SIZE, MoonshineDims
from companion.tools.tiny.whisper import TINY_SIZE, WhisperDims

pytestmark = pytest.mark.integration

SMALL = BenchSizes(
    whisper=WhisperDims(d_model=64, encoder_layers=1, decoder_layers=1, attention_heads=2, ffn_dim=128),
    llm=LlmShape(
        hidden_size=64,
        num_layers=2,
        num_heads=4,
        num_kv_heads=2,
        intermediate_size=128,
        vocab_size=1024,
        tokenizer_vocab_size=600,
        dtype="bfloat16",
    ),
    piper=VitsShape(hidden_channels=32, inter_channels=32, filter_channels=64, n_layers=1, upsample_initial_channel=32),
    moonshine=MoonshineDims(),
)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> BenchModels:
    return make_bench_models(tmp_path_factory.mktemp("bench"), SMALL)


def test_default_shapes_are_the_real_models(tmp_path: Path) -> None:
    """Parameter counts on the meta device (no memory): Qwen2.5-0.5B has 494,032,768, whisper-tiny 37,760,640."""
    import torch
    from transformers import Qwen2Config, Qwen2ForCausalLM, WhisperConfig, WhisperForConditionalGeneration

    llm = LlmShape()
    config = Qwen2Config(
        vocab_size=llm.vocab_size,
        hidden_size=llm.hidden_size,
        intermediate_size=llm.intermediate_size,
        num_hidden_layers=llm.num_layers,
        num_attention_heads=llm.num_heads,
        num_key_value_heads=llm.num_kv_heads,
        tie_word_embeddings=True,
    )
    whisper = WhisperConfig(
        vocab_size=51865,
        d_model=TINY_SIZE.d_model,
        encoder_layers=TINY_SIZE.encoder_layers,
        decoder_layers=TINY_SIZE.decoder_layers,
        encoder_attention_heads=TINY_SIZE.attention_heads,
        decoder_attention_heads=TINY_SIZE.attention_heads,
        encoder_ffn_dim=TINY_SIZE.ffn_dim,
        decoder_ffn_dim=TINY_SIZE.ffn_dim,
    )
    with torch.device("meta"):
        assert sum(p.numel() for p in Qwen2ForCausalLM(config).parameters()) == 494_032_768
        assert sum(p.numel() for p in WhisperForConditionalGeneration(whisper).parameters()) == 37_760_640


def test_the_moonshine_shape_is_moonshine_tiny(tmp_path: Path) -> None:
    """UsefulSensors/moonshine-tiny has 27.1M parameters (its model card)."""
    import torch
    from transformers import MoonshineForConditionalGeneration

    from companion.tools.tiny.moonshine import moonshine_config

    with torch.device("meta"):
        model = MoonshineForConditionalGeneration(moonshine_config(MOONSHINE_TINY_SIZE))
        assert sum(p.numel() for p in model.parameters()) == 27_092_736


def test_everything_is_built_the_first_time(built: BenchModels) -> None:
    assert set(built.build_s) == {"stt", "llm", "tts"}
    assert all(size > 0 for size in built.size_bytes.values())


def test_llm_is_bfloat16_with_a_larger_vocab_than_its_tokenizer(built: BenchModels) -> None:
    import torch
    from safetensors import safe_open
    from transformers import AutoModelForCausalLM, AutoTokenizer

    with safe_open(str(built.llm / "model.safetensors"), framework="pt") as weights:
        assert {weights.get_tensor(name).dtype for name in weights.keys()} == {torch.bfloat16}  # noqa: SIM118
    tokenizer = AutoTokenizer.from_pretrained(built.llm)
    model = AutoModelForCausalLM.from_pretrained(built.llm, dtype=torch.bfloat16)
    assert model.config.vocab_size == SMALL.llm.vocab_size > len(tokenizer)
    sentence = "Thank you for visiting! The next tour starts at three o'clock near the big blue whale."
    ids = tokenizer(sentence)["input_ids"]
    assert tokenizer.decode(ids) == sentence
    logits = model(torch.tensor([ids])).logits
    assert logits.shape == (1, len(ids), SMALL.llm.vocab_size)


def test_whisper_loads_in_faster_whisper(built: BenchModels) -> None:
    from faster_whisper import WhisperModel

    model = WhisperModel(str(built.stt), device="cpu", compute_type="int8", cpu_threads=1)
    segments, _ = model.transcribe(
        np.zeros(16000, dtype=np.float32), language="en", temperature=0.0, max_new_tokens=4, vad_filter=False
    )
    assert all(isinstance(segment.text, str) for segment in segments)


def test_vits_voice_runs_in_piper_with_alignments(built: BenchModels) -> None:
    from piper import PiperVoice

    voice = PiperVoice.load(built.tts, include_alignments=True)
    assert voice.config.sample_rate == SMALL.piper.sample_rate
    chunks = list(voice.synthesize("Hello there, how are you today?", include_alignments=True))
    frames, ids = 0, 0
    for chunk in chunks:
        assert chunk.phoneme_alignments, "piper could not expose the VITS graph's Ceil"
        assert sum(a.num_samples for a in chunk.phoneme_alignments) == len(chunk.audio_float_array)
        frames += len(chunk.audio_float_array) // 256
        ids += len(chunk.phoneme_ids)
    # The duration calibration sets the speaking rate (random durations would give ~1.7 frames per id).
    assert 0.6 * SMALL.piper.frames_per_id < frames / ids < 1.5 * SMALL.piper.frames_per_id


def test_cached_models_are_not_rebuilt(built: BenchModels) -> None:
    stamp = (built.llm / "model.safetensors").stat().st_mtime_ns
    again = make_bench_models(built.root, SMALL)
    assert again.build_s == {}
    assert (again.llm / "model.safetensors").stat().st_mtime_ns == stamp


def test_a_changed_shape_rebuilds_only_that_model(built: BenchModels) -> None:
    stt_stamp = (built.stt / "model.bin").stat().st_mtime_ns
    bigger = dataclasses.replace(SMALL, llm=dataclasses.replace(SMALL.llm, num_layers=3))
    rebuilt = make_bench_models(built.root, bigger)
    assert set(rebuilt.build_s) == {"llm"}
    assert (rebuilt.stt / "model.bin").stat().st_mtime_ns == stt_stamp
    assert '"num_hidden_layers": 3' in (rebuilt.llm / "config.json").read_text()


def test_moonshine_is_built_beside_whisper_and_nothing_else_is_rebuilt(built: BenchModels) -> None:
    from companion.speech.stt.moonshine import MoonshineSTT

    moon = make_bench_models(built.root, SMALL, stt_backend="moonshine")
    # (an earlier test may have left a bigger LLM, which SMALL rebuilds; the voice stays)
    assert "stt" in moon.build_s and "tts" not in moon.build_s and moon.stt != built.stt
    assert (built.stt / "model.bin").is_file()  # whisper's folder stays
    assert make_bench_models(built.root, SMALL, stt_backend="moonshine").build_s == {}
    stt = MoonshineSTT(moon.stt)
    stt._load()
    assert stt._model.config.hidden_size == SMALL.moonshine.hidden_size
