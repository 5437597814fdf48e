"""Errors of the call history: a search that cannot be run as asked."""

from __future__ import annotations

from frontdesk import FrontdeskError


class HistoryError(FrontdeskError, ValueError):
    """A history search or cursor that cannot be used; the message says what is wrong."""

    error_id = "bad_history_query"
