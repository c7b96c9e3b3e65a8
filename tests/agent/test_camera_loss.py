"""Losing the camera mid-conversation: one warning, the visitor is no longer seen, and the robot keeps talking."""

from __future__ import annotations

import logging
import time

import numpy as np
import pytest

from companion.agent.session import ConversationSession, SessionParts
from companion.core.errors import CompanionError
from companion.perception.faces import FaceBox
from companion.perception.perceiver import Perceiver
from companion.perception.video import VideoFrame
from companion.tools.testing.fakes import FakeLLM, FakeTTS
from tests.agent.test_session_turn_taking import make_config


class CameraThatDies:
    """A live camera that delivers a few frames with a face, then fails like an unplugged USB camera."""

    name = "dying-camera"
    live = True

    def __init__(self, frames: int) -> None:
        self.left = frames
        self.image = np.zeros((240, 320, 3), dtype=np.uint8)

    def read(self) -> VideoFrame | None:
        if self.left <= 0:
            raise CompanionError("camera 0 stopped delivering frames")
        self.left -= 1
        time.sleep(0.02)
        return VideoFrame(self.image, time.monotonic(), 0)

    def close(self) -> None:
        pass


class FaceRightOfCentre:
    def detect(self, image: np.ndarray) -> list[FaceBox]:
        return [FaceBox(200, 80, 60, 60)]


async def test_the_robot_talks_on_without_its_camera(caplog: pytest.LogCaptureFixture) -> None:
    config = make_config()
    session = ConversationSession(config, SessionParts(tts=FakeTTS(), llm=FakeLLM("Hello again.", first_token_s=0.01)))
    await session.start()
    seen: list[bool] = []
    original = session.on_visitor

    def spy(state):  # type: ignore[no-untyped-def]
        seen.append(state.present)
        original(state)

    session.on_visitor = spy  # type: ignore[method-assign]
    perceiver = Perceiver(CameraThatDies(10), FaceRightOfCentre(), None, config.perception, emotion_inference=False)
    with caplog.at_level(logging.WARNING, logger="companion.agent.session"):
        await session.watch(perceiver)  # returns when the camera dies; raises nothing
    assert True in seen and seen[-1] is False  # the visitor was seen, then no longer
    assert session.context.visitor is not None and not session.context.visitor.present
    assert [r.getMessage() for r in caplog.records if "camera stopped" in r.getMessage()]
    reply = await session.say("are you still there?")
    assert reply.text == "Hello again." and not reply.interrupted
    await session.close()
