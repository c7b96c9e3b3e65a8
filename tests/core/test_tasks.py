from __future__ import annotations

import asyncio
import contextlib

import pytest

from companion.core.tasks import TaskSet, cancel_and_wait


async def test_failures_are_logged_with_the_task_name(caplog: pytest.LogCaptureFixture) -> None:
    tasks = TaskSet("owner")

    async def fail() -> None:
        raise RuntimeError("boom")

    tasks.spawn(fail(), "job")
    await tasks.wait()
    assert "task owner:job failed: boom" in caplog.text
    assert len(tasks) == 0


async def test_cancel_waits_until_every_task_has_ended() -> None:
    tasks = TaskSet("owner")
    ended: list[str] = []

    async def slow(name: str) -> None:
        try:
            await asyncio.sleep(10)
        finally:
            ended.append(name)

    tasks.spawn(slow("a"), "a")
    tasks.spawn(slow("b"), "b")
    await asyncio.sleep(0)
    await tasks.cancel()
    assert sorted(ended) == ["a", "b"] and len(tasks) == 0


async def test_a_task_that_swallows_one_cancel_is_cancelled_again() -> None:
    swallowed = 0

    async def stubborn() -> None:
        nonlocal swallowed
        while True:
            try:
                await asyncio.sleep(10)
            except asyncio.CancelledError:
                swallowed += 1
                if swallowed >= 2:
                    raise

    task = asyncio.ensure_future(stubborn())
    await asyncio.sleep(0)
    await cancel_and_wait(task)
    assert task.done() and swallowed == 2
    with contextlib.suppress(asyncio.CancelledError):
        await task
