"""What every live call needs from the rest of the server, in one place.

Call control is handed one `Services` instead of a dozen constructor arguments; tests build it
with an in-memory user agent and no media engine. `kick` runs the SIP work that call control
queued from outside a SIP callback (an awaited prompt or CRM lookup, a media event): it hands
the user agent's events to the switchboard and writes what is to be sent.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from frontdesk.clock import Clock
from frontdesk.config import Company
from frontdesk.crm.directory import CallerDirectory
from frontdesk.flows.model import FlowSet
from frontdesk.followup.held import HeldPlace
from frontdesk.sip.timers import Later
from frontdesk.sip.useragent import UserAgent
from frontdesk.telephony.call_media import CallMedia, EventSink
from frontdesk.telephony.prompts import PromptBook

log = logging.getLogger("frontdesk.calls")


class FollowUps(Protocol):
    """Tasks for people to reach callers again (see `telephony.followups`)."""

    def voicemail(self, call_id: str, caller: str, team: str, queue: str | None, path: str,
                  duration_s: float, promise: str, language: str,
                  name: str | None) -> None: ...  # fmt: skip
    def missed(self, call_id: str, caller: str, team: str, queue: str | None,
               reason: str) -> None: ...  # fmt: skip
    # The callback's task id once stored (None: not stored); `place` is the routing engine's
    # place for it, kept so a restart can give it back (telephony/followups.py).
    def callback(self, call_id: str, caller: str, team: str, queue: str, language: str,
                 not_before: float | None, not_after: float | None,
                 place: HeldPlace | None = None) -> asyncio.Future[str | None]: ...  # fmt: skip
    def callback_attempt_failed(self, contact_id: str, outcome: str, by: str) -> None: ...
    def callback_closed(self, contact_id: str, outcome: str) -> None: ...
    def callback_moved(self, contact_id: str, to_contact_id: str) -> None: ...
    def reached(self, number: str, by: str) -> None: ...


@dataclass
class Services:
    company: Company
    flows: FlowSet
    ua: UserAgent
    media: CallMedia
    prompts: PromptBook
    clock: Clock
    log: EventSink
    directory: CallerDirectory | None = None
    followups: FollowUps | None = None
    music: Path | None = None
    kick: Callable[[], None] = lambda: None
    tasks: set[asyncio.Task[Any]] = field(default_factory=set)

    def spawn(self, work: Coroutine[Any, Any, None], what: str) -> None:
        """Runs `work` in the background, keeping a reference and logging its failure."""
        task = asyncio.get_running_loop().create_task(work, name=what)
        self.tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[Any]) -> None:
        self.tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("%s failed", task.get_name(), exc_info=task.exception())
        self.kick()

    def later(self, delay: float, action: Callable[[float], object], what: str) -> None:
        """Runs `action(now)` after `delay` seconds on the SIP timer heap (no cancelling:
        owners check a generation number when it fires)."""
        self.ua.timers.schedule(self.clock.now() + delay, Later(action), what)
