"""Real-size models with random weights, for ``companion bench latency`` without a download.

Latency depends on a model's shape, not on what its weights learnt, so these have the shapes of the models the
robot really runs and random weights:

- speech-to-text: Whisper tiny's shape (d_model 384, 4 + 4 layers, 6 heads, vocab 51865), CTranslate2 int8; or,
  for ``--stt moonshine``, moonshine-tiny's (hidden 288, 6 + 6 layers, 8 heads, vocab 32768), transformers;
- LLM: Qwen2.5-0.5B's shape (hidden 896, 24 layers, 14 heads, 2 KV heads, MLP 4864, vocab 151936, tied
  embeddings), saved as bfloat16 safetensors (~1 GB) with the tiny byte-level BPE tokenizer (it can encode any
  English sentence, so a benchmark can drive the model to a scripted reply);
- TTS: a real VITS generator from piper's own training code with the "low" hyper-parameters (16 kHz), exported
  to ONNX the way ``piper.train.export_onnx`` does. Random duration weights would make ~1.7 frames per phoneme
  id; the duration predictor's output bias is calibrated so speech runs at a natural rate (~2.3 frames per id,
  about 13 phonemes per second), because the decoder's cost grows with the number of frames.

Built offline, cached in a folder with a manifest of the shapes, and rebuilt only when missing or when the shape
asked for changed. Each part is built in a ``.partial`` folder and moved into place when complete.
"""

from __future__ import annotations

import json
import math
import shutil
import time
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from companion.core.models import has_file
from companion.speech.tts.piper import is_voice
from companion.tools.tiny.llm import CORPUS, make_tiny_llm
from companion.tools.tiny.moonshine import MOONSHINE_TINY_SIZE, MoonshineDims, make_tiny_moonshine
from companion.tools.tiny.whisper import TINY_SIZE, WhisperDims, make_tiny_whisper

MANIFEST = "bench-models.json"
STT_DIRS = {"faster-whisper": "stt-whisper-tiny-size", "moonshine": "stt-moonshine-tiny-size"}
LLM_DIR = "llm-qwen2.5-0.5b-size"
TTS_FILE = "tts-piper-low-size/voice.onnx"
PIPER_EXPORT_OPSET = 15  # piper.train.export_onnx.OPSET_VERSION


@dataclass(frozen=True)
class LlmShape:
    hidden_size: int = 896
    num_layers: int = 24
    num_heads: int = 14
    num_kv_heads: int = 2
    intermediate_size: int = 4864
    vocab_size: int = 151936
    # Trained on the Python reference manual's English (stdlib pydoc_data) plus the tiny corpus: ordinary English
    # then costs about what Qwen's tokenizer spends (the bench's first clause: 10 tokens here, 9 with Qwen's).
    tokenizer_vocab_size: int = 16384
    dtype: str = "bfloat16"


@dataclass(frozen=True)
class VitsShape:
    """piper's VITS hyper-parameters; the defaults are the "low" quality ones (piper's defaults at 16 kHz)."""

    sample_rate: int = 16000
    num_symbols: int = 256
    hidden_channels: int = 192
    inter_channels: int = 192
    filter_channels: int = 768
    n_heads: int = 2
    n_layers: int = 6
    resblock: str = "2"
    resblock_kernel_sizes: tuple[int, ...] = (3, 5, 7)
    resblock_dilation_sizes: tuple[tuple[int, ...], ...] = ((1, 2), (2, 6), (3, 12))
    upsample_rates: tuple[int, ...] = (8, 8, 4)
    upsample_initial_channel: int = 256
    upsample_kernel_sizes: tuple[int, ...] = (16, 16, 8)
    frames_per_id: float = 2.3  # the calibrated speaking rate at length_scale 1.0


@dataclass(frozen=True)
class BenchSizes:
    whisper: WhisperDims = TINY_SIZE
    moonshine: MoonshineDims = MOONSHINE_TINY_SIZE
    llm: LlmShape = LlmShape()
    piper: VitsShape = VitsShape()


@dataclass(frozen=True)
class BenchModels:
    """Where the bench models are, which were built now (seconds each), and their sizes on disk (bytes)."""

    root: Path
    stt: Path
    llm: Path
    tts: Path
    build_s: dict[str, float] = field(default_factory=dict)
    size_bytes: dict[str, int] = field(default_factory=dict)


