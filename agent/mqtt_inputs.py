"""What the agent receives over MQTT: operator commands and, when perception runs on another host, what it sees.

Every message is decoded and validated before it reaches the session; a malformed one is counted (metrics, by
source) and dropped, with one log line per kind of problem.
"""

from __future__ import annotations

import logging

from companion.agent.commands import CommandHandler
from companion.agent.metrics import Metrics
from companion.agent.session import ConversationSession
from companion.core.clock import Clock
from companion.face.protocol import ProtocolError, Topics
from companion.perception.protocol import decode_state, state_from_message

log = logging.getLogger(__name__)


class AgentInputs:
    def __init__(self, session: ConversationSession, topics: Topics, clock: Clock, metrics: Metrics | None) -> None:
        self.session = session
        self.topics = topics
        self.clock = clock
        self.metrics = metrics
        self.commands = CommandHandler(session)
        self.perception_malformed = 0
        self._logged = False

    def subscriptions(self, remote_perception: bool) -> tuple[tuple[str, int], ...]:
        topics = [(self.topics.agent_command, 1)]
        if remote_perception:
            topics.append((self.topics.perception_state, 0))
        return tuple(topics)

    def __call__(self, topic: str, payload: bytes) -> None:
        if topic == self.topics.agent_command:
            before = self.commands.malformed
            self.commands(payload)
            if self.commands.malformed > before and self.metrics is not None:
                self.metrics.count_malformed("agent_command")
        elif topic == self.topics.perception_state:
            try:
                message = decode_state(payload)
            except ProtocolError as error:
                self.perception_malformed += 1
                if self.metrics is not None:
                    self.metrics.count_malformed("perception")
                if not self._logged:
                    self._logged = True
                    log.warning("dropped a malformed perception message (%s); more are only counted", error)
                return
            self.session.on_visitor(state_from_message(message, self.clock))
