"""Rig YAML: the mapping formula, clamping, the packaged sample rig, and located validation errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from companion.core.errors import CompanionError
from companion.face.channels import ChannelSpec
from companion.face.controller.rig import RigError, load_rig, packaged_rig, parse_rig, resolve_rig_path
from companion.face.protocol import DEFAULT_LAYOUT, ChannelLayout, values_from_mapping

JAW_RIG = """\
name: test-face
latency_ms: 30
actuators:
  - name: jaw
    channel: 0
    units: us
    range: [500, 2500]
    neutral: 1200
    limits: [1100, 1900]
    max_slew: 4000
    mix: {jawOpen: 600, mouthClose: -100}
  - name: jaw_down
    channel: 1
    range: [500, 2500]
    neutral: 1800
    limits: [1000, 1900]
    max_slew: 4000
    mix: {jawOpen: -600}
  - name: smile_right
    channel: 2
    range: [500, 2500]
    neutral: 1500
    max_slew: 3000
    gain: -1
    mix: {mouthSmileRight: 300}
"""


def _line_of(text: str, fragment: str) -> int:
    """1-based line of the first line that contains ``fragment``: tests never hard-code line numbers."""
    for number, line in enumerate(text.splitlines(), start=1):
        if fragment in line:
            return number
    raise AssertionError(f"{fragment!r} not in the text")


def _problems(text: str) -> str:
    with pytest.raises(RigError) as caught:
        parse_rig(text, Path("bad.yaml"))
    assert isinstance(caught.value, CompanionError)
    return str(caught.value)


def test_mapping_is_neutral_plus_weighted_offsets() -> None:
    rig = parse_rig(JAW_RIG, Path("rig.yaml"))
    jaw, jaw_down, smile = rig.actuators
    channels = {"jawOpen": 0.5, "mouthClose": 0.25, "mouthSmileRight": 0.75}
    positions = rig.positions_by_name(rig.mixer(DEFAULT_LAYOUT).positions(values_from_mapping(channels)))
    assert positions["jaw"] == pytest.approx(jaw.neutral + jaw.mix["jawOpen"] * 0.5 + jaw.mix["mouthClose"] * 0.25)
    # A negative weight moves the other way: this jaw opens toward smaller pulse widths.
    assert positions["jaw_down"] == pytest.approx(jaw_down.neutral + jaw_down.mix["jawOpen"] * 0.5)
    assert positions["jaw_down"] < jaw_down.neutral
    # gain -1 mirrors the whole sum (a mirror-mounted servo).
    assert positions["smile_right"] == pytest.approx(smile.neutral - smile.mix["mouthSmileRight"] * 0.75)


def test_neutral_channels_give_neutral_positions() -> None:
    rig = parse_rig(JAW_RIG, Path("rig.yaml"))
    positions = rig.mixer(DEFAULT_LAYOUT).positions(DEFAULT_LAYOUT.neutral_values())
    np.testing.assert_allclose(positions, [a.neutral for a in rig.actuators])


def test_offsets_are_taken_from_the_channel_neutral() -> None:
    rig = parse_rig(JAW_RIG, Path("rig.yaml"))
    layout = ChannelLayout((ChannelSpec("jawOpen", 0.0, 1.0, 0.4, "coefficient"),))
    jaw = rig.actuators[0]
    position = rig.mixer(layout).positions(np.array([0.6], dtype=np.float32))[0]
    assert position == pytest.approx(jaw.neutral + jaw.mix["jawOpen"] * (0.6 - 0.4))


def test_every_position_is_clamped_to_the_limits() -> None:
    rig = parse_rig(JAW_RIG, Path("rig.yaml"))
    mixer = rig.mixer(DEFAULT_LAYOUT)
    rng = np.random.default_rng(7)
    for _ in range(200):
        values = rng.uniform(-5, 5, size=len(DEFAULT_LAYOUT.channels)).astype(np.float32)
        positions = mixer.positions(values)
        for actuator, position in zip(rig.actuators, positions, strict=True):
            assert actuator.limits[0] <= position <= actuator.limits[1]
    strong = parse_rig(JAW_RIG.replace("jawOpen: 600", "jawOpen: 900"), Path("rig.yaml"))
    jaw = strong.actuators[0]
    assert jaw.neutral + jaw.mix["jawOpen"] > jaw.limits[1]
    wide_open = strong.positions_by_name(strong.mixer(DEFAULT_LAYOUT).positions(values_from_mapping({"jawOpen": 1.0})))
    assert wide_open["jaw"] == jaw.limits[1]


def test_limits_default_to_the_range() -> None:
    rig = parse_rig(JAW_RIG, Path("rig.yaml"))
    smile = rig.actuators[2]
    assert smile.limits == smile.range
    assert rig.latency_ms == 30 and rig.name == "test-face"


def test_sample_rig_loads_and_covers_a_small_face() -> None:
    rig = load_rig(packaged_rig("sample"))
    used = {channel for actuator in rig.actuators for channel in actuator.mix}
    for channel in ("jawOpen", "mouthSmileLeft", "mouthSmileRight", "browInnerUp", "browOuterUpLeft",
                    "browOuterUpRight", "eyeBlinkLeft", "eyeBlinkRight", "eyeYaw", "eyePitch", "headYaw",
                    "headPitch", "headRoll", "tongueOut"):  # fmt: skip
        assert channel in used, channel
    assert len({a.channel for a in rig.actuators}) == len(rig.actuators)
    assert rig.latency_ms > 0


def test_a_bare_name_finds_the_packaged_rig(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert resolve_rig_path("sample") == packaged_rig("sample")
    assert load_rig("sample").name == load_rig(packaged_rig("sample")).name


def test_unknown_channel_is_located_with_a_suggestion() -> None:
    text = JAW_RIG.replace("mix: {jawOpen: -600}", "mix: {jawOpn: -600}")
    message = _problems(text)
    line = _line_of(text, "jawOpn")
    assert f"bad.yaml:{line}: actuators[1].mix.jawOpn: unknown face channel 'jawOpn'" in message
    assert "did you mean 'jawOpen'?" in message


def test_unknown_key_is_located_with_a_suggestion() -> None:
    text = JAW_RIG.replace("    max_slew: 3000\n", "    max_slew: 3000\n    nuetral: 1400\n")
    message = _problems(text)
    assert f"bad.yaml:{_line_of(text, 'nuetral')}: actuators[2].nuetral: unknown key 'nuetral'" in message
    assert "did you mean 'neutral'?" in message


def test_limits_outside_range_and_neutral_outside_limits_are_refused() -> None:
    text = JAW_RIG.replace("limits: [1100, 1900]", "limits: [400, 1900]").replace("neutral: 1800", "neutral: 1950")
    message = _problems(text)
    assert f"bad.yaml:{_line_of(text, '[400, 1900]')}: actuators[0].limits: limits [400.0, 1900.0] must lie" in message
    assert f"bad.yaml:{_line_of(text, 'neutral: 1950')}: actuators[1].neutral: neutral 1950 must lie" in message
    assert "2 problems" in message  # every problem at once, not one per run


def test_bad_values_are_each_reported() -> None:
    text = (
        JAW_RIG.replace("max_slew: 4000\n    mix: {jawOpen: 600", "max_slew: -1\n    mix: {jawOpen: 600")
        .replace("channel: 1", "channel: 0")
        .replace("range: [500, 2500]\n    neutral: 1500", "range: [2500, 500]\n    neutral: 1500")
        .replace("latency_ms: 30", "latency_ms: fast")
    )
    message = _problems(text)
    assert "actuators[0].max_slew: must be above 0" in message
    assert "actuators[1].channel: driver channel 0 is already used by actuators[0]" in message
    assert "actuators[2].range: min must be below max" in message
    assert f"bad.yaml:{_line_of(text, 'latency_ms')}: latency_ms: expected a number; got 'fast'" in message


def test_missing_keys_and_empty_actuators() -> None:
    message = _problems("name: x\nactuators:\n  - name: jaw\n    channel: 0\n")
    for key in ("neutral", "max_slew"):
        assert f"required key '{key}' is missing" in message
    assert "actuators[0].range: expected [min, max]" in message
    assert "actuators[0].mix: expected a mapping of face channel -> weight" in message
    assert "actuators: expected a non-empty list" in _problems("name: x\nactuators: []\n")


def test_file_errors_name_the_rig(tmp_path: Path) -> None:
    with pytest.raises(RigError, match="rig file not found"):
        load_rig(tmp_path / "missing.yaml")
    empty = tmp_path / "empty.yaml"
    empty.write_text("# nothing yet\n")
    with pytest.raises(RigError, match="the rig file is empty"):
        load_rig(empty)
    broken = tmp_path / "broken.yaml"
    broken.write_text("actuators:\n  - name: [jaw\n")
    with pytest.raises(RigError, match=r"broken\.yaml:\d+:\d+: YAML syntax error"):
        load_rig(broken)
