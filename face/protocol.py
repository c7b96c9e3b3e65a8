"""The face protocol, version 1: topics, frames, the channel layout, commands, status and audio chunks.

docs/PROTOCOL.md is the written spec; tests/face/test_protocol_spec.py checks this module against it. In short:

* Every topic lives under ``companion/<robot_id>/``.
* Frames go to ``face/frames`` at QoS 0, not retained, in a compact binary encoding (below) or, for debugging,
  JSON. A receiver tells them apart by the first byte: ``{`` is JSON, ``0x01`` is binary version 1.
* The channel layout is announced retained on ``face/layout``; every frame carries the layout's id, so a
  receiver decodes it against the layout with that id (``LayoutBook`` keeps the recent ones) and never against
  the wrong list of channels. A frame of a layout the receiver does not know raises ``UnknownLayoutError``.

Binary frame, little-endian, 24-byte header then one float16 per channel in layout order::

    u8  version (1)     u8  flags          u16 channel count
    u32 layout id       u32 sequence       u32 utterance id (0 = not speaking)
    f64 pts, epoch milliseconds

Anything malformed raises ``ProtocolError`` and nothing else, whatever the bytes: every decoder is wrapped by
``companion.core.decoding.total_decoder`` and reads JSON through its size, depth and finiteness limits. Services
count and drop such messages.
"""

from __future__ import annotations

import functools
import json
import struct
import zlib
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from companion.core.decoding import (
    MalformedPayloadError,
    finite_number,
    get_bool,
    get_float,
    get_int,
    get_list,
    get_object,
    get_str,
    json_object,
    total_decoder,
)
from companion.face.channels import CHANNELS, ChannelSpec

PROTOCOL_VERSION = 1
PROTOCOL_REVISION = "1.2"  # docs/PROTOCOL.md, "Versioning": revisions only add what older peers may ignore
TOPIC_ROOT = "companion"

FRAME_HEADER = struct.Struct("<BBHIIId")
AUDIO_HEADER = struct.Struct("<BBHIIdI")  # version, flags, channels, utterance, seq, pts_ms, sample_rate
FLAG_END_OF_UTTERANCE = 0x01
MAX_CHANNELS = 512
MAX_AUDIO_SAMPLES = 48000 * 2
U32 = 0xFFFFFFFF
# Size limits of the JSON messages (bytes): far above any real message, far below what would cost a receiver.
MAX_FRAME_JSON_BYTES = 32 * 1024
MAX_LAYOUT_BYTES = 128 * 1024
MAX_COMMAND_BYTES = 4 * 1024
MAX_STATUS_BYTES = 16 * 1024
MAX_NAME = 64  # characters of a channel name
LAYOUTS_REMEMBERED = 8  # announced layouts a receiver keeps besides the default one


class ProtocolError(MalformedPayloadError):
    """A payload that does not follow the protocol. Receivers count and drop it."""


class UnknownLayoutError(ProtocolError):
    """A frame of a layout this receiver has not been announced. It asks for the layout (``layout_wanted`` in its
    status) and the agent announces it again."""

    def __init__(self, layout_id: int) -> None:
        super().__init__(f"frame layout {layout_id:#010x} is not an announced layout")
        self.layout_id = layout_id


_decoder = total_decoder(ProtocolError)


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

    def safety_alert(self, alert_id: str) -> str:
        """One crisis alert, retained until an operator acknowledges it (subscribe to ``safety/alert/+``)."""
        return self._t(f"safety/alert/{alert_id}")

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

    @functools.cached_property  # asked for every frame; a layout never changes
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
    @_decoder
    def from_json(cls, payload: bytes) -> ChannelLayout:
        data = json_object(payload, max_bytes=MAX_LAYOUT_BYTES, what="channel layout")
        _check_version(data)
        channels = []
        for item in get_list(data, "channels", max_items=MAX_CHANNELS):
            if not isinstance(item, dict):
                raise ProtocolError("bad channel layout: a channel is not an object")
            channels.append(
                ChannelSpec(
                    get_str(item, "name", max_length=MAX_NAME),
                    get_float(item, "min"),
                    get_float(item, "max"),
                    get_float(item, "neutral"),
                    get_str(item, "unit", max_length=MAX_NAME),
                )
            )
        for c in channels:
            if not (c.minimum < c.maximum and c.minimum <= c.neutral <= c.maximum):
                raise ProtocolError(f"channel {c.name!r}: needs min < max and neutral within them")
        if len({c.name for c in channels}) != len(channels):
            raise ProtocolError("channel layout names a channel twice")
        if not channels:
            raise ProtocolError("channel layout must list 1..512 channels")
        layout = cls(tuple(channels))
        if "layout_id" in data and get_int(data, "layout_id", minimum=0, maximum=U32) != layout.layout_id:
            raise ProtocolError("channel layout id does not match its channels")
        return layout


