"""The face protocol, version 1: topics, frames, the channel layout, commands, status and audio chunks.

docs/PROTOCOL.md is the written spec; tests/face/test_protocol_spec.py checks this module against it. In short:

* Every topic lives under ``companion/<robot_id>/``.
* Frames go to ``face/frames`` at QoS 0, not retained, in a compact binary encoding (below) or, for debugging,
  JSON. A receiver tells them apart by the first byte: ``{`` is JSON, ``0x01`` is binary version 1.
* The channel layout is announced retained on ``face/layout``; a binary frame carries the layout's id, so a
  receiver never decodes values against the wrong list of channels.

Binary frame, little-endian, 24-byte header then one float16 per channel in layout order::

    u8  version (1)     u8  flags          u16 channel count
    u32 layout id       u32 sequence       u32 utterance id (0 = not speaking)
    f64 pts, epoch milliseconds

Anything malformed raises ``ProtocolError``; services count and drop such messages.
"""

from __future__ import annotations

import json
import struct
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from companion.face.channels import CHANNELS, ChannelSpec

PROTOCOL_VERSION = 1
TOPIC_ROOT = "companion"

FRAME_HEADER = struct.Struct("<BBHIIId")
AUDIO_HEADER = struct.Struct("<BBHIIdI")  # version, flags, channels, utterance, seq, pts_ms, sample_rate
FLAG_END_OF_UTTERANCE = 0x01
MAX_CHANNELS = 512
MAX_AUDIO_SAMPLES = 48000 * 2


class ProtocolError(ValueError):
    """A payload that does not follow the protocol. Receivers count and drop it."""


@dataclass(frozen=True)
class Topics:
    robot_id: str

    def _t(self, suffix: str) -> str:
        return f"{TOPIC_ROOT}/{self.robot_id}/{suffix}"

    @property
    def frames(self) -> str:
        return self._t("face/frames")

    @property
    def layout(self) -> str:
        return self._t("face/layout")

    @property
    def expression(self) -> str:
        return self._t("face/expression")

    @property
    def command(self) -> str:
        return self._t("face/command")

    @property
    def audio(self) -> str:
        return self._t("face/audio")

    @property
    def agent_status(self) -> str:
        return self._t("agent/status")

    @property
    def controller_status(self) -> str:
        return self._t("face/status")

    @property
    def agent_command(self) -> str:
        return self._t("agent/command")

    @property
    def perception_state(self) -> str:
        return self._t("perception/state")

    @property
    def perception_events(self) -> str:
        return self._t("perception/events")

    @property
    def perception_status(self) -> str:
        return self._t("perception/status")


# --- channel layout ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChannelLayout:
    """The ordered channels a binary frame carries. Announced retained; its id is a CRC32 of its content."""

    channels: tuple[ChannelSpec, ...] = CHANNELS

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.channels)

    @property
    def layout_id(self) -> int:
        text = ";".join(f"{c.name}:{c.minimum:g}:{c.maximum:g}:{c.neutral:g}" for c in self.channels)
        return zlib.crc32(text.encode())

    def index(self) -> dict[str, int]:
        return {name: i for i, name in enumerate(self.names)}

    def neutral_values(self) -> np.ndarray:
        return np.array([c.neutral for c in self.channels], dtype=np.float32)

    def to_json(self, rate_hz: int, encoding: str) -> bytes:
        return json.dumps(
            {
                "v": PROTOCOL_VERSION,
                "layout_id": self.layout_id,
                "rate_hz": rate_hz,
                "encoding": encoding,
                "channels": [
                    {"name": c.name, "min": c.minimum, "max": c.maximum, "neutral": c.neutral, "unit": c.unit}
                    for c in self.channels
                ],
            }
        ).encode()

    @classmethod
    def from_json(cls, payload: bytes) -> ChannelLayout:
        data = _json_object(payload)
        try:
            channels = tuple(
                ChannelSpec(str(c["name"]), float(c["min"]), float(c["max"]), float(c["neutral"]), str(c["unit"]))
                for c in data["channels"]
            )
        except (KeyError, TypeError, ValueError) as error:
            raise ProtocolError(f"bad channel layout: {error}") from None
        for c in channels:
            if not (c.minimum < c.maximum and c.minimum <= c.neutral <= c.maximum):
                raise ProtocolError(f"channel {c.name!r}: needs min < max and neutral within them")
        if len({c.name for c in channels}) != len(channels):
            raise ProtocolError("channel layout names a channel twice")
        if not channels or len(channels) > MAX_CHANNELS:
            raise ProtocolError("channel layout must list 1..512 channels")
        layout = cls(channels)
        if "layout_id" in data and data["layout_id"] != layout.layout_id:
            raise ProtocolError("channel layout id does not match its channels")
        return layout


