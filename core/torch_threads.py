"""torch's threads: each worker thread sets its own, and at most one of them makes a team.

torch runs its intra-op parallelism on OpenMP (libgomp), whose thread count is a property of the calling thread:
``torch.set_num_threads`` in a worker sets that worker's team size (and the default for threads that have not
run torch yet). Every thread that has once run torch with n > 1 keeps a team of n - 1 helper threads for the
life of the process. Once the process holds more OpenMP threads than the machine has cores, libgomp shortens its
spin-wait to about a hundred spins, and every parallel region then wakes its helpers through the kernel.
Measured on 2 cores (README, "Performance"): with a second team in the process the 0.5B language model's
10 tokens took 485 ms instead of 351, a Moonshine call 140 ms instead of 81; a second thread that runs torch
with one thread (no team) costs nothing.

So a torch backend's worker thread sets its count once, as the thread starts (``ModelWorker(torch_threads=)``):
its configured ``threads`` for the calls on the reply's path (the language model, the final transcript) and 1
for work off it (speech-to-text drafts). With the defaults (language model 2, Moonshine 1) the process has
exactly one team; ``warn_if_teams_exceed_cores`` says so when a configuration asks for more. torch work done
outside a model's worker (in another thread) takes the count last set anywhere, and may make a team of its own.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")

log = logging.getLogger(__name__)

_here = threading.local()
_lock = threading.Lock()
_teams: dict[int, tuple[str, int]] = {}  # thread ident -> (owner, threads), for threads that asked for a team


def use_torch_threads(owner: str, threads: int) -> None:
    """Run this thread's torch work on ``threads`` threads (the calling thread included). Cheap when unchanged."""
    if getattr(_here, "threads", None) == threads:
        return
    try:
        import torch
    except ImportError:  # the backend's own load says which extra to install
        return
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


async def run_in_passing_thread(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``asyncio.to_thread`` for torch work that belongs to no model's worker (building models, say): a thread of its
    own that ends afterwards, so its team of torch threads ends with it and slows no model later."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="passing") as executor:
        return await asyncio.get_running_loop().run_in_executor(executor, functools.partial(fn, *args, **kwargs))
