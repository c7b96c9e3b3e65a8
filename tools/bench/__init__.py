"""Benchmarks that print numbers: voice-to-voice latency (``latency_bench``) and face timing (``face_bench``)."""

from pathlib import Path

DEFAULT_BENCH_MODELS = Path("~/.cache/companion/bench-models")  # where the real-size random models are cached
