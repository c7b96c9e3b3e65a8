"""A crisis alert crosses a real mosquitto: retained at QoS 1 for an operator who connects later, deleted when the
operator acknowledges it, and the acknowledgment ends crisis mode (the real agent, tiny models, the real detector)."""

from __future__ import annotations

import asyncio
import json
import uuid

import aiomqtt
import pytest

from companion.agent.config import load_config
from companion.agent.events import CrisisEnded
from companion.agent.runner import RunOptions, open_session
from companion.face.protocol import Topics
from companion.tools.tiny import TinyModels
from tests.support.broker import Broker

pytestmark = pytest.mark.integration


async def retained_alerts(broker: Broker, robot: str, settle_s: float = 0.7) -> dict[str, dict[str, object]]:
    """The alerts an operator console that connects now gets (the retained ones)."""
    found: dict[str, dict[str, object]] = {}
    async with aiomqtt.Client(broker.host, broker.port) as operator:
        await operator.subscribe(f"companion/{robot}/safety/alert/+", qos=1)
        try:
            async with asyncio.timeout(settle_s):
                async for message in operator.messages:
                    if message.payload:
                        found[str(message.topic)] = json.loads(bytes(message.payload))
        except TimeoutError:
            pass
    return found


async def test_a_crisis_alert_is_retained_until_an_operator_acknowledges_it(
    tiny_models: TinyModels, broker: Broker, monkeypatch: pytest.MonkeyPatch
) -> None:
    robot = f"c{uuid.uuid4().hex[:6]}"
    monkeypatch.setenv("COMPANION_BROKER", broker.url)
    monkeypatch.setenv("COMPANION_ROBOT_ID", robot)
    config = load_config(tiny_models.config)
    config.audio.output.sink = "none"
    topics = Topics(robot)
    async with open_session(config, RunOptions(publish_face=True)) as session:
        reply = await session.say("I want to kill myself")
        assert reply.source == "safety"
        alert_id = session.context.crisis.alert_id
        await asyncio.sleep(0.3)
        alerts = await retained_alerts(broker, robot)  # a console that was not connected when it happened
        alert = alerts[topics.safety_alert(alert_id)]
        assert alert["category"] == "explicit" and alert["change"] == "started" and alert["robot"] == robot
        assert "kill" not in json.dumps(alert)  # no words of the visitor
        async with aiomqtt.Client(broker.host, broker.port) as operator:
            ack = {"v": 1, "cmd": "crisis_ack", "alert_id": alert_id, "by": "operator"}
            await operator.publish(topics.agent_command, json.dumps(ack).encode(), qos=1)
        for _ in range(50):
            if session.events.of_type(CrisisEnded):
                break
            await asyncio.sleep(0.05)
        assert [e.reason for e in session.events.of_type(CrisisEnded)] == ["acknowledged"]
        assert not session.context.crisis_active
        await asyncio.sleep(0.3)
        assert await retained_alerts(broker, robot) == {}
