"""Feedback for the long steps (loading models, building models, benchmarks), on standard error.

On a terminal a spinner says what is going on and each finished step stays as a line above it; elsewhere (CI, a
pipe) only the lines are written. Standard output stays for results (``--json`` events, reports). rich is
imported here only, when a command first reports something.
"""

from __future__ import annotations

import sys
from types import TracebackType
from typing import Any


class Feedback:
    """``start(what)`` shows a spinner, ``note(line)`` prints a finished step, ``stop()`` ends the spinner."""

    def __init__(self, *, quiet: bool = False) -> None:
        self.quiet = quiet
        self._console: Any = None
        self._status: Any = None

    @property
    def console(self) -> Any:
        if self._console is None:
            from rich.console import Console

            self._console = Console(stderr=True, highlight=False, soft_wrap=True)
        return self._console

    def start(self, what: str) -> None:
        if self.quiet:
            return
        if not sys.stderr.isatty():
            self.note(what + " ...")
            return
        if self._status is None:
            self._status = self.console.status(what, spinner="dots")
            self._status.start()
        else:
            self._status.update(what)

    def note(self, line: str) -> None:
        if self.quiet:
            return
        if sys.stderr.isatty():
            self.console.print(line, markup=False, style="dim")
        else:
            print(line, file=sys.stderr, flush=True)

    def stop(self) -> None:
        if self._status is not None:
            self._status.stop()
            self._status = None

    def __enter__(self) -> Feedback:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()
