"""LoopLagMonitor sees a blocked loop, stays small on an idle one, and keeps a bounded window."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import pytest

from companion.agent.loop_lag import LoopLagMonitor, nearest_rank


async def _run_for(monitor: LoopLagMonitor, seconds: float, meanwhile: Callable[[], object] | None = None) -> None:
    """Run the monitor for ``seconds`` of loop time; ``meanwhile`` is scheduled on the loop once it has started."""
    task = asyncio.create_task(monitor.run())
    await asyncio.sleep(seconds / 3)
    if meanwhile is not None:
        asyncio.get_running_loop().call_soon(meanwhile)
    await asyncio.sleep(seconds * 2 / 3)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_a_blocked_loop_shows_as_lag() -> None:
    monitor = LoopLagMonitor(interval_s=0.01)
    await _run_for(monitor, 0.09, meanwhile=lambda: time.sleep(0.2))  # a callback that blocks the loop 200 ms
    stats = monitor.stats()
    assert stats.max_ms >= 150.0
    assert stats.p99_ms >= 150.0  # nearest rank: one bad wake-up among a few samples is the p99
    assert stats.p50_ms < stats.max_ms


async def test_an_idle_loop_shows_little_lag() -> None:
    monitor = LoopLagMonitor(interval_s=0.005)
    await _run_for(monitor, 0.15)
    stats = monitor.stats()
    assert stats.samples >= 5
    assert 0.0 <= stats.p50_ms <= stats.p99_ms <= stats.max_ms
    assert stats.p50_ms < 50.0  # nothing blocks: a wake-up is late by scheduling noise only


async def test_the_window_keeps_only_recent_samples() -> None:
    monitor = LoopLagMonitor(interval_s=0.001, window=5)
    await _run_for(monitor, 0.06)
    assert monitor.stats().samples == 5


def test_no_samples_gives_zeros() -> None:
    stats = LoopLagMonitor().stats()
    assert (stats.p50_ms, stats.p99_ms, stats.max_ms, stats.samples) == (0.0, 0.0, 0.0, 0)


def test_nearest_rank_percentiles() -> None:
    values = [float(v) for v in range(1, 101)]  # 1..100
    assert nearest_rank(values, 0.50) == 50.0
    assert nearest_rank(values, 0.99) == 99.0
    assert nearest_rank(values, 1.0) == 100.0
    assert nearest_rank([3.0], 0.99) == 3.0
    assert nearest_rank([1.0, 2.0, 3.0, 4.0], 0.5) == 2.0
    assert nearest_rank([1.0, 2.0, 9.0], 0.99) == 9.0


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError):
        LoopLagMonitor(interval_s=0)
    with pytest.raises(ValueError):
        LoopLagMonitor(window=0)
