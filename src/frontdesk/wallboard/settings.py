"""The wallboard's choices: metric settings (shared with analytics) and its own live thresholds."""

from __future__ import annotations

from dataclasses import dataclass, field

from frontdesk.analytics.metrics import MetricSettings
from frontdesk.wallboard.errors import WallboardError


@dataclass(frozen=True, slots=True)
class WallboardSettings:
    """`metrics` is the very `MetricSettings` analytics uses (T, short abandon, definition).

    `at_risk_within_s`: a callback promise due within this long and not yet kept is at risk.
    `promise_grace_s`: a promise the routing engine does not watch itself (the keep-my-place
    promise telephony tells the caller) counts as missed this long after its time, like the
    engine's own `callback_promise_grace` (300 s by default) for the promises it books.
    A call talks too long above `long_call_percentile` of its queue's handled calls' talk
    times, once at least `long_call_min_samples` are known; `talk_history_size` recent talk
    times per queue are kept.
    """

    metrics: MetricSettings = field(default_factory=MetricSettings)
    at_risk_within_s: float = 600.0
    promise_grace_s: float = 300.0
    long_call_percentile: float = 95.0
    long_call_min_samples: int = 30
    talk_history_size: int = 1000

    def __post_init__(self) -> None:
        if not (self.at_risk_within_s >= 0 and self.promise_grace_s >= 0):
            raise WallboardError("the at-risk window and the promise grace must be >= 0 s")
        if not 0 < self.long_call_percentile < 100:
            p = self.long_call_percentile
            raise WallboardError(f"the long-call percentile must be between 0 and 100, not {p}")
        if self.long_call_min_samples < 1 or self.talk_history_size < self.long_call_min_samples:
            raise WallboardError(
                "the long-call minimum sample must be >= 1 and the talk history at least as large"
            )
