"""The fixed moment CRM tests run at, in the demo company's time zone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
# Wednesday 1 May 2024, 10:00 in London (BST, UTC+1): a working morning.
START = datetime(2024, 5, 1, 10, 0, tzinfo=LONDON).timestamp()
DAY = 86_400.0
