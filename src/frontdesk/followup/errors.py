"""The root error of the follow-up package: bad task data, unknown tasks, impossible changes."""

from __future__ import annotations

from frontdesk import FrontdeskError


class FollowupError(FrontdeskError, ValueError):
    """A follow-up request that cannot be done as asked; the message says what is wrong.

    Whenever a store method raises it, nothing was written.
    """
