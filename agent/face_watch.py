"""Is a face-controller listening on this robot's topics? The agent watches the controller's retained status.

A controller started with another ``robot.id`` (or on another broker) never moves and nothing says why: the agent
publishes into topics nobody reads. So the agent subscribes to its controller's status, says within a few seconds
when none answers, naming the robot id and the topic, and says when one comes or goes later.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from companion.face.protocol import ProtocolError, Topics, decode_status

log = logging.getLogger(__name__)

GRACE_S = 3.0  # a running controller's retained "online" arrives at once; this covers one started with the agent

Report = Callable[[str, str], None]  # (code, message)


class ControllerWatch:
    """Feed it the controller status topic's messages (``on_message``); ``run()`` warns once after the grace."""

    def __init__(self, topics: Topics, broker_url: str, grace_s: float = GRACE_S) -> None:
        self.topics = topics
        self.broker_url = broker_url
        self.grace_s = grace_s
        self.online: bool | None = None  # None: no status seen
        self.report: Report = _log_only
        self._warned = False

    def on_message(self, topic: str, payload: bytes) -> None:
        if topic != self.topics.controller_status:
            return
        try:
            state = decode_status(payload)["state"] == "online"
        except (ProtocolError, KeyError):
            return
        was, self.online = self.online, state
        if was == state:
            return
        if state:
            if self._warned or was is False:
                log.warning("a face-controller is online for robot id %r", self.topics.robot_id)
            self._warned = False
        elif was is True:
            message = f"the face-controller for robot id {self.topics.robot_id!r} went offline"
            self.report("face_controller_offline", message)

    async def run(self) -> None:
        await asyncio.sleep(self.grace_s)
        if self.online:
            return
        self._warned = True
        robot = f"robot id {self.topics.robot_id!r}"
        what = (
            f"the face-controller of {robot} is offline" if self.online is False else f"no face-controller on {robot}"
        )
        self.report(
            "no_face_controller",
            f"{what} ({self.topics.controller_status} on {self.broker_url}): the face is not shown. Start "
            "`companion face` with the same config (or the same robot.id / $COMPANION_ROBOT_ID and broker)",
        )


def _log_only(code: str, message: str) -> None:
    log.warning("%s", message)
