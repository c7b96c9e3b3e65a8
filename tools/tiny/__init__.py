"""Tiny offline models: seconds to build, deterministic, loaded by the real libraries.

``make_tiny_models(DIR)`` (the ``companion models make-tiny DIR`` command) builds all four and writes
``DIR/config.yaml`` that uses them, with paths relative to that file so the folder can be moved. Random weights
mean the robot hears and says nonsense, but every real code path runs: faster-whisper, transformers, piper with
alignments, ONNX affect. The submodules import their heavy libraries lazily.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

CONFIG_NAME = "config.yaml"
STT_DIR = "stt"
LLM_DIR = "llm"
TTS_FILE = "tts/tiny-voice.onnx"
AFFECT_FILE = "affect/tiny-affect.onnx"
AFFECT_LABELS = ("neutral", "happy", "surprised", "sad", "angry", "disgusted", "fearful", "contempt")
AFFECT_INPUT_SIZE = 64


@dataclass(frozen=True)
class TinyModels:
    """Where ``make_tiny_models`` put everything, and how long each part took to build (seconds)."""

    config: Path
    stt: Path
    llm: Path
    tts: Path
    affect: Path
    build_s: dict[str, float] = field(default_factory=dict)


def _sample_rig() -> Path | None:
    """The installed sample rig: the config's default rig path is relative and would not exist beside DIR."""
    from importlib import resources

    try:
        rig = Path(str(resources.files("companion.face.rigs") / "sample.yaml"))
    except (ModuleNotFoundError, TypeError):
        return None
    return rig if rig.is_file() else None


def tiny_config_text(seed: int, rig: Path | None = None) -> str:
    """The YAML of a complete config that uses the tiny models, paths relative to the file itself."""
    labels = ", ".join(AFFECT_LABELS)
    controller = f"controller:\n  rig: {str(rig)!r}\n" if rig is not None else ""
    return f"""\
# Tiny offline models built by `companion models make-tiny` (seed {seed}).
# Random weights: the robot hears and says nonsense, but every real code path runs (faster-whisper, transformers,
# piper with phoneme alignments, ONNX facial affect). Paths are relative to this file: move the folder freely.
# Try it:  companion chat --config <this file>
robot:
  id: tiny
broker:
  url: mqtt://127.0.0.1:1883
models:
  dir: .
  stt:
    path: {STT_DIR}
    compute_type: int8
    temperature: 0.0
    max_new_tokens: 8
  llm:
    backend: transformers
    path: {LLM_DIR}
    dtype: float32
    max_new_tokens: 24
    temperature: 0.9  # sampling: greedy decoding of random weights repeats one token
  tts:
    path: {TTS_FILE}
  affect:
    path: {AFFECT_FILE}
    labels: [{labels}]
    input_size: {AFFECT_INPUT_SIZE}
    grayscale: true
    pixel_scale: {1 / 255}
    pixel_offset: 0.0
    align: false
{controller}persona: tiny
personas:
  tiny:
    name: Tiny
    language: en
    style: >-
      You are Tiny, a small test robot with random thoughts. Answer in one short sentence.
    greeting: Hello! I am Tiny, a test robot. My words are random, but my lips move in time.
    emotion_baseline:
      emotion: happy
      intensity: 0.3
    plugins: [repeat]
"""


def make_tiny_models(out_dir: Path, seed: int = 0) -> TinyModels:
    """Build the four tiny models under ``out_dir`` and write ``out_dir/config.yaml``; return the paths."""
    from companion.tools.tiny.affect import make_tiny_affect_model
    from companion.tools.tiny.llm import make_tiny_llm
    from companion.tools.tiny.piper_voice import make_tiny_piper_voice
    from companion.tools.tiny.whisper import make_tiny_whisper

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    timings: dict[str, float] = {}

    def timed(kind: str, build: Callable[[], Path]) -> Path:
        start = time.perf_counter()
        path = build()
        timings[kind] = time.perf_counter() - start
        return path

    affect = timed("affect", lambda: make_tiny_affect_model(out_dir / AFFECT_FILE, AFFECT_LABELS, AFFECT_INPUT_SIZE))
    tts = timed("tts", lambda: make_tiny_piper_voice(out_dir / TTS_FILE))
    llm = timed("llm", lambda: make_tiny_llm(out_dir / LLM_DIR, seed=seed))
    stt = timed("stt", lambda: make_tiny_whisper(out_dir / STT_DIR, seed=seed))
    config = out_dir / CONFIG_NAME
    config.write_text(tiny_config_text(seed, _sample_rig()), encoding="utf-8")
    return TinyModels(config=config, stt=stt, llm=llm, tts=tts, affect=affect, build_s=timings)
