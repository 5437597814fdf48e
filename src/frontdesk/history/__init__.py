"""Call history: an index of finished calls for search, playback and review.

One row per finished call (who called, who talked, how it ended, its recordings, whether it
ran long), derived from the event log with analytics' own `CallDeriver` so that "answered",
"wait" and "talk" mean what the reports mean. The index follows the stored event log from a
cursor of its own (`CallIndex.catch_up`), so it survives restarts and can be rebuilt; the live
event stream only wakes it up. See docs/web-records.md.
"""

from frontdesk.history.entry import CallEntry, Recording
from frontdesk.history.errors import HistoryError
from frontdesk.history.index import CallIndex
from frontdesk.history.search import CallSearch, Page, Scope

__all__ = ["CallEntry", "CallIndex", "CallSearch", "HistoryError", "Page", "Recording", "Scope"]
