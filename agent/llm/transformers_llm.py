"""The transformers backend: a local causal LM streaming its reply from a worker thread.

Speed matters most at the start of a reply, so two things are kept between turns:
- the KV cache of the conversation so far. Each turn's prompt (system prompt + history + new user text) shares a
  long prefix with the previous turn's prompt and reply; only the tokens after the common prefix are prefilled.
- the thread budget: torch uses ``threads`` intra-op threads (set once, in the worker), leaving the other core
  to speech-to-text and text-to-speech on a 2-core machine.

Cancellation: a stopping criterion checks the cancel flag between tokens, so a barge-in frees the CPU at once.
"""

from __future__ import annotations

import contextlib
import inspect
import logging
import random
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from companion.agent.llm.base import ChatMessage, ThreadedLanguageModel
from companion.agent.llm.opening_tag import OpeningTags, asks_for_opening_tag, choose
from companion.agent.llm.tool_calls import TextToolCallParser, ToolCall, ToolSpec
from companion.core.first_audio import FIRST_AUDIO
from companion.core.models import MAKE_TINY_HINT, HubSource, ModelNeed, folder_name, has_file, hf_cache_snapshot
from companion.core.registry import BuildContext, require
from companion.core.torch_quantize import quantize_int8
from companion.core.worker import CancelToken

log = logging.getLogger(__name__)

LogitsProcessorFactory = Callable[[int], Any]  # prompt length -> a transformers LogitsProcessor

FILES = ("*.json", "*.safetensors", "*.jinja", "tokenizer.model", "merges.txt", "vocab.txt", "*.tiktoken")
# Alternative exports some model repos carry next to the safetensors weights: not needed, often large.
IGNORE = ("onnx/*", "openvino/*", "original/*", "*.gguf", "*.pth", "*.bin", "*.pt", "*.h5", "*.msgpack")


class TransformersOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model: str = Field("Qwen/Qwen2.5-0.5B-Instruct", description="a Hugging Face model id")
    path: Path | None = Field(None, description="a local model folder; overrides `model`")
    threads: int = Field(2, ge=1, le=64, description="torch threads for generation")
    dtype: Literal["float32", "bfloat16"] = Field(
        "bfloat16", description="weights when not quantized; bf16 halves the memory traffic that bounds CPU decoding"
    )
    quantize: Literal["none", "int8"] = Field(
        "int8", description="int8: dynamic per-channel quantization of linear layers, ~2x faster decoding on CPU"
    )
    temperature: float = Field(0.7, ge=0.0, le=2.0)
    top_p: float = Field(0.9, gt=0.0, le=1.0)


def model_need(options: TransformersOptions, models_dir: Path, hf_cache: Path | None = None) -> ModelNeed:
    complete = has_file("config.json")
    if options.path is not None:
        return ModelNeed(
            "llm", str(options.path), [options.path], complete,
            "fix models.llm.path (or $COMPANION_LLM_MODEL) to point at a Hugging Face model folder, "
            f"or remove it to use models.llm.model ({options.model!r}) from models.dir",
            explicit=True,
            describe=f"language model at models.llm.path ({options.path}, a folder with config.json)",
        )  # fmt: skip
    target = models_dir / "llm" / folder_name(options.model)
    return ModelNeed(
        "llm", options.model, [target, hf_cache_snapshot(options.model, hf_cache)], complete,
        f"run `companion models fetch --only llm`, {MAKE_TINY_HINT}, set models.llm.path ($COMPANION_LLM_MODEL) "
        "to a model folder, or use models.llm.backend: openai with a running server",
        source=HubSource(options.model, target, allow_patterns=FILES, ignore_patterns=IGNORE,
                         licence="see the model's card on the hub"),
        describe=f"language model {options.model!r}",
    )  # fmt: skip


