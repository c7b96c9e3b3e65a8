"""Counting and dropping bad network input, with logging that a flood cannot turn into a flood of log.

A receiver that meets a malformed message must count it, drop it and go on. Logging every one was how 41 MB of
tracebacks and seconds of backlog came out of a flood of bad messages: ``DropCounter`` logs the first drop of a
kind at once (one line, no traceback) and after that at most one summary line per ``interval_s`` with how many
were dropped meanwhile. The counts and the last reason are kept for status messages.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class _Kind:
    count: int = 0
    unlogged: int = 0
    logged_at: float = field(default=-float("inf"))


class DropCounter:
    """``drop(kind, reason)`` counts a dropped message; ``total`` and ``last`` are for status messages."""

    def __init__(
        self,
        logger: logging.Logger,
        *,
        interval_s: float = 10.0,
        level: int = logging.WARNING,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._log = logger
        self._interval_s = interval_s
        self._level = level
        self._clock = clock
        self._kinds: dict[str, _Kind] = {}
        self.total = 0
        self.last = ""  # "<kind>: <reason>" of the newest drop

    def drop(self, kind: str, reason: object) -> None:
        self.total += 1
        text = str(reason)
        if len(text) > 200:
            text = text[:197] + "..."
        self.last = f"{kind}: {text}"
        entry = self._kinds.setdefault(kind, _Kind())
        entry.count += 1
        now = self._clock()
        if now - entry.logged_at < self._interval_s:
            entry.unlogged += 1
            return
        since = f" ({entry.unlogged} more dropped since the last report)" if entry.unlogged else ""
        self._log.log(self._level, "dropped a malformed %s: %s%s", kind, text, since)
        entry.logged_at, entry.unlogged = now, 0

    def count(self, kind: str) -> int:
        entry = self._kinds.get(kind)
        return entry.count if entry else 0
