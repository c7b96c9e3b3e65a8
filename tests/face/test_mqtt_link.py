"""MqttLink against a real mosquitto: publish/subscribe, reconnect with retained state, clear broker errors."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from companion.core.errors import BrokerUnreachableError
from companion.core.mqtt import MqttLink
from tests.support.broker import Broker, free_port, start_mosquitto

pytestmark = pytest.mark.integration


async def _collector(broker: Broker, topic: str) -> tuple[MqttLink, list[tuple[str, bytes]]]:
    received: list[tuple[str, bytes]] = []
    link = MqttLink(
        broker.host, broker.port, name="test-sub", subscriptions=((topic, 1),),
        on_message=lambda t, p: received.append((t, p)),
    )  # fmt: skip
    await link.connect()
    return link, received


async def _wait_for(predicate, timeout: float = 5.0) -> None:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


async def test_publish_reaches_subscriber(broker: Broker) -> None:
    sub, received = await _collector(broker, "companion/t1/#")
    pub = MqttLink(broker.host, broker.port, name="test-pub")
    await pub.connect()
    assert await pub.publish("companion/t1/face/frames", b"\x01abc")
    await _wait_for(lambda: received)
    assert received[0] == ("companion/t1/face/frames", b"\x01abc")
    await pub.stop()
    await sub.stop()


async def test_last_will_is_published_when_connection_dies(broker: Broker) -> None:
    sub, received = await _collector(broker, "companion/t2/agent/status")
    pub = MqttLink(
        broker.host,
        broker.port,
        name="test-will",
        keepalive_s=2,
        will=("companion/t2/agent/status", b"offline"),
    )
    await pub.connect()
    await pub.set_retained("companion/t2/agent/status", b"online")
    await _wait_for(lambda: ("companion/t2/agent/status", b"online") in received)
    # Kill the socket without a DISCONNECT packet: the broker must send the will.
    assert pub._client is not None
    pub._client._client.socket().close()
    await _wait_for(lambda: received[-1] == ("companion/t2/agent/status", b"offline"), timeout=10)
    await pub.stop()
    await sub.stop()


async def test_reconnects_and_republishes_retained_state(tmp_path: Path) -> None:
    port = free_port()
    first = start_mosquitto(tmp_path, port)
    link = MqttLink(first.host, port, name="test-reconnect", max_backoff_s=0.5)
    await link.connect()
    await link.set_retained("companion/t3/face/layout", b"layout-v1")
    first.stop()
    await _wait_for(lambda: not link.connected.is_set())
    assert not await link.publish("companion/t3/face/frames", b"x"), "frames are dropped while offline"
    second = start_mosquitto(tmp_path, port)  # a fresh broker has lost every retained message
    try:
        await _wait_for(lambda: link.connected.is_set(), timeout=10)
        sub, received = await _collector(second, "companion/t3/face/layout")
        await _wait_for(lambda: received)
        assert received[0] == ("companion/t3/face/layout", b"layout-v1")
        assert link.reconnects == 1
        await sub.stop()
    finally:
        await link.stop()
        second.stop()


async def test_unreachable_broker_is_a_clear_error() -> None:
    link = MqttLink("127.0.0.1", free_port(), name="test-none", connect_timeout_s=0.5)
    with pytest.raises(BrokerUnreachableError, match=r"no MQTT broker answers at mqtt://127\.0\.0\.1"):
        await link.connect()
