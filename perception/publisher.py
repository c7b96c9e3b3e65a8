"""Publishes what perception sees on MQTT (``perception/state``, ``perception/events``, ``perception/status``).

Used by ``companion perceive`` (perception on its own host) and by the agent when ``perception.publish`` is on.
States go out as QoS 0 like face frames (a stale one is worth nothing); events as QoS 1 (a missed "left" would
keep a stranger's conversation going). Sends never hold up perception: each is its own background task, and a
send that finds the broker away is dropped and counted by the link.
"""

from __future__ import annotations

import itertools

from companion.core.clock import Clock
from companion.core.mqtt import MqttLink
from companion.core.tasks import TaskSet
from companion.face.protocol import Topics, encode_status
from companion.perception.protocol import encode_events, encode_state
from companion.perception.visitor import VisitorState


class PerceptionPublisher:
    def __init__(self, link: MqttLink, topics: Topics, clock: Clock, *, emotion_inference: bool) -> None:
        self.link = link
        self.topics = topics
        self.clock = clock
        self.emotion_inference = emotion_inference  # affect is published only where it may be inferred at all
        self.published = 0
        self._seq = itertools.count()
        self._sends = TaskSet("perception-publisher")

    @staticmethod
    def will(topics: Topics) -> tuple[str, bytes]:
        return topics.perception_status, encode_status("offline", reason="connection lost")

    async def announce(self) -> None:
        await self.link.set_retained(self.topics.perception_status, encode_status("online"))

    def __call__(self, state: VisitorState) -> None:
        payload = encode_state(state, next(self._seq), self.clock, self.emotion_inference)
        self._sends.spawn(self.link.publish(self.topics.perception_state, payload, qos=0), "state")
        for event in encode_events(state, self.clock):
            self._sends.spawn(self.link.publish(self.topics.perception_events, event, qos=1), "event")
        self.published += 1

    async def drain(self) -> None:
        """Wait for the sends in flight."""
        await self._sends.wait()

    async def close(self) -> None:
        """Drain, publish an orderly "offline" and disconnect (``companion perceive``, which owns its link)."""
        await self.drain()
        await self.link.stop({self.topics.perception_status: encode_status("offline", reason="shutdown")})
