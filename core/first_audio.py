"""The reply's first audio goes first: the language model waits between tokens while it is being made.

On a 2-core robot the language model (a team of two torch threads) goes on generating the rest of the reply
while the first clause is voiced, and the voice gets part of a core. Measured with `companion bench latency
--stt moonshine` (README, "Performance"): the first clause's text-to-speech took 197 ms beside the running model
against 128 ms alone. Nothing is lost by making the model wait: the first clause plays for a second or more,
longer than the model needs for its next clause. So the responder holds ``FIRST_AUDIO`` while the first chunk
of a reply's speech is synthesized, and an in-process model checks it between tokens, waiting at most
``MAX_WAIT_S`` (a voice that hangs never stops the model for long). A model on a server is not held.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator

from companion.core.worker import CancelToken

MAX_WAIT_S = 1.0


class FirstAudio:
    """Held while first audio is made (from the event loop); waited on between tokens (in a model's thread)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._holders = 0
        self.waiting = 0  # model threads waiting now
        self._free = threading.Event()
        self._free.set()

    @contextlib.contextmanager
    def hold(self) -> Iterator[None]:
        with self._lock:
            self._holders += 1
            self._free.clear()
        try:
            yield
        finally:
            with self._lock:
                self._holders -= 1
                if self._holders == 0:
                    self._free.set()

    @property
    def held(self) -> bool:
        return not self._free.is_set()

    def wait_turn(self, cancel: CancelToken | None = None, max_wait_s: float = MAX_WAIT_S) -> float:
        """Block while first audio is being made (a cancelled call stops waiting); return the seconds waited."""
        if self._free.is_set():
            return 0.0
        started = time.monotonic()
        deadline = started + max_wait_s
        with self._lock:
            self.waiting += 1
        try:
            while not self._free.wait(0.01):
                if (cancel is not None and cancel.cancelled) or time.monotonic() >= deadline:
                    break
        finally:
            with self._lock:
                self.waiting -= 1
        return time.monotonic() - started


FIRST_AUDIO = FirstAudio()
