"""torch's threads: each worker thread sets its own, and at most one of them makes a team.

torch runs its intra-op parallelism on OpenMP (libgomp), whose thread count is a property of the calling thread:
``torch.set_num_threads`` in a worker sets that worker's team size (and the default for threads that have not
run torch yet). Every thread that has once run torch with n > 1 keeps a team of n - 1 helper threads for the
life of the process. Once the process holds more OpenMP threads than the machine has cores, libgomp shortens its
spin-wait to about a hundred spins, and every parallel region then wakes its helpers through the kernel.
Measured on 2 cores (README, "Performance"): with a second team in the process the 0.5B language model's
10 tokens took 485 ms instead of 351, a Moonshine call 140 ms instead of 81; a second thread that runs torch
with one thread (no team) costs nothing.

So each torch backend calls ``use_torch_threads`` in its worker thread before any torch work, with its configured
``threads`` for the calls on the reply's path (the language model, the final transcript) and 1 for work off it
(speech-to-text drafts). With the defaults (language model 2, Moonshine 1) the process has exactly one team.
``warn_if_teams_exceed_cores`` says so when a configuration asks for more.
"""

from __future__ import annotations

import logging
import os
import threading

log = logging.getLogger(__name__)

_here = threading.local()
_lock = threading.Lock()
_teams: dict[int, tuple[str, int]] = {}  # thread ident -> (owner, threads), for threads that asked for a team


def use_torch_threads(owner: str, threads: int) -> None:
    """Run this thread's torch work on ``threads`` threads (the calling thread included). Cheap when unchanged."""
    if getattr(_here, "threads", None) == threads:
        return
    import torch

    torch.set_num_threads(threads)
    _here.threads = threads
    if threads > 1:
        with _lock:
            alive = {thread.ident for thread in threading.enumerate()}  # a finished thread's team is gone with it
            for ident in [ident for ident in _teams if ident not in alive]:
                del _teams[ident]
            _teams[threading.get_ident()] = (owner, threads)
            teams = dict(_teams)
        warn_if_teams_exceed_cores(teams)


def warn_if_teams_exceed_cores(teams: dict[int, tuple[str, int]], cores: int | None = None) -> bool:
    """Log (and return True) when the torch teams asked for hold more threads than there are cores."""
    cores = cores if cores is not None else (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)
    total = sum(threads for _owner, threads in teams.values())
    if len(teams) < 2 or total <= cores:
        return False
    owners = ", ".join(f"{owner} {threads}" for owner, threads in teams.values())
    log.warning(
        "torch runs %d thread teams (%s) on %d cores: OpenMP then slows every model 1.4 to 1.7 times; "
        "give all but one of them threads: 1 (core/torch_threads.py)",
        len(teams), owners, cores,
    )  # fmt: skip
    return True
