"""The tiny offline models load and run through the real libraries: transformers, faster-whisper, piper, ONNX."""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from companion.agent.config import load_config
from companion.agent.models import registry
from companion.tools.tiny import AFFECT_LABELS, TinyModels, make_tiny_models
from companion.tools.tiny.affect import make_tiny_affect_model
from companion.tools.tiny.llm import CORPUS, IM_END, build_tokenizer, make_tiny_llm
from companion.tools.tiny.piper_voice import HOP_LENGTH, phoneme_class

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> TinyModels:
    return make_tiny_models(tmp_path_factory.mktemp("tiny") / "models", seed=0)


# --- the config -----------------------------------------------------------------------------------------------------


def test_config_validates_and_points_at_the_models(tiny: TinyModels) -> None:
    config = load_config(tiny.config, environ={})
    assert config.models.stt.path == tiny.stt
    assert config.models.llm.path == tiny.llm
    assert config.models.tts.path == tiny.tts
    assert config.models.affect.path == tiny.affect
    assert config.models.affect.labels == list(AFFECT_LABELS)
    assert config.active_persona.plugins == ["repeat"]
    assert config.broker.url == "mqtt://127.0.0.1:1883"
    assert all(status.present for status in registry.model_status(config))


def test_the_folder_can_be_moved(tiny: TinyModels, tmp_path: Path) -> None:
    moved = tmp_path / "elsewhere"
    shutil.copytree(tiny.config.parent, moved)
    config = load_config(moved / "config.yaml", environ={})
    found = {need.kind: need.locate() for need in registry.model_needs(config)}
    landmarks = found.pop("landmarks")  # the real landmark model, shared by every config, not a tiny one
    assert set(found) == {"stt", "llm", "tts", "affect"}
    assert all(path.is_relative_to(moved) for path in found.values())
    assert not landmarks.is_relative_to(moved)


def test_make_tiny_command_writes_a_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from companion.cli.models_command import register

    parser = argparse.ArgumentParser(prog="companion")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["models", "make-tiny", str(tmp_path / "t"), "--seed", "3"])
    assert args.handler(args) == 0
    printed = capsys.readouterr().out
    assert f"companion chat --config {tmp_path / 't' / 'config.yaml'}" in printed
    assert "seed 3" in (tmp_path / "t" / "config.yaml").read_text()
    assert load_config(tmp_path / "t" / "config.yaml", environ={}).models.llm.path == tmp_path / "t" / "llm"


# --- LLM --------------------------------------------------------------------------------------------------------


def test_llm_chat_template_and_generation(tiny: TinyModels) -> None:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny.llm)
    model = AutoModelForCausalLM.from_pretrained(tiny.llm, dtype=torch.float32)
    messages = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hello, robot!"}]
    prompt = tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
    assert prompt.startswith("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHello, robot!<|im_end|>")
    assert prompt.endswith("<|im_start|>assistant\n")
    assert tokenizer.eos_token == IM_END

    inputs = tokenizer(prompt, return_tensors="pt")
    output = model.generate(**inputs, max_new_tokens=6, do_sample=False)
    new_tokens = output[0, inputs["input_ids"].shape[1] :]
    assert 1 <= len(new_tokens) <= 6
    assert all(0 <= int(t) < model.config.vocab_size for t in new_tokens)
    assert isinstance(tokenizer.decode(new_tokens, skip_special_tokens=True), str)


def test_tokenizer_encodes_any_english_and_survives_reload(tiny: TinyModels) -> None:
    from transformers import AutoTokenizer

    sentence = "Zebras quietly jumped over 42 fjords, didn't they? Naïve café!"
    built = build_tokenizer(CORPUS, 400)
    reloaded = AutoTokenizer.from_pretrained(tiny.llm)
    ids = reloaded(sentence)["input_ids"]
    assert reloaded.decode(ids) == sentence
    assert built(sentence)["input_ids"] == ids
    # Trained merges at work: a corpus sentence takes clearly fewer tokens than its bytes.
    assert len(reloaded(CORPUS[0])["input_ids"]) < 0.6 * len(CORPUS[0].encode())


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_llm_weights_are_deterministic_per_seed(tiny: TinyModels, tmp_path: Path) -> None:
    again = make_tiny_llm(tmp_path / "again", seed=0)
    other = make_tiny_llm(tmp_path / "other", seed=1)
    original = file_digest(tiny.llm / "model.safetensors")
    assert file_digest(again / "model.safetensors") == original
    assert file_digest(other / "model.safetensors") != original
    assert (again / "tokenizer.json").read_text() == (tiny.llm / "tokenizer.json").read_text()


# --- Whisper ----------------------------------------------------------------------------------------------------


def test_whisper_vocabulary_layout(tiny: TinyModels) -> None:
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(tiny.stt / "tokenizer.json"))
    assert tokenizer.get_vocab_size() == 51865
    expected = {
        "": 50256,
        "<|endoftext|>": 50257,
        "<|startoftranscript|>": 50258,
        "<|en|>": 50259,
        "<|su|>": 50357,
        "<|translate|>": 50358,
        "<|transcribe|>": 50359,
        "<|notimestamps|>": 50363,
        "<|0.00|>": 50364,
        "<|30.00|>": 51864,
    }
    assert {token: tokenizer.token_to_id(token) for token in expected} == expected
    vocabulary = json.loads((tiny.stt / "vocabulary.json").read_text())
    assert len(vocabulary) == 51865 and vocabulary[50363] == "<|notimestamps|>"


