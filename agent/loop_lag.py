"""How late the event loop runs its callbacks: the health signal of "nothing blocks the loop" (design principle 2).

A callback that blocks (a model call run inline, a slow JSON dump) delays every timer behind it: face frames go
out late and audio playout stutters. The monitor sleeps a fixed interval again and again and records by how much
each wake-up overshoots; the percentiles of a recent window say whether the loop stays responsive.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True)
class LoopLagStats:
    p50_ms: float
    p99_ms: float
    max_ms: float
    samples: int  # how many wake-ups the percentiles are taken over (the recent window)


class LoopLagMonitor:
    """Samples the running loop's lag every ``interval_s`` until cancelled; keeps the last ``window`` samples."""

    def __init__(self, interval_s: float = 0.05, window: int = 2000) -> None:
        if interval_s <= 0:
            raise ValueError("interval_s must be positive")
        if window < 1:
            raise ValueError("window must be at least 1")
        self.interval_s = interval_s
        self._lags_s: deque[float] = deque(maxlen=window)

    async def run(self) -> None:
        """Sample until the task running this is cancelled."""
        loop = asyncio.get_running_loop()
        while True:
            start = loop.time()
            await asyncio.sleep(self.interval_s)
            # The loop may wake a timer up to its clock resolution early: that is no lag, so clamp at zero.
            self._lags_s.append(max(0.0, loop.time() - start - self.interval_s))

    def stats(self) -> LoopLagStats:
        """Percentiles of the recent window (zeros before the first sample)."""
        lags = sorted(self._lags_s)
        if not lags:
            return LoopLagStats(0.0, 0.0, 0.0, 0)
        return LoopLagStats(
            p50_ms=nearest_rank(lags, 0.50) * 1000.0,
            p99_ms=nearest_rank(lags, 0.99) * 1000.0,
            max_ms=lags[-1] * 1000.0,
            samples=len(lags),
        )


def nearest_rank(ordered: list[float], q: float) -> float:
    """The ``q`` (0..1) nearest-rank percentile of sorted values: always an observed value, so a single blocked
    callback among few samples shows in p99 instead of being interpolated away."""
    if not ordered:
        raise ValueError("no values")
    per_mille = round(q * 1000)
    rank = max(1, -(-per_mille * len(ordered) // 1000))  # ceil(q * n) in integers: no float rounding at the edges
    return ordered[min(rank, len(ordered)) - 1]
