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
from companion.core.models import HubSource, ModelNeed, is_file
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
    face: np.ndarray,
    input_size: int,
    grayscale: bool = True,
    pixel_scale: float = 1.0 / 255.0,
    pixel_offset: float = 0.0,
) -> np.ndarray:
    """A face crop as the model's input: [1, C, S, S] float32, C = 1 (grayscale) or 3 (RGB), pixel * scale + offset."""
    cv2 = opencv()
    if face.ndim == 2:
        image = face if grayscale else cv2.cvtColor(face, cv2.COLOR_GRAY2RGB)
    elif grayscale:
        image = cv2.cvtColor(face, cv2.COLOR_BGR2GRAY)
    else:
        image = cv2.cvtColor(face, cv2.COLOR_BGR2RGB)
    # INTER_AREA: face crops are almost always shrunk, and area averaging does not alias.
    resized = cv2.resize(image, (input_size, input_size), interpolation=cv2.INTER_AREA)
    tensor = resized.astype(np.float32) * np.float32(pixel_scale) + np.float32(pixel_offset)
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


# The default classifier: OpenCV Zoo's facial expression model (MobileFaceNet, July 2022; 88 % on RAF-DB), hosted by
# OpenCV on the Hugging Face hub. Apache-2.0 (the opencv_zoo README's licence section covers its weights); it was
# trained on RAF-DB, a research data set: see docs/PERCEPTION.md before commercial use.
ZOO_REPO = "opencv/facial_expression_recognition"
ZOO_FILE = "facial_expression_recognition_mobilefacenet_2022july.onnx"
ZOO_REVISION = "cc14b308d84bae302497477d202314a3348addf7"
ZOO_SHA256 = "4f61307602fc089ce20488a31d4e4614e3c9753a7d6c41578c854858b183e1a9"
ZOO_LABELS = ["angry", "disgust", "fearful", "happy", "neutral", "sad", "surprised"]
# Where the eyes, nose tip and mouth corners sit in a 112x112 aligned face (the ArcFace template the model expects).
ALIGNED_112 = np.array(
    [[38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366], [41.5493, 92.3655], [70.7299, 92.2041]], np.float32
)


class OnnxAffectOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: Path | None = Field(None, description="an ONNX classifier file; none: the hub model below, fetched")
    repo: str = Field(ZOO_REPO, description="the Hugging Face repository `companion models fetch` takes it from")
    file: str = ZOO_FILE
    revision: str | None = Field(ZOO_REVISION, description="the pinned commit")
    sha256: str | None = Field(ZOO_SHA256, description="checked after the download")
    licence: str = "Apache-2.0 (OpenCV Zoo); trained on RAF-DB (research data): see docs/PERCEPTION.md"
    labels: list[str] = Field(default_factory=lambda: list(ZOO_LABELS), description="output labels, in order")
    input_size: int = Field(112, ge=8, le=512)
    grayscale: bool = False
    pixel_scale: float = Field(1.0 / 127.5, gt=0.0, description="input = pixel * scale + offset")
    pixel_offset: float = Field(-1.0, ge=-1000.0, le=1000.0)
    align: bool = Field(True, description="align the face by its eyes, nose and mouth (needs the landmark model)")
    threads: int = Field(1, ge=1, le=16)


class OnnxAffectModel(Configurable):
    """An ONNX facial-affect classifier run by onnxruntime on the CPU, ``threads`` intra-op threads.

    Not thread-safe by contract (one caller at a time): the Perceiver calls it from its single worker thread. The
    input is ``pixel * pixel_scale + pixel_offset``: 1/255 and 0 for models trained on [0, 1] inputs (the tiny test
    model), 1/127.5 and -1 for [-1, 1] (the OpenCV Zoo model), 1 and 0 for raw pixels (the ONNX zoo's FER+). A model
    with ``align`` takes faces aligned to the ArcFace template (``aligned_face``) when landmarks are there.
    """

    Options = OnnxAffectOptions

    def __init__(
        self,
        path: str | Path,
        labels: Sequence[str],
        input_size: int = 64,
        grayscale: bool = True,
        threads: int = 1,
        pixel_scale: float = 1.0 / 255.0,
        pixel_offset: float = 0.0,
        align: bool = False,
    ) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise ModelMissingError(
                "the facial-affect model",
                [self.path],
                "run `companion models fetch --only affect`, set models.affect.path to an ONNX classifier, or set "
                "models.affect: null to run without affect",
            )
        self._output_emotions = map_labels(labels)
        self.emotions = tuple(dict.fromkeys(self._output_emotions))
        self.input_size = input_size
        self.grayscale = grayscale
        self.pixel_scale = pixel_scale
        self.pixel_offset = pixel_offset
        self.align = align
        self._session = self._open_session(threads)
        self._input_name = self._session.get_inputs()[0].name
        self._check_shapes(len(labels))

    @classmethod
    def model_needs(cls, options: OnnxAffectOptions, context: BuildContext) -> list[ModelNeed]:
        return [_model_need(options, context.models_dir)]

    @classmethod
    def from_config(cls, options: OnnxAffectOptions, context: BuildContext) -> OnnxAffectModel:
        path = _model_need(options, context.models_dir).locate()
        return cls(
            path, options.labels, options.input_size, options.grayscale, options.threads, options.pixel_scale,
            options.pixel_offset, options.align,
        )  # fmt: skip

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
        tensor = preprocess(face, self.input_size, self.grayscale, self.pixel_scale, self.pixel_offset)
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


def _model_need(options: OnnxAffectOptions, models_dir: Path) -> ModelNeed:
    if options.path is not None:
        hint = (
            "fix models.affect.path (or $COMPANION_AFFECT_MODEL) to point at an ONNX classifier, or set "
            "models.affect: null to run without affect"
        )
        return ModelNeed("affect", str(options.path), [options.path], is_file, hint, explicit=True)
    target = models_dir / "affect" / options.file
    return ModelNeed(
        "affect", options.file, [target], is_file,
        "run `companion models fetch --only affect`, set models.affect.path to an ONNX classifier, or set "
        "models.affect: null to run without affect",
        source=HubSource(
            options.repo, target, files=(options.file,), revision=options.revision, sha256=options.sha256,
            licence=options.licence,
        ),
        describe=f"facial-affect model {options.file!r}",
    )  # fmt: skip


def aligned_face(image: np.ndarray, points: np.ndarray, size: int) -> np.ndarray | None:
    """The face in ``image`` aligned to the ArcFace template (eye centres, nose tip, mouth corners of the 478-point
    landmarks), ``size`` pixels square; None when the points do not give a transform."""
    cv2 = opencv()
    source = np.array(
        [points[468, :2], points[473, :2], points[1, :2], points[61, :2], points[291, :2]], np.float32
    )  # the image's left eye (the visitor's right), the other eye, the nose tip, the mouth corners
    matrix, _ = cv2.estimateAffinePartial2D(source, ALIGNED_112 * (size / 112.0), method=cv2.LMEDS)
    if matrix is None:
        return None
    return cv2.warpAffine(image, matrix, (size, size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