def test_whisper_transcribes_through_faster_whisper(tiny: TinyModels) -> None:
    from faster_whisper import WhisperModel

    model = WhisperModel(str(tiny.stt), device="cpu", compute_type="int8", cpu_threads=1)
    assert model.model.is_multilingual
    t = np.arange(16000) / 16000
    audio = (0.2 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)
    segments, info = model.transcribe(
        audio, language="en", temperature=0.0, max_new_tokens=8, without_timestamps=True, vad_filter=False
    )
    texts = [segment.text for segment in segments]
    assert info.language == "en"
    assert all(isinstance(text, str) for text in texts)


# --- piper voice --------------------------------------------------------------------------------------------------


def synthesize(path: Path, text: str, length_scale: float = 1.0) -> list:
    from piper import PiperVoice
    from piper.config import SynthesisConfig

    voice = PiperVoice.load(path, include_alignments=True)
    return list(voice.synthesize(text, SynthesisConfig(length_scale=length_scale), include_alignments=True))


def segment_rms(chunk: object) -> list[tuple[str, float]]:
    """(phoneme, RMS of its aligned samples) for every alignment of a chunk."""
    audio = chunk.audio_float_array  # type: ignore[attr-defined]
    out, start = [], 0
    for alignment in chunk.phoneme_alignments:  # type: ignore[attr-defined]
        segment = audio[start : start + alignment.num_samples]
        out.append((alignment.phoneme, float(np.sqrt(np.mean(segment**2)))))
        start += alignment.num_samples
    return out


def test_voice_has_one_hidden_ceil_for_piper_to_expose(tiny: TinyModels) -> None:
    import onnx

    model = onnx.load(str(tiny.tts))
    ceils = [node for node in model.graph.node if node.op_type == "Ceil"]
    assert len(ceils) == 1
    assert ceils[0].output[0] not in {output.name for output in model.graph.output}
    assert [i.name for i in model.graph.input] == ["input", "input_lengths", "scales"]


def test_voice_alignments_add_up_to_the_audio(tiny: TinyModels) -> None:
    chunks = synthesize(tiny.tts, "Hello there. How are you today?")
    assert len(chunks) == 2  # one chunk per sentence
    for chunk in chunks:
        alignments = chunk.phoneme_alignments
        assert alignments, "piper produced no alignments: the Ceil output was not exposed"
        assert alignments[0].phoneme == "^" and alignments[-1].phoneme == "$"
        assert sum(a.num_samples for a in alignments) == len(chunk.audio_float_array)
        assert all(a.num_samples % HOP_LENGTH == 0 and a.num_samples > 0 for a in alignments)


def test_voice_energy_follows_the_alignments(tiny: TinyModels) -> None:
    rms = [pair for chunk in synthesize(tiny.tts, "Good morning, my friend.") for pair in segment_rms(chunk)]
    by_class: dict[str, list[float]] = {}
    for phoneme, value in rms:
        by_class.setdefault(phoneme_class(phoneme), []).append(value)
    assert max(by_class["edge"] + by_class["space"] + by_class["pause"]) < 1e-6
    assert min(by_class["vowel"]) > 3 * max(by_class["consonant"])
    assert min(by_class["consonant"]) > 0.01


def test_voice_length_scale_stretches_durations(tiny: TinyModels) -> None:
    text = "A slow and steady voice."
    normal = sum(len(c.audio_float_array) for c in synthesize(tiny.tts, text, 1.0))
    slow = sum(len(c.audio_float_array) for c in synthesize(tiny.tts, text, 2.0))
    assert 1.6 < slow / normal <= 2.0


# --- affect -------------------------------------------------------------------------------------------------------


def affect_outputs(path: Path, image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The classifier's output for one [1, 1, S, S] image from onnxruntime and from cv2.dnn."""
    import cv2
    import onnxruntime

    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    from_ort = session.run(None, {session.get_inputs()[0].name: image})[0]
    net = cv2.dnn.readNetFromONNX(str(path))
    net.setInput(image)
    return from_ort, net.forward()


def crops(size: int = 64) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(7)
    flat = np.full((1, 1, size, size), 0.4, dtype=np.float32)
    stripes = np.tile(np.repeat(np.array([0.1, 0.9], dtype=np.float32), 4), size // 8)
    smile = flat.copy()
    smile[0, 0, size * 5 // 8 :, :] = stripes  # a bright, high-contrast lower half
    return {"flat": flat, "smile": smile, "noise": rng.random((1, 1, size, size), dtype=np.float32)}


def test_affect_runs_in_onnxruntime_and_opencv(tiny: TinyModels) -> None:
    for image in crops().values():
        from_ort, from_cv = affect_outputs(tiny.affect, image)
        assert from_ort.shape == (1, len(AFFECT_LABELS))
        assert np.isclose(from_ort.sum(), 1.0, atol=1e-5) and (from_ort >= 0).all()
        np.testing.assert_allclose(from_cv, from_ort, atol=1e-5)


def test_affect_depends_on_the_image(tiny: TinyModels) -> None:
    probs = {name: affect_outputs(tiny.affect, image)[0][0] for name, image in crops().items()}
    assert not np.allclose(probs["flat"], probs["noise"], atol=1e-3)
    happy = AFFECT_LABELS.index("happy")
    assert probs["smile"][happy] > probs["flat"][happy]


@pytest.mark.parametrize("labels", [("calm", "excited"), ("a", "b", "c", "d", "e")])
def test_affect_label_count_and_input_size(tmp_path: Path, labels: Sequence[str]) -> None:
    path = make_tiny_affect_model(tmp_path / "a.onnx", labels, input_size=32)
    from_ort, _ = affect_outputs(path, crops(32)["noise"])
    assert from_ort.shape == (1, len(labels))
    with pytest.raises(ValueError, match="multiple of 4"):
        make_tiny_affect_model(tmp_path / "b.onnx", labels, input_size=30)
