"""Simulator inputs taken from imported history: handling times, patience, arrivals.

From the derived calls table (analytics/calls_table.py) of a data directory: handling times
(talk + hold + wrap-up) of answered calls, resampled as they are; patience as the
Kaplan-Meier curve of the waits of answered (censored) and abandoned calls, with the
censored-exponential mean as its tail; the mean arrival rate over the days present; and the
recorded arrival times of the first `duration` seconds (from the first call, or from a
given time such as the start of a day), for replay.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text

from frontdesk.analytics.calls_table import refresh_calls
from frontdesk.analytics.patience import fit_exponential_patience, kaplan_meier
from frontdesk.analytics.queries import Window, waits
from frontdesk.analytics.records import OFFERED, OUTCOME_CODES, CallOutcome
from frontdesk.planning.errors import PlanningError
from frontdesk.planning.sim_model import Empirical, KaplanMeierPatience
from frontdesk.store.eventlog import DATABASE_FILE, open_engine


@dataclass(frozen=True, slots=True)
class HistoryInputs:
    service: Empirical
    patience: KaplanMeierPatience
    calls_per_hour: float
    arrivals: tuple[float, ...]  # seconds from `first_at`, within the duration
    first_at: float  # epoch seconds the replay starts at: the first arrival, or as asked
    span_h: float  # hours from the first arrival to the last (at least one)


def history_inputs(
    data_dir: Path, queues: tuple[str, ...], duration_s: float, replay_from: float | None = None
) -> HistoryInputs:
    if not (data_dir / DATABASE_FILE).is_file():
        raise PlanningError(f"no Frontdesk database in {data_dir} (import history first)")
    engine = open_engine(data_dir)
    refresh_calls(engine)
    window = Window(queues=queues)
    where, params = window.where()
    answered = OUTCOME_CODES[CallOutcome.ANSWERED]
    offered = ", ".join(str(OUTCOME_CODES[o]) for o in OFFERED)
    with engine.connect() as conn:
        handle = [
            float(r[0])
            for r in conn.execute(
                text(
                    f"SELECT talk_s + hold_s + wrap_s FROM calls WHERE {where} "
                    f"AND outcome = {answered} AND talk_s > 0"
                ),
                params,
            )
        ]
        times = [
            float(r[0])
            for r in conn.execute(
                text(
                    f"SELECT offered_at FROM calls WHERE {where} AND outcome IN ({offered}) "
                    "ORDER BY offered_at"
                ),
                params,
            )
        ]
    wait_list, abandoned = waits(engine, window)
    fit = fit_exponential_patience(wait_list, abandoned)
    if not handle or not times or fit is None:
        raise PlanningError(
            "the history has no answered and abandoned calls (with some waiting) to learn from"
        )
    span_h = max(times[-1] - times[0], 3600.0) / 3600.0
    first = times[0] if replay_from is None else replay_from
    replayed = tuple(t - first for t in times if 0 <= t - first < duration_s)
    if not replayed:
        raise PlanningError("the history has no call to replay in the hours asked for")
    return HistoryInputs(
        service=Empirical(tuple(handle)),
        patience=KaplanMeierPatience(kaplan_meier(wait_list, abandoned), fit.mean_s),
        calls_per_hour=len(times) / span_h,
        arrivals=replayed,
        first_at=first,
        span_h=span_h,
    )
