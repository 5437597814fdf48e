"""The root error of the analytics package: unreadable history, impossible estimates."""

from __future__ import annotations

from frontdesk import FrontdeskError


class AnalyticsError(FrontdeskError, ValueError):
    """Analytics input that cannot be used as given; the message says what and where."""
