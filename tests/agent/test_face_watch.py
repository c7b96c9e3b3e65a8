"""The agent says when no face-controller answers on its robot id, and when one goes offline or comes back."""

from __future__ import annotations

import asyncio
import logging

import pytest

from companion.agent.face_watch import ControllerWatch
from companion.face.protocol import Topics, encode_status


def watch() -> tuple[ControllerWatch, list[tuple[str, str]]]:
    reports: list[tuple[str, str]] = []
    watcher = ControllerWatch(Topics("museum-1"), "mqtt://127.0.0.1:1883", grace_s=0.01)
    watcher.report = lambda code, message: reports.append((code, message))
    return watcher, reports


async def test_silence_is_reported_with_the_robot_id_and_topic() -> None:
    watcher, reports = watch()
    await watcher.run()
    ((code, message),) = reports
    assert code == "no_face_controller"
    assert "robot id 'museum-1'" in message and "companion/museum-1/face/status" in message


async def test_an_online_controller_is_not_reported_but_its_going_offline_is(caplog: pytest.LogCaptureFixture) -> None:
    watcher, reports = watch()
    topic = watcher.topics.controller_status
    watcher.on_message(topic, encode_status("online"))
    await watcher.run()
    assert reports == []
    watcher.on_message(topic, encode_status("offline", reason="shutdown"))
    assert [code for code, _ in reports] == ["face_controller_offline"]
    with caplog.at_level(logging.WARNING):
        watcher.on_message(topic, encode_status("online"))
    assert "online for robot id 'museum-1'" in caplog.text


async def test_a_retained_offline_status_is_named_and_other_topics_are_ignored() -> None:
    watcher, reports = watch()
    watcher.on_message("companion/other/face/status", encode_status("online"))  # another robot
    watcher.on_message(watcher.topics.controller_status, b"not json")  # malformed: ignored
    watcher.on_message(watcher.topics.controller_status, encode_status("offline", reason="connection lost"))
    await asyncio.wait_for(watcher.run(), 1)
    ((code, message),) = reports
    assert code == "no_face_controller" and "is offline" in message
