"""Hypothesis strategies for what a stranger on the network can send: for the fuzz tests of every decoder.

A new decoder of network input gets fuzzed by adding it to the list in its package's ``test_decoders_fuzz.py``;
these strategies cover the cases that used to escape decoders: non-finite numbers where integers belong, deep
nesting, oversize payloads, wrong types, and mutations of valid messages.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

# Values a JSON field may hold, including what Python's json writes for non-finite floats and huge integers.
hostile_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=2**31, max_value=2**80),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([float("inf"), float("-inf"), float("nan"), 1e308, -1e308, 2.0**32, -1.0, 0.5]),
    st.text(max_size=40),
)
hostile_values = st.recursive(
    hostile_scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=5), st.dictionaries(st.text(max_size=10), inner, max_size=5)),
    max_leaves=20,
)


def dumps(value: Any) -> bytes:
    return json.dumps(value, allow_nan=True).encode()


@st.composite
def mutated(draw: st.DrawFn, valid: dict[str, Any]) -> bytes:
    """``valid`` with some of its fields (at any depth) replaced by hostile values, dropped, or joined by new ones."""

    def mutate(value: Any) -> Any:
        if isinstance(value, dict):
            out = {}
            for key, item in value.items():
                action = draw(st.sampled_from(["keep", "replace", "drop", "recurse"]))
                if action == "keep":
                    out[key] = item
                elif action == "replace":
                    out[key] = draw(hostile_values)
                elif action == "recurse":
                    out[key] = mutate(item)
            if draw(st.booleans()):
                out[draw(st.text(max_size=8))] = draw(hostile_values)
            return out
        if isinstance(value, list) and value:
            index = draw(st.integers(0, len(value) - 1))
            return [mutate(v) if i == index else v for i, v in enumerate(value)]
        return draw(hostile_values) if draw(st.booleans()) else value

    return dumps(mutate(valid))


def deep_nesting(depth: int) -> bytes:
    return b'{"a": ' * depth + b"1" + b"}" * depth


hostile_payloads = st.one_of(
    st.binary(max_size=300),
    hostile_values.map(dumps),
    st.integers(20, 5000).map(deep_nesting),
    st.integers(1, 5000).map(lambda n: b"[" * n + b"]" * n),
    st.sampled_from(
        [
            b"",
            b"{",
            b"\xff\xfe{}",
            b'{"v": 1, "seq": Infinity, "pts": 1, "ch": {}}',
            b'{"v": 1, "seq": 1e400, "pts": 1, "ch": {}}',
            b'{"v": 1, "seq": ' + b"9" * 5000 + b', "pts": 1, "ch": {}}',
            b'{"v": true, "cmd": "neutral"}',
            b" " * (200 * 1024) + b"{}",
        ]
    ),
)
