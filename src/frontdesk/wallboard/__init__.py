"""The supervisor wallboard's live model: queues, agents and today's figures from events.

Sans-IO: `Wallboard.feed()` takes the event log's events one by one, `snapshot(now)` gives a
JSON-ready picture, `diff()` what changed between two pictures (see docs/wallboard.md).
Today's figures go through analytics' one metric definition (`analytics.metrics`).
"""

from frontdesk.wallboard.board import Wallboard
from frontdesk.wallboard.diff import apply, diff
from frontdesk.wallboard.errors import WallboardError
from frontdesk.wallboard.settings import WallboardSettings

__all__ = ["Wallboard", "WallboardError", "WallboardSettings", "apply", "diff"]
