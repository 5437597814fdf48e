"""Analytics: the event log turned into call records and figures; patience, imports, reports.

Sans-IO: functions over records and arrays; reading a file is the caller's choice of source.
"""

from frontdesk.analytics.anonymous_bank import (
    BankCall,
    CallType,
    Outcome,
    queued_waits,
    read_calls,
)
from frontdesk.analytics.derive import CallDeriver, derive_calls
from frontdesk.analytics.errors import AnalyticsError
from frontdesk.analytics.metrics import MetricSettings, Tally, figures, service_level
from frontdesk.analytics.patience import (
    DEFAULT_BUCKETS_S,
    ExponentialPatience,
    HazardBucket,
    SurvivalCurve,
    exponential_patience,
    hazard_by_bucket,
    kaplan_meier,
)
from frontdesk.analytics.records import CallOutcome, CallRecord

__all__ = [
    "DEFAULT_BUCKETS_S",
    "AnalyticsError",
    "BankCall",
    "CallDeriver",
    "CallOutcome",
    "CallRecord",
    "CallType",
    "ExponentialPatience",
    "HazardBucket",
    "MetricSettings",
    "Outcome",
    "SurvivalCurve",
    "Tally",
    "derive_calls",
    "exponential_patience",
    "figures",
    "hazard_by_bucket",
    "kaplan_meier",
    "queued_waits",
    "read_calls",
    "service_level",
]
