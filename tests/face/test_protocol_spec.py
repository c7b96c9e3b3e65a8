"""docs/PROTOCOL.md against face/protocol.py: the tables, the layout id rule and every example must agree."""

from __future__ import annotations

import dataclasses
import json
import re
import struct
import typing
import zlib
from pathlib import Path

import numpy as np
import pytest

from companion.face.channels import CHANNELS
from companion.face.controller.status import ControllerStats
from companion.face.protocol import (
    AUDIO_HEADER,
    DEFAULT_LAYOUT,
    FLAG_END_OF_UTTERANCE,
    FRAME_HEADER,
    PROTOCOL_REVISION,
    PROTOCOL_VERSION,
    ChannelLayout,
    Command,
    CommandName,
    ProtocolError,
    Topics,
    decode_audio,
    decode_frame,
    decode_status,
    encode_audio,
    encode_expression,
    encode_frame,
    encode_frame_json,
)

SPEC = (Path(__file__).resolve().parents[2] / "docs" / "PROTOCOL.md").read_text(encoding="utf-8")
STRUCT_CODES = {"u8": "B", "u16": "H", "u32": "I", "f64": "d"}


def block(label: str) -> str:
    """The body of the fenced block whose info string ends with ``label`` (e.g. ```hex frame-example)."""
    found = re.findall(rf"^```\w+ {re.escape(label)}\n(.*?)\n```$", SPEC, flags=re.MULTILINE | re.DOTALL)
    assert len(found) == 1, f"expected one block labelled {label!r}, found {len(found)}"
    return found[0]


def hex_block(label: str) -> bytes:
    return bytes.fromhex(block(label))


def json_block(label: str) -> dict[str, typing.Any]:
    return json.loads(block(label))


def table(first_header: str, after: str = "") -> list[list[str]]:
    """Rows (cells without backticks) of the first table whose header row starts with ``first_header``."""
    text = SPEC[SPEC.index(after) :] if after else SPEC
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"| {first_header} |"))
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip().strip("`") for cell in line.strip().strip("|").split("|")])
    return rows


def header_format(after: str) -> tuple[str, int]:
    """The struct format the byte table under heading ``after`` describes, and its payload's element type."""
    rows = table("offset", after)
    offset, codes = 0, "<"
    for row in rows[:-1]:
        assert int(row[0]) == offset, f"offsets must be contiguous at {row[3]}"
        codes += STRUCT_CODES[row[2]]
        assert struct.calcsize("<" + STRUCT_CODES[row[2]]) == int(row[1])
        offset += int(row[1])
    assert int(rows[-1][0]) == offset  # the payload starts right after the header
    return codes, offset


def test_version() -> None:
    assert re.search(r"This is version \*\*(\d+)\*\*", SPEC)[1] == str(PROTOCOL_VERSION)  # type: ignore[index]
    assert re.search(r"This text is revision \*\*([\d.]+)\*\*", SPEC)[1] == PROTOCOL_REVISION  # type: ignore[index]
    assert PROTOCOL_REVISION in {row[0] for row in table("revision")}


def test_topics_table_matches_topics() -> None:
    topics = Topics("robot")
    properties = [name for name, value in vars(Topics).items() if isinstance(value, property)]
    implemented = {getattr(topics, name).removeprefix("companion/robot/") for name in properties}
    implemented.add(topics.safety_alert("<alert_id>").removeprefix("companion/robot/"))  # one topic per alert
    rows = table("topic")
    assert {row[0] for row in rows} == implemented
    qos = {row[0]: (row[2], row[3]) for row in rows}
    assert qos["face/frames"] == ("0", "no")  # a late frame is worse than none
    for retained in ("face/layout", "face/expression", "agent/status", "face/status"):
        assert qos[retained] == ("1", "yes")


def test_frame_header_table_is_the_struct() -> None:
    codes, size = header_format("### Binary frame")
    assert codes == FRAME_HEADER.format and size == FRAME_HEADER.size
    assert table("offset", "### Binary frame")[-1][2] == "f16[count]"


def test_audio_header_table_is_the_struct() -> None:
    codes, size = header_format("## Audio packets")
    assert codes == AUDIO_HEADER.format and size == AUDIO_HEADER.size


