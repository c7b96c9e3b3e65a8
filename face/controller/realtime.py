"""The face-controller asks the kernel for a real-time scheduling class, so a busy machine does not stall its ticks.

On a robot the motors follow the controller's output ticks; a tick that comes late is a visible jerk, and audio and
lips drift apart. Under load (the language model and speech recognition on every core) a normal-priority process
waits its turn behind them. ``raise_priority`` tries, in order:

1. ``SCHED_FIFO`` at ``controller.realtime_priority`` (default 20): the controller runs as soon as its tick is due.
   It needs ``CAP_SYS_NICE`` or an ``RLIMIT_RTPRIO`` of at least that priority (the systemd unit in ``deploy/``
   sets ``CPUSchedulingPolicy=fifo``, or use ``LimitRTPRIO=20``). The kernel keeps 5 % of each core for normal
   tasks (``sched_rt_runtime_us``), so a runaway controller cannot lock the machine.
2. ``nice -10`` when real-time is refused (needs ``CAP_SYS_NICE`` or ``RLIMIT_NICE``);
3. normal priority otherwise, with one log line saying what to grant.

It also freezes the objects allocated at start-up out of the garbage collector's reach (``gc.freeze``), so a
collection during a tick walks only what is new. Linux only; elsewhere it does nothing and says so.
"""

from __future__ import annotations

import gc
import logging
import os
import sys

log = logging.getLogger(__name__)

FALLBACK_NICE = -10


def raise_priority(priority: int | None) -> str:
    """Ask for real-time scheduling (``priority`` 1..99; None: leave it). Returns what was obtained, for logs and
    the controller's status: ``"SCHED_FIFO 20"``, ``"nice -10"`` or ``"normal"``."""
    gc.freeze()
    if priority is None:
        return "normal"
    if not sys.platform.startswith("linux") or not hasattr(os, "sched_setscheduler"):
        log.info("real-time scheduling is Linux only: the face-controller runs at normal priority")
        return "normal"
    try:
        os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(priority))
    except (PermissionError, OSError) as refused:
        reason = refused.strerror or type(refused).__name__
    else:
        log.debug("face-controller: real-time scheduling SCHED_FIFO %d", priority)  # the ready line says it
        return f"SCHED_FIFO {priority}"
    try:
        os.setpriority(os.PRIO_PROCESS, 0, FALLBACK_NICE)
    except (PermissionError, OSError):
        log.warning(
            "face-controller: no real-time scheduling (%s) and no higher priority: ticks may stall on a busy "
            "machine; grant CAP_SYS_NICE or LimitRTPRIO=%d (deploy/companion-face.service)",
            reason,
            priority,
        )
        return "normal"
    log.warning("face-controller: real-time scheduling refused (%s); running at nice %d", reason, FALLBACK_NICE)
    return f"nice {FALLBACK_NICE}"
