"""Facial affect: a classifier's probabilities over the emotion set, smoothed over time into one steady label.

The classifier is any ONNX model with a face-crop input (FER+, OpenCV Zoo FER, HSEmotion, or the project's tiny
test model); its labels are folded onto ``companion.face.emotions.Emotion`` so the agent and the face speak one
vocabulary. FER+'s "contempt" has no Emotion of its own: it is folded into DISGUSTED, the nearest one (both are
rejection expressions with a raised upper lip, and FER+ labels under 1% of its faces contempt), so no probability
mass is thrown away.

A per-frame classification flickers (lighting, a blink, the detector's box jitter); ``AffectSmoother`` averages it
over time with a time constant, whatever the frame rate, and only changes the reported label when another emotion
leads by a clear margin.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from companion.core.errors import CompanionError, ConfigError, ModelMissingError
from companion.core.models import ModelNeed, is_file
from companion.core.registry import BackendKind, BuildContext, Configurable, require
from companion.face.emotions import Emotion, normalize_emotion
from companion.perception.opencv import opencv

if TYPE_CHECKING:
    import onnxruntime

AFFECT_BACKENDS = BackendKind("companion.affect", "facial-affect backend")

# Dataset labels with no Emotion of their own, and where their probability goes (see the module docstring).
FOLDED_LABELS: dict[str, Emotion] = {"contempt": Emotion.DISGUSTED}


@runtime_checkable
class AffectModel(Protocol):
    emotions: tuple[Emotion, ...]  # the emotions it can report

    def predict(self, face: np.ndarray) -> dict[Emotion, float]:
        """Probabilities (summing to 1) over ``emotions`` for a BGR or grayscale face crop."""
        ...


def map_labels(labels: Sequence[str]) -> list[Emotion]:
    """The Emotion each model output stands for, in output order; an unknown label is a config error."""
    mapped: list[Emotion] = []
    for label in labels:
        emotion = FOLDED_LABELS.get(label.strip().lower()) or normalize_emotion(label)
        if emotion is None:
            known = ", ".join(e.value for e in Emotion)
            raise ConfigError(
                f"models.affect.labels: {label!r} names no emotion companion knows",
                f"use one of: {known} (or a synonym such as happiness, sadness, anger, fear, disgust, surprise)",
            )
        mapped.append(emotion)
    return mapped


def preprocess(
    face: np.ndarray, input_size: int, grayscale: bool = True, pixel_scale: float = 1.0 / 255.0
) -> np.ndarray:
    """A face crop as the model's input: [1, C, S, S] float32, C = 1 (grayscale) or 3 (RGB), pixels x scale."""
    cv2 = opencv()
    if face.ndim == 2:
        image = face if grayscale else cv2.cvtColor(face, cv2.COLOR_GRAY2RGB)
    elif grayscale:
        image = cv2.cvtColor(face, cv2.COLOR_BGR2GRAY)
    else:
        image = cv2.cvtColor(face, cv2.COLOR_BGR2RGB)
    # INTER_AREA: face crops are almost always shrunk, and area averaging does not alias.
    resized = cv2.resize(image, (input_size, input_size), interpolation=cv2.INTER_AREA)
    tensor = resized.astype(np.float32) * np.float32(pixel_scale)
    if tensor.ndim == 2:
        return tensor[np.newaxis, np.newaxis]
    return np.ascontiguousarray(tensor.transpose(2, 0, 1))[np.newaxis]


def to_probabilities(outputs: np.ndarray) -> np.ndarray:
    """Model outputs as probabilities: kept when they already are some, softmax of them when they are logits."""
    values = np.asarray(outputs, dtype=np.float64).reshape(-1)
    if values.min() >= 0.0 and abs(values.sum() - 1.0) < 1e-3:
        return values / values.sum()
    shifted = np.exp(values - values.max())
    return shifted / shifted.sum()


class OnnxAffectOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: Path | None = Field(None, description="an ONNX facial-affect classifier; none: face detection only")
    labels: list[str] = Field(
        default_factory=lambda: ["neutral", "happy", "surprised", "sad", "angry", "disgusted", "fearful", "contempt"],
        description="the classifier's output labels in order (FER+ order by default)",
    )
    input_size: int = Field(64, ge=8, le=512)
    grayscale: bool = True
    pixel_scale: float = Field(1.0 / 255.0, gt=0.0, description="pixel multiplier: 1/255 for [0,1] inputs, 1 for raw")
    threads: int = Field(1, ge=1, le=16)