class TransformersLLM(ThreadedLanguageModel):
    name = "transformers"
    Options = TransformersOptions

    @classmethod
    def model_needs(cls, options: TransformersOptions, context: BuildContext) -> list[ModelNeed]:
        return [model_need(options, context.models_dir)]

    @classmethod
    def from_config(cls, options: TransformersOptions, context: BuildContext) -> TransformersLLM:
        # The library first: a missing extra says so, before any model file is looked for.
        require("transformers", extra="llm", what="the transformers language-model backend")
        return cls(
            model_need(options, context.models_dir).locate(),
            threads=options.threads,
            dtype=options.dtype,
            quantize=options.quantize,
            temperature=options.temperature,
            top_p=options.top_p,
        )

    def __init__(
        self,
        model_path: Path,
        threads: int = 1,
        dtype: str = "bfloat16",
        quantize: str = "none",
        temperature: float = 0.7,
        top_p: float = 0.9,
        max_new_tokens: int = 96,
        reuse_cache: bool = True,
        logits_processor_factory: LogitsProcessorFactory | None = None,
        seed: int | None = None,
    ) -> None:
        super().__init__(torch_threads=threads)  # its worker thread's team (core/torch_threads.py)
        model_need(TransformersOptions(path=model_path), model_path.parent).locate()
        self.model_path = model_path
        self.threads = threads
        self.dtype = dtype
        self.quantize = quantize
        self.temperature = temperature
        self.top_p = top_p
        self.max_new_tokens = max_new_tokens
        self.reuse_cache = reuse_cache
        self._logits_processor_factory = logits_processor_factory
        self._seed = seed
        self._model: Any = None
        self._tokenizer: Any = None
        self._cache: Any = None
        self._cache_ids: list[int] = []
        self.last_prefill_tokens = 0  # how many prompt tokens the last turn had to prefill (the rest was cached)
        self._forget = False
        self._opening_tags: OpeningTags | None = None
        self._rng = random.Random(seed)

    def _load(self) -> None:
        if self._model is not None:
            return
        torch = require("torch", extra="llm", what="the transformers language model")
        require("transformers", extra="llm", what="the transformers language model")
        from transformers import AutoModelForCausalLM, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        self._tokenizer = AutoTokenizer.from_pretrained(self.model_path)
        self._opening_tags = OpeningTags.build(self._tokenizer)
        if self.quantize == "int8":
            # Dynamic quantization works on float32 modules; weights become int8, activations stay float.
            model = AutoModelForCausalLM.from_pretrained(self.model_path, dtype=torch.float32).eval()
            self._model = quantize_int8(model, "language model")
        else:
            self._model = AutoModelForCausalLM.from_pretrained(self.model_path, dtype=getattr(torch, self.dtype))
            self._model.eval()
        # transformers renamed `past_key_values` to `cache` during 5.x; use whichever this version takes.
        self._cache_kw = "cache" if "cache" in inspect.signature(self._model.forward).parameters else "past_key_values"
        if self._seed is not None:
            torch.manual_seed(self._seed)

    def prompt_ids(
        self, messages: Sequence[ChatMessage], tools: Sequence[ToolSpec] = (), *, generation_prompt: bool = True
    ) -> list[int]:
        """The chat template's tokens for ``messages``; without ``generation_prompt``, the start of a prompt."""
        self._load()
        extra = {"tools": [tool.openai() for tool in tools]} if tools else {}
        text = self._tokenizer.apply_chat_template(
            [m.openai() for m in messages], add_generation_prompt=generation_prompt, tokenize=False, **extra
        )
        return list(self._tokenizer(text, add_special_tokens=False).input_ids)

    async def stream_tools(
        self, messages: Sequence[ChatMessage], tools: Sequence[ToolSpec], max_new_tokens: int | None = None
    ) -> AsyncIterator[str | ToolCall]:
        """The model's chat template renders ``tools`` into the prompt; the ``<tool_call>`` blocks the model writes
        come out as ``ToolCall``s, the rest as text. A template without tool support ignores them (the model then
        just answers)."""

        def work(emit: Callable[[str], None], cancel: CancelToken) -> None:
            self.ensure_loaded()
            self._generate(messages, max_new_tokens, emit, cancel, tools)

        parser = TextToolCallParser()
        async with contextlib.aclosing(self._run_stream(work)) as pieces:
            async for piece in pieces:
                for item in parser.feed(piece):
                    yield item
        for item in parser.close():
            yield item

    def _generate(
        self,
        messages: Sequence[ChatMessage],
        max_new_tokens: int | None,
        emit: Callable[[str], None],
        cancel: CancelToken,
        tools: Sequence[ToolSpec] = (),
    ) -> None:
        import torch
        from transformers import LogitsProcessorList, StoppingCriteria, StoppingCriteriaList

        self._drop_cache_if_forgotten()
        ids = self.prompt_ids(messages, tools)
        cache = self._reusable_cache(ids)
        self.last_prefill_tokens = len(ids) - (cache.get_seq_length() if cache is not None else 0)
        processor = self._logits_processor_factory(len(ids)) if self._logits_processor_factory is not None else None
        opening: list[int] = []
        if self._opening_tags is not None and not tools and asks_for_opening_tag(messages):
            opening, cache = self._open_with_tag(ids, cache, processor, cancel)

        class _Cancelled(StoppingCriteria):
            def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor, **kwargs: Any) -> bool:
                FIRST_AUDIO.wait_turn(cancel)  # a reply's first audio is being made: let the voice have the cores
                return cancel.cancelled

        streamer = _IncrementalDecoder(self._tokenizer, len(ids) + len(opening), emit, opening)
        kwargs: dict[str, Any] = {
            "input_ids": torch.tensor([ids + opening]),
            "attention_mask": torch.ones(1, len(ids) + len(opening), dtype=torch.long),
            "max_new_tokens": max(1, (max_new_tokens or self.max_new_tokens) - len(opening)),
            "streamer": streamer,
            "stopping_criteria": StoppingCriteriaList([_Cancelled()]),
            "return_dict_in_generate": True,
            "pad_token_id": self._tokenizer.pad_token_id or self._tokenizer.eos_token_id,
        }
        if self.temperature > 0:
            kwargs.update(do_sample=True, temperature=self.temperature, top_p=self.top_p)
        else:
            kwargs.update(do_sample=False, temperature=None, top_p=None, top_k=None)
        if cache is not None:
            kwargs[self._cache_kw] = cache
        if processor is not None:
            kwargs["logits_processor"] = LogitsProcessorList([processor])
        min_new_tokens = getattr(self._model.generation_config, "min_new_tokens", None)
        if opening and min_new_tokens:  # the opening's tokens are the reply's, for both limits
            kwargs["min_new_tokens"] = max(0, min_new_tokens - len(opening))
        with torch.inference_mode():
            output = self._model.generate(**kwargs)
        streamer.finish()
        self._remember_cache(output)

    def _open_with_tag(self, ids: list[int], cache: Any, processor: Any, cancel: CancelToken) -> tuple[list[int], Any]:
        """The opening tag's tokens up to the end of its word (``opening_tag.py``): the model chooses only where
        the tags differ, each choice one forward pass (the first is the prompt's prefill, which runs anyway). Returns
        the tokens and the cache, which covers ``ids`` and the tokens fed so far (never the last one)."""
        import torch

        tags = self._opening_tags
        assert tags is not None
        opening: list[int] = []
        fed = cache.get_seq_length() if cache is not None else 0
        while options := tags.next_tokens(opening):
            if len(options) == 1:
                opening.append(options[0])  # certain: fed with the next pass
                continue
            if cancel.cancelled:
                break
            sequence = ids + opening
            output = self._forward(sequence[fed:], len(sequence), cache)
            with torch.inference_mode():
                scores = output.logits[:, -1, :].float()
                if processor is not None:
                    scores = processor(torch.tensor([sequence]), scores)
            cache, fed = self._cache_of(output), len(sequence)
            opening.append(choose(scores[0, options].tolist(), options, self.temperature, self._rng, self.top_p))
        return opening, cache

    async def prefill(self, messages: Sequence[ChatMessage], tools: Sequence[ToolSpec] = ()) -> None:
        """Extend the kept KV cache to cover ``messages`` (the next prompt's start), in the model's worker."""

        def work(cancel: CancelToken) -> None:
            self.ensure_loaded()
            self._prefill(messages, tools)

        try:
            await self.worker.call(work)
        except Exception as error:  # an optimisation only: the turn then prefills what this did not
            log.debug("prefill failed (%s): the turn prefills it", error)

    def _prefill(self, messages: Sequence[ChatMessage], tools: Sequence[ToolSpec]) -> None:
        if not self.reuse_cache:
            return
        self._drop_cache_if_forgotten()
        ids = self.prompt_ids(messages, tools, generation_prompt=False)
        if self._cache is not None and self._cache_ids == ids:
            return  # already computed
        cache = self._reusable_cache(ids)
        done = cache.get_seq_length() if cache is not None else 0
        self._cache_ids = ids[:done]
        if done >= len(ids) - 1:
            return  # all but the last token, which is fed with the turn anyway
        output = self._forward(ids[done:], len(ids), cache)
        self._cache = self._cache_of(output)
        self._cache_ids = ids if self._cache is not None else []

    def _forward(self, new_ids: list[int], total: int, cache: Any) -> Any:
        """One forward pass over ``new_ids``, which follow what ``cache`` holds (``total`` tokens in all); the
        output carries the extended cache."""
        import torch

        kwargs: dict[str, Any] = {
            "input_ids": torch.tensor([new_ids]),
            "attention_mask": torch.ones(1, total, dtype=torch.long),
            "use_cache": True,
        }
        if cache is not None:
            kwargs[self._cache_kw] = cache
        with torch.inference_mode():
            return self._model(**kwargs)

    def forget(self) -> None:
        """Drop the conversation's KV cache before the next generation (a visitor session ended)."""
        self._forget = True

    def _drop_cache_if_forgotten(self) -> None:
        if self._forget:  # a new visitor: nothing of the last conversation stays, not even its cache
            self._forget, self._cache, self._cache_ids = False, None, []

    def _cache_of(self, output: Any) -> Any:
        """The KV cache a forward pass or ``generate`` returned (its name changed during transformers 5.x)."""
        return getattr(output, "cache", None) if self._cache_kw == "cache" else output.past_key_values

    def _reusable_cache(self, ids: list[int]) -> Any:
        """The previous turn's cache cut back to the prefix it shares with ``ids`` (None: start fresh)."""
        if not self.reuse_cache or self._cache is None:
            return None
        common = 0
        for a, b in zip(self._cache_ids, ids, strict=False):
            if a != b:
                break
            common += 1
        common = min(common, len(ids) - 1)  # at least one token must be fed to get logits
        if common < 16:
            return None
        remove = self._cache.get_seq_length() - common
        try:
            if remove > 0:
                # A negative argument removes that many tokens, in every transformers version that has crop().
                self._cache.crop(-remove)
        except (AttributeError, ValueError, NotImplementedError) as error:
            log.debug("KV cache cannot be cropped (%s): full prefill", error)
            return None
        return self._cache

    def _remember_cache(self, output: Any) -> None:
        if not self.reuse_cache:
            return
        cache = self._cache_of(output)
        if cache is None:
            self._cache, self._cache_ids = None, []
            return
        # The last sampled token was never fed through the model, so the cache ends one token before the sequence.
        length = cache.get_seq_length()
        self._cache = cache
        self._cache_ids = output.sequences[0][:length].tolist()


