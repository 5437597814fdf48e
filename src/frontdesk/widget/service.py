"""`WidgetService`: what the widget's HTTP routes call, in the server's own loop.

It holds the abuse limiter, the visitors' calls and the live settings, and books callbacks in
both places a callback must be: a follow-up task (durable, on the team's list, the promise
kept) and the routing engine (an agent is rung and the customer dialled at the time). Events
it adds to the event log: `widget.call_started`, `widget.call_ended` and
`widget.callback_booked` (no visitor addresses are stored).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from frontdesk.acd.errors import AcdError
from frontdesk.acd.model import ContactSpec, Priority
from frontdesk.clock import Clock
from frontdesk.config import Company
from frontdesk.followup.store import FollowupStore
from frontdesk.sip.transaction import Peer
from frontdesk.telephony.contact_centre import ContactCentre
from frontdesk.widget import UnknownWidget, WidgetError, WidgetUnavailable
from frontdesk.widget.booking import (
    CallbackPlan,
    CallbackRequest,
    callback_team,
    offered_slots,
    plan_callback,
)
from frontdesk.widget.caller import CallState
from frontdesk.widget.calls import LiveCall, WidgetCalls
from frontdesk.widget.limits import AbuseLimiter
from frontdesk.widget.settings import SettingsFile, WidgetConfig, WidgetSettings
from frontdesk.widget.wording import choose_language, texts

if TYPE_CHECKING:
    from frontdesk.server import Server

log = logging.getLogger("frontdesk.widget")
Append = Callable[..., None]
# What the visitor is told, from the SIP state and the live call's mode (telephony/conversation).
_MODES = {"starting": "menu", "flow": "menu", "voicemail": "menu", "queued": "queued",
          "connected": "talking", "ended": "ended"}  # fmt: skip


class WidgetService:
    def __init__(
        self,
        *,
        company: Callable[[], Company],
        settings: Callable[[], WidgetSettings],
        centre: ContactCentre,
        followups: FollowupStore,
        append: Append,
        clock: Clock,
        sip_server: tuple[str, int],
    ) -> None:
        self.company, self.settings = company, settings
        self.centre, self.followups = centre, followups
        self.append, self.clock = append, clock
        self.limiter = AbuseLimiter(settings().limits)
        self.calls = WidgetCalls(
            Peer("udp", sip_server[0], sip_server[1]), clock, self._call_ended,
            max_call_s=lambda: self.settings().max_call_min * 60.0,
            ice_servers=lambda: self.settings().ice_servers,
        )  # fmt: skip

    async def start(self) -> None:
        await self.calls.start()

    async def close(self) -> None:
        await self.calls.close()

    def current(self) -> WidgetSettings:
        settings = self.settings()
        self.limiter.limits = settings.limits
        return settings

    def widget(self, key: str) -> WidgetConfig:
        found = self.current().widget(key)
        if found is None:
            raise UnknownWidget(f"there is no widget with the key {key!r}")
        return found

    # -- the frame ----------------------------------------------------------------------------
    def frame_data(self, key: str, accept_language: str | None) -> dict[str, Any]:
        """What the frame page shows: its words, whether it calls and books, the slots."""
        widget, settings, company = self.widget(key), self.current(), self.company()
        language = choose_language(accept_language, widget.languages)
        words = texts(language)
        data: dict[str, Any] = {
            "key": widget.key, "language": language, "texts": words,
            "title": widget.title.get(language) or words["title"],
            "call": widget.call and company.number_for(widget.number) is not None,
            "callback": False, "slots": [], "timezone": company.timezone,
            "ice_servers": list(settings.ice_servers),
        }  # fmt: skip
        if widget.offers_callback:
            try:
                _queue, team = callback_team(widget, company)
            except WidgetUnavailable as exc:
                log.warning("%s", exc)
                return data
            zone = team.hours.timezone if team.hours is not None else company.timezone
            now = self.clock.wall()
            data.update(callback=True, timezone=zone,
                        slots=offered_slots(team.hours, zone, now, settings))  # fmt: skip
        return data

    # -- calls --------------------------------------------------------------------------------
    async def start_call(self, key: str, offer_sdp: str, bucket: str) -> dict[str, str]:
        widget, company = self.widget(key), self.company()
        if not widget.call:
            raise WidgetError(f"widget {key} does not place calls")
        number = company.number_for(widget.number)
        if number is None:
            raise WidgetUnavailable(
                f"widget {key} calls {widget.number}, which is not one of the company's numbers"
            )
        admitted = self.limiter.admit_call(bucket, key, self.clock.now())
        try:
            call, answer = await self.calls.place(key, company.domain, number.number, offer_sdp,
                                                  admitted)  # fmt: skip
        except BaseException:
            self.limiter.call_ended(admitted)
            raise
        self.append(self.clock.wall(), "widget.call_started", call.call_id, key=key,
                    caller=f"web-{call.visitor}", number=number.number)  # fmt: skip
        return {"call": call.token, "sdp": answer, "caller": f"web-{call.visitor}"}

    def call_status(self, key: str, token: str) -> dict[str, Any]:
        call = self._call(key, token)
        return {"state": self.phase(call), "reason": call.reason}

    def phase(self, call: LiveCall) -> str:
        if call.sip is CallState.ENDED:
            return "ended"
        if call.sip is CallState.DIALLING:
            return "connecting"
        if call.sip is CallState.RINGING:
            return "ringing"
        live = self.centre.live.get(call.call_id)
        return _MODES.get(live.mode.value, "menu") if live is not None else "menu"

    def hang_up(self, key: str, token: str) -> None:
        self.calls.hang_up(self._call(key, token).token)

    def send_keys(self, key: str, token: str, digits: str) -> None:
        self.calls.send_keys(self._call(key, token).token, digits)

    def _call(self, key: str, token: str) -> LiveCall:
        call = self.calls.get(token)
        if call.key != key:
            raise WidgetError("that call was not placed from this widget")
        return call

    def _call_ended(self, call: LiveCall) -> None:
        self.limiter.call_ended(call.admitted)
        seconds = round(self.clock.wall() - call.started_at, 3)
        self.append(self.clock.wall(), "widget.call_ended", call.call_id, key=call.key,
                    reason=call.reason, duration_s=seconds)  # fmt: skip

    # -- callbacks ----------------------------------------------------------------------------
    async def book_callback(self, key: str, request: CallbackRequest, bucket: str
                            ) -> dict[str, Any]:  # fmt: skip
        widget, settings, company = self.widget(key), self.current(), self.company()
        if not widget.offers_callback:
            raise WidgetError(f"widget {key} does not book callbacks")
        language = choose_language(request.language, widget.languages)
        request = CallbackRequest(request.number, request.when, request.name, request.note,
                                  language)  # fmt: skip
        wall = self.clock.wall()
        plan = plan_callback(request, widget, company, settings, self.followups.region, wall)
        self.limiter.check_callback(bucket, key, plan.number, self.clock.now())
        contact = f"widget-callback:{secrets.token_hex(8)}"
        task = await asyncio.to_thread(self._add_task, plan, contact)
        self.limiter.record_callback(bucket, key, plan.number, self.clock.now())
        self._schedule(plan, contact, str(task))
        self.append(wall, "widget.callback_booked", contact, key=key, task=task,
                    queue=plan.queue, team=plan.team, number=plan.number, name=plan.name,
                    note=plan.note, starts_at=round(plan.at, 3), due_at=round(plan.due, 3),
                    window=list(plan.window) if plan.window else None,
                    language=plan.language)  # fmt: skip
        return {"promise": plan.promise, "at": _iso(plan.at, plan.window),
                "due": dt.datetime.fromtimestamp(plan.due, dt.UTC).isoformat()}  # fmt: skip

    def _add_task(self, plan: CallbackPlan, contact: str) -> int:
        when: dict[str, Any] = {"window": plan.window} if plan.window else {"due_at": plan.due}
        task = self.followups.add_callback(
            plan.number, plan.team, plan.queue, call_id=contact, promise=plan.promise,
            language=plan.language, **when,
        )  # fmt: skip
        return task.id

    def _schedule(self, plan: CallbackPlan, contact: str, task: str) -> None:
        """The routing engine's callback: an agent is offered it from `plan.at`. The engine's
        own events (acd.callback_requested...) reach the log on the contact centre's next
        tick, a quarter second at most."""
        language = self.centre.language_in(plan.queue, plan.language)
        spec = ContactSpec(contact, plan.queue, Priority.CALLBACK, language,
                           caller=plan.number)  # fmt: skip
        try:
            self.centre.engine.schedule_callback(spec, plan.number, plan.at)
        except AcdError as exc:
            # The task stands: the team sees it on its list and keeps the promise by hand.
            log.warning("the routing engine refused web callback %s: %s", contact, exc)
            return
        self.centre.callbacks[contact] = task


def _iso(at: float, window: tuple[float, float] | None) -> str:
    start = window[0] if window is not None else at
    return dt.datetime.fromtimestamp(start, dt.UTC).isoformat()


def for_server(server: Server, settings: Callable[[], WidgetSettings] | None = None
               ) -> WidgetService:  # fmt: skip
    """The service wired to a running server. The settings are the company file's `widget:`
    section (hot-reloaded with it); a company file without one falls back to the older
    `<data dir>/widgets.yaml`."""
    if settings is None:
        path = server.options.data_dir / "widgets.yaml"
        older = SettingsFile(path, lambda problem: log.error("widget settings: %s", problem))

        def settings() -> WidgetSettings:
            section = server.switchboard.company.widget
            return section if section is not None else older()

    return WidgetService(
        company=lambda: server.switchboard.company, settings=settings, centre=server.centre,
        followups=server.followups, append=server.event_log.append, clock=server.clock,
        sip_server=server.bound[0],
    )  # fmt: skip
