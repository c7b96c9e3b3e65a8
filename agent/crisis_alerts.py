"""Crisis alerts reach people: a retained MQTT message per alert, a Prometheus counter and an optional hook.

``CrisisAlerts`` subscribes to the session's events. On a ``crisis_alert`` (a crisis started, or its level rose) it
publishes the alert's JSON at QoS 1, retained, on ``companion/<robot>/safety/alert/<alert_id>``: an operator console
that connects later still gets every open alert. An operator acknowledges with the agent command
``{"v": 1, "cmd": "crisis_ack", "alert_id": "...", "by": "name"}``; the retained message is then deleted. An alert
whose visitor has left stays until it is acknowledged: somebody was at risk, and a person must know.

The alert carries no words of the visitor: the category, the level, the follow-up answers as yes/no, the persona
and the times. The hook (``safety.alert_hook``) runs a command with that JSON on its standard input, or POSTs it to
a webhook; it runs in the background with a timeout, and its failure is one log line, never the robot's.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time

import aiohttp

from companion.agent.config.schema import AlertHook
from companion.agent.events import CrisisAcknowledged, CrisisAlert, Event
from companion.agent.metrics import Metrics
from companion.core.mqtt import MqttLink
from companion.core.tasks import TaskSet
from companion.face.protocol import Topics

log = logging.getLogger(__name__)


def alert_payload(event: CrisisAlert, robot_id: str, persona: str) -> bytes:
    """The alert as the operator sees it (docs/PROTOCOL.md, "Crisis alerts")."""
    return json.dumps(
        {
            "v": 1,
            "robot": robot_id,
            "alert_id": event.alert_id,
            "change": event.change,
            "category": event.category,
            "reason": event.reason,
            "level": event.level,
            "answers": event.answers,
            "persona": persona,
            "turn_id": event.turn_id,
            "epoch_ms": round(event.epoch_ms if event.epoch_ms is not None else time.time() * 1000),
        },
        separators=(",", ":"),
    ).encode()


class CrisisAlerts:
    """Delivers the session's crisis alerts (an ``EventBus`` subscriber)."""

    def __init__(
        self,
        robot_id: str,
        persona: str,
        *,
        link: MqttLink | None = None,
        metrics: Metrics | None = None,
        hook: AlertHook | None = None,
    ) -> None:
        self.topics = Topics(robot_id)
        self.robot_id = robot_id
        self.persona = persona
        self.link = link
        self.metrics = metrics
        self.hook = hook
        self.open: set[str] = set()  # alert ids published and not acknowledged
        self.hook_failures = 0
        self._tasks = TaskSet("crisis-alerts")

    def __call__(self, event: Event) -> None:
        if isinstance(event, CrisisAlert):
            payload = alert_payload(event, self.robot_id, self.persona)
            self.open.add(event.alert_id)
            if self.metrics is not None:
                self.metrics.count_crisis_alert(event.change, event.category, event.level)
            if self.link is not None:
                self._tasks.spawn(self.link.set_retained(self.topics.safety_alert(event.alert_id), payload), "alert")
            if self.hook is not None:
                self._tasks.spawn(self._run_hook(self.hook, payload), "alert-hook")
        elif isinstance(event, CrisisAcknowledged) and event.alert_id in self.open:
            self.open.discard(event.alert_id)
            if self.link is not None:
                self._tasks.spawn(self.link.clear_retained(self.topics.safety_alert(event.alert_id)), "alert-clear")

    async def _run_hook(self, hook: AlertHook, payload: bytes) -> None:
        try:
            await asyncio.wait_for(_deliver(hook, payload), hook.timeout_s)
        except (OSError, asyncio.TimeoutError, aiohttp.ClientError, HookError) as error:
            self.hook_failures += 1
            log.error("the crisis alert hook failed (%s): the alert is still published on MQTT", error or "timeout")

    async def drain(self) -> None:
        """Wait for the alerts in flight (at shutdown, so the last one is not lost)."""
        await self._tasks.wait()

    async def close(self) -> None:
        await self._tasks.cancel()


class HookError(Exception):
    pass


async def _deliver(hook: AlertHook, payload: bytes) -> None:
    if hook.command is not None:
        await _run_command(hook.command, payload)
    if hook.webhook is not None:
        await _post(hook.webhook, payload)


async def _run_command(argv: list[str], payload: bytes) -> None:
    process = await asyncio.create_subprocess_exec(
        *argv, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
    )
    try:
        _, stderr = await process.communicate(payload)
    except BaseException:
        if process.returncode is None:
            process.kill()
            await process.wait()
        raise
    if process.returncode != 0:
        last = stderr.decode(errors="replace").strip().splitlines()[-1:] or [""]
        raise HookError(f"{argv[0]} exited with {process.returncode}: {last[0][:200]}")


async def _post(url: str, payload: bytes) -> None:
    async with (
        aiohttp.ClientSession() as client,
        client.post(url, data=payload, headers={"Content-Type": "application/json"}) as response,
    ):
        if response.status >= 300:
            raise HookError(f"{url} answered {response.status}")
