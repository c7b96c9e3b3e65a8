"""The virtual-time loop: sleeps cost no real time, order and durations are kept."""

from __future__ import annotations

import asyncio
import time

from companion.tools.testing import run_in_virtual_time


def test_long_sleeps_take_no_real_time_and_keep_order() -> None:
    async def scenario() -> tuple[list[str], float]:
        loop = asyncio.get_running_loop()
        start = loop.time()
        order: list[str] = []

        async def sleeper(name: str, seconds: float) -> None:
            await asyncio.sleep(seconds)
            order.append(name)

        await asyncio.gather(sleeper("late", 30.0), sleeper("early", 10.0), sleeper("middle", 20.0))
        return order, loop.time() - start

    wall = time.perf_counter()
    order, elapsed = run_in_virtual_time(scenario())
    assert order == ["early", "middle", "late"]
    assert abs(elapsed - 30.0) < 1e-6
    assert time.perf_counter() - wall < 1.0


def test_timeouts_fire_in_virtual_time() -> None:
    async def scenario() -> bool:
        try:
            await asyncio.wait_for(asyncio.Event().wait(), timeout=5.0)
        except asyncio.TimeoutError:
            return True
        return False

    assert run_in_virtual_time(scenario())
