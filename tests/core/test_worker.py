"""Model workers: calls off the loop, cancellation that reaches into the thread, the next call never waits long."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator

import pytest

from companion.core.worker import CancelToken, ModelWorker


def test_cancel_token_runs_hooks_once_and_at_once_when_late() -> None:
    token = CancelToken()
    calls: list[str] = []
    token.on_cancel(lambda: calls.append("early"))
    token.cancel()
    token.cancel()
    token.on_cancel(lambda: calls.append("late"))
    assert token.cancelled and calls == ["early", "late"]


async def test_call_runs_in_the_worker_thread() -> None:
    worker = ModelWorker("test")
    thread = await worker.call(lambda _token: threading.current_thread().name)
    assert thread.startswith("test") and thread != threading.current_thread().name
    worker.shutdown()


async def test_a_cancelled_call_sets_its_token_and_the_next_call_waits_at_most_one_step() -> None:
    worker = ModelWorker("test")
    steps: list[int] = []

    def long_job(token: CancelToken) -> None:
        for step in range(200):  # 2 s if nobody stops it
            if token.cancelled:
                return
            steps.append(step)
            time.sleep(0.01)

    task = asyncio.ensure_future(worker.call(long_job))
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    started = time.perf_counter()
    assert await worker.call(lambda _token: "next") == "next"
    assert time.perf_counter() - started < 0.5  # one 10 ms step, not the 2 s job
    assert len(steps) < 50
    assert worker.stats.cancelled == 1 and worker.stats.calls == 2
    worker.shutdown()


async def test_a_queued_call_that_is_cancelled_never_runs() -> None:
    worker = ModelWorker("test")
    ran: list[str] = []
    release = threading.Event()
    first = asyncio.ensure_future(worker.call(lambda _t: release.wait(2)))
    queued = asyncio.ensure_future(worker.call(lambda _t: ran.append("queued")))
    await asyncio.sleep(0.05)
    queued.cancel()
    await asyncio.sleep(0.01)  # the cancellation reaches the executor on the loop's next turn
    release.set()
    await first
    with pytest.raises(asyncio.CancelledError):
        await queued
    await worker.call(lambda _t: None)  # everything before it has finished
    assert ran == []
    worker.shutdown()


async def test_stream_yields_items_and_stops_the_producer_when_the_consumer_leaves() -> None:
    worker = ModelWorker("test")
    produced: list[int] = []

    def produce(token: CancelToken) -> Iterator[int]:
        for item in range(100):
            produced.append(item)
            yield item
            time.sleep(0.01)

    received = []
    async for item in worker.stream(produce):
        received.append(item)
        if item == 2:
            break
    assert received == [0, 1, 2]
    await worker.call(lambda _t: None)  # the producer has stopped
    assert len(produced) < 10
    worker.shutdown()


async def test_stream_raises_the_producers_error() -> None:
    worker = ModelWorker("test")

    def produce(token: CancelToken) -> Iterator[int]:
        yield 1
        raise ValueError("the engine broke")

    with pytest.raises(ValueError, match="engine broke"):
        async for _ in worker.stream(produce):
            pass
    assert worker.stats.failures == 1 and worker.stats.cancelled == 0
    worker.shutdown()