def test_layout_id_rule_and_example() -> None:
    example = json_block("layout-example")
    layout = ChannelLayout.from_json(block("layout-example").encode())  # refuses a wrong id itself
    assert layout.layout_id == example["layout_id"]
    assert zlib.crc32(block("layout-id-text").encode()) == example["layout_id"]
    assert json.loads(layout.to_json(example["rate_hz"], example["encoding"])) == example
    stated = re.search(r"default layout's id is\s+`(\d+)` \(`(0x[0-9a-f]+)`\)", SPEC)
    assert stated is not None
    assert int(stated[1]) == DEFAULT_LAYOUT.layout_id == int(stated[2], 16)


def test_channel_table_is_the_default_layout() -> None:
    rows = table("#")
    assert [int(row[0]) for row in rows] == list(range(len(CHANNELS)))
    described = [(row[1], float(row[2]), float(row[3]), float(row[4]), row[5]) for row in rows]
    assert described == [(c.name, c.minimum, c.maximum, c.neutral, c.unit) for c in CHANNELS]


def _example_layout() -> ChannelLayout:
    return ChannelLayout.from_json(block("layout-example").encode())


def test_frame_examples_decode_to_the_same_frame_and_re_encode_exactly() -> None:
    layout = _example_layout()
    binary = hex_block("frame-example")
    described = json_block("frame-example-json")
    frame = decode_frame(binary, layout)
    assert (frame.seq, frame.utterance_id, frame.pts_ms, frame.flags) == (
        described["seq"], described["utt"], described["pts"], described["flags"],
    )  # fmt: skip
    assert frame.flags & FLAG_END_OF_UTTERANCE
    assert dict(zip(layout.names, frame.values.tolist(), strict=True)) == described["ch"]
    assert encode_frame(frame) == binary
    assert json.loads(encode_frame_json(frame, layout)) == described
    from_json = decode_frame(block("frame-example-json").encode(), layout)
    np.testing.assert_array_equal(from_json.values, frame.values)
    assert (from_json.seq, from_json.pts_ms, from_json.utterance_id) == (frame.seq, frame.pts_ms, frame.utterance_id)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda b: b[:20], "shorter than its 24-byte header"),
        (lambda b: b"\x02" + b[1:], "unsupported frame version"),
        (lambda b: b[:4] + b"\x00\x00\x00\x00" + b[8:], "not an announced layout"),
        (lambda b: b[:2] + b"\x02\x00" + b[4:], "channels, layout has"),
        (lambda b: b + b"\x00\x00", "does not match"),
        (lambda b: b[:-2] + b"\x00\x7c", "not a finite number"),  # float16 infinity
    ],
)
def test_the_malformed_frames_the_spec_lists_are_refused(change: typing.Callable[[bytes], bytes], reason: str) -> None:
    with pytest.raises(ProtocolError, match=reason):
        decode_frame(change(hex_block("frame-example")), _example_layout())


def test_command_examples_and_table() -> None:
    names = typing.get_args(CommandName)
    assert {row[0] for row in table("cmd")} == set(names)
    for name in names:
        text = block(f"command-{name}")
        command = Command.decode(text.encode())
        assert command.cmd == name
        assert json.loads(command.encode()) == json.loads(text)


def test_status_examples_carry_every_counter() -> None:
    online = decode_status(block("status-online").encode())
    offline = decode_status(block("status-offline").encode())
    assert online["state"] == "online" and offline["state"] == "offline"
    fields = {f.name for f in dataclasses.fields(ControllerStats)}
    assert set(online) - {"v", "state"} == fields | {"latency_ms"}  # the counters, and the rig's latency (1.2)
    assert {row[0] for row in table("counter")} <= fields


def test_expression_example() -> None:
    example = json_block("expression-example")
    encoded = encode_expression(example["emotion"], example["intensity"], example["utt"], example["since"])
    assert json.loads(encoded) == example


def test_audio_example() -> None:
    payload = hex_block("audio-example")
    packet = decode_audio(payload)
    assert (packet.utterance_id, packet.seq, packet.pts_ms, packet.sample_rate) == (7, 3, 1700000000200.0, 16000)
    assert packet.samples.tolist() == [0, 1000, -1000, 32767]
    assert encode_audio(packet) == payload
