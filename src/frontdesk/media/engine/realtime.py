"""Opt-in real-time scheduling for media workers (SCHED_FIFO), as media servers offer it.

A media worker sleeps most of the time and must run the moment a slot deadline or a packet
comes. Under the normal scheduler a waking worker may wait for another process's time slice
to end: on a busy 2-core machine that wait was the largest share of the ticks' lateness (see
docs/media.md, "Where the jitter comes from"). Under SCHED_FIFO a runnable worker preempts
every normal process at once. It is off by default: it needs CAP_SYS_NICE (or an RLIMIT_RTPRIO
allowance), and a worker that never sleeps would starve normal processes on its core; Linux
keeps 5% of each second for them (kernel.sched_rt_runtime_us) as a safety net.

Only the worker processes ask for it, never the SIP/web process. SCHED_RESET_ON_FORK keeps
anything a worker might start from inheriting the policy.
"""

from __future__ import annotations

import os

from frontdesk.media import MediaError

ENV = "FRONTDESK_MEDIA_RT_PRIORITY"
MAX_PRIORITY = 99


def priority_from_env(environ: dict[str, str] | None = None) -> int:
    """The priority asked for in FRONTDESK_MEDIA_RT_PRIORITY: 0 (off) when unset or empty."""
    value = (os.environ if environ is None else environ).get(ENV, "").strip()
    if not value:
        return 0
    try:
        priority = int(value)
    except ValueError:
        raise MediaError(
            f"{ENV} must be a whole number from 0 (off) to 99, not {value!r}"
        ) from None
    if not 0 <= priority <= MAX_PRIORITY:
        raise MediaError(f"{ENV} must be from 0 (off) to 99, not {priority}")
    return priority


def go_realtime(priority: int) -> str:
    """Put the calling process under SCHED_FIFO at `priority` (0: leave it alone).

    Returns how the process is scheduled, as a sentence for the log: the refusal and its
    reason when the kernel says no (the worker then runs under the normal scheduler)."""
    if priority <= 0:
        return "normal scheduling"
    policy = os.SCHED_FIFO | getattr(os, "SCHED_RESET_ON_FORK", 0)
    try:
        os.sched_setscheduler(0, policy, os.sched_param(priority))
    except (OSError, AttributeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return (f"normal scheduling: real-time scheduling (SCHED_FIFO, priority {priority}) "
                f"was refused: {reason}")  # fmt: skip
    return f"real-time scheduling (SCHED_FIFO, priority {priority})"