class OnnxAffectModel(Configurable):
    """An ONNX facial-affect classifier run by onnxruntime on the CPU, ``threads`` intra-op threads.

    Not thread-safe by contract (one caller at a time): the Perceiver calls it from its single worker thread.
    ``pixel_scale`` is 1/255 for models trained on [0, 1] inputs (the default, and the tiny test model); the ONNX
    zoo's FER+ takes raw 0..255 pixels (``pixel_scale=1.0``).
    """

    def __init__(
        self,
        path: str | Path,
        labels: Sequence[str],
        input_size: int = 64,
        grayscale: bool = True,
        threads: int = 1,
        pixel_scale: float = 1.0 / 255.0,
    ) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise ModelMissingError(
                "the facial-affect model",
                [self.path],
                "set models.affect.path to an ONNX classifier (e.g. FER+), make a tiny test one with "
                "companion.tools.tiny.affect.make_tiny_affect_model, or leave the path empty to run face "
                "detection only",
            )
        self._output_emotions = map_labels(labels)
        self.emotions = tuple(dict.fromkeys(self._output_emotions))
        self.input_size = input_size
        self.grayscale = grayscale
        self.pixel_scale = pixel_scale
        self._session = self._open_session(threads)
        self._input_name = self._session.get_inputs()[0].name
        self._check_shapes(len(labels))

    Options = OnnxAffectOptions

    @classmethod
    def model_needs(cls, options: OnnxAffectOptions, context: BuildContext) -> list[ModelNeed]:
        if options.path is None:
            return []
        hint = (
            "fix models.affect.path (or $COMPANION_AFFECT_MODEL) to point at an ONNX classifier, or remove it to run "
            "face detection only"
        )
        return [ModelNeed("affect", str(options.path), [options.path], is_file, hint, explicit=True)]

    @classmethod
    def from_config(cls, options: OnnxAffectOptions, context: BuildContext) -> OnnxAffectModel | None:
        """The classifier, or None when ``path`` is empty (face detection only)."""
        if options.path is None:
            return None
        return cls(
            options.path, options.labels, options.input_size, options.grayscale, options.threads, options.pixel_scale
        )

    def _open_session(self, threads: int) -> onnxruntime.InferenceSession:
        onnxruntime = require("onnxruntime", extra="perception", what="the ONNX facial-affect model")

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
        # Idle pool threads would otherwise spin, taking CPU from speech and the LLM on a 2-core machine.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        try:
            return onnxruntime.InferenceSession(str(self.path), options, providers=["CPUExecutionProvider"])
        except Exception as error:  # onnxruntime raises its own exception types for a bad file
            raise CompanionError(
                f"cannot load the facial-affect model {self.path}: {error}",
                "models.affect.path must be an ONNX classifier file",
            ) from None

    def _check_shapes(self, n_labels: int) -> None:
        """Compare the model's declared shapes with the config, so a mismatch is a message, not a crash."""
        expected_channels = 1 if self.grayscale else 3
        declared = self._session.get_inputs()[0].shape
        wanted = [1, expected_channels, self.input_size, self.input_size]
        # Dynamic dimensions are names or None: only fixed ones can disagree.
        fixed_mismatch = len(declared) == 4 and any(
            isinstance(d, int) and d != w for d, w in zip(declared[1:], wanted[1:], strict=True)
        )
        if len(declared) != 4 or fixed_mismatch:
            raise ConfigError(
                f"models.affect: the model {self.path.name} takes input {declared}, the config gives {wanted}",
                "set models.affect.input_size and grayscale to match the model",
            )
        out_shape = self._session.get_outputs()[0].shape
        n_out = out_shape[-1] if out_shape else None
        if isinstance(n_out, int) and n_out != n_labels:
            raise ConfigError(
                f"models.affect.labels: the model {self.path.name} has {n_out} outputs, the config lists "
                f"{n_labels} labels",
                "list the model's labels in output order",
            )

    def predict(self, face: np.ndarray) -> dict[Emotion, float]:
        tensor = preprocess(face, self.input_size, self.grayscale, self.pixel_scale)
        outputs = self._session.run(None, {self._input_name: tensor})
        probabilities = to_probabilities(outputs[0])
        if len(probabilities) != len(self._output_emotions):
            raise CompanionError(
                f"the facial-affect model {self.path.name} returned {len(probabilities)} values for "
                f"{len(self._output_emotions)} labels",
                "list the model's labels in output order in models.affect.labels",
            )
        folded = dict.fromkeys(self.emotions, 0.0)
        for emotion, p in zip(self._output_emotions, probabilities, strict=True):
            folded[emotion] += float(p)
        return folded


@dataclass(frozen=True)
class AffectEstimate:
    emotion: Emotion  # the reported label (with hysteresis)
    confidence: float  # its smoothed probability
    probabilities: dict[Emotion, float]  # the smoothed probabilities


class AffectSmoother:
    """Time-aware exponential smoothing of affect probabilities, with hysteresis on the reported label.

    Each update moves the average toward the new probabilities by ``1 - exp(-dt / time_constant_s)``: after a
    step change the average covers 63% of it in one time constant, whether frames come every 50 ms or 300 ms.
    The label changes only when another emotion's smoothed probability exceeds the current label's by ``margin``.
    """

    def __init__(self, time_constant_s: float, margin: float = 0.1) -> None:
        if time_constant_s < 0 or margin < 0:
            raise ValueError("time_constant_s and margin must be >= 0")
        self.time_constant_s = time_constant_s
        self.margin = margin
        self.reset()

    def reset(self) -> None:
        """Forget the past: a new visitor's face starts fresh."""
        self._probabilities: dict[Emotion, float] = {}
        self._label: Emotion | None = None
        self._t: float | None = None

    @property
    def current(self) -> AffectEstimate | None:
        if self._label is None:
            return None
        return AffectEstimate(self._label, self._probabilities[self._label], dict(self._probabilities))

    def update(self, t: float, probabilities: Mapping[Emotion, float]) -> AffectEstimate:
        if self._t is None:
            self._probabilities = {emotion: float(p) for emotion, p in probabilities.items()}
            self._t = t
        else:
            # A repeated or out-of-order time is no time passing: it cannot move the average.
            dt = max(0.0, t - self._t)
            self._t = max(self._t, t)
            weight = 1.0 if self.time_constant_s == 0 else 1.0 - math.exp(-dt / self.time_constant_s)
            for emotion in set(self._probabilities) | set(probabilities):
                old = self._probabilities.get(emotion, 0.0)
                self._probabilities[emotion] = old + weight * (float(probabilities.get(emotion, 0.0)) - old)
        leader = max(self._probabilities, key=self._probabilities.__getitem__)
        current = self._probabilities.get(self._label) if self._label is not None else None
        if current is None or self._probabilities[leader] >= current + self.margin:
            self._label = leader
        estimate = self.current
        assert estimate is not None
        return estimate
