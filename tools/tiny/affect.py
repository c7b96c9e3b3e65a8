"""A tiny facial-affect classifier as ONNX, so perception runs its real ONNX path offline.

Contract (the same one a real model must meet):

- input ``image``: float32 ``[1, 1, input_size, input_size]``, a grayscale face crop resized to
  ``input_size`` x ``input_size`` and scaled to ``[0, 1]`` (pixel / 255);
- output ``probs``: float32 ``[1, len(labels)]``, softmax probabilities in the order of ``labels``.

The graph is fixed, not trained: a 3x3 convolution computes brightness and four rectified gradients (local
contrast), average pooling summarises them on a 4x4 grid, and a dense layer maps the 80 features to the labels.
The dense weights are a seeded random part (so any two different crops give different outputs) plus a readable
part: brightness and contrast in the lower half (the mouth region) push "happy", contrast in the upper half
pushes "surprise(d)", a dark, flat lower half pushes "sad". Only operators that both onnxruntime and
``cv2.dnn.readNetFromONNX`` accept are used (Conv, Relu, AveragePool, Flatten, Gemm, Softmax; opset 13).
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np

OPSET = 13
# onnxruntime and OpenCV both read IR 8; newer onnx releases write a higher IR by default.
IR_VERSION = 8
GRID = 4
# Feature channels produced by the convolution, in order.
CHANNELS = ("brightness", "dx+", "dx-", "dy+", "dy-")


def _conv_kernels() -> np.ndarray:
    """Return the [5, 1, 3, 3] kernels: identity (brightness) and +/- horizontal and vertical gradients."""
    k = np.zeros((len(CHANNELS), 1, 3, 3), dtype=np.float32)
    k[0, 0, 1, 1] = 1.0
    dx = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=np.float32) / 4.0
    k[1, 0] = dx
    k[2, 0] = -dx
    k[3, 0] = dx.T
    k[4, 0] = -dx.T
    return k


def _dense_weights(labels: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Return Gemm weights [n_labels, features] and bias [n_labels], deterministic for a given label list."""
    n_features = len(CHANNELS) * GRID * GRID
    seed = zlib.crc32("\x1f".join(labels).encode("utf-8"))
    rng = np.random.default_rng(seed)
    weights = rng.normal(0.0, 0.4, size=(len(labels), len(CHANNELS), GRID, GRID)).astype(np.float32)
    bias = np.zeros(len(labels), dtype=np.float32)
    lower = slice(GRID // 2, GRID)
    upper = slice(0, GRID // 2)
    contrast = slice(1, len(CHANNELS))
    for i, label in enumerate(labels):
        name = label.lower()
        if name == "happy":
            weights[i, 0, lower] += 0.4
            weights[i, contrast, lower] += 2.0
        elif name in ("surprise", "surprised"):
            weights[i, contrast, upper] += 2.0
        elif name == "sad":
            weights[i, 0, lower] -= 0.4
            weights[i, contrast, lower] -= 2.0
            bias[i] += 1.0
        elif name == "neutral":
            bias[i] += 1.0
    return weights.reshape(len(labels), n_features), bias


def make_tiny_affect_model(path: Path, labels: Sequence[str], input_size: int = 64) -> Path:
    """Write the classifier to ``path`` (an ``.onnx`` file) and return the path.

    ``input_size`` must be a multiple of 4 (the pooling grid). The same labels always give the same model.
    """
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    if not labels:
        raise ValueError("labels must not be empty")
    if len(set(labels)) != len(labels):
        raise ValueError(f"labels must be unique, got {list(labels)}")
    if input_size < GRID or input_size % GRID:
        raise ValueError(f"input_size must be a positive multiple of {GRID}, got {input_size}")

    dense_w, dense_b = _dense_weights(labels)
    cell = input_size // GRID
    initializers = [
        numpy_helper.from_array(_conv_kernels(), "conv_w"),
        numpy_helper.from_array(np.zeros(len(CHANNELS), dtype=np.float32), "conv_b"),
        numpy_helper.from_array(dense_w, "dense_w"),
        numpy_helper.from_array(dense_b, "dense_b"),
    ]
    nodes = [
        helper.make_node("Conv", ["image", "conv_w", "conv_b"], ["features"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        # Rectifying makes the +/- gradient channels add up to |gradient|: contrast regardless of edge direction.
        helper.make_node("Relu", ["features"], ["rectified"]),
        helper.make_node("AveragePool", ["rectified"], ["pooled"], kernel_shape=[cell, cell], strides=[cell, cell]),
        helper.make_node("Flatten", ["pooled"], ["flat"], axis=1),
        helper.make_node("Gemm", ["flat", "dense_w", "dense_b"], ["logits"], transB=1),
        helper.make_node("Softmax", ["logits"], ["probs"], axis=1),
    ]
    graph = helper.make_graph(
        nodes,
        "tiny_affect",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 1, input_size, input_size])],
        [helper.make_tensor_value_info("probs", TensorProto.FLOAT, [1, len(labels)])],
        initializers,
    )
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="companion-tiny-affect"
    )
    model.ir_version = IR_VERSION
    model.doc_string = "labels: " + ",".join(labels)
    onnx.checker.check_model(model)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(path))
    return path