DEFAULT_LAYOUT = ChannelLayout()


# --- frames -----------------------------------------------------------------------------------------------------


@dataclass
class Frame:
    """Channel values for one presentation time. ``values`` is float32 in layout order."""

    seq: int
    utterance_id: int
    pts_ms: float
    values: np.ndarray
    flags: int = 0
    layout_id: int = field(default_factory=lambda: DEFAULT_LAYOUT.layout_id)


def encode_frame(frame: Frame) -> bytes:
    header = FRAME_HEADER.pack(
        PROTOCOL_VERSION,
        frame.flags & 0xFF,
        len(frame.values),
        frame.layout_id,
        frame.seq & 0xFFFFFFFF,
        frame.utterance_id & 0xFFFFFFFF,
        frame.pts_ms,
    )
    return header + np.asarray(frame.values, dtype="<f2").tobytes()


def encode_frame_json(frame: Frame, layout: ChannelLayout = DEFAULT_LAYOUT) -> bytes:
    return json.dumps(
        {
            "v": PROTOCOL_VERSION,
            "seq": frame.seq,
            "utt": frame.utterance_id,
            "pts": frame.pts_ms,
            "flags": frame.flags,
            "layout_id": layout.layout_id,
            "ch": {name: round(float(v), 4) for name, v in zip(layout.names, frame.values, strict=True)},
        }
    ).encode()


def decode_frame(payload: bytes, layout: ChannelLayout = DEFAULT_LAYOUT) -> Frame:
    """Decode a binary or JSON frame against ``layout``. Raises ``ProtocolError`` for anything malformed."""
    if not payload:
        raise ProtocolError("empty frame")
    if payload[:1] == b"{":
        return _decode_frame_json(payload, layout)
    if len(payload) < FRAME_HEADER.size:
        raise ProtocolError(f"frame shorter than its {FRAME_HEADER.size}-byte header")
    version, flags, count, layout_id, seq, utterance_id, pts_ms = FRAME_HEADER.unpack_from(payload)
    if version != PROTOCOL_VERSION:
        raise ProtocolError(f"unsupported frame version {version}")
    if layout_id != layout.layout_id:
        raise ProtocolError(f"frame layout {layout_id:#010x} is not the announced layout {layout.layout_id:#010x}")
    if count != len(layout.channels):
        raise ProtocolError(f"frame has {count} channels, layout has {len(layout.channels)}")
    if len(payload) != FRAME_HEADER.size + 2 * count:
        raise ProtocolError(f"frame length {len(payload)} does not match {count} channels")
    if not np.isfinite(pts_ms):
        raise ProtocolError("frame pts is not a finite number")
    values = np.frombuffer(payload, dtype="<f2", offset=FRAME_HEADER.size).astype(np.float32)
    if not np.all(np.isfinite(values)):
        raise ProtocolError("frame holds a value that is not a finite number")
    return Frame(seq, utterance_id, pts_ms, values, flags, layout_id)


def _decode_frame_json(payload: bytes, layout: ChannelLayout) -> Frame:
    data = _json_object(payload)
    if data.get("v") != PROTOCOL_VERSION:
        raise ProtocolError(f"unsupported frame version {data.get('v')!r}")
    if "layout_id" in data and data["layout_id"] != layout.layout_id:
        raise ProtocolError(f"frame layout {data['layout_id']!r} is not the announced layout {layout.layout_id:#010x}")
    try:
        seq, utterance_id, pts_ms = int(data["seq"]), int(data.get("utt", 0)), float(data["pts"])
        flags = int(data.get("flags", 0))
        channels = data["ch"]
        if not isinstance(channels, dict):
            raise TypeError("ch must be an object")
        values = layout.neutral_values()
        index = layout.index()
        for name, value in channels.items():
            if name not in index:
                raise ProtocolError(f"unknown channel {name!r}")
            values[index[name]] = float(value)
    except (KeyError, TypeError, ValueError) as error:
        if isinstance(error, ProtocolError):
            raise
        raise ProtocolError(f"bad JSON frame: {error}") from None
    if not np.isfinite(pts_ms) or not np.all(np.isfinite(values)):
        raise ProtocolError("frame holds a value that is not a finite number")
    return Frame(seq, utterance_id, pts_ms, values, flags, layout.layout_id)


# --- commands ---------------------------------------------------------------------------------------------------

CommandName = Literal["flush", "resume", "neutral", "mirror", "look_at"]


