"""The safe decoding helpers and the rate-limited drop counter."""

from __future__ import annotations

import logging

import pytest

from companion.core.decoding import (
    MalformedPayloadError,
    get_bool,
    get_float,
    get_int,
    json_object,
    total_decoder,
)
from companion.core.drops import DropCounter


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b'{"a": Infinity}', "not a finite number"),
        (b'{"a": NaN}', "not a finite number"),
        (b'{"a": ' * 9 + b"1" + b"}" * 9, "nests deeper than 8"),
        (b"[" * 100_000 + b"]" * 100_000, "over the"),
        (b"[1]", "not a JSON object"),
        (b"\xff", "not JSON"),
        (b'{"a": ' + b"9" * 5000 + b"}", "not JSON"),  # more digits than Python converts
    ],
)
def test_json_object_refuses(payload: bytes, reason: str) -> None:
    with pytest.raises(MalformedPayloadError, match=reason):
        json_object(payload, max_bytes=64 * 1024)


def test_deep_nesting_within_the_size_limit_is_refused_without_recursion() -> None:
    with pytest.raises(MalformedPayloadError, match="nests deeper"):
        json_object(b'{"a":' * 20_000 + b"1" + b"}" * 20_000, max_bytes=1 << 20)


def test_typed_fields() -> None:
    data = json_object(b'{"i": 42, "f": 42.0, "big": 1e400, "b": true, "s": "x", "frac": 1.5}')
    assert get_int(data, "i") == 42 and get_int(data, "f") == 42
    for key in ("big", "frac", "b", "s"):
        with pytest.raises(MalformedPayloadError):
            get_int(data, key)
    with pytest.raises(MalformedPayloadError, match="finite"):
        get_float(data, "big")  # 1e400 parses to infinity without a NaN/Infinity token
    with pytest.raises(MalformedPayloadError, match="range"):
        get_int(data, "i", minimum=0, maximum=10)
    assert get_bool(data, "b") is True
    with pytest.raises(MalformedPayloadError):
        get_bool(data, "i")
    assert get_int(data, "missing", 7) == 7 and get_int(data, "missing", None) is None
    with pytest.raises(MalformedPayloadError, match="missing"):
        get_int(data, "missing")


class OwnError(MalformedPayloadError):
    pass


def test_a_total_decoder_lets_out_only_its_own_error() -> None:
    @total_decoder(OwnError)
    def broken(payload: bytes) -> int:
        return int(float(payload))  # OverflowError for "inf", ValueError for text

    for payload in (b"inf", b"text", b"1e999"):
        with pytest.raises(OwnError):
            broken(payload)
    assert broken(b"3") == 3


def test_drops_are_counted_and_logged_at_most_once_per_interval(caplog: pytest.LogCaptureFixture) -> None:
    now = [0.0]
    drops = DropCounter(logging.getLogger("test.drops"), interval_s=10.0, clock=lambda: now[0])
    with caplog.at_level(logging.WARNING, logger="test.drops"):
        for i in range(10_000):
            now[0] = i * 0.001  # 10 s of a flood
            drops.drop("frame", f"bad {i}")
        now[0] = 20.0
        drops.drop("frame", "bad again")
        drops.drop("command", "another kind")
    assert drops.total == 10_002 and drops.count("frame") == 10_001
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 3  # the first frame, one summary after 10 s, the first command
    assert "9999 more dropped since the last report" in lines[1]
    assert drops.last == "command: another kind"
