"""Staffing maths: Erlang B, C and A, agents needed for a target, and the cost trade-off.

Pure functions of a workload (calls per hour, handling time, patience) and an agent count; no
clock, no I/O. See docs/planning.md for the formulas, definitions and numerical methods.
"""

from frontdesk.planning.cost import CostOptimum, CostPoint, CostRates, cheapest_staffing, cost_at
from frontdesk.planning.erlang import erlang_b_metrics, erlang_c, erlang_c_metrics
from frontdesk.planning.erlang_a import ErlangA
from frontdesk.planning.errors import PlanningError
from frontdesk.planning.metrics import (
    DEFAULT_SHORT_ABANDON_S,
    DEFAULT_SL_DEFINITION,
    Model,
    QueueMetrics,
    SLDefinition,
    Workload,
)
from frontdesk.planning.numerics import erlang_b, erlang_b_fast
from frontdesk.planning.staffing import (
    StaffingPolicy,
    StaffingResult,
    Target,
    TargetKind,
    evaluate,
    required_agents,
    staff_day,
)

__all__ = [
    "DEFAULT_SHORT_ABANDON_S",
    "DEFAULT_SL_DEFINITION",
    "CostOptimum",
    "CostPoint",
    "CostRates",
    "ErlangA",
    "Model",
    "PlanningError",
    "QueueMetrics",
    "SLDefinition",
    "StaffingPolicy",
    "StaffingResult",
    "Target",
    "TargetKind",
    "Workload",
    "cheapest_staffing",
    "cost_at",
    "erlang_b",
    "erlang_b_fast",
    "erlang_b_metrics",
    "erlang_c",
    "erlang_c_metrics",
    "evaluate",
    "required_agents",
    "staff_day",
]
