"""An asyncio event loop whose clock jumps ahead whenever everything is waiting.

Turn-taking is all about time (silences, timeouts, fades), and real-time tests of it are slow and flaky. Under
this loop ``asyncio.sleep(2)`` returns at once with ``loop.time()`` two seconds later, so a whole conversation
with fake models runs in milliseconds and always the same way. Real I/O still works (the real selector is
polled first), but code that waits for worker threads should use real time: virtual time runs ahead of them.
"""

from __future__ import annotations

import asyncio
import functools
import selectors
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


class _VirtualSelector(selectors.BaseSelector):
    def __init__(self, real: selectors.BaseSelector) -> None:
        self._real = real
        self.advance: float = 0.0  # time the loop asked to sleep; the loop adds it to its clock

    def register(self, fileobj: Any, events: int, data: Any = None) -> selectors.SelectorKey:
        return self._real.register(fileobj, events, data)

    def unregister(self, fileobj: Any) -> selectors.SelectorKey:
        return self._real.unregister(fileobj)

    def modify(self, fileobj: Any, events: int, data: Any = None) -> selectors.SelectorKey:
        return self._real.modify(fileobj, events, data)

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        ready = self._real.select(0)
        if ready:
            return ready
        if timeout is None:
            return self._real.select(None)  # nothing scheduled: only a real event can wake us
        self.advance += max(0.0, timeout)
        return []

    def close(self) -> None:
        self._real.close()

    def get_map(self) -> Any:
        return self._real.get_map()


class VirtualTimeEventLoop(asyncio.SelectorEventLoop):
    def __init__(self, start: float = 1000.0) -> None:
        self._virtual_selector = _VirtualSelector(selectors.DefaultSelector())
        super().__init__(selector=self._virtual_selector)
        self._start = start

    def time(self) -> float:
        return self._start + self._virtual_selector.advance


def run_in_virtual_time(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` to completion on a fresh virtual-time loop."""
    loop = VirtualTimeEventLoop()
    try:
        return loop.run_until_complete(coro)
    finally:
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()


def virtual_time(test: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    """Decorate an ``async def`` test to run it on a fresh virtual-time loop (plain pytest, no plugin needed)."""

    def run(*args: Any, **kwargs: Any) -> None:
        run_in_virtual_time(test(*args, **kwargs))

    # No __wrapped__: pytest must see a plain function, not the coroutine function (or an async plugin takes it).
    functools.update_wrapper(run, test, assigned=("__module__", "__name__", "__qualname__", "__doc__"), updated=())
    return run
