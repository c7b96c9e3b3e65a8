"""The rig: how face channels become actuator positions on one robot (pau2motors-style linear bindings).

The agent speaks only in channels (ARKit blendshapes, head and eye rotation); a rig YAML says what each motor does
with them. Every actuator is a weighted sum of channel offsets from their neutral values::

    position = neutral + gain * sum(weight[c] * (value[c] - channel_neutral[c]) for c in mix)
    position = clamp(position, limits)

``weight`` is in the actuator's units per channel unit (e.g. 650 us per unit of ``jawOpen``); its sign gives the
direction, so a jaw that opens toward smaller pulse widths has a negative weight. ``gain`` (default 1) scales the
whole sum, e.g. -1 for the mirror-mounted servo of a left/right pair that shares the same weights. ``range`` is what
the hardware accepts, ``limits`` what this face tolerates (inside ``range``), ``neutral`` the rest position
(inside ``limits``), ``max_slew`` the fastest allowed change in units per second. The robot-level ``latency_ms``
is how long the actuators take to respond; the controller commands every frame that much before its pts.

``load_rig`` validates the file and reports every problem as ``file:line: key path: problem``.
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from companion.core.config import parse_yaml_with_lines
from companion.core.errors import ConfigError
from companion.face.channels import CHANNEL_NAMES
from companion.face.protocol import ChannelLayout

KeyPath = tuple[str | int, ...]

RIG_HINT = "see face/rigs/sample.yaml for a complete, commented rig"
_NAME = re.compile(r"^[A-Za-z0-9_-]+$")
_TOP_KEYS = ("name", "description", "latency_ms", "actuators")
_ACTUATOR_KEYS = ("name", "channel", "units", "range", "neutral", "limits", "max_slew", "gain", "mix")
MAX_LATENCY_MS = 1000.0


class RigError(ConfigError):
    """The rig YAML is invalid or cannot be read: the message names the file, line and key path."""


@dataclass(frozen=True)
class Actuator:
    name: str
    channel: int  # the driver's channel number (e.g. the Maestro servo output)
    units: str  # e.g. "us": servo pulse width in microseconds
    range: tuple[float, float]
    neutral: float
    limits: tuple[float, float]
    max_slew: float  # units per second
    mix: dict[str, float]  # face channel -> weight (units per channel unit)
    gain: float = 1.0

    def clamp(self, position: float) -> float:
        return min(self.limits[1], max(self.limits[0], position))


@dataclass(frozen=True)
class Rig:
    name: str
    latency_ms: float
    actuators: tuple[Actuator, ...]
    source: Path | None = None
    _mixers: dict[int, Mixer] = field(default_factory=dict, compare=False, repr=False)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(a.name for a in self.actuators)

    def mixer(self, layout: ChannelLayout) -> Mixer:
        """The rig's bindings as matrices for ``layout`` (cached per layout id)."""
        mixer = self._mixers.get(layout.layout_id)
        if mixer is None:
            mixer = self._mixers[layout.layout_id] = Mixer(self, layout)
        return mixer

    def neutral_positions(self) -> np.ndarray:
        return np.array([a.neutral for a in self.actuators], dtype=np.float64)

    def positions_by_name(self, positions: np.ndarray) -> dict[str, float]:
        return {a.name: float(p) for a, p in zip(self.actuators, positions, strict=True)}


class Mixer:
    """The mapping formula, vectorised: one matrix product and one clip per output tick."""

    def __init__(self, rig: Rig, layout: ChannelLayout) -> None:
        index = layout.index()
        self.weights = np.zeros((len(rig.actuators), len(layout.channels)), dtype=np.float64)
        # A rig channel the layout lacks stays at its neutral: its weight column simply does not exist.
        self.missing = sorted({c for a in rig.actuators for c in a.mix if c not in index})
        for row, actuator in enumerate(rig.actuators):
            for channel, weight in actuator.mix.items():
                if channel in index:
                    self.weights[row, index[channel]] = weight * actuator.gain
        self.channel_neutral = layout.neutral_values().astype(np.float64)
        self.neutral = rig.neutral_positions()
        self.low = np.array([a.limits[0] for a in rig.actuators], dtype=np.float64)
        self.high = np.array([a.limits[1] for a in rig.actuators], dtype=np.float64)
        self.max_slew = np.array([a.max_slew for a in rig.actuators], dtype=np.float64)

    def positions(self, channels: np.ndarray) -> np.ndarray:
        """Actuator positions for layout-ordered channel values, clamped to each actuator's limits."""
        raw = self.neutral + self.weights @ (np.asarray(channels, dtype=np.float64) - self.channel_neutral)
        return np.clip(raw, self.low, self.high)


