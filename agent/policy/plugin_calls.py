"""Calling a plugin hook so that a faulty plugin cannot stop or freeze the robot.

Every hook call has a timeout; an exception, a timeout or a wrong return type is one log line naming the plugin
(with the traceback the first time, for its author) and the caller goes on as if the plugin had passed. A plugin
that blocks the event loop (``time.sleep``, a model call without ``asyncio.to_thread``) cannot be cut short by a
timeout, because nothing else runs while it blocks; ``StepTimer`` measures each synchronous stretch of the hook's
coroutine and names the plugin when one exceeds ``BLOCKING_S`` (the face's frames stop for that long).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Coroutine, Generator
from dataclasses import dataclass, field
from typing import Any, TypeVar

log = logging.getLogger(__name__)

BLOCKING_S = 0.05  # a synchronous stretch longer than this stalls face frames visibly (they run at 50-100 Hz)
T = TypeVar("T")


class StepTimer:
    """Awaits ``coroutine`` like ``await`` does, and records its longest synchronous step in ``longest_s``."""

    def __init__(self, coroutine: Coroutine[Any, Any, T]) -> None:
        self.coroutine = coroutine
        self.longest_s = 0.0

    def __await__(self) -> Generator[Any, Any, Any]:
        steps = self.coroutine.__await__()
        sent: Any = None
        thrown: BaseException | None = None
        while True:
            started = time.perf_counter()
            try:
                yielded = steps.throw(thrown) if thrown is not None else steps.send(sent)
            except StopIteration as done:
                return done.value
            finally:
                self.longest_s = max(self.longest_s, time.perf_counter() - started)
            try:
                sent, thrown = (yield yielded), None
            except BaseException as error:  # cancellation and the like go into the plugin's coroutine
                sent, thrown = None, error


@dataclass
class PluginFaults:
    """Counts of what went wrong, by kind, and which plugins already logged a traceback."""

    errors: int = 0
    timeouts: int = 0
    wrong_returns: int = 0
    blocking: int = 0
    _traced: set[str] = field(default_factory=set)

    @property
    def total(self) -> int:
        return self.errors + self.timeouts + self.wrong_returns


async def call_hook(
    plugin_name: str,
    hook: str,
    call: Coroutine[Any, Any, Any] | Awaitable[Any],
    *,
    timeout_s: float,
    expected: tuple[type, ...],
    faults: PluginFaults,
    what: str = "",
) -> tuple[bool, Any]:
    """``(True, result)`` when ``call`` returned one of ``expected`` in time, else ``(False, None)`` after logging
    why. ``what`` names the occasion in the log ("turn 3")."""
    where = f"plugin {plugin_name!r} {hook}" + (f" ({what})" if what else "")
    if not asyncio.iscoroutine(call):
        faults.wrong_returns += 1
        log.error("%s is not an async function (define it with `async def`); skipped", where)
        return False, None
    timer = StepTimer(call)

    async def timed() -> Any:
        return await timer

    try:
        result = await asyncio.wait_for(timed(), timeout_s)
    except TimeoutError:
        faults.timeouts += 1
        log.error("%s took longer than %.1f s and was stopped; the turn goes on without it", where, timeout_s)
        return False, None
    except Exception as error:
        faults.errors += 1
        if plugin_name not in faults._traced:
            faults._traced.add(plugin_name)
            log.exception("%s failed; the turn goes on without it", where)
        else:
            log.error("%s failed: %s", where, error)
        return False, None
    finally:
        if timer.longest_s > BLOCKING_S:
            faults.blocking += 1
            log.warning(
                "%s blocked the event loop for %.2f s (the face stops meanwhile): run slow work with asyncio.to_thread",
                where,
                timer.longest_s,
            )
    if not isinstance(result, expected):
        faults.wrong_returns += 1
        names = " or ".join("None" if kind is type(None) else kind.__name__ for kind in expected)
        log.error("%s returned %s, not %s; ignored", where, type(result).__name__, names)
        return False, None
    return True, result
