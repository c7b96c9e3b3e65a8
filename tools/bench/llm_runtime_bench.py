"""``companion bench llm-runtime``: the bench-size language model's prefill and decode costs, torch int8 against
CTranslate2 int8, and what CTranslate2's only prompt cache costs in memory.

The numbers behind two README decisions: prefilling the words heard so far (what a prompt token costs at the
pause, on top of a kept cache) and not adopting CTranslate2 for the language model (faster decoding, but its
``static_prompt`` cache keeps every distinct prompt and cannot be extended or cut back, so a robot's growing history
would be prefilled whole every turn).

The model is the latency benchmark's real-size random Qwen2.5-0.5B-shape checkpoint (built and cached by
``make_bench_models``); its CTranslate2 conversion (``ct2-transformers-converter --quantization int8``) is cached
beside it. Token ids are arbitrary (they wrap at the vocabulary's size): cost depends on the count, not on which
tokens.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from companion.core.torch_quantize import quantize_int8
from companion.tools.bench.models import make_bench_models

CT2_DIR = "llm-qwen2.5-0.5b-size-ct2-int8"
HISTORY_TOKENS = 250  # a kept conversation the new words follow
NEW_TOKEN_COUNTS = (28, 12, 4)  # the bench's words and markers at the pause: without drafts, and less with them
DECODE_STEPS = 10
STATIC_PROMPTS = 10  # distinct histories given to CTranslate2's static_prompt cache


@dataclass
class RuntimeResult:
    threads: int
    torch_prefill_ms: dict[str, float]  # new tokens -> ms, on top of a cache of HISTORY_TOKENS
    torch_decode_ms_per_token: float
    ct2_first_token_ms: float  # a 60-token prompt, no cache
    ct2_decode_ms_per_token: float
    ct2_new_history_first_token_ms: float  # a static prompt not seen before (HISTORY_TOKENS) plus 28 new tokens
    ct2_cached_history_first_token_ms: float  # the same static prompt again
    ct2_rss_before_mb: float
    ct2_rss_after_mb: float  # after STATIC_PROMPTS distinct static prompts


def _ms(start: float) -> float:
    return (time.perf_counter() - start) * 1000


def _rss_mb() -> float:
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 2**20


def measure_torch(model_path: Path, threads: int, rounds: int) -> tuple[dict[str, float], float]:
    import torch

    previous_threads = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        return _time_torch(model_path, rounds)
    finally:
        torch.set_num_threads(previous_threads)  # a process-wide setting: give it back


def _time_torch(model_path: Path, rounds: int) -> tuple[dict[str, float], float]:
    import torch
    from transformers import AutoModelForCausalLM

    model = quantize_int8(AutoModelForCausalLM.from_pretrained(model_path, dtype=torch.float32).eval(), "bench LLM")
    vocab_size = model.config.vocab_size

    def ids(start: int, count: int) -> Any:
        return (torch.arange(start, start + count) % vocab_size).unsqueeze(0)

    history = ids(100, HISTORY_TOKENS)
    prefill: dict[str, list[float]] = {str(n): [] for n in NEW_TOKEN_COUNTS}
    decode: list[float] = []
    with torch.inference_mode():
        for _ in range(rounds):
            for n in NEW_TOKEN_COUNTS:
                cache = model(history, use_cache=True).past_key_values
                start = time.perf_counter()
                output = model(ids(1000, n), past_key_values=cache, use_cache=True)
                prefill[str(n)].append(_ms(start))
            cache, token = output.past_key_values, output.logits[:, -1:].argmax(-1)
            start = time.perf_counter()
            for _ in range(DECODE_STEPS):
                output = model(token, past_key_values=cache, use_cache=True)
                cache, token = output.past_key_values, output.logits[:, -1:].argmax(-1)
            decode.append(_ms(start) / DECODE_STEPS)
    return {n: round(statistics.median(v), 1) for n, v in prefill.items()}, round(statistics.median(decode), 1)


def ct2_model(model_path: Path, out: Path, note: Any = print) -> Path:
    if (out / "model.bin").is_file():
        return out
    from ctranslate2.converters import TransformersConverter

    note(f"converting the bench LLM to CTranslate2 int8 in {out} (cached) ...")
    TransformersConverter(str(model_path)).convert(str(out), quantization="int8", force=True)
    return out


def measure_ct2(model_dir: Path, threads: int, rounds: int) -> dict[str, float]:
    import ctranslate2

    generator = ctranslate2.Generator(str(model_dir), device="cpu", compute_type="int8", intra_threads=threads)
    vocabulary = list(json.loads((model_dir / "vocabulary.json").read_text(encoding="utf-8")))

    def tokens(start: int, count: int) -> list[str]:
        return [vocabulary[(start + i) % len(vocabulary)] for i in range(count)]

    def run(prompt: list[str], steps: int, static: list[str] | None = None) -> list[float]:
        """ms from the call to each generated token."""
        start, times = time.perf_counter(), []
        extra: dict[str, Any] = {"static_prompt": static, "cache_static_prompt": True} if static else {}
        for _ in generator.generate_tokens(prompt, max_length=steps, sampling_topk=1, end_token=[], **extra):
            times.append(_ms(start))
        return times

    first, per_token = [], []
    for _ in range(rounds):
        times = run(tokens(100, 60), DECODE_STEPS + 1)
        first.append(times[0])
        per_token.append((times[-1] - times[0]) / DECODE_STEPS)
    new_words = tokens(2000, 28)
    history = tokens(1000, HISTORY_TOKENS)
    rss_before = _rss_mb()
    new_history = run(new_words, 1, history)[0]
    cached_history = run(new_words, 1, history)[0]
    for k in range(1, STATIC_PROMPTS):  # each turn's history is longer, so each is a new static prompt
        run(new_words, 1, tokens(1000, HISTORY_TOKENS + 80 * k))
    return {
        "ct2_first_token_ms": round(statistics.median(first), 1),
        "ct2_decode_ms_per_token": round(statistics.median(per_token), 1),
        "ct2_new_history_first_token_ms": round(new_history, 1),
        "ct2_cached_history_first_token_ms": round(cached_history, 1),
        "ct2_rss_before_mb": round(rss_before),
        "ct2_rss_after_mb": round(_rss_mb()),
    }


def run_llm_runtime_bench(args: argparse.Namespace, note: Any = print) -> RuntimeResult:
    models = make_bench_models(args.models_dir, on_step=note, kinds=("llm",))
    ct2_dir = ct2_model(models.llm, Path(args.models_dir) / CT2_DIR, note)
    ct2 = measure_ct2(ct2_dir, args.threads, args.rounds)  # first: its memory is measured from a lean process
    prefill, decode = measure_torch(models.llm, args.threads, args.rounds)
    return RuntimeResult(args.threads, prefill, decode, **ct2)


async def main(args: argparse.Namespace) -> int:
    import asyncio

    result = await asyncio.to_thread(run_llm_runtime_bench, args, (lambda line: None) if args.json else print)
    if args.json:
        print(json.dumps(asdict(result)))
        return 0
    print(f"bench-size language model (Qwen2.5-0.5B shape, int8), {args.threads} threads, medians of {args.rounds}:")
    prefill = ", ".join(f"{n} tokens {ms:.0f} ms" for n, ms in result.torch_prefill_ms.items())
    print(f"  torch, new tokens on a {HISTORY_TOKENS}-token cache:  {prefill}")
    print(f"  torch, decode:                            {result.torch_decode_ms_per_token:.1f} ms a token")
    print(f"  CTranslate2, 60-token prompt to 1st token: {result.ct2_first_token_ms:.0f} ms")
    print(f"  CTranslate2, decode:                      {result.ct2_decode_ms_per_token:.1f} ms a token")
    print(
        f"  CTranslate2, a {HISTORY_TOKENS}-token history + 28 new: {result.ct2_new_history_first_token_ms:.0f} ms "
        f"to the first token when new, {result.ct2_cached_history_first_token_ms:.0f} ms when cached"
    )
    print(
        f"  CTranslate2, resident memory: {result.ct2_rss_before_mb:.0f} MB, after {STATIC_PROMPTS} distinct static "
        f"prompts {result.ct2_rss_after_mb:.0f} MB (never freed while the model is loaded)"
    )
    return 0
