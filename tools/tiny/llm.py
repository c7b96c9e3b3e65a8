"""A tiny chat LLM (random Qwen2 weights, a small byte-level BPE tokenizer), so the transformers path runs offline.

The folder it writes is what a real Hugging Face chat model folder holds: ``config.json``,
``generation_config.json``, ``model.safetensors``, ``tokenizer.json`` with ``tokenizer_config.json`` and a ChatML
``chat_template.jinja``. It reloads with ``AutoTokenizer`` / ``AutoModelForCausalLM``; generation gives random but
decodable text. Byte-level BPE can encode any text (unknown words fall back to bytes), so a model driven by a
scripted reply can say ordinary English sentences through it; ``build_tokenizer`` is reused by
``companion.tools.bench.models``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerFast

END_OF_TEXT = "<|endoftext|>"
IM_START = "<|im_start|>"
IM_END = "<|im_end|>"
SPECIAL_TOKENS = (END_OF_TEXT, IM_START, IM_END)
QWEN2_PRETOKENIZE_REGEX = (
    r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*"""
    r"""|\s*[\r\n]+|\s+(?!\S)|\s+"""
)

# ChatML, as Qwen2.5 and many small chat models use it, with Qwen2.5's rendering of tools (Hermes style): the tool
# signatures in the system message, calls as <tool_call> blocks, results as <tool_response> in a user message.
# Without tools or tool messages it renders exactly plain ChatML.
CHAT_TEMPLATE = (
    "{%- set skip_first = false %}"
    "{%- if tools %}"
    "{{- '<|im_start|>system\\n' }}"
    "{%- if messages[0]['role'] == 'system' %}{{- messages[0]['content'] }}{%- set skip_first = true %}"
    "{%- else %}{{- 'You are a helpful assistant.' }}{%- endif %}"
    "{{- '\\n\\n# Tools\\n\\nYou may call one or more functions to assist with the user query.\\n\\n"
    "You are provided with function signatures within <tools></tools> XML tags:\\n<tools>' }}"
    "{%- for tool in tools %}{{- '\\n' }}{{- tool | tojson }}{%- endfor %}"
    "{{- '\\n</tools>\\n\\nFor each function call, return a json object with function name and arguments "
    'within <tool_call></tool_call> XML tags:\\n<tool_call>\\n{\\"name\\": <function-name>, '
    '\\"arguments\\": <args-json-object>}\\n</tool_call><|im_end|>\\n\' }}'
    "{%- endif %}"
    "{%- for message in messages %}"
    "{%- if not (loop.first and skip_first) %}"
    "{%- if message['role'] == 'assistant' and message.get('tool_calls') %}"
    "{{- '<|im_start|>assistant\\n' + (message['content'] or '') }}"
    "{%- for call in message['tool_calls'] %}"
    "{%- set function = call['function'] if call.get('function') else call %}"
    "{{- '\\n<tool_call>\\n{\\\"name\\\": \\\"' + function['name'] + '\\\", \\\"arguments\\\": ' }}"
    "{%- if function['arguments'] is string %}{{- function['arguments'] }}"
    "{%- else %}{{- function['arguments'] | tojson }}{%- endif %}"
    "{{- '}\\n</tool_call>' }}"
    "{%- endfor %}"
    "{{- '<|im_end|>\\n' }}"
    "{%- elif message['role'] == 'tool' %}"
    "{{- '<|im_start|>user\\n<tool_response>\\n' + message['content'] + '\\n</tool_response><|im_end|>\\n' }}"
    "{%- else %}"
    "{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
    "{%- endif %}"
    "{%- endif %}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}"
)

# A small built-in corpus in the register the robot speaks in: greetings, questions, museum and classroom talk.
CORPUS: tuple[str, ...] = (
    "Hello! It is nice to meet you. My name is Ada and I am a robot.",
    "How are you today? I am doing well, thank you for asking.",
    "What would you like to talk about? We could talk about art, science or history.",
    "This painting was made more than three hundred years ago by a Dutch artist.",
    "Look at the light on her face. The painter used many thin layers of paint.",
    "Do you have a favourite animal? Mine is the octopus, because it is very clever.",
    "I can see that you are smiling. That makes me happy too.",
    "I am sorry to hear that. Would you like to tell me more about it?",
    "Let us try a short lesson. What is seven plus five? Yes, that is twelve. Well done!",
    "The sun is a star. It is about one hundred and fifty million kilometres away from the Earth.",
    "Water boils at one hundred degrees Celsius at sea level, and it freezes at zero.",
    "Please take your time. There is no hurry, I am listening.",
    "Could you say that again? I did not quite hear you.",
    "That is a great question. Let me think about it for a moment.",
    "Goodbye, and thank you for visiting the museum today. Have a wonderful afternoon!",
    "The first computers filled whole rooms, but today a phone is far more powerful.",
    "Robots like me use cameras to see, microphones to hear and motors to move our faces.",
    "If you feel sad or worried, it can help to talk to someone you trust.",
    "Would you like to hear a story about a little boat that sailed around the world?",
    "Good morning, everyone. Today we will learn about plants and how they grow.",
    "Plants need light, water and air. Their leaves turn sunlight into food.",
    "I like music very much. Do you play an instrument, or do you like to sing?",
    "The weather is lovely today. It is warm and sunny outside.",
    "Can you nod your head for me? Great, and now shake it. Thank you!",
    "I am not sure about that, but I can try to find out with you.",
    "Numbers: one, two, three, four, five, six, seven, eight, nine, ten, eleven, twelve.",
    "Questions are welcome: who, what, where, when, why and how.",
    "It was a pleasure talking with you. Come back soon, my friend.",
)


