"""Follow-up: voicemails, missed calls and booked callbacks become tasks a team must keep.

- `promise`: by when a team calls back (its response standard counted in opening hours), and
  the sentence the caller hears.
- `store`: `FollowupStore`, the tasks and the missed-calls list, durable on every write.
- `notify`: e-mail to the team about a voicemail or missed call, without blocking the loop.
See docs/followup.md.
"""

from frontdesk.followup.errors import FollowupError
from frontdesk.followup.model import (
    Attempt,
    MissedCall,
    MissReason,
    Task,
    TaskKind,
    TaskStatus,
)
from frontdesk.followup.notify import Delivery, notify_team
from frontdesk.followup.promise import promise_due, promise_text
from frontdesk.followup.store import FollowupStore

__all__ = [
    "Attempt",
    "Delivery",
    "FollowupError",
    "FollowupStore",
    "MissReason",
    "MissedCall",
    "Task",
    "TaskKind",
    "TaskStatus",
    "notify_team",
    "promise_due",
    "promise_text",
]
