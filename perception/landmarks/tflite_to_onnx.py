"""Converts MediaPipe's small float TFLite vision models (face_landmark, face_landmark_with_attention,
face_detection_short_range, iris_landmark) to ONNX, so that onnxruntime runs them. Handles only the ops those models
use: DEQUANTIZE (fp16 weights), CONV_2D, DEPTHWISE_CONV_2D, PRELU, RELU, ADD, MUL, MAX_POOL_2D, PAD, RESHAPE,
CONCATENATION, STRIDED_SLICE (identity only), and MediaPipe's custom ops Landmarks2TransformMatrix (v2),
TransformTensorBilinear (v2, as GridSample) and TransformLandmarks (v2, 2-D), whose C++ lives in
mediapipe/util/tflite/operations/.

Internally the graph runs NCHW; the ONNX model keeps TFLite's NHWC input and output shapes. The converted networks
match TFLite to 1e-4 on the same input. Used at build time only (``companion models fetch``): needs numpy, onnx and
tflite (the pure-Python flatbuffer schema package), which the ``perception`` extra installs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import onnx
import tflite
from flatbuffers import flexbuffers
from onnx import TensorProto, helper, numpy_helper

Nodes = list[Any]
AddInit = Callable[[np.ndarray, str], str]
Fresh = Callable[[str], str]

DTYPES = {0: np.float32, 1: np.float16, 2: np.int32, 3: np.uint8, 4: np.int64, 9: np.int8}
ACT = {0: None, 1: "Relu"}


def convert(src: str, dst: str) -> None:
    with open(src, "rb") as f:
        buf = f.read()
    model = tflite.Model.GetRootAsModel(buf, 0)
    g = model.Subgraphs(0)
    nodes: Nodes = []
    inits: list[Any] = []
    const: dict[int, np.ndarray] = {}  # tensor index -> value (NHWC / TF layout)
    nchw: set[int] = set()  # tensors whose ONNX value is NCHW
    shape: dict[int, list[int]] = {}
    counter = [0]

    def name(i: int) -> str:
        return g.Tensors(i).Name().decode()

    def fresh(base: str) -> str:
        counter[0] += 1
        return f"{base}__{counter[0]}"

    def add_init(value: np.ndarray, base: str) -> str:
        n = fresh(base)
        inits.append(numpy_helper.from_array(value, n))
        return n

    for i in range(g.TensorsLength()):
        t = g.Tensors(i)
        shape[i] = [int(d) for d in t.ShapeAsNumpy()] if t.ShapeLength() else []
        data = model.Buffers(t.Buffer()).DataAsNumpy()
        if isinstance(data, np.ndarray) and data.size:
            const[i] = data.view(DTYPES[t.Type()]).reshape(shape[i])

    def as_nhwc(i: int) -> str:
        if i in nchw:
            out = fresh(name(i) + "_nhwc")
            nodes.append(helper.make_node("Transpose", [name(i)], [out], perm=[0, 2, 3, 1]))
            return out
        return name(i)

    def same_pads(in_hw: Any, k_hw: Any, s_hw: Any, padding: int) -> list[int]:
        if padding == 1:  # VALID
            return [0, 0, 0, 0]
        begin, end = [], []
        for n, k, s in zip(in_hw, k_hw, s_hw, strict=True):
            out = -(-n // s)
            total = max((out - 1) * s + k - n, 0)
            begin.append(total // 2)
            end.append(total - total // 2)
        return begin + end

    def finish(out_name: str, tmp: str, act: int) -> None:
        if ACT.get(act) is None and act != 0:
            raise NotImplementedError(f"fused activation {act}")
        if act == 0:
            nodes.append(helper.make_node("Identity", [tmp], [out_name]))
        else:
            nodes.append(helper.make_node(ACT[act], [tmp], [out_name]))

    graph_inputs = []
    for k in range(g.InputsLength()):
        i = g.Inputs(k)
        graph_inputs.append(helper.make_tensor_value_info(name(i), TensorProto.FLOAT, shape[i]))
        # the graph input stays NHWC; the first consumer gets an NCHW copy
        nodes.append(helper.make_node("Transpose", [name(i)], [name(i) + "__nchw"], perm=[0, 3, 1, 2]))
    input_alias = {g.Inputs(k): name(g.Inputs(k)) + "__nchw" for k in range(g.InputsLength())}
    for i in input_alias:
        nchw.add(i)

    def ref(i: int) -> str:
        return input_alias.get(i, name(i))

    for k in range(g.OperatorsLength()):
        op = g.Operators(k)
        oc = model.OperatorCodes(op.OpcodeIndex())
        kind = tflite.opcode2name(max(oc.BuiltinCode(), oc.DeprecatedBuiltinCode()))
        if kind == "CUSTOM":
            kind = oc.CustomCode().decode()
        ins = [op.Inputs(j) for j in range(op.InputsLength())]
        out = op.Outputs(0)
        opts = op.BuiltinOptions()
        if kind == "DEQUANTIZE":
            const[out] = const[ins[0]].astype(np.float32)
            continue
        if kind in ("CONV_2D", "DEPTHWISE_CONV_2D"):
            o = (tflite.Conv2DOptions if kind == "CONV_2D" else tflite.DepthwiseConv2DOptions)()
            o.Init(opts.Bytes, opts.Pos)
            w = const[ins[1]].astype(np.float32)  # CONV: O,H,W,I   DEPTHWISE: 1,H,W,C*M
            in_c = shape[ins[0]][3]
            if kind == "CONV_2D":
                w_onnx, group = w.transpose(0, 3, 1, 2), 1
            else:
                w_onnx, group = w.transpose(3, 0, 1, 2), in_c
            pads = same_pads(shape[ins[0]][1:3], w.shape[1:3], (o.StrideH(), o.StrideW()), o.Padding())
            args = [ref(ins[0]), add_init(np.ascontiguousarray(w_onnx), name(out) + "_w")]
            if len(ins) > 2 and ins[2] >= 0:
                args.append(add_init(const[ins[2]].astype(np.float32), name(out) + "_b"))
            tmp = fresh(name(out))
            nodes.append(
                helper.make_node(
                    "Conv",
                    args,
                    [tmp],
                    strides=[o.StrideH(), o.StrideW()],
                    pads=pads,
                    dilations=[o.DilationHFactor(), o.DilationWFactor()],
                    group=group,
                )
            )
            finish(name(out), tmp, o.FusedActivationFunction())
            nchw.add(out)
        elif kind == "PRELU":
            alpha = const[ins[1]].astype(np.float32).reshape(-1)
            # PRelu as relu(x) + alpha * min(x, 0): onnxruntime's PRelu with a per-channel slope is ~3x slower
            a_name = add_init(alpha.reshape(1, -1, 1, 1), name(out) + "_a")
            pos, neg, scaled = fresh(name(out) + "_pos"), fresh(name(out) + "_neg"), fresh(name(out) + "_scaled")
            nodes.append(helper.make_node("Relu", [ref(ins[0])], [pos]))
            nodes.append(
                helper.make_node("Min", [ref(ins[0]), add_init(np.zeros(1, np.float32), name(out) + "_0")], [neg])
            )
            nodes.append(helper.make_node("Mul", [neg, a_name], [scaled]))
            nodes.append(helper.make_node("Add", [pos, scaled], [name(out)]))
            nchw.add(out)
        elif kind == "RELU":
            nodes.append(helper.make_node("Relu", [ref(ins[0])], [name(out)]))
            if ins[0] in nchw:
                nchw.add(out)
        elif kind == "ADD":
            o = tflite.AddOptions()
            o.Init(opts.Bytes, opts.Pos)
            args = []
            for j in ins:
                if j in const:
                    c = const[j].astype(np.float32)
                    args.append(add_init(c.transpose(0, 3, 1, 2) if c.ndim == 4 else c, name(out) + "_c"))
                else:
                    args.append(ref(j))
            tmp = fresh(name(out))
            nodes.append(helper.make_node("Add", args, [tmp]))
            finish(name(out), tmp, o.FusedActivationFunction())
            if any(j in nchw for j in ins):
                nchw.add(out)
        elif kind == "MAX_POOL_2D":
            o = tflite.Pool2DOptions()
            o.Init(opts.Bytes, opts.Pos)
            kh, kw = o.FilterHeight(), o.FilterWidth()
            pads = same_pads(shape[ins[0]][1:3], (kh, kw), (o.StrideH(), o.StrideW()), o.Padding())
            tmp = fresh(name(out))
            nodes.append(
                helper.make_node(
                    "MaxPool",
                    [ref(ins[0])],
                    [tmp],
                    kernel_shape=[kh, kw],
                    strides=[o.StrideH(), o.StrideW()],
                    pads=pads,
                )
            )
            finish(name(out), tmp, o.FusedActivationFunction())
            nchw.add(out)
        elif kind == "PAD":
            p = const[ins[1]].astype(np.int64)  # [[n0,n1],[h0,h1],[w0,w1],[c0,c1]]
            order = [0, 3, 1, 2]
            pads = np.array([p[a, 0] for a in order] + [p[a, 1] for a in order], np.int64)
            nodes.append(helper.make_node("Pad", [ref(ins[0]), add_init(pads, name(out) + "_p")], [name(out)]))
            nchw.add(out)
        elif kind == "RESHAPE":
            new_shape = np.array(shape[out], np.int64)
            nodes.append(
                helper.make_node("Reshape", [as_nhwc(ins[0]), add_init(new_shape, name(out) + "_s")], [name(out)])
            )
        elif kind == "CONCATENATION":
            o = tflite.ConcatenationOptions()
            o.Init(opts.Bytes, opts.Pos)
            tmp = fresh(name(out))
            nodes.append(helper.make_node("Concat", [as_nhwc(j) for j in ins], [tmp], axis=o.Axis()))
            finish(name(out), tmp, o.FusedActivationFunction())
        elif kind == "MUL":
            o = tflite.MulOptions()
            o.Init(opts.Bytes, opts.Pos)
            args = []
            for j in ins:
                if j in const:
                    c = const[j].astype(np.float32)
                    nchw_in = any(x in nchw for x in ins)
                    args.append(add_init(c.transpose(0, 3, 1, 2) if (c.ndim == 4 and nchw_in) else c, name(out) + "_c"))
                else:
                    args.append(ref(j))
            tmp = fresh(name(out))
            nodes.append(helper.make_node("Mul", args, [tmp]))
            finish(name(out), tmp, o.FusedActivationFunction())
            if any(j in nchw for j in ins):
                nchw.add(out)
        elif kind == "STRIDED_SLICE":
            if shape[out] != shape[ins[0]]:
                raise NotImplementedError("STRIDED_SLICE other than identity")
            nodes.append(helper.make_node("Identity", [ref(ins[0])], [name(out)]))
            if ins[0] in nchw:
                nchw.add(out)
        elif kind == "Landmarks2TransformMatrix":
            attrs = flexbuffers.Loads(bytes(op.CustomOptionsAsNumpy()))
            _landmarks_to_matrix(nodes, add_init, fresh, as_nhwc(ins[0]), shape[ins[0]], attrs, name(out))
        elif kind == "TransformTensorBilinear":
            attrs = flexbuffers.Loads(bytes(op.CustomOptionsAsNumpy()))
            _transform_tensor(nodes, add_init, fresh, ref(ins[0]), shape[ins[0]], ref(ins[1]), attrs, name(out))
            nchw.add(out)
        elif kind == "TransformLandmarks":
            _transform_landmarks(nodes, add_init, fresh, as_nhwc(ins[0]), shape[ins[0]], ref(ins[1]), name(out))
        else:
            raise NotImplementedError(kind)

    graph_outputs = []
    for k in range(g.OutputsLength()):
        i = g.Outputs(k)
        if i in nchw:  # give the ONNX output TFLite's NHWC shape and name
            internal = name(i) + "__nchw_out"
            for n in nodes:
                n.output[:] = [internal if x == name(i) else x for x in n.output]
                n.input[:] = [internal if x == name(i) else x for x in n.input]
            nodes.append(helper.make_node("Transpose", [internal], [name(i)], perm=[0, 2, 3, 1]))
        graph_outputs.append(helper.make_tensor_value_info(name(i), TensorProto.FLOAT, shape[i]))

    graph = helper.make_graph(nodes, "converted", graph_inputs, graph_outputs, inits)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 16)], producer_name="tflite_to_onnx.py")
    m.ir_version = 8
    onnx.checker.check_model(m)
    onnx.save(m, dst)


def _helpers(nodes: Nodes, add_init: AddInit, fresh: Fresh, out: str) -> tuple[Callable[..., str], Callable[..., str]]:
    """n(op, inputs, **attrs) appends a node and returns its output name; c(value) adds a constant."""

    def n(op: str, ins: list[str], **kw: Any) -> str:
        name = fresh(out + "_" + op)
        nodes.append(helper.make_node(op, ins, [name], **kw))
        return name

    def c(value: Any, dtype: Any = np.float32) -> str:
        return add_init(np.asarray(value, dtype), out + "_k")

    return n, c


def _landmarks_to_matrix(
    nodes: Nodes, add_init: AddInit, fresh: Fresh, inp: str, in_shape: list[int], attrs: dict[str, Any], out: str
) -> None:
    """Landmarks2TransformMatrix v2: a 4x4 matrix taking crop pixel (x, y, 0, 1) to the input landmark space: shift to
    the center of the rotated bounding box of ``subset_idxs``, rotate by the eye/lip-corner line, scale the crop."""
    n, c = _helpers(nodes, add_init, fresh, out)
    ow, oh = attrs["output_width"], attrs["output_height"]
    xy = n("Slice", [inp, c([0, 0, 0], np.int64), c([1, in_shape[1], 2], np.int64)])  # [1, N, 2]
    pl = n("Gather", [xy, c(attrs["left_rotation_idx"], np.int64)], axis=1)  # [1, 2]
    pr = n("Gather", [xy, c(attrs["right_rotation_idx"], np.int64)], axis=1)
    d = n("Sub", [pr, pl])
    dx = n("Slice", [d, c([0, 0], np.int64), c([1, 1], np.int64)])  # [1, 1]
    dy = n("Slice", [d, c([0, 1], np.int64), c([1, 2], np.int64)])
    length = n("Sqrt", [n("Add", [n("Mul", [dx, dx]), n("Mul", [dy, dy])])])
    target = float(attrs.get("target_rotation_radians", 0.0))
    if target != 0.0:
        raise NotImplementedError("target_rotation_radians != 0")
    cr = n("Div", [dx, length])  # cos(r), r = -atan2(dy, dx)
    sr = n("Div", [n("Neg", [dy]), length])  # sin(r)
    nsr = n("Neg", [sr])
    # RT = [[cr, sr], [-sr, cr]]: row vectors times RT rotate by r
    rt = n("Reshape", [n("Concat", [cr, sr, nsr, cr], axis=1), c([1, 2, 2], np.int64)])
    sub = n("Gather", [xy, c(np.array(attrs["subset_idxs"], np.int64).reshape(-1), np.int64)], axis=1)  # [1, K, 2]
    rot = n("MatMul", [sub, rt])
    mx = n("ReduceMax", [rot], axes=[1], keepdims=0)  # [1, 2]
    mn = n("ReduceMin", [rot], axes=[1], keepdims=0)
    wh = n("Sub", [mx, mn])
    mid = n("Mul", [n("Add", [mx, mn]), c(0.5)])
    r = n("Transpose", [rt], perm=[0, 2, 1])
    center = n("Reshape", [n("MatMul", [n("Reshape", [mid, c([1, 1, 2], np.int64)]), r]), c([1, 2], np.int64)])
    sxy = n("Mul", [wh, c([[attrs["scale_x"] / ow, attrs["scale_y"] / oh]])])  # [1, 2]
    a = n("Mul", [rt, n("Reshape", [sxy, c([1, 1, 2], np.int64)])])  # A = rot(-r) @ diag(sx, sy) = RT * s (columns)
    t = n("Add", [center, n("Reshape", [n("MatMul", [a, c([[-ow / 2.0], [-oh / 2.0]])]), c([1, 2], np.int64)])])
    a_flat = n("Reshape", [a, c([1, 4], np.int64)])  # a00 a01 a10 a11
    a0 = n("Slice", [a_flat, c([0, 0], np.int64), c([1, 2], np.int64)])
    a1 = n("Slice", [a_flat, c([0, 2], np.int64), c([1, 4], np.int64)])
    t0 = n("Slice", [t, c([0, 0], np.int64), c([1, 1], np.int64)])
    t1 = n("Slice", [t, c([0, 1], np.int64), c([1, 2], np.int64)])
    zero = c([[0.0]])
    flat = n("Concat", [a0, zero, t0, a1, zero, t1, c([[0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0]])], axis=1)
    nodes.append(helper.make_node("Reshape", [flat, c([1, 4, 4], np.int64)], [out]))


def _transform_tensor(
    nodes: Nodes,
    add_init: AddInit,
    fresh: Fresh,
    feat: str,
    feat_shape: list[int],
    matrix: str,
    attrs: dict[str, Any],
    out: str,
) -> None:
    """TransformTensorBilinear v2 as GridSample: output pixel (x, y) samples the (NCHW) features at
    M[:2] @ (x + 0.5, y + 0.5, 0, 1) - 0.5 (the op's align-corners correction), zero outside."""
    n, c = _helpers(nodes, add_init, fresh, out)
    ow, oh = attrs["output_width"], attrs["output_height"]
    ih, iw = feat_shape[1], feat_shape[2]
    ys, xs = np.mgrid[0:oh, 0:ow]
    base = np.stack([xs.ravel() + 0.5, ys.ravel() + 0.5, np.zeros(oh * ow), np.ones(oh * ow)], 1).astype(np.float32)
    m2 = n("Slice", [matrix, c([0, 0, 0], np.int64), c([1, 2, 4], np.int64)])  # [1, 2, 4]
    tc = n("Sub", [n("MatMul", [c(base), n("Transpose", [m2], perm=[0, 2, 1])]), c(0.5)])  # [1, oh*ow, 2] pixels
    g = n("Sub", [n("Mul", [tc, c([2.0 / (iw - 1), 2.0 / (ih - 1)])]), c(1.0)])
    grid = n("Reshape", [g, c([1, oh, ow, 2], np.int64)])
    nodes.append(
        helper.make_node("GridSample", [feat, grid], [out], align_corners=1, mode="bilinear", padding_mode="zeros")
    )


def _transform_landmarks(
    nodes: Nodes, add_init: AddInit, fresh: Fresh, inp: str, in_shape: list[int], matrix: str, out: str
) -> None:
    """TransformLandmarks v2 (2-D): (x, y) -> M[:2] @ (x, y, 0, 1)."""
    n, c = _helpers(nodes, add_init, fresh, out)
    if in_shape[2] != 2:
        raise NotImplementedError("TransformLandmarks with 3-D landmarks")
    k = in_shape[1]
    zo = np.zeros((1, k, 2), np.float32)
    zo[:, :, 1] = 1.0
    h = n("Concat", [inp, c(zo)], axis=2)  # [1, K, 4] = (x, y, 0, 1)
    m2 = n("Slice", [matrix, c([0, 0, 0], np.int64), c([1, 2, 4], np.int64)])
    nodes.append(helper.make_node("MatMul", [h, n("Transpose", [m2], perm=[0, 2, 1])], [out]))
