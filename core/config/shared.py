"""The sections every process of a robot reads: which robot it is, and which MQTT broker connects its parts.

A broker beyond loopback is reached with a user name, a password and TLS (docs/SECURITY in README, and
``deploy/mosquitto/``). The password is never in the config file: it comes from ``$COMPANION_BROKER_PASSWORD`` or a
``password_file`` only the robot's user can read, and is read when connecting, never logged.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator

from companion.core.config.section import Section
from companion.core.errors import ConfigError

# Environment variables every process honours -> the key path each overrides.
SHARED_ENV_OVERRIDES: dict[str, tuple[str, ...]] = {
    "COMPANION_BROKER": ("broker", "url"),
    "COMPANION_BROKER_USERNAME": ("broker", "username"),
    "COMPANION_ROBOT_ID": ("robot", "id"),
}
PASSWORD_ENV = "COMPANION_BROKER_PASSWORD"
PLAIN_SCHEMES = {"mqtt": 1883, "tcp": 1883}
TLS_SCHEMES = {"mqtts": 8883, "ssl": 8883}


class RobotConfig(Section):
    id: str = Field("companion", pattern=r"^[A-Za-z0-9_-]+$", description="MQTT topics live under companion/<id>/")


class TlsConfig(Section):
    """TLS for an ``mqtts://`` broker. Without ``ca_file`` the system's CAs verify the broker's certificate."""

    ca_file: Path | None = Field(None, description="the CA that signed the broker's certificate (PEM)")
    cert_file: Path | None = Field(None, description="this client's certificate (PEM), when the broker asks for one")
    key_file: Path | None = Field(None, description="the key of cert_file (PEM); omit if cert_file holds it")

    @model_validator(mode="after")
    def _key_needs_cert(self) -> TlsConfig:
        if self.key_file is not None and self.cert_file is None:
            raise ValueError("tls.key_file is set but tls.cert_file is not: a client key needs its certificate")
        return self


class BrokerConfig(Section):
    url: str = Field(
        "mqtt://127.0.0.1:1883",
        description="mqtt://HOST:PORT, or mqtts://HOST:PORT for TLS (port 8883 by default); $COMPANION_BROKER",
    )
    username: str | None = Field(None, description="log in as this user (password: $COMPANION_BROKER_PASSWORD)")
    password_file: Path | None = Field(
        None, description="a file holding the password (used when $COMPANION_BROKER_PASSWORD is not set)"
    )
    tls: TlsConfig | None = Field(None, description="certificates for an mqtts:// broker")
    embedded_fallback: bool = Field(
        True,
        description="start an in-process broker (amqtt) when none answers, so the demo runs anywhere; "
        "a laptop demo only: it has no users, ACL or TLS",
    )
    connect_timeout_s: float = Field(3.0, gt=0)
    keepalive_s: int = Field(5, ge=2, le=600)

    @field_validator("url")
    @classmethod
    def _valid_url(cls, url: str) -> str:
        parts = urlsplit(url)
        if (parts.scheme not in PLAIN_SCHEMES and parts.scheme not in TLS_SCHEMES) or not parts.hostname:
            raise ValueError("expected mqtt://HOST:PORT or mqtts://HOST:PORT, for example mqtt://127.0.0.1:1883")
        try:
            _ = parts.port
        except ValueError:
            raise ValueError("bad port in the broker URL") from None
        if parts.password is not None:
            raise ValueError(
                f"a password in the broker URL would end up in logs and process lists: set ${PASSWORD_ENV} "
                "or broker.password_file instead"
            )
        return url

    @model_validator(mode="after")
    def _tls_needs_mqtts(self) -> BrokerConfig:
        if self.tls is not None and not self.uses_tls:
            raise ValueError("broker.tls is set but broker.url is not mqtts://: TLS settings need an mqtts:// URL")
        return self

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or "127.0.0.1"

    @property
    def port(self) -> int:
        parts = urlsplit(self.url)
        return parts.port or TLS_SCHEMES.get(parts.scheme) or PLAIN_SCHEMES.get(parts.scheme, 1883)

    @property
    def uses_tls(self) -> bool:
        return urlsplit(self.url).scheme in TLS_SCHEMES

    @property
    def user(self) -> str | None:
        """The user to log in as: ``broker.username``, or the one in the URL (``mqtts://agent@host``)."""
        return self.username or urlsplit(self.url).username or None

    @property
    def display_url(self) -> str:
        """The URL for messages: scheme, user, host and port (never a password)."""
        user = f"{self.user}@" if self.user else ""
        scheme = urlsplit(self.url).scheme
        return f"{scheme}://{user}{self.host}:{self.port}"

    @property
    def needs_secure_broker(self) -> bool:
        """Users or TLS are configured: an embedded broker (no users, no TLS) must not stand in for it."""
        return self.uses_tls or self.user is not None

    def password(self, environ: dict[str, str] | None = None) -> str | None:
        """The password: ``$COMPANION_BROKER_PASSWORD``, else the first line of ``password_file``, else None.
        Raises ``ConfigError`` for an unreadable file."""
        env = os.environ if environ is None else environ
        if env.get(PASSWORD_ENV):
            return env[PASSWORD_ENV]
        if self.password_file is None:
            return None
        try:
            text = self.password_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise ConfigError(
                f"broker.password_file {self.password_file}: cannot read it ({error.__class__.__name__})",
                f"create it with the broker password on its first line (chmod 600), or set ${PASSWORD_ENV}",
            ) from None
        lines = text.splitlines()
        return lines[0] if lines else ""
