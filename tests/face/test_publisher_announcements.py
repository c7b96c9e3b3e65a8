"""The agent announces its layout again when a controller comes online, when one asks for it, and periodically."""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest

from companion.core.clock import LoopClock
from companion.core.mqtt import MqttLink
from companion.face.animator import FaceAnimator
from companion.face.config import FaceConfig
from companion.face.protocol import DEFAULT_LAYOUT, Topics, encode_status
from companion.face.publisher import FacePublisher
from tests.support.broker import Broker


async def wait_for(predicate, timeout: float = 5.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


@pytest.mark.integration
async def test_layout_is_announced_when_a_controller_comes_online_or_asks_and_periodically(broker: Broker) -> None:
    topics = Topics(f"p{uuid.uuid4().hex[:8]}")
    layouts: list[float] = []
    watcher = MqttLink(
        broker.host, broker.port, name="watcher", subscriptions=((topics.layout, 1),),
        on_message=lambda _t, _p: layouts.append(time.monotonic()),
    )  # fmt: skip
    await watcher.connect()
    publishers: list[FacePublisher] = []
    link = MqttLink(
        broker.host, broker.port, name="agent", subscriptions=FacePublisher.subscriptions(topics),
        on_message=lambda t, p: publishers[0].on_message(t, p),
    )  # fmt: skip
    await link.connect()
    publisher = FacePublisher(link, topics, FaceAnimator(), LoopClock(), FaceConfig(announce_interval_s=1.0))
    publishers.append(publisher)
    controller = MqttLink(broker.host, broker.port, name="controller")
    await controller.connect()
    announcing = asyncio.create_task(publisher.keep_announcing())
    try:
        await publisher.announce()
        await wait_for(lambda: len(layouts) >= 1)
        # A controller comes online: the layout again at once (not after the 1 s period).
        before = len(layouts)
        await controller.publish(topics.controller_status, encode_status("online"), qos=1)
        await wait_for(lambda: len(layouts) > before, timeout=0.8)
        # It asks for a layout it does not know.
        before = len(layouts)
        await controller.publish(topics.controller_status, encode_status("online", layout_wanted=12345), qos=1)
        await wait_for(lambda: len(layouts) > before, timeout=0.8)
        # A malformed status is dropped, and the periodic announcement goes on.
        await controller.publish(topics.controller_status, b'{"v": 1, "state": "online", "layout_wanted": 1e400}')
        before = len(layouts)
        await wait_for(lambda: len(layouts) > before, timeout=2.5)
        assert publisher.drops.total == 1
        assert DEFAULT_LAYOUT.layout_id  # the layout announced is the publisher's own
    finally:
        announcing.cancel()
        await asyncio.gather(announcing, return_exceptions=True)
        for each in (controller, link, watcher):
            await each.stop()
