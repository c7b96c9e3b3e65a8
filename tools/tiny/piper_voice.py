"""A tiny piper voice built from ONNX operators, so TTS, alignments and lip-sync run offline on piper's real code.

piper's loader (``PiperVoice.load(path, include_alignments=True)``) finds the one ``Ceil`` node of a voice (VITS's
``w_ceil``, the per-phoneme-id durations in frames) and exposes it as a second output in memory. This voice has
exactly one ``Ceil`` and does not output it itself, so piper's real patching and alignment code is exercised.

What the graph computes, for phoneme ids ``x`` (after piper inserts ``^``, ``$`` and a pad after each phoneme):

- durations: a per-id table lookup times ``length_scale`` (``scales[1]``), floored at a small epsilon, then
  ``Ceil``: every id lasts at least one frame of ``hop_length`` (256) samples. Vowels last longest, consonants
  about half as long, pads one frame, punctuation a pause. ``noise_scale`` and ``noise_w`` are ignored, so the
  voice is deterministic.
- audio: each id's frames hold a tone whose pitch, harmonics and loudness come from the id: loud low-pitched
  harmonic tones for vowels, quiet high tones for consonants, silence for ``^``, ``$``, spaces and punctuation.
  A pad repeats the sound of the id before it, because piper counts the pad's samples into that phoneme.
  The phase is a running sum of the frequency, so tones change without clicks. Audio energy therefore follows
  the alignments exactly, which is what audio/visual sync measurements need.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import onnx

SAMPLE_RATE = 22050
HOP_LENGTH = 256
OPSET = 13
IR_VERSION = 8

VOWEL_CHARS = frozenset("aeiouyæøœɐɑɒɔɘəɚɛɜɝɞɤɨɪɯɵɶʉʊʌʏᵻεː")
SILENT = frozenset(["^", "$", " ", "!", "'", "(", ")", ",", "-", ".", ":", ";", "?", '"', "↓", "↑", "#"])
PAUSES = frozenset([",", ".", "!", "?", ":", ";"])
MODIFIERS = frozenset(["ˈ", "ˌ", "ˑ", "˞", "ʰ", "ʲ", "ʷ", "ˤ"])

# Base durations in frames at length_scale 1.0.
FRAMES = {"vowel": 7.0, "long": 4.0, "consonant": 4.0, "modifier": 1.0, "space": 2.0, "pause": 8.0, "edge": 4.0}
PAD_FRAMES = 0.5


def phoneme_class(phoneme: str) -> str:
    """Classify a phoneme-map key: vowel, long (the length mark), consonant, modifier, space, pause, edge, pad."""
    if phoneme == "_":
        return "pad"
    if phoneme in ("^", "$"):
        return "edge"
    if phoneme == " ":
        return "space"
    if phoneme in PAUSES:
        return "pause"
    if phoneme in SILENT:
        return "space"
    if phoneme == "ː":
        return "long"
    if phoneme in MODIFIERS or all(not ch.isalpha() for ch in phoneme):
        return "modifier"
    if phoneme[0] in VOWEL_CHARS:
        return "vowel"
    return "consonant"


def _tables(phoneme_id_map: Mapping[str, Sequence[int]]) -> dict[str, np.ndarray]:
    """Per-id lookup tables: duration (frames), frequency (Hz), amplitude, 2nd and 3rd harmonic weights."""
    num_symbols = max(max(ids) for ids in phoneme_id_map.values()) + 1
    tables = {
        "duration": np.full(num_symbols, FRAMES["consonant"], dtype=np.float32),
        "freq": np.zeros(num_symbols, dtype=np.float32),
        "amp": np.zeros(num_symbols, dtype=np.float32),
        "h2": np.zeros(num_symbols, dtype=np.float32),
        "h3": np.zeros(num_symbols, dtype=np.float32),
    }
    for phoneme, ids in phoneme_id_map.items():
        kind = phoneme_class(phoneme)
        for i in ids:
            if kind == "pad":
                tables["duration"][i] = PAD_FRAMES
                continue
            tables["duration"][i] = FRAMES[kind]
            if kind in ("vowel", "long"):
                tables["freq"][i] = 110.0 + 5.0 * (i % 12)
                tables["amp"][i] = 0.6 + 0.02 * (i % 10)
                tables["h2"][i] = 0.3 + 0.05 * (i % 7)
                tables["h3"][i] = 0.1 + 0.05 * (i % 5)
            elif kind in ("consonant", "modifier"):
                tables["freq"][i] = 900.0 + 37.0 * (i % 20)
                tables["amp"][i] = 0.12 + 0.005 * (i % 8)
                tables["h2"][i] = 0.2
                tables["h3"][i] = 0.1
            # edge, space, pause: silent (amplitude 0).
    return tables


def _graph(phoneme_id_map: Mapping[str, Sequence[int]], pad_id: int, sample_rate: int) -> onnx.GraphProto:
    """Build the ONNX graph."""
    from onnx import TensorProto, helper, numpy_helper

    tables = _tables(phoneme_id_map)

    def const(name: str, value: np.ndarray | float | int | list[int], dtype: type = np.float32) -> str:
        initializers.append(numpy_helper.from_array(np.asarray(value, dtype=dtype), name))
        return name

    initializers: list[onnx.TensorProto] = []
    for name, table in tables.items():
        const(f"{name}_table", table)
    node = helper.make_node
    nodes = [
        node("Squeeze", ["input", const("axis0", [0], np.int64)], ["ids"]),
        # --- durations --------------------------------------------------------------------------------------
        node("Gather", ["scales", const("one", 1, np.int64)], ["length_scale"]),
        node("Gather", ["duration_table", "ids"], ["base_frames"]),
        node("Mul", ["base_frames", "length_scale"], ["scaled_frames"]),
        node("Max", ["scaled_frames", const("min_frames", 1e-3)], ["positive_frames"]),
        # The only Ceil: piper exposes it as the alignment output (frames per phoneme id).
        node("Ceil", ["positive_frames"], ["w_ceil"]),
        node("Cast", ["w_ceil"], ["frames"], to=TensorProto.INT64),
        # --- which phoneme id each frame belongs to -----------------------------------------------------------
        node("CumSum", ["frames", const("axis0_scalar", 0, np.int64)], ["frame_ends"]),
        node("ReduceSum", ["frames"], ["total_frames"], keepdims=0),
        node("Range", [const("zero", 0, np.int64), "total_frames", "one"], ["frame_index"]),
        node("Unsqueeze", ["frame_index", const("axis1", [1], np.int64)], ["frame_col"]),
        node("Unsqueeze", ["frame_ends", "axis0"], ["ends_row"]),
        node("GreaterOrEqual", ["frame_col", "ends_row"], ["past_end"]),
        node("Cast", ["past_end"], ["past_end_int"], to=TensorProto.INT64),
        node("ReduceSum", ["past_end_int", "axis1"], ["frame_position"], keepdims=0),
        # A pad sounds like the id before it (piper folds the pad's samples into that phoneme).
        node("Slice", ["ids", "axis0", const("minus_one", [-1], np.int64), "axis0"], ["ids_but_last"]),
        node("Concat", [const("pad_first", [pad_id], np.int64), "ids_but_last"], ["previous_ids"], axis=0),
        node("Equal", ["ids", const("pad_id", pad_id, np.int64)], ["is_pad"]),
        node("Where", ["is_pad", "previous_ids", "ids"], ["sound_ids"]),
        node("Gather", ["sound_ids", "frame_position"], ["frame_ids"]),
        # --- per-sample tone parameters (each frame repeated hop_length times) -------------------------------
        node("Unsqueeze", ["frame_ids", "axis1"], ["frame_ids_col"]),
        node("Expand", ["frame_ids_col", const("hop_shape", [1, HOP_LENGTH], np.int64)], ["sample_grid"]),
        node("Reshape", ["sample_grid", const("flat", [-1], np.int64)], ["sample_ids"]),
        node("Gather", ["freq_table", "sample_ids"], ["freq"]),
        node("Gather", ["amp_table", "sample_ids"], ["amp"]),
        node("Gather", ["h2_table", "sample_ids"], ["h2"]),
        node("Gather", ["h3_table", "sample_ids"], ["h3"]),
        node("Mul", ["freq", const("two_pi_over_sr", 2.0 * math.pi / sample_rate)], ["phase_step"]),
        node("CumSum", ["phase_step", "axis0_scalar"], ["phase"]),
        node("Sin", ["phase"], ["s1"]),
        node("Mul", ["phase", const("two", 2.0)], ["phase2"]),
        node("Sin", ["phase2"], ["s2"]),
        node("Mul", ["phase", const("three", 3.0)], ["phase3"]),
        node("Sin", ["phase3"], ["s3"]),
        node("Mul", ["s2", "h2"], ["s2w"]),
        node("Mul", ["s3", "h3"], ["s3w"]),
        node("Add", ["s1", "s2w"], ["s12"]),
        node("Add", ["s12", "s3w"], ["tone"]),
        node("Mul", ["tone", "amp"], ["wave"]),
        node("Mul", ["wave", const("headroom", 0.5)], ["quiet_wave"]),
        node("Reshape", ["quiet_wave", const("audio_shape", [1, 1, -1], np.int64)], ["output"]),
    ]
    return helper.make_graph(
        nodes,
        "tiny_piper_voice",
        [
            helper.make_tensor_value_info("input", TensorProto.INT64, [1, "phonemes"]),
            helper.make_tensor_value_info("input_lengths", TensorProto.INT64, [1]),
            helper.make_tensor_value_info("scales", TensorProto.FLOAT, [3]),
        ],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 1, "time"])],
        initializers,
    )


def voice_config(
    phoneme_id_map: Mapping[str, Sequence[int]],
    sample_rate: int = SAMPLE_RATE,
    quality: str = "tiny",
    num_symbols: int | None = None,
) -> dict[str, object]:
    """The ``.onnx.json`` content piper reads, in the layout of the published voices."""
    if num_symbols is None:
        num_symbols = max(max(ids) for ids in phoneme_id_map.values()) + 1
    return {
        "audio": {"sample_rate": sample_rate, "quality": quality},
        "espeak": {"voice": "en-us"},
        "language": {"code": "en_US"},
        "inference": {"noise_scale": 0.667, "length_scale": 1.0, "noise_w": 0.8},
        "phoneme_type": "espeak",
        "phoneme_map": {},
        "phoneme_id_map": {k: list(v) for k, v in phoneme_id_map.items()},
        "num_symbols": num_symbols,
        "num_speakers": 1,
        "speaker_id_map": {},
        "hop_length": HOP_LENGTH,
        "piper_version": "1.8.0",
        "dataset": "companion-tiny",
    }


def make_tiny_piper_voice(path: Path, sample_rate: int = SAMPLE_RATE) -> Path:
    """Write ``path`` (``X.onnx``) and ``X.onnx.json`` beside it; return the ``.onnx`` path."""
    import onnx
    from onnx import helper
    from piper.phoneme_ids import DEFAULT_PHONEME_ID_MAP

    path = Path(path)
    if path.suffix != ".onnx":
        raise ValueError(f"a piper voice file must end in .onnx, got {path.name}")
    pad_id = DEFAULT_PHONEME_ID_MAP["_"][0]
    graph = _graph(DEFAULT_PHONEME_ID_MAP, pad_id, sample_rate)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="companion-tiny")
    model.ir_version = IR_VERSION
    onnx.checker.check_model(model)
    path.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(path))
    config = voice_config(DEFAULT_PHONEME_ID_MAP, sample_rate)
    Path(f"{path}.json").write_text(json.dumps(config, ensure_ascii=False, indent=2), encoding="utf-8")
    return path
