"""`companion bench latency --stt-window`: faster-whisper's shorter encoder window reaches the backend's options."""

from __future__ import annotations

import argparse
from pathlib import Path

from companion.tools.bench.latency_bench import _config, _stt_label


def _args(stt: str, window: float) -> argparse.Namespace:
    return argparse.Namespace(
        stt=stt, stt_window=window, stt_threads=1, llm_threads=2, tts_threads=1, llm_quantize="int8",
        llm_dtype="bfloat16", lookahead_ms=70,
    )  # fmt: skip


def test_the_window_goes_to_faster_whisper_and_names_the_run(tmp_path: Path) -> None:
    models = [tmp_path / name for name in ("stt", "llm", "tts")]
    config = _config(tmp_path, *models, _args("faster-whisper", 4.0))
    assert config.models.stt.options.window_s == 4.0
    assert _stt_label(_args("faster-whisper", 4.0)) == "faster-whisper (window 4 s)"
    assert _config(tmp_path, *models, _args("faster-whisper", 30.0)).models.stt.options.window_s == 30.0
    assert _stt_label(_args("faster-whisper", 30.0)) == "faster-whisper"
    # Moonshine has no window: the option is left out rather than rejected as an unknown key.
    assert _config(tmp_path, *models, _args("moonshine", 4.0)).models.stt.backend == "moonshine"
    assert _stt_label(_args("moonshine", 4.0)) == "moonshine"
