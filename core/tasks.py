"""The one way companion runs and stops asyncio tasks: named, referenced until done, failures logged, cancel-and-wait.

asyncio keeps only weak references to tasks, so a fire-and-forget task can vanish mid-flight, and an exception in
one surfaces only as "Task exception was never retrieved" at exit. ``TaskSet`` holds its tasks until they end and
logs a failure once, naming the task. ``cancel`` cancels and waits until every task has really ended: some
libraries swallow a cancellation (aiomqtt's publish can), so it cancels again until the task is done.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")

_RECANCEL_S = 0.5  # how long to wait before cancelling again a task that swallowed the cancel


class TaskSet:
    def __init__(self, owner: str) -> None:
        self.owner = owner  # for the log: "session", "face controller", ...
        self._tasks: set[asyncio.Task[Any]] = set()

    def spawn(self, coroutine: Coroutine[Any, Any, T], name: str) -> asyncio.Task[T]:
        """Start ``coroutine`` as a task called ``name`` (shown in logs and in ``asyncio`` debugging)."""
        task = asyncio.ensure_future(coroutine)
        task.set_name(f"{self.owner}:{name}")
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        error = task.exception()
        if error is not None:
            log.error("task %s failed: %s", task.get_name(), error, exc_info=error)

    def __len__(self) -> int:
        return len(self._tasks)

    async def wait(self) -> None:
        """Until every task, including any a finishing task started, is done (failures are logged, not raised)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def cancel(self) -> None:
        """Cancel every task and wait until each has ended."""
        while self._tasks:
            await asyncio.gather(*(cancel_and_wait(task) for task in list(self._tasks)))


async def cancel_and_wait(task: asyncio.Future[Any]) -> None:
    """Cancel ``task`` and wait for it to end; cancel again if a library swallowed the first cancel."""
    while not task.done():
        task.cancel()
        await asyncio.wait([task], timeout=_RECANCEL_S)