class _IncrementalDecoder:
    """A transformers streamer that emits text as soon as it decodes cleanly (no half UTF-8 characters)."""

    def __init__(
        self, tokenizer: Any, prompt_length: int, emit: Callable[[str], None], chosen: Sequence[int] = ()
    ) -> None:
        self._tokenizer = tokenizer
        self._prompt_length = prompt_length
        self._emit = emit
        self._tokens: list[int] = list(chosen)  # reply tokens chosen before generate() (an opening tag's word)
        self._sent = 0
        self._prompt_seen = False
        self._stop_ids = set(_as_list(tokenizer.eos_token_id)) | {tokenizer.pad_token_id}
        if self._tokens:
            self._flush(final=False)

    def put(self, value: Any) -> None:
        values = value.reshape(-1).tolist()
        if not self._prompt_seen:  # generate() first hands over the prompt
            self._prompt_seen = True
            if len(values) == self._prompt_length:
                return
        self._tokens.extend(t for t in values if t not in self._stop_ids)
        self._flush(final=False)

    def end(self) -> None:
        self._flush(final=True)

    def finish(self) -> None:
        self._flush(final=True)

    def _flush(self, final: bool) -> None:
        text = self._tokenizer.decode(self._tokens, skip_special_tokens=True)
        if not final and text.endswith("\ufffd"):
            return  # a multi-byte character is not complete yet
        if len(text) > self._sent:
            self._emit(text[self._sent :])
            self._sent = len(text)


def _as_list(value: Any) -> list[int]:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]
