"""The sections every process of a robot reads: which robot it is, and which MQTT broker connects its parts."""

from __future__ import annotations

from urllib.parse import urlsplit

from pydantic import Field, field_validator

from companion.core.config.section import Section

# Environment variables every process honours -> the key path each overrides.
SHARED_ENV_OVERRIDES: dict[str, tuple[str, ...]] = {
    "COMPANION_BROKER": ("broker", "url"),
    "COMPANION_ROBOT_ID": ("robot", "id"),
}


class RobotConfig(Section):
    id: str = Field("companion", pattern=r"^[A-Za-z0-9_-]+$", description="MQTT topics live under companion/<id>/")


class BrokerConfig(Section):
    url: str = Field("mqtt://127.0.0.1:1883", description="overridden by COMPANION_BROKER")
    embedded_fallback: bool = Field(
        True, description="start an in-process broker (amqtt) when none answers, so the demo runs anywhere"
    )
    connect_timeout_s: float = Field(3.0, gt=0)
    keepalive_s: int = Field(5, ge=2, le=600)

    @field_validator("url")
    @classmethod
    def _valid_url(cls, url: str) -> str:
        parts = urlsplit(url)
        if parts.scheme not in ("mqtt", "tcp") or not parts.hostname:
            raise ValueError("expected mqtt://HOST:PORT, for example mqtt://127.0.0.1:1883")
        try:
            _ = parts.port
        except ValueError:
            raise ValueError(f"bad port in {url!r}") from None
        return url

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or "127.0.0.1"

    @property
    def port(self) -> int:
        return urlsplit(self.url).port or 1883