# --- loading ------------------------------------------------------------------------------------------------------


def packaged_rig(name: str) -> Path:
    """The path of a rig shipped in ``companion.face.rigs`` (e.g. "sample")."""
    return Path(str(resources.files("companion.face.rigs").joinpath(f"{name}.yaml")))


def resolve_rig_path(value: str | Path) -> Path:
    """A path as given, or a bare name ("sample") for a packaged rig, so `--rig sample` works from any folder."""
    path = Path(value)
    if not path.exists() and path.suffix == "" and len(path.parts) == 1:
        candidate = packaged_rig(path.name)
        if candidate.exists():
            return candidate
    return path


def load_rig(path: str | Path) -> Rig:
    """Read and validate a rig YAML. Raises ``RigError`` listing every problem with its line."""
    path = resolve_rig_path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        hint = "pass --rig PATH (or --rig sample for the packaged rig)"
        raise RigError(f"{path}: rig file not found", hint) from None
    except (OSError, UnicodeDecodeError) as error:
        raise RigError(f"{path}: cannot read the rig file ({error})") from None
    return parse_rig(text, path)


def parse_rig(text: str, path: Path) -> Rig:
    try:
        data, where = parse_yaml_with_lines(text, path)
    except ConfigError as error:
        # The shared parser speaks of "the config file"; here it is a rig.
        raise RigError(error.message.replace("config file", "rig file"), RIG_HINT) from None
    checker = _Checker(path, where)
    rig = checker.rig(data, default_name=path.stem)
    if checker.problems or rig is None:
        count = len(checker.problems)
        lines = [f"{path}: invalid rig ({count} problem{'s' * (count != 1)}):", *checker.problems]
        raise RigError("\n".join(lines), RIG_HINT)
    return rig


