"""One MQTT connection that survives broker restarts.

aiomqtt has no reconnect of its own. ``MqttLink`` connects, announces its retained state (status, layout,
expression), subscribes, and hands every message to a callback; when the connection drops it waits with
exponential backoff and does all of that again. QoS 0 frames published while disconnected are dropped on
purpose: a late face frame is worse than none. Retained state is remembered and re-published on reconnect.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import socket
import uuid
from collections.abc import Awaitable, Callable

import aiomqtt

from companion.core.errors import BrokerUnreachableError
from companion.core.tasks import TaskSet

log = logging.getLogger(__name__)

MessageHandler = Callable[[str, bytes], Awaitable[None] | None]

# Frames are small and frequent: disable Nagle so each goes out at once.
_NODELAY = [(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]


class MqttLink:
    def __init__(
        self,
        host: str,
        port: int,
        *,
        name: str,
        will: tuple[str, bytes] | None = None,
        subscriptions: tuple[tuple[str, int], ...] = (),
        on_message: MessageHandler | None = None,
        keepalive_s: int = 5,
        connect_timeout_s: float = 3.0,
        max_backoff_s: float = 5.0,
    ) -> None:
        self.host, self.port = host, port
        self.client_id = f"{name}-{uuid.uuid4().hex[:8]}"
        self._will = will
        self._subscriptions = subscriptions
        self.on_message = on_message  # (topic, payload) for every message on the subscriptions
        self._keepalive_s = keepalive_s
        self._connect_timeout_s = connect_timeout_s
        self._max_backoff_s = max_backoff_s
        self._retained: dict[str, tuple[bytes, int]] = {}
        self._client: aiomqtt.Client | None = None
        self.connected = asyncio.Event()
        self.reconnects = 0
        self.dropped_while_offline = 0
        self._stopping = False
        self._connection = TaskSet("mqtt")

    def _make_client(self) -> aiomqtt.Client:
        will = aiomqtt.Will(self._will[0], self._will[1], qos=1, retain=True) if self._will else None
        return aiomqtt.Client(
            self.host,
            self.port,
            identifier=self.client_id,
            will=will,
            keepalive=self._keepalive_s,
            timeout=self._connect_timeout_s,
            socket_options=_NODELAY,
        )

    def start(self) -> None:
        """Connect in the background (reconnecting forever); see ``wait_connected`` and ``stop``."""
        if not len(self._connection):
            self._connection.spawn(self._run(), self.client_id)

    async def connect(self) -> None:
        """Start, and wait for the first connection; raises ``BrokerUnreachableError`` after the timeout."""
        self.start()
        if not await self.wait_connected(self._connect_timeout_s):
            await self.stop()
            raise BrokerUnreachableError(
                f"no MQTT broker answers at mqtt://{self.host}:{self.port}",
                "start mosquitto, or set COMPANION_BROKER / broker.url to a reachable broker",
            )

    async def _run(self) -> None:
        backoff = 0.1
        while not self._stopping:
            client = self._make_client()
            try:
                async with client:
                    self._client = client
                    await self._on_connected(client)
                    backoff = 0.1
                    async for message in client.messages:
                        await self._dispatch(str(message.topic), bytes(message.payload or b""))
            except aiomqtt.MqttError as error:
                if self.connected.is_set():
                    log.warning("MQTT connection to %s:%s lost: %s", self.host, self.port, error)
                else:
                    log.debug("MQTT connect to %s:%s failed: %s", self.host, self.port, error)
            finally:
                self._client = None
                if self.connected.is_set() and not self._stopping:  # an orderly stop is not a reconnect
                    self.reconnects += 1
                self.connected.clear()
            await asyncio.sleep(backoff * (0.5 + random.random()))
            backoff = min(self._max_backoff_s, backoff * 2)

    async def _on_connected(self, client: aiomqtt.Client) -> None:
        for topic, (payload, qos) in list(self._retained.items()):
            await client.publish(topic, payload, qos=qos, retain=True)
        for topic, qos in self._subscriptions:
            await client.subscribe(topic, qos=qos)
        self.connected.set()
        log.info("MQTT connected to %s:%s as %s", self.host, self.port, self.client_id)

    async def _dispatch(self, topic: str, payload: bytes) -> None:
        if self.on_message is None:
            return
        result = self.on_message(topic, payload)
        if result is not None:
            await result

    async def wait_connected(self, timeout: float) -> bool:
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self.connected.wait(), timeout)
        return self.connected.is_set()

    async def publish(self, topic: str, payload: bytes, qos: int = 0) -> bool:
        """Publish now if connected; otherwise drop it (returns False). For frames and events."""
        client = self._client
        if client is None or not self.connected.is_set():
            self.dropped_while_offline += 1
            return False
        try:
            await client.publish(topic, payload, qos=qos)
        except aiomqtt.MqttError:
            self.dropped_while_offline += 1
            return False
        _raise_if_cancel_was_swallowed()
        return True

    async def set_retained(self, topic: str, payload: bytes, qos: int = 1) -> None:
        """Publish retained state now (if connected) and again after every reconnect."""
        self._retained[topic] = (payload, qos)
        client = self._client
        if client is not None and self.connected.is_set():
            with contextlib.suppress(aiomqtt.MqttError):
                await client.publish(topic, payload, qos=qos, retain=True)

    async def stop(self, final_retained: dict[str, bytes] | None = None) -> None:
        """Publish final retained messages (an orderly 'offline'), then disconnect cleanly (no last-will)."""
        self._stopping = True
        client = self._client
        if client is not None and self.connected.is_set():
            for topic, payload in (final_retained or {}).items():
                with contextlib.suppress(aiomqtt.MqttError):
                    await client.publish(topic, payload, qos=1, retain=True, timeout=1.0)
        await self._connection.cancel()


def _raise_if_cancel_was_swallowed() -> None:
    """On Python 3.11 the ``asyncio.wait_for`` inside aiomqtt's publish drops a cancel that arrives just as the
    publish completes; a frame loop would then never stop. Re-raise it (the task still counts it as pending)."""
    task = asyncio.current_task()
    cancelling = getattr(task, "cancelling", None)
    if cancelling is not None and cancelling():
        raise asyncio.CancelledError
