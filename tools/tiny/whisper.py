"""A Whisper model with random weights in faster-whisper's format (CTranslate2), so the STT path runs offline.

faster-whisper and CTranslate2 read more than the weights: the vocabulary must be laid out like the real
multilingual one, or the decoder prompt (``<|startoftranscript|><|en|><|transcribe|><|notimestamps|>``) points at
the wrong ids. The layout built here:

- ids 0..50255: a byte-level BPE trained on a little English, padded with filler tokens (never produced by
  encoding, only by a random decoder);
- id 50256: the empty string; CTranslate2 >= 4.7 treats a model as multilingual only if ``""`` is a token;
- 50257 ``<|endoftext|>``, 50258 ``<|startoftranscript|>``, 50259..50357 the 99 language tokens in Whisper's order,
  50358 ``<|translate|>``, 50359 ``<|transcribe|>``, 50360 ``<|startoflm|>``, 50361 ``<|startofprev|>``,
  50362 ``<|nocaptions|>``, 50363 ``<|notimestamps|>``, then 1501 timestamp tokens ``<|0.00|>``..``<|30.00|>``.

Dimensions are parameters so ``companion.tools.bench.models`` builds the real tiny-size shape from the same code.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from companion.tools.tiny.llm import CORPUS, quiet_transformers

VOCAB_SIZE = 51865
BASE_VOCAB = 50256  # ids below this are ordinary BPE tokens
EMPTY_TOKEN_ID = 50256
NUM_TIMESTAMPS = 1501
TASK_TOKENS = (
    "<|translate|>",
    "<|transcribe|>",
    "<|startoflm|>",
    "<|startofprev|>",
    "<|nocaptions|>",
    "<|notimestamps|>",
)
# Whisper's language order (tokens 50259..50357), as in openai/whisper's tokenizer.py; "yue" came with v3 only.
_LANGUAGE_ORDER = (
    "en zh de es ru ko fr ja pt tr pl ca nl ar sv it id hi fi vi he uk el ms cs ro da hu ta no th ur hr bg lt la "
    "mi ml cy sk te fa lv bn sr az sl kn et mk br eu is hy ne mn bs kk sq sw gl mr pa si km sn yo so af oc ka be "
    "tg sd gu am yi lo uz fo ht ps tk nn mt sa lb my bo tl mg as tt haw ln ha ba jw su"
)
LANGUAGES = tuple(_LANGUAGE_ORDER.split())

PREPROCESSOR_CONFIG = {
    "chunk_length": 30,
    "feature_extractor_type": "WhisperFeatureExtractor",
    "feature_size": 80,
    "hop_length": 160,
    "n_fft": 400,
    "n_samples": 480000,
    "nb_max_frames": 3000,
    "padding_side": "right",
    "padding_value": 0.0,
    "processor_class": "WhisperProcessor",
    "return_attention_mask": False,
    "sampling_rate": 16000,
}


@dataclass(frozen=True)
class WhisperDims:
    """The shape of a Whisper model; the defaults are tiny, ``TINY_SIZE`` is openai/whisper-tiny's."""

    d_model: int = 64
    encoder_layers: int = 1
    decoder_layers: int = 1
    attention_heads: int = 2
    ffn_dim: int = 128
    num_mel_bins: int = 80


TINY_SIZE = WhisperDims(d_model=384, encoder_layers=4, decoder_layers=4, attention_heads=6, ffn_dim=1536)


def special_tokens() -> list[str]:
    """The added tokens from id 50257 on, in id order."""
    tokens = ["<|endoftext|>", "<|startoftranscript|>"]
    tokens += [f"<|{code}|>" for code in LANGUAGES]
    tokens += list(TASK_TOKENS)
    tokens += [f"<|{i * 0.02:.2f}|>" for i in range(NUM_TIMESTAMPS)]
    return tokens


