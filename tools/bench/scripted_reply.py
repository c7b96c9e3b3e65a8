"""Makes a language model say a fixed reply, so every turn of a benchmark generates the same number of tokens.

The model still computes every step in full (prefill, attention over the cache, the whole vocabulary's
logits); only the choice of the next token is forced. So the timing is the model's real cost for that reply.
"""

from __future__ import annotations

from typing import Any


class ForcedReply:
    """A transformers LogitsProcessor: at generation step i, only ``token_ids[i]`` is allowed, then EOS."""

    def __init__(self, token_ids: list[int], eos_id: int, prompt_length: int) -> None:
        self.token_ids = token_ids
        self.eos_id = eos_id
        self.prompt_length = prompt_length

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        import torch

        step = input_ids.shape[1] - self.prompt_length
        target = self.token_ids[step] if step < len(self.token_ids) else self.eos_id
        forced = torch.full_like(scores, float("-inf"))
        forced[:, target] = 0.0
        return forced


def forced_reply_factory(tokenizer: Any, text: str) -> Any:
    """A ``logits_processor_factory`` for ``TransformersLLM``: prompt length -> ForcedReply for ``text``."""
    token_ids = list(tokenizer(text, add_special_tokens=False).input_ids)
    eos = tokenizer.convert_tokens_to_ids("<|im_end|>")
    if eos is None or eos == tokenizer.unk_token_id:
        eos = tokenizer.eos_token_id

    def make(prompt_length: int) -> ForcedReply:
        return ForcedReply(token_ids, int(eos), prompt_length)

    make.reply_tokens = len(token_ids) + 1  # type: ignore[attr-defined]
    return make