@contextmanager
def quiet_transformers() -> Iterator[None]:
    """Hide transformers' per-call progress bars (save, load) while building: they are noise in a CLI and tests."""
    from transformers.utils import logging as hf_logging

    was_enabled = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if was_enabled:
            hf_logging.enable_progress_bar()


def build_tokenizer(texts: Sequence[str], vocab_size: int) -> PreTrainedTokenizerFast:
    """Train a byte-level BPE on ``texts`` and wrap it with the ChatML specials and template (eos = ``<|im_end|>``).

    The vocabulary is at most ``vocab_size`` (less when the texts offer fewer merges); the specials take ids 0-2.
    """
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    alphabet = pre_tokenizers.ByteLevel.alphabet()
    if vocab_size < len(alphabet) + len(SPECIAL_TOKENS):
        raise ValueError(f"vocab_size must be at least {len(alphabet) + len(SPECIAL_TOKENS)} (bytes + specials)")
    tokenizer = Tokenizer(models.BPE())
    # The same normalizer and pre-tokenizer as Qwen2's: transformers loads a folder whose config says qwen2 with
    # its Qwen2Tokenizer, which installs these; training with them keeps the merges meaningful after reload.
    tokenizer.normalizer = normalizers.NFC()
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(QWEN2_PRETOKENIZE_REGEX), behavior="isolated", invert=False),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ]
    )
    tokenizer.decoder = decoders.ByteLevel()
    tokenizer.post_processor = processors.ByteLevel(trim_offsets=False)
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        min_frequency=1,
        special_tokens=list(SPECIAL_TOKENS),
        initial_alphabet=alphabet,
        show_progress=False,
    )
    tokenizer.train_from_iterator(list(texts), trainer=trainer)
    return PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        eos_token=IM_END,
        pad_token=END_OF_TEXT,
        bos_token=None,
        unk_token=None,
        chat_template=CHAT_TEMPLATE,
        model_max_length=32768,
        clean_up_tokenization_spaces=False,
    )


def unspeakable_token_ids(tokenizer: PreTrainedTokenizerFast) -> list[int]:
    """Ids of tokens that decode to nothing printable (control bytes, broken UTF-8, whitespace only)."""
    special = set(tokenizer.all_special_ids)
    bad: list[int] = []
    for token_id in range(len(tokenizer)):
        if token_id in special:
            continue
        text = tokenizer.decode([token_id])
        if not text.strip() or "\ufffd" in text or any(not ch.isprintable() for ch in text.strip()):
            bad.append(token_id)
    return bad


def make_tiny_llm(
    out_dir: Path,
    seed: int = 0,
    *,
    hidden_size: int = 64,
    num_layers: int = 2,
    num_heads: int = 4,
    num_kv_heads: int = 2,
    intermediate_size: int = 128,
    vocab_size: int | None = None,
    tokenizer_vocab_size: int = 400,
    texts: Sequence[str] = CORPUS,
    dtype: str = "float32",
    speakable_only: bool = True,
) -> Path:
    """Write a Qwen2-architecture chat model with random weights to ``out_dir`` and return it.

    ``speakable_only`` makes generation avoid unprintable tokens and stop no sooner than 4 tokens in.

    ``vocab_size`` is the model's embedding size (default: the tokenizer's, rounded up to a multiple of 64); it
    may exceed the tokenizer's, as real checkpoints' often do. ``dtype`` is the saved weights' dtype.
    """
    import torch
    from transformers import GenerationConfig, Qwen2Config, Qwen2ForCausalLM

    out_dir = Path(out_dir)
    tokenizer = build_tokenizer(texts, tokenizer_vocab_size)
    tokenizer_size = len(tokenizer)
    model_vocab = vocab_size if vocab_size is not None else -(-tokenizer_size // 64) * 64
    if model_vocab < tokenizer_size:
        raise ValueError(f"vocab_size {model_vocab} is smaller than the tokenizer's {tokenizer_size}")
    eos_id = tokenizer.convert_tokens_to_ids(IM_END)
    pad_id = tokenizer.convert_tokens_to_ids(END_OF_TEXT)
    config = Qwen2Config(
        vocab_size=model_vocab,
        hidden_size=hidden_size,
        intermediate_size=intermediate_size,
        num_hidden_layers=num_layers,
        num_attention_heads=num_heads,
        num_key_value_heads=num_kv_heads,
        max_position_embeddings=32768,
        tie_word_embeddings=True,
        bos_token_id=pad_id,
        eos_token_id=eos_id,
        pad_token_id=pad_id,
    )
    torch.manual_seed(seed)
    torch_dtype = getattr(torch, dtype)
    model = Qwen2ForCausalLM._from_config(config, dtype=torch_dtype)
    model.generation_config = GenerationConfig(
        bos_token_id=pad_id,
        eos_token_id=[eos_id, pad_id],
        pad_token_id=pad_id,
        do_sample=False,
        # Random weights would pick raw control bytes and stop at once about as often as anything else; keep the
        # nonsense speakable (printable word pieces) and a few tokens long, so a tiny turn always has a voice.
        # (Not for the benchmark's model: its reply is scripted, and real checkpoints carry no such rules.)
        suppress_tokens=unspeakable_token_ids(tokenizer) if speakable_only else None,
        min_new_tokens=4 if speakable_only else None,
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    with quiet_transformers():
        model.save_pretrained(out_dir)
    tokenizer.save_pretrained(out_dir)
    return out_dir
