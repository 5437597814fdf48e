"""The root error of the planning package: bad workloads, impossible targets, unknown names."""

from __future__ import annotations

from frontdesk import FrontdeskError


class PlanningError(FrontdeskError, ValueError):
    """A staffing or queueing question that cannot be answered as asked; the message says why."""