def _disk_size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _calibrate_durations(model: object, shape: VitsShape, seed: int) -> float:
    """Shift the stochastic duration predictor's output so the mean is ``shape.frames_per_id``; return the mean."""
    import torch

    # In reverse (inference) the SDP's first flow, an ElementwiseAffine, runs last: logw = z - m[0].
    affine = model.dp.flows[0]  # type: ignore[attr-defined]
    generator = torch.Generator().manual_seed(seed)
    ids = torch.randint(4, min(shape.num_symbols, 150), (1, 80), generator=generator)
    ids[0, 1::2] = 0  # piper puts a pad after every phoneme
    lengths = torch.LongTensor([ids.shape[1]])
    mean = 0.0
    with torch.no_grad():
        for _ in range(6):
            torch.manual_seed(seed)
            frames = [
                float(model.infer(ids, lengths, noise_scale=0.667, length_scale=1.0, noise_scale_w=0.8)[2].sum())  # type: ignore[attr-defined]
                for _ in range(3)
            ]
            mean = sum(frames) / len(frames) / ids.shape[1]
            if abs(mean - shape.frames_per_id) < 0.05:
                break
            affine.m[0] -= math.log(shape.frames_per_id / mean)
    return mean


def build_piper_voice(path: Path, shape: VitsShape = VitsShape(), seed: int = 0) -> Path:
    """Build piper's VITS generator with random weights and export it like ``piper.train.export_onnx``."""
    import torch
    from piper.phoneme_ids import DEFAULT_PHONEME_ID_MAP

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # VITS decorates helpers with torch.jit.script
        from piper.train.vits.models import SynthesizerTrn

    from companion.tools.tiny.piper_voice import HOP_LENGTH, voice_config

    if math.prod(shape.upsample_rates) != HOP_LENGTH:
        raise ValueError(f"upsample rates {shape.upsample_rates} must multiply to the hop length {HOP_LENGTH}")
    torch.manual_seed(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # torch deprecates the weight_norm VITS is built with
        model = SynthesizerTrn(
            n_vocab=shape.num_symbols,
            spec_channels=1024 // 2 + 1,
            segment_size=8192 // HOP_LENGTH,
            inter_channels=shape.inter_channels,
            hidden_channels=shape.hidden_channels,
            filter_channels=shape.filter_channels,
            n_heads=shape.n_heads,
            n_layers=shape.n_layers,
            kernel_size=3,
            p_dropout=0.1,
            resblock=shape.resblock,
            resblock_kernel_sizes=shape.resblock_kernel_sizes,
            resblock_dilation_sizes=shape.resblock_dilation_sizes,
            upsample_rates=shape.upsample_rates,
            upsample_initial_channel=shape.upsample_initial_channel,
            upsample_kernel_sizes=shape.upsample_kernel_sizes,
            n_speakers=1,
            gin_channels=0,
            use_sdp=True,
        )
    model.eval()
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        model.dec.remove_weight_norm()
    _calibrate_durations(model, shape, seed)

    def infer_forward(text: torch.Tensor, text_lengths: torch.Tensor, scales: torch.Tensor) -> torch.Tensor:
        # As piper.train.export_onnx: scales = (noise_scale, length_scale, noise_w), audio as [batch, 1, time].
        noise_scale, length_scale, noise_w = scales[0], scales[1], scales[2]
        outputs = model.infer(
            text, text_lengths, noise_scale=noise_scale, length_scale=length_scale, noise_scale_w=noise_w
        )
        return outputs[0].unsqueeze(1)

    model.forward = infer_forward  # type: ignore[method-assign]
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    dummy = torch.randint(low=0, high=shape.num_symbols, size=(1, 50), dtype=torch.long)
    with torch.no_grad(), warnings.catch_warnings():
        # The tracer warns about every data-dependent Python branch in VITS; they are expected and known to piper.
        warnings.simplefilter("ignore")
        # The TorchScript exporter (dynamo=False), as piper's export uses; the dynamo one needs onnxscript.
        torch.onnx.export(
            model,
            (dummy, torch.LongTensor([dummy.size(1)]), torch.FloatTensor([0.667, 1.0, 0.8])),
            str(path),
            dynamo=False,
            opset_version=PIPER_EXPORT_OPSET,
            input_names=["input", "input_lengths", "scales"],
            output_names=["output"],
            dynamic_axes={
                "input": {0: "batch_size", 1: "phonemes"},
                "input_lengths": {0: "batch_size"},
                "output": {0: "batch_size", 2: "time"},
            },
        )
    config = voice_config(DEFAULT_PHONEME_ID_MAP, shape.sample_rate, quality="low", num_symbols=shape.num_symbols)
    Path(f"{path}.json").write_text(json.dumps(config, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def _build_in_place(final: Path, build: Callable[[Path], object]) -> float:
    """Run ``build(staging_path)`` and move the result to ``final``; return the seconds it took."""
    staging = final.parent / f".{final.name}.partial"
    shutil.rmtree(staging, ignore_errors=True)
    start = time.perf_counter()
    build(staging)
    if final.exists():
        shutil.rmtree(final)
    staging.replace(final)
    return time.perf_counter() - start


def english_corpus() -> list[str]:
    """Offline English for the bench tokenizer: the tiny corpus and the paragraphs of Python's reference topics."""
    from pydoc_data.topics import topics

    paragraphs = [p for text in topics.values() for p in text.split("\n\n") if p.strip()]
    return [*CORPUS, *paragraphs]


def make_bench_models(
    out_dir: Path,
    sizes: BenchSizes = BenchSizes(),
    seed: int = 0,
    on_step: Callable[[str], None] | None = None,
    stt_backend: str = "faster-whisper",
    kinds: tuple[str, ...] = ("stt", "llm", "tts"),
) -> BenchModels:
    """Build the real-size random models under ``out_dir`` unless already there with the same shapes.
    ``stt_backend`` (faster-whisper or moonshine) says which speech-to-text model to build; ``kinds`` which
    models at all (the others' paths are returned whether they exist or not).
    ``on_step(line)`` hears about each build before it starts and when it is done (the first run writes about
    1.1 GB and takes about a minute)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    manifest_path = out_dir / MANIFEST
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        manifest = {}
    if stt_backend not in STT_DIRS:
        raise ValueError(f"no bench model for the speech-to-text backend {stt_backend!r}: {', '.join(STT_DIRS)}")
    stt_shape = asdict(sizes.whisper) if stt_backend == "faster-whisper" else asdict(sizes.moonshine)
    wanted = {
        "stt": {"seed": seed, **stt_shape},
        "llm": {"seed": seed, "generation": 2, **asdict(sizes.llm)},  # 2: no speakable-only rules
        "tts": {"seed": seed, **json.loads(json.dumps(asdict(sizes.piper)))},  # tuples as lists, as read back
    }
    stt, llm, tts = out_dir / STT_DIRS[stt_backend], out_dir / LLM_DIR, out_dir / TTS_FILE
    present = {
        "stt": has_file("config.json")(stt),
        "llm": has_file("config.json")(llm),
        "tts": is_voice(tts),
    }
    builders: dict[str, Callable[[Path], object]] = {
        "stt": lambda staging: (
            make_tiny_whisper(staging, seed=seed, dims=sizes.whisper)
            if stt_backend == "faster-whisper"
            else make_tiny_moonshine(staging, seed=seed, dims=sizes.moonshine)
        ),
        "llm": lambda staging: make_tiny_llm(
            staging,
            seed=seed,
            hidden_size=sizes.llm.hidden_size,
            num_layers=sizes.llm.num_layers,
            num_heads=sizes.llm.num_heads,
            num_kv_heads=sizes.llm.num_kv_heads,
            intermediate_size=sizes.llm.intermediate_size,
            vocab_size=sizes.llm.vocab_size,
            tokenizer_vocab_size=sizes.llm.tokenizer_vocab_size,
            texts=english_corpus(),
            dtype=sizes.llm.dtype,
            speakable_only=False,
        ),
        "tts": lambda staging: build_piper_voice(staging / tts.name, sizes.piper, seed),
    }
    finals = {"stt": stt, "llm": llm, "tts": tts.parent}
    keys = {"stt": f"stt-{stt_backend}", "llm": "llm", "tts": "tts"}  # one manifest entry per built folder
    build_s: dict[str, float] = {}
    for kind in kinds:
        if present[kind] and manifest.get(keys[kind]) == wanted[kind]:
            continue
        if on_step is not None:
            on_step(f"building the bench's {kind} model in {finals[kind]} (real size, random weights; cached) ...")
        build_s[kind] = _build_in_place(finals[kind], builders[kind])
        if on_step is not None:
            on_step(f"built the bench's {kind} model: {_disk_size(finals[kind]) / 1e6:.0f} MB in {build_s[kind]:.1f} s")
        manifest[keys[kind]] = wanted[kind]
        manifest_path.write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    sizes_on_disk = {kind: _disk_size(path) for kind, path in finals.items()}
    return BenchModels(root=out_dir, stt=stt, llm=llm, tts=tts, build_s=build_s, size_bytes=sizes_on_disk)