DEFAULT_LAYOUT = ChannelLayout()


class LayoutBook:
    """The layouts a receiver can decode frames against, by id: ``DEFAULT_LAYOUT`` always, and the most recent
    ``capacity`` announcements. A bogus announcement (even a retained one) only adds an entry: frames that carry the
    real layout's id still decode against the real layout once the agent announces it again."""

    def __init__(self, capacity: int = LAYOUTS_REMEMBERED) -> None:
        self.capacity = capacity
        self._announced: OrderedDict[int, ChannelLayout] = OrderedDict()
        self.newest = DEFAULT_LAYOUT

    def add(self, layout: ChannelLayout) -> None:
        self._announced.pop(layout.layout_id, None)
        self._announced[layout.layout_id] = layout
        while len(self._announced) > self.capacity:
            self._announced.popitem(last=False)
        self.newest = layout

    def get(self, layout_id: int) -> ChannelLayout | None:
        if layout_id in self._announced:
            return self._announced[layout_id]
        return DEFAULT_LAYOUT if layout_id == DEFAULT_LAYOUT.layout_id else None

    def __contains__(self, layout_id: object) -> bool:
        return isinstance(layout_id, int) and self.get(layout_id) is not None


def _layout_for(layouts: ChannelLayout | LayoutBook, layout_id: int) -> ChannelLayout:
    if isinstance(layouts, ChannelLayout):
        if layout_id != layouts.layout_id:
            raise UnknownLayoutError(layout_id)
        return layouts
    layout = layouts.get(layout_id)
    if layout is None:
        raise UnknownLayoutError(layout_id)
    return layout


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
            "seq": frame.seq & U32,
            "utt": frame.utterance_id & U32,
            "pts": frame.pts_ms,
            "flags": frame.flags & 0xFF,
            "layout_id": layout.layout_id,
            "ch": {name: round(float(v), 4) for name, v in zip(layout.names, frame.values, strict=True)},
        }
    ).encode()


@_decoder
def decode_frame(payload: bytes, layouts: ChannelLayout | LayoutBook = DEFAULT_LAYOUT) -> Frame:
    """Decode a binary or JSON frame against the layout whose id it carries (``layouts``: one layout, or the
    receiver's ``LayoutBook``). Raises ``UnknownLayoutError`` for a layout not among them, ``ProtocolError`` for
    anything else malformed."""
    if not payload:
        raise ProtocolError("empty frame")
    if payload[:1] == b"{":
        return _decode_frame_json(payload, layouts)
    if len(payload) < FRAME_HEADER.size:
        raise ProtocolError(f"frame shorter than its {FRAME_HEADER.size}-byte header")
    version, flags, count, layout_id, seq, utterance_id, pts_ms = FRAME_HEADER.unpack_from(payload)
    if version != PROTOCOL_VERSION:
        raise ProtocolError(f"unsupported frame version {version}")
    layout = _layout_for(layouts, layout_id)
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


