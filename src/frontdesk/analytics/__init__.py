"""Analytics: history turned into figures — patience estimates, abandonment curves, imports.

Sans-IO: functions over records and arrays; reading a file is the caller's choice of source.
"""

from frontdesk.analytics.anonymous_bank import (
    BankCall,
    CallType,
    Outcome,
    queued_waits,
    read_calls,
)
from frontdesk.analytics.errors import AnalyticsError
from frontdesk.analytics.patience import (
    DEFAULT_BUCKETS_S,
    ExponentialPatience,
    HazardBucket,
    SurvivalCurve,
    exponential_patience,
    hazard_by_bucket,
    kaplan_meier,
)

__all__ = [
    "DEFAULT_BUCKETS_S",
    "AnalyticsError",
    "BankCall",
    "CallType",
    "ExponentialPatience",
    "HazardBucket",
    "Outcome",
    "SurvivalCurve",
    "exponential_patience",
    "hazard_by_bucket",
    "kaplan_meier",
    "queued_waits",
    "read_calls",
]