@dataclass(frozen=True)
class Command:
    """A command to the face-controller (JSON on ``face/command``, QoS 1)."""

    cmd: CommandName
    utterance_id: int = 0  # flush: the utterance whose frames are dropped; resume: accepted again
    on: bool = False  # mirror
    yaw: float = 0.0  # look_at, degrees
    pitch: float = 0.0

    def encode(self) -> bytes:
        data: dict[str, Any] = {"v": PROTOCOL_VERSION, "cmd": self.cmd}
        if self.cmd in ("flush", "resume"):
            data["utterance"] = self.utterance_id
        elif self.cmd == "mirror":
            data["on"] = self.on
        elif self.cmd == "look_at":
            data["yaw"], data["pitch"] = self.yaw, self.pitch
        return json.dumps(data).encode()

    @classmethod
    def decode(cls, payload: bytes) -> Command:
        data = _json_object(payload)
        _check_version(data)
        cmd = data.get("cmd")
        try:
            if cmd == "flush" or cmd == "resume":
                return cls(cmd, utterance_id=int(data["utterance"]))
            if cmd == "neutral":
                return cls("neutral")
            if cmd == "mirror":
                return cls("mirror", on=bool(data["on"]))
            if cmd == "look_at":
                yaw, pitch = float(data["yaw"]), float(data["pitch"])
                if not (np.isfinite(yaw) and np.isfinite(pitch)):
                    raise ValueError("angles must be finite")
                return cls("look_at", yaw=yaw, pitch=pitch)
        except (KeyError, TypeError, ValueError) as error:
            raise ProtocolError(f"bad {cmd} command: {error}") from None
        raise ProtocolError(f"unknown command {cmd!r}")


# --- status, expression ------------------------------------------------------------------------------------------


def encode_status(state: Literal["online", "offline"], **details: Any) -> bytes:
    """Retained status of the agent or the controller; the offline form is also the last-will."""
    return json.dumps({"v": PROTOCOL_VERSION, "state": state, **details}).encode()


def decode_status(payload: bytes) -> dict[str, Any]:
    data = _json_object(payload)
    _check_version(data)
    if data.get("state") not in ("online", "offline"):
        raise ProtocolError(f"bad status state {data.get('state')!r}")
    return data


def encode_expression(emotion: str, intensity: float, utterance_id: int, since_ms: float) -> bytes:
    return json.dumps(
        {"v": PROTOCOL_VERSION, "emotion": emotion, "intensity": round(intensity, 3), "utt": utterance_id,
         "since": since_ms}
    ).encode()  # fmt: skip


# --- audio (for the web simulator) -------------------------------------------------------------------------------


@dataclass
class AudioPacket:
    """A chunk of the robot's voice with its presentation time. int16 mono PCM."""

    utterance_id: int
    seq: int
    pts_ms: float
    sample_rate: int
    samples: np.ndarray
    flags: int = 0


def encode_audio(packet: AudioPacket) -> bytes:
    pcm = np.asarray(packet.samples, dtype="<i2")
    header = AUDIO_HEADER.pack(
        PROTOCOL_VERSION, packet.flags, 1, packet.utterance_id, packet.seq, packet.pts_ms, packet.sample_rate
    )
    return header + pcm.tobytes()


def decode_audio(payload: bytes) -> AudioPacket:
    if len(payload) < AUDIO_HEADER.size:
        raise ProtocolError("audio packet shorter than its header")
    version, flags, channels, utterance_id, seq, pts_ms, rate = AUDIO_HEADER.unpack_from(payload)
    if version != PROTOCOL_VERSION or channels != 1:
        raise ProtocolError(f"unsupported audio packet (version {version}, {channels} channels)")
    body = len(payload) - AUDIO_HEADER.size
    if body % 2 or body // 2 > MAX_AUDIO_SAMPLES or not 8000 <= rate <= 96000 or not np.isfinite(pts_ms):
        raise ProtocolError("malformed audio packet")
    samples = np.frombuffer(payload, dtype="<i2", offset=AUDIO_HEADER.size)
    return AudioPacket(utterance_id, seq, pts_ms, rate, samples, flags)


def _check_version(data: dict[str, Any]) -> None:
    if data.get("v", PROTOCOL_VERSION) != PROTOCOL_VERSION:
        raise ProtocolError(f"unsupported protocol version {data.get('v')!r}")


def _json_object(payload: bytes) -> dict[str, Any]:
    try:
        data = json.loads(payload)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ProtocolError(f"not JSON: {error}") from None
    if not isinstance(data, dict):
        raise ProtocolError("expected a JSON object")
    return data


def values_from_mapping(channels: Mapping[str, float], layout: ChannelLayout = DEFAULT_LAYOUT) -> np.ndarray:
    """A layout-ordered value array from ``{channel: value}``; missing channels are neutral."""
    values = layout.neutral_values()
    index = layout.index()
    for name, value in channels.items():
        values[index[name]] = value
    return values


def mapping_from_values(values: Sequence[float], layout: ChannelLayout = DEFAULT_LAYOUT) -> dict[str, float]:
    return {name: float(v) for name, v in zip(layout.names, values, strict=True)}