def _decode_frame_json(payload: bytes, layouts: ChannelLayout | LayoutBook) -> Frame:
    data = json_object(payload, max_bytes=MAX_FRAME_JSON_BYTES, what="JSON frame")
    if "v" not in data:
        raise ProtocolError("JSON frame without a version")
    _check_version(data)
    newest = layouts if isinstance(layouts, ChannelLayout) else layouts.newest
    layout_id = get_int(data, "layout_id", newest.layout_id, minimum=0, maximum=U32)
    layout = _layout_for(layouts, layout_id)
    seq = get_int(data, "seq", minimum=0, maximum=U32)
    utterance_id = get_int(data, "utt", 0, minimum=0, maximum=U32)
    flags = get_int(data, "flags", 0, minimum=0, maximum=0xFF)
    pts_ms = get_float(data, "pts")
    channels = get_object(data, "ch", max_items=MAX_CHANNELS)
    values = layout.neutral_values()
    index = layout.index()
    for name, value in channels.items():
        if name not in index:
            raise ProtocolError(f"unknown channel {name[:MAX_NAME]!r}")
        values[index[name]] = finite_number(value, name[:MAX_NAME])
    if not np.all(np.isfinite(values)):  # a finite float64 beyond float32's range
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
    @_decoder
    def decode(cls, payload: bytes) -> Command:
        data = json_object(payload, max_bytes=MAX_COMMAND_BYTES, what="command")
        _check_version(data)
        cmd = data.get("cmd")
        try:
            if cmd == "flush" or cmd == "resume":
                return cls(cmd, utterance_id=get_int(data, "utterance", minimum=0, maximum=U32))
            if cmd == "neutral":
                return cls("neutral")
            if cmd == "mirror":
                return cls("mirror", on=get_bool(data, "on"))
            if cmd == "look_at":
                yaw = get_float(data, "yaw", minimum=-180.0, maximum=180.0)
                return cls("look_at", yaw=yaw, pitch=get_float(data, "pitch", minimum=-90.0, maximum=90.0))
        except MalformedPayloadError as error:
            raise ProtocolError(f"bad {cmd} command: {error}") from None
        raise ProtocolError(f"unknown command {str(cmd)[:40]!r}")


# --- status, expression ------------------------------------------------------------------------------------------


def encode_status(state: Literal["online", "offline"], **details: Any) -> bytes:
    """Retained status of the agent or the controller; the offline form is also the last-will."""
    return json.dumps({"v": PROTOCOL_VERSION, "state": state, **details}).encode()


@_decoder
def decode_status(payload: bytes) -> dict[str, Any]:
    """A status as a dict whose ``state`` is "online" or "offline"; read its details with the typed getters of
    ``companion.core.decoding`` (they are network input too)."""
    data = json_object(payload, max_bytes=MAX_STATUS_BYTES, what="status")
    _check_version(data)
    if data.get("state") not in ("online", "offline"):
        raise ProtocolError(f"bad status state {str(data.get('state'))[:20]!r}")
    return data


def encode_expression(emotion: str, intensity: float, utterance_id: int, since_ms: float) -> bytes:
    return json.dumps(
        {"v": PROTOCOL_VERSION, "emotion": emotion, "intensity": round(intensity, 3), "utt": utterance_id,
         "since": since_ms}
    ).encode()  # fmt: skip


@_decoder
def decode_expression(payload: bytes) -> dict[str, Any]:
    """The retained expression as ``{"emotion", "intensity", "utt", "since"}`` (for dashboards and status)."""
    data = json_object(payload, max_bytes=MAX_STATUS_BYTES, what="expression")
    _check_version(data)
    return {
        "emotion": get_str(data, "emotion", max_length=MAX_NAME),
        "intensity": get_float(data, "intensity", minimum=0.0, maximum=1.0),
        "utt": get_int(data, "utt", 0, minimum=0, maximum=U32),
        "since": get_float(data, "since", 0.0),
    }


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


@_decoder
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
    version = data.get("v", PROTOCOL_VERSION)
    if isinstance(version, bool) or version != PROTOCOL_VERSION:
        raise ProtocolError(f"unsupported protocol version {str(version)[:20]!r}")


def values_from_mapping(channels: Mapping[str, float], layout: ChannelLayout = DEFAULT_LAYOUT) -> np.ndarray:
    """A layout-ordered value array from ``{channel: value}``; missing channels are neutral."""
    values = layout.neutral_values()
    index = layout.index()
    for name, value in channels.items():
        values[index[name]] = value
    return values


def mapping_from_values(values: Sequence[float], layout: ChannelLayout = DEFAULT_LAYOUT) -> dict[str, float]:
    return {name: float(v) for name, v in zip(layout.names, values, strict=True)}
