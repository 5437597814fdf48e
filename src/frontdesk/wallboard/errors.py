"""The root error of the wallboard package: a board that cannot be set up as asked."""

from __future__ import annotations

from frontdesk import FrontdeskError


class WallboardError(FrontdeskError, ValueError):
    """Wallboard settings or set-up that cannot be used; the message says what is wrong."""
