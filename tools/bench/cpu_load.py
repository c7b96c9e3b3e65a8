"""Busy processes for a benchmark "under load": each one spins on a core at normal priority until stopped.

``companion bench face --load N`` runs N of them beside the agent and the controller, as a robot's language model
and speech recogniser would keep the cores busy. They are plain interpreters in a tight loop, so the kernel shares
the cores between them and the benchmark's own processes the way it shares them with a busy model.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
from collections.abc import Iterator

_SPIN = "while True:\n    pass"


@contextlib.contextmanager
def cpu_load(processes: int) -> Iterator[int]:
    """``processes`` busy interpreters for the duration of the ``with`` block; yields how many run."""
    spinners = [subprocess.Popen([sys.executable, "-c", _SPIN]) for _ in range(max(0, processes))]
    try:
        yield len(spinners)
    finally:
        for spinner in spinners:
            spinner.kill()
        for spinner in spinners:
            spinner.wait()
