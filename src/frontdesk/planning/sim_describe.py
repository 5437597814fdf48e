"""Words for what a `frontdesk simulate` run assumed: arrivals, handling, patience and agents.

A what-if is only as good as its inputs, and several are chosen for the user (the history's
average rate, its handling times, its patience curve), so the command says which it used
before it gives the figures. The same sentences go into the JSON under `scenario`.
"""

from __future__ import annotations

import math

from frontdesk.planning.sim_model import (
    AgentGroup,
    Distribution,
    Empirical,
    Exponential,
    KaplanMeierPatience,
    Lognormal,
    Never,
    PoissonArrivals,
    ReplayArrivals,
)


def describe_distribution(d: Distribution, what: str) -> str:
    """One line for a handling-time or patience distribution; `what` names its source."""
    if isinstance(d, Never):
        return "callers never give up (no patience given)"
    if isinstance(d, Empirical):
        return f"{what} resampled ({len(d.values):,}), mean {seconds(d.mean)}"
    if isinstance(d, KaplanMeierPatience):
        return (
            f"Kaplan-Meier curve of {what}, mean {seconds(d.mean)} "
            f"(exponential tail, mean {seconds(d.tail_mean_s)})"
        )
    if isinstance(d, Lognormal):
        return f"lognormal, mean {seconds(d.mean)}, standard deviation {seconds(d.sd)}"
    if isinstance(d, Exponential):
        return f"exponential, mean {seconds(d.mean)}"
    return f"mean {seconds(d.mean)}"


def describe_arrivals(arrivals: PoissonArrivals | ReplayArrivals, origin: str) -> str:
    """The arrival process and, in `origin`, where its rate or times came from."""
    if isinstance(arrivals, ReplayArrivals):
        return f"{len(arrivals.calls):,} recorded arrival times replayed ({origin})"
    rates = [p.calls_per_hour for p in arrivals.periods]
    if len(set(rates)) <= 1:
        rate = f"{rates[0]:,.1f} calls/h" if rates else "no calls"
        return f"Poisson at {rate} ({origin})"
    expected = sum(p.calls_per_hour * (p.end_s - p.start_s) / 3600 for p in arrivals.periods)
    return (
        f"Poisson, {min(rates):,.1f} to {max(rates):,.1f} calls/h by interval, "
        f"{expected:,.0f} expected ({origin})"
    )


def describe_staffing(group: AgentGroup) -> str:
    """'10 throughout', or the count at the start and each change with its time."""
    if not group.schedule:
        return f"{group.count} throughout"
    changes = ", ".join(f"{n} from {clock(at)}" for at, n in group.schedule)
    return f"{group.count} at the start, then {changes} (between {_fewest(group)} and {group.most})"


def seconds(value: float) -> str:
    if not math.isfinite(value):
        return "never"
    return f"{value:,.0f} s" if value >= 100 else f"{value:.1f} s"


def clock(at_s: float) -> str:
    """Seconds from the start of the run as h:mm (the run starts at 0:00)."""
    minutes = int(at_s // 60)
    return f"{minutes // 60}:{minutes % 60:02d}"


def _fewest(group: AgentGroup) -> int:
    return min([group.count, *(n for _, n in group.schedule)])
