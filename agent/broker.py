"""Connects the agent to its MQTT broker, or starts one in-process when none answers.

mosquitto is the broker for deployments and tests. So that the demo runs on a bare laptop, an embedded broker
(amqtt, pure Python, MQTT 3.1.1 only) is started on the configured loopback address when nothing answers there
and ``broker.embedded_fallback`` is on. Other processes (``companion face``) can connect to it like to any broker.

The embedded broker is for a laptop demo only: anyone who reaches it may publish anything (no users, no ACL, no
TLS). A deployment runs mosquitto with ``deploy/mosquitto/`` (users, an ACL, TLS); when ``broker.username`` or an
``mqtts://`` URL is configured the embedded broker is never started in its place.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import warnings
from dataclasses import dataclass
from typing import Any

from companion.core.config import BrokerConfig
from companion.core.errors import BrokerUnreachableError

log = logging.getLogger(__name__)

_LOOPBACK = ("127.0.0.1", "localhost", "::1")


@dataclass
class BrokerHandle:
    host: str
    port: int
    embedded: Any = None  # the amqtt Broker when we started one

    async def close(self) -> None:
        if self.embedded is not None:
            with contextlib.suppress(Exception):
                await self.embedded.shutdown()
            self.embedded = None


async def broker_answers(host: str, port: int, timeout_s: float) -> bool:
    try:
        _, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout_s)
    except (OSError, asyncio.TimeoutError):  # not the builtin TimeoutError before Python 3.11
        return False
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()
    return True


async def ensure_broker(config: BrokerConfig) -> BrokerHandle:
    """A reachable broker: the configured one, or an embedded one when allowed. Raises BrokerUnreachableError."""
    host, port = config.host, config.port
    if await broker_answers(host, port, min(config.connect_timeout_s, 1.0)):
        return BrokerHandle(host, port)
    if config.needs_secure_broker:
        raise BrokerUnreachableError(
            f"no MQTT broker answers at {config.display_url}",
            "start the robot's mosquitto (deploy/mosquitto/); the embedded broker has no users or TLS, so it never "
            "stands in for a broker configured with them",
        )
    if not config.embedded_fallback:
        raise BrokerUnreachableError(
            f"no MQTT broker answers at {config.display_url}",
            "start mosquitto (or your broker), set COMPANION_BROKER, or set broker.embedded_fallback: true",
        )
    if host not in _LOOPBACK:
        raise BrokerUnreachableError(
            f"no MQTT broker answers at {config.url}, and an embedded broker can only serve this machine",
            "point broker.url at 127.0.0.1 to use the embedded broker, or start the remote broker",
        )
    embedded = await _start_embedded(host, port)
    log.warning("no broker at %s: started an embedded one (amqtt) on %s:%d", config.url, host, port)
    return BrokerHandle(host, port, embedded)


class _QuietProbes(logging.Filter):
    """A connection that closes before sending a byte is someone checking that the port answers (``broker_answers``,
    from this process or another companion): amqtt logs it as an error, it is not one."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "No data to decode MQTT packet" not in record.getMessage()


async def _start_embedded(host: str, port: int) -> Any:
    from amqtt.broker import Broker

    amqtt_log = logging.getLogger("amqtt.broker")
    if not any(isinstance(f, _QuietProbes) for f in amqtt_log.filters):
        amqtt_log.addFilter(_QuietProbes())

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        broker = Broker(
            {
                "listeners": {"default": {"type": "tcp", "bind": f"{host}:{port}"}},
                "plugins": {"amqtt.plugins.authentication.AnonymousAuthPlugin": {"allow_anonymous": True}},
            }
        )
    try:
        await broker.start()
    except Exception as error:
        raise BrokerUnreachableError(
            f"no MQTT broker answers at mqtt://{host}:{port} and an embedded one could not start there ({error})",
            "free the port, or start mosquitto",
        ) from None
    return broker
