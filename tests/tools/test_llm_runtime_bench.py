"""``companion bench llm-runtime``'s measurements on the tiny model: the torch int8 and CTranslate2 int8 code paths
the README's numbers come from run end to end (the real-size model is the command's; these check the mechanics)."""

from __future__ import annotations

from pathlib import Path

import pytest

from companion.tools.bench.llm_runtime_bench import NEW_TOKEN_COUNTS, ct2_model, measure_ct2, measure_torch
from companion.tools.tiny import TinyModels

pytestmark = pytest.mark.integration


def test_torch_costs_grow_with_the_new_tokens(tiny_models: TinyModels) -> None:
    prefill, decode = measure_torch(tiny_models.llm, threads=1, rounds=1)
    assert set(prefill) == {str(n) for n in NEW_TOKEN_COUNTS}
    assert all(ms > 0 for ms in prefill.values()) and decode > 0


def test_ctranslate2_keeps_each_distinct_static_prompt(tiny_models: TinyModels, tmp_path: Path) -> None:
    converted = ct2_model(tiny_models.llm, tmp_path / "ct2", note=lambda line: None)
    assert (converted / "model.bin").is_file()
    result = measure_ct2(converted, threads=1, rounds=1)
    assert result["ct2_first_token_ms"] > 0  # the tiny model's decode step may round to 0.0 ms
    assert all(value >= 0 for value in result.values())
    assert result["ct2_rss_after_mb"] >= result["ct2_rss_before_mb"]  # the cache is never given back
