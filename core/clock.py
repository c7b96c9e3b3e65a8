"""One clock for the whole agent process (design principle 1).

In-process times are the event loop's monotonic seconds (``loop.time()``), so everything scheduled with asyncio
and everything measured agrees, and a virtual-time loop in tests moves all of it at once. Presentation times
that cross a process boundary (face frames, audio chunks) are wall-clock epoch milliseconds: ``Clock.wall_ms``
converts, using one offset taken when the clock is made so the conversion never drifts with NTP steps mid-run.
"""

from __future__ import annotations

import asyncio
import time
from typing import Protocol


class Clock(Protocol):
    def now(self) -> float:
        """Monotonic seconds on the event loop's timeline."""
        ...

    def wall_ms(self, t: float | None = None) -> float:
        """Epoch milliseconds for loop time ``t`` (default: now)."""
        ...

    def loop_time_of_wall_ms(self, wall_ms: float) -> float:
        """The loop time at which epoch milliseconds ``wall_ms`` happen."""
        ...

    async def sleep_until(self, t: float) -> None:
        """Sleep until loop time ``t`` (returns at once when it is past)."""
        ...


class LoopClock:
    """The clock of the running event loop. Create it inside the loop (it reads ``loop.time()``)."""

    def __init__(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        self._loop = loop or asyncio.get_running_loop()
        self._epoch_minus_loop = time.time() - self._loop.time()

    def now(self) -> float:
        return self._loop.time()

    def wall_ms(self, t: float | None = None) -> float:
        return ((self.now() if t is None else t) + self._epoch_minus_loop) * 1000.0

    def loop_time_of_wall_ms(self, wall_ms: float) -> float:
        return wall_ms / 1000.0 - self._epoch_minus_loop

    async def sleep_until(self, t: float) -> None:
        delay = t - self.now()
        if delay > 0:
            await asyncio.sleep(delay)
