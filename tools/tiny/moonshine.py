"""A Moonshine speech-to-text model with random weights, in the layout transformers loads from the Hub.

Moonshine (Useful Sensors) reads the raw 16 kHz waveform, so its cost follows the audio's length, where Whisper
pads every call to 30 s. The folder written here is what ``UsefulSensors/moonshine-tiny`` holds: ``config.json``
and safetensors weights, a ``Wav2Vec2FeatureExtractor`` config and a fast tokenizer whose ids 0, 1, 2 are
``<unk>``, ``<s>`` (decoder start) and ``</s>`` (end). The tokenizer is a byte-level BPE trained on a little
English and padded with filler tokens to the model's vocabulary, so every id a random decoder picks decodes.

``MoonshineDims()`` is tiny (built in a second, for tests); ``MOONSHINE_TINY_SIZE`` is moonshine-tiny's shape
(27M parameters) for ``companion bench latency --stt moonshine``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from companion.tools.tiny.llm import CORPUS, quiet_transformers

if TYPE_CHECKING:
    from transformers import MoonshineConfig

SPECIALS = ("<unk>", "<s>", "</s>")
PREPROCESSOR_CONFIG = {
    "do_normalize": False,
    "feature_extractor_type": "Wav2Vec2FeatureExtractor",
    "feature_size": 1,
    "padding_side": "right",
    "padding_value": 0.0,
    "return_attention_mask": True,
    "sampling_rate": 16000,
}


@dataclass(frozen=True)
class MoonshineDims:
    """The shape of a Moonshine model; the defaults are tiny, ``MOONSHINE_TINY_SIZE`` is moonshine-tiny's."""

    hidden_size: int = 64
    intermediate_size: int = 256
    encoder_layers: int = 1
    decoder_layers: int = 1
    attention_heads: int = 2
    vocab_size: int = 512


MOONSHINE_TINY_SIZE = MoonshineDims(
    hidden_size=288, intermediate_size=1152, encoder_layers=6, decoder_layers=6, attention_heads=8, vocab_size=32768
)


def build_tokenizer_json(vocab_size: int, texts: Sequence[str] = CORPUS) -> str:
    """The text of a ``tokenizer.json``: the three specials, a byte-level BPE, fillers up to ``vocab_size``."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    tokenizer.post_processor = processors.ByteLevel(trim_offsets=False)
    alphabet = pre_tokenizers.ByteLevel.alphabet()
    trainer = trainers.BpeTrainer(
        vocab_size=min(vocab_size, len(alphabet) + len(SPECIALS) + 2000),
        special_tokens=list(SPECIALS),
        initial_alphabet=alphabet,
        show_progress=False,
    )
    tokenizer.train_from_iterator(list(texts), trainer=trainer)
    data = json.loads(tokenizer.to_str())
    vocab: dict[str, int] = data["model"]["vocab"]
    # Fillers keep the ids dense; "Ġ" is byte-level's space, so they decode as " w<id>".
    for token_id in range(len(vocab), vocab_size):
        vocab[f"Ġw{token_id}"] = token_id
    if len(vocab) != vocab_size:
        raise ValueError(f"vocab_size {vocab_size} is smaller than the trained vocabulary ({len(vocab)})")
    return json.dumps(data, ensure_ascii=False)


def moonshine_config(dims: MoonshineDims) -> MoonshineConfig:
    """The transformers config of a Moonshine of shape ``dims`` (ids 1 and 2 start and end the text)."""
    from transformers import MoonshineConfig

    return MoonshineConfig(
        vocab_size=dims.vocab_size,
        hidden_size=dims.hidden_size,
        intermediate_size=dims.intermediate_size,
        encoder_num_hidden_layers=dims.encoder_layers,
        decoder_num_hidden_layers=dims.decoder_layers,
        encoder_num_attention_heads=dims.attention_heads,
        decoder_num_attention_heads=dims.attention_heads,
        encoder_num_key_value_heads=dims.attention_heads,
        decoder_num_key_value_heads=dims.attention_heads,
        bos_token_id=1,
        decoder_start_token_id=1,
        eos_token_id=2,
    )


def make_tiny_moonshine(out_dir: Path, seed: int = 0, dims: MoonshineDims = MoonshineDims()) -> Path:
    """Write a random Moonshine of shape ``dims`` to the folder ``out_dir``; return it."""
    import torch
    from transformers import GenerationConfig, MoonshineForConditionalGeneration

    out_dir = Path(out_dir)
    torch.manual_seed(seed)
    model = MoonshineForConditionalGeneration(moonshine_config(dims)).eval()
    model.generation_config = GenerationConfig(bos_token_id=1, decoder_start_token_id=1, eos_token_id=2)
    with quiet_transformers():
        model.save_pretrained(out_dir)
    (out_dir / "tokenizer.json").write_text(build_tokenizer_json(dims.vocab_size), encoding="utf-8")
    tokenizer_config = {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "unk_token": "<unk>",
        "bos_token": "<s>",
        "eos_token": "</s>",
        "model_max_length": 512,
        "clean_up_tokenization_spaces": False,
    }
    (out_dir / "tokenizer_config.json").write_text(json.dumps(tokenizer_config, indent=2), encoding="utf-8")
    (out_dir / "preprocessor_config.json").write_text(json.dumps(PREPROCESSOR_CONFIG, indent=2), encoding="utf-8")
    return out_dir
