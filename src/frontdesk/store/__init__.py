"""Persistence: the event log and, later, the other tables, on SQLAlchemy (SQLite by default)."""

from frontdesk import FrontdeskError


class StoreError(FrontdeskError):
    """A persistence problem (cannot open, cannot write)."""