def build_whisper_tokenizer_json(texts: Sequence[str] = CORPUS, bpe_vocab_size: int = 1000) -> str:
    """Return the text of a ``tokenizer.json`` with Whisper's multilingual id layout (51865 tokens)."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    tokenizer.post_processor = processors.ByteLevel(trim_offsets=False)
    trainer = trainers.BpeTrainer(
        vocab_size=bpe_vocab_size,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(list(texts), trainer=trainer)
    data = json.loads(tokenizer.to_str())
    vocab: dict[str, int] = data["model"]["vocab"]
    # Fillers keep the ids dense up to 50255; "Ġ" is byte-level's space, so they decode as " w<id>".
    for token_id in range(len(vocab), BASE_VOCAB):
        vocab[f"Ġw{token_id}"] = token_id
    vocab[""] = EMPTY_TOKEN_ID
    tokens = special_tokens()
    data["added_tokens"] = [
        {
            "id": EMPTY_TOKEN_ID + 1 + offset,
            "content": token,
            "single_word": False,
            "lstrip": False,
            "rstrip": False,
            "normalized": False,
            # Timestamps are ordinary added tokens in the real tokenizer; the rest are special.
            "special": not token[2:-2].replace(".", "").isdigit(),
        }
        for offset, token in enumerate(tokens)
    ]
    if len(vocab) + len(tokens) != VOCAB_SIZE:
        raise AssertionError(f"built {len(vocab) + len(tokens)} tokens, expected {VOCAB_SIZE}")
    return json.dumps(data, ensure_ascii=False)


def _tokenizer_config() -> dict:
    specials = [t for t in special_tokens() if not t[2:-2].replace(".", "").isdigit()]
    return {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "bos_token": "<|endoftext|>",
        "eos_token": "<|endoftext|>",
        "unk_token": "<|endoftext|>",
        "pad_token": "<|endoftext|>",
        "additional_special_tokens": specials[1:],
        "model_max_length": 1024,
        "clean_up_tokenization_spaces": False,
    }


def _save_hf_whisper(hf_dir: Path, dims: WhisperDims, seed: int) -> None:
    """Write a transformers Whisper checkpoint with random weights and the tokenizer files."""
    import torch
    from transformers import GenerationConfig, WhisperConfig, WhisperForConditionalGeneration

    tokens = special_tokens()
    first = EMPTY_TOKEN_ID + 1
    ids = {token: first + i for i, token in enumerate(tokens)}
    config = WhisperConfig(
        vocab_size=VOCAB_SIZE,
        num_mel_bins=dims.num_mel_bins,
        d_model=dims.d_model,
        encoder_layers=dims.encoder_layers,
        decoder_layers=dims.decoder_layers,
        encoder_attention_heads=dims.attention_heads,
        decoder_attention_heads=dims.attention_heads,
        encoder_ffn_dim=dims.ffn_dim,
        decoder_ffn_dim=dims.ffn_dim,
        max_source_positions=1500,
        max_target_positions=448,
        bos_token_id=ids["<|endoftext|>"],
        eos_token_id=ids["<|endoftext|>"],
        pad_token_id=ids["<|endoftext|>"],
        decoder_start_token_id=ids["<|startoftranscript|>"],
        suppress_tokens=[],
        begin_suppress_tokens=[220, ids["<|endoftext|>"]],
    )
    torch.manual_seed(seed)
    model = WhisperForConditionalGeneration(config)
    model.generation_config = GenerationConfig(
        decoder_start_token_id=ids["<|startoftranscript|>"],
        eos_token_id=ids["<|endoftext|>"],
        pad_token_id=ids["<|endoftext|>"],
        bos_token_id=ids["<|endoftext|>"],
        no_timestamps_token_id=ids["<|notimestamps|>"],
        is_multilingual=True,
        lang_to_id={f"<|{code}|>": ids[f"<|{code}|>"] for code in LANGUAGES},
        task_to_id={"translate": ids["<|translate|>"], "transcribe": ids["<|transcribe|>"]},
        suppress_tokens=[],
        begin_suppress_tokens=[220, ids["<|endoftext|>"]],
        max_length=448,
    )
    with quiet_transformers():
        model.save_pretrained(hf_dir)
    (hf_dir / "tokenizer.json").write_text(build_whisper_tokenizer_json(), encoding="utf-8")
    (hf_dir / "tokenizer_config.json").write_text(json.dumps(_tokenizer_config(), indent=2), encoding="utf-8")
    (hf_dir / "preprocessor_config.json").write_text(json.dumps(PREPROCESSOR_CONFIG, indent=2), encoding="utf-8")


def make_tiny_whisper(
    out_dir: Path, seed: int = 0, dims: WhisperDims = WhisperDims(), quantization: str = "int8"
) -> Path:
    """Build a random Whisper of shape ``dims`` and convert it to a CTranslate2 folder ``out_dir``; return it."""
    from ctranslate2.converters import TransformersConverter

    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="companion-whisper-") as tmp:
        hf_dir = Path(tmp) / "hf"
        _save_hf_whisper(hf_dir, dims, seed)
        converter = TransformersConverter(str(hf_dir), copy_files=["tokenizer.json", "preprocessor_config.json"])
        with quiet_transformers():
            converter.convert(str(out_dir), quantization=quantization, force=True)
    return out_dir