class _Checker:
    """Validates the parsed YAML, collecting every problem (a user fixes them all in one pass)."""

    def __init__(self, path: Path, where: dict[KeyPath, str]) -> None:
        self.path = path
        self.where = where
        self.problems: list[str] = []

    def add(self, at: KeyPath, message: str) -> None:
        line = "1"
        for cut in range(len(at), -1, -1):
            place = self.where.get(at[:cut])
            if place:
                line = place.removeprefix("line ")
                break
        self.problems.append(f"  {self.path}:{line}: {_dotted(at)}: {message}")

    def unknown_keys(self, data: dict[str, Any], known: tuple[str, ...], at: KeyPath) -> None:
        for key in data:
            if key not in known:
                self.add((*at, str(key)), f"unknown key '{key}'{_did_you_mean(str(key), known)}")

    def number(self, data: dict[str, Any], key: str, at: KeyPath, *, default: float | None = None) -> float | None:
        if key not in data:
            if default is None:
                self.add(at, f"required key '{key}' is missing")
            return default
        value = data[key]
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            self.add((*at, key), f"expected a number; got {value!r}")
            return None
        return float(value)

    def pair(self, data: dict[str, Any], key: str, at: KeyPath) -> tuple[float, float] | None:
        value = data.get(key)
        if not isinstance(value, list) or len(value) != 2:
            self.add((*at, key), f"expected [min, max]; got {value!r}")
            return None
        numbers = []
        for i, item in enumerate(value):
            if isinstance(item, bool) or not isinstance(item, int | float) or not math.isfinite(item):
                self.add((*at, key, i), f"expected a number; got {item!r}")
                return None
            numbers.append(float(item))
        if numbers[0] >= numbers[1]:
            self.add((*at, key), f"min must be below max; got {value!r}")
            return None
        return numbers[0], numbers[1]

    def rig(self, data: dict[str, Any], default_name: str) -> Rig | None:
        self.unknown_keys(data, _TOP_KEYS, ())
        name = data.get("name", default_name)
        if not isinstance(name, str) or not name:
            self.add(("name",), f"expected a non-empty name; got {name!r}")
        latency = self.number(data, "latency_ms", (), default=0.0)
        if latency is not None and not 0.0 <= latency <= MAX_LATENCY_MS:
            self.add(("latency_ms",), f"must be between 0 and {MAX_LATENCY_MS:g} ms; got {latency:g}")
        items = data.get("actuators")
        if not isinstance(items, list) or not items:
            self.add(("actuators",), "expected a non-empty list of actuators")
            return None
        actuators = [self.actuator(item, ("actuators", i)) for i, item in enumerate(items)]
        self.unique(items, "name", "actuator name")
        self.unique(items, "channel", "driver channel")
        if self.problems or latency is None:
            return None
        return Rig(str(name), latency, tuple(a for a in actuators if a is not None), self.path)

    def unique(self, items: list[Any], key: str, what: str) -> None:
        first: dict[Any, int] = {}
        for i, item in enumerate(items):
            if not isinstance(item, dict) or key not in item:
                continue
            value = item[key]
            if not isinstance(value, str | int):
                continue  # already reported as the wrong type
            if value in first:
                self.add(("actuators", i, key), f"{what} {value!r} is already used by actuators[{first[value]}]")
            else:
                first[value] = i

    def actuator(self, item: Any, at: KeyPath) -> Actuator | None:
        if not isinstance(item, dict):
            self.add(at, f"expected a mapping with the keys {', '.join(_ACTUATOR_KEYS)}; got {item!r}")
            return None
        before = len(self.problems)
        self.unknown_keys(item, _ACTUATOR_KEYS, at)
        name = item.get("name")
        if not isinstance(name, str) or not _NAME.match(name):
            self.add((*at, "name"), f"expected a name of letters, digits, '_' or '-'; got {name!r}")
        channel = item.get("channel")
        if isinstance(channel, bool) or not isinstance(channel, int) or channel < 0:
            self.add((*at, "channel"), f"expected the driver's channel number (an integer >= 0); got {channel!r}")
        units = item.get("units", "us")
        if not isinstance(units, str) or not units:
            self.add((*at, "units"), f"expected a unit name such as 'us'; got {units!r}")
        span = self.pair(item, "range", at)
        limits = self.pair(item, "limits", at) if "limits" in item else span
        neutral = self.number(item, "neutral", at)
        max_slew = self.number(item, "max_slew", at)
        gain = self.number(item, "gain", at, default=1.0)
        mix = self.mix(item.get("mix"), (*at, "mix"))
        if span and limits and not span[0] <= limits[0] < limits[1] <= span[1]:
            self.add((*at, "limits"), f"limits {list(limits)} must lie inside range {list(span)}")
        elif limits and neutral is not None and not limits[0] <= neutral <= limits[1]:
            self.add((*at, "neutral"), f"neutral {neutral:g} must lie inside limits {list(limits)}")
        if max_slew is not None and max_slew <= 0:
            self.add((*at, "max_slew"), f"must be above 0 (units per second); got {max_slew:g}")
        if gain == 0:
            self.add((*at, "gain"), "must not be 0 (the actuator would never move)")
        complete = span and limits and mix and neutral is not None and max_slew is not None and gain is not None
        if len(self.problems) > before or not complete:
            return None
        return Actuator(str(name), int(channel), str(units), span, neutral, limits, max_slew, mix, gain)

    def mix(self, value: Any, at: KeyPath) -> dict[str, float] | None:
        if not isinstance(value, dict) or not value:
            self.add(at, "expected a mapping of face channel -> weight, e.g. {jawOpen: 650}")
            return None
        mix: dict[str, float] = {}
        for channel, weight in value.items():
            if channel not in CHANNEL_NAMES:
                self.add((*at, str(channel)), f"unknown face channel '{channel}'{_did_you_mean(str(channel))}")
            elif isinstance(weight, bool) or not isinstance(weight, int | float) or not math.isfinite(weight):
                self.add((*at, channel), f"expected a number (units per channel unit); got {weight!r}")
            else:
                mix[channel] = float(weight)
        return mix if len(mix) == len(value) else None


def _did_you_mean(word: str, choices: tuple[str, ...] = CHANNEL_NAMES) -> str:
    # Channel names are camelCase: compare case-insensitively so "jawopen" finds "jawOpen".
    lowered = {c.lower(): c for c in choices}
    matches = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.6)
    return f" (did you mean '{lowered[matches[0]]}'?)" if matches else ""


def _dotted(at: KeyPath) -> str:
    out = ""
    for key in at:
        out += f"[{key}]" if isinstance(key, int) else (f".{key}" if out else str(key))
    return out or "(top level)"
