"""The face's config sections: how the agent publishes frames (``face``) and how the face-controller drives the
hardware (``controller``). ``FaceControllerConfig`` is everything ``companion face`` reads from the robot's
config file, so the controller's computer needs neither the agent's sections nor its dependencies.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar, Literal, Protocol

from pydantic import ConfigDict, Field, field_validator

from companion.core.config import SHARED_ENV_OVERRIDES, BackendSection, BrokerConfig, RobotConfig, Section, load_config
from companion.core.registry import BackendKind
from companion.face.drivers.base import DRIVERS


class FaceConfig(Section):
    rate_hz: int = Field(60, ge=10, le=100)
    lookahead_ms: int = Field(
        100,
        ge=20,
        le=1000,
        description=(
            "frames are published this far ahead of their pts: more than the rig's latency plus transport; it is "
            "also how soon a new expression can show, and it delays the first audio by as much"
        ),
    )
    lookahead_margin_ms: int | None = Field(
        30,
        ge=0,
        le=500,
        description=(
            "once a face-controller reports its rig's latency, the lookahead becomes that latency plus this margin "
            "(transport and the controller's jitter buffer), never more than lookahead_ms; null: always lookahead_ms"
        ),
    )
    encoding: Literal["binary", "json"] = "binary"
    publish_audio: bool = Field(False, description="also publish the robot's voice (for the web simulator)")
    announce_interval_s: float = Field(
        10.0,
        ge=0.5,
        le=3600,
        description="announce the channel layout again this often (and whenever a face-controller asks for it)",
    )


class DriverConfig(BackendSection):
    """The face driver by name (``log``, ``sim``, ``maestro`` or an installed one) and its options."""

    kind: ClassVar[BackendKind] = DRIVERS
    backend: str = "log"


class ControllerConfig(Section):
    rig: Path | str = Field(
        "sample",
        description="the actuator map: a rig YAML (relative to the config file), or the name of a packaged rig",
    )
    driver: DriverConfig = Field(default_factory=DriverConfig)
    output_rate_hz: int = Field(100, ge=10, le=1000)
    watchdog_ms: int = Field(300, ge=50)
    neutral_ease_ms: int = Field(600, ge=0)
    realtime_priority: int | None = Field(
        20, ge=1, le=99, description="SCHED_FIFO priority of the controller where permitted; null: normal priority"
    )

    @field_validator("rig", mode="before")
    @classmethod
    def _name_or_path(cls, value: object) -> object:
        # A bare name ("sample") is a packaged rig, found wherever companion is installed; anything that looks like
        # a file (a folder part or a .yaml suffix) is a path, made relative to the config file like every path.
        if isinstance(value, str) and "/" not in value and "\\" not in value and not Path(value).suffix:
            return value
        return Path(value) if isinstance(value, str) else value


class ControllerSections(Protocol):
    """What the face-controller reads: satisfied by ``FaceControllerConfig`` and by the agent's whole config."""

    robot: RobotConfig
    broker: BrokerConfig
    controller: ControllerConfig


class FaceControllerConfig(Section):
    """The face-controller's view of a config file: its own sections, validated strictly; the rest is the
    agent's business and is ignored here."""

    model_config = ConfigDict(extra="ignore", validate_assignment=True)

    robot: RobotConfig = Field(default_factory=RobotConfig)
    broker: BrokerConfig = Field(default_factory=BrokerConfig)
    controller: ControllerConfig = Field(default_factory=ControllerConfig)


def load_controller_config(path: str | Path, base_dir: Path | None = None) -> FaceControllerConfig:
    """The face-controller's sections of the config file at ``path`` (``$COMPANION_BROKER`` and
    ``$COMPANION_ROBOT_ID`` apply; relative paths against ``base_dir``, default the file's folder). Raises
    ``ConfigError``."""
    return load_config(path, FaceControllerConfig, env_overrides=SHARED_ENV_OVERRIDES, base_dir=base_dir)
