"""Calls, legs and bridges: the B2BUA that turns SIP (and later media) into call events."""

from frontdesk import FrontdeskError


class TelephonyError(FrontdeskError):
    """A call-control problem."""
