"""The face-controller's scheduling request: real time where permitted, else nice -10, else normal with a line
that says what to grant. The kernel calls are replaced here; `companion bench face --load` measures the effect."""

from __future__ import annotations

import os

import pytest

from companion.face.controller import realtime


def refuse(*args: object) -> None:
    raise PermissionError(1, "Operation not permitted")


@pytest.fixture(autouse=True)
def on_linux(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(realtime.sys, "platform", "linux")


def test_real_time_when_permitted(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[tuple[int, int]] = []
    monkeypatch.setattr(
        os, "sched_setscheduler", lambda pid, policy, param: asked.append((policy, param.sched_priority))
    )
    assert realtime.raise_priority(20) == "SCHED_FIFO 20"
    assert asked == [(os.SCHED_FIFO, 20)]


def test_nice_when_real_time_is_refused(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    niced: list[int] = []
    monkeypatch.setattr(os, "sched_setscheduler", refuse)
    monkeypatch.setattr(os, "setpriority", lambda which, who, value: niced.append(value))
    assert realtime.raise_priority(20) == "nice -10" and niced == [-10]
    assert "real-time scheduling refused (Operation not permitted)" in caplog.text


def test_normal_priority_says_what_to_grant(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(os, "sched_setscheduler", refuse)
    monkeypatch.setattr(os, "setpriority", refuse)
    assert realtime.raise_priority(20) == "normal"
    assert "CAP_SYS_NICE or LimitRTPRIO=20" in caplog.text


def test_null_priority_asks_for_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "sched_setscheduler", refuse)
    assert realtime.raise_priority(None) == "normal"
