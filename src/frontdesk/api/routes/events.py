"""The live event stream: `GET /api/events` upgraded to a WebSocket.

Each message is a JSON array of events (`{seq, at, kind, call_id, data}`), the ones that were
waiting when it was sent: one event per message would cost a frame per event per subscriber
when a busy centre produces hundreds a second. Events are the event log's own, filtered by
what the user may see (`accounts.policy.visible_event`). A subscriber that falls a whole queue
behind is closed with code 1013 and reconnects; pages reload their state on every connect.
"""

from __future__ import annotations

from collections import deque

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from frontdesk.accounts import policy
from frontdesk.accounts.model import Principal
from frontdesk.api.context import AppContext
from frontdesk.api.hub import GOODBYE, EventHub, LiveEvent
from frontdesk.api.security import principal_of
from frontdesk.config import Company
from frontdesk.config.home_teams import HomeTeams

router = APIRouter(tags=["events"])
BATCH = 256
FORGET_AFTER_S = 600.0  # a call's team is kept this long after it ends (wrap-up, recording)


def same_origin(websocket: WebSocket) -> bool:
    """Browsers send Origin on WebSocket handshakes; a page of another site must not ride on
    the user's cookie (cross-site WebSocket hijacking). Tools without Origin are allowed."""
    origin = websocket.headers.get("origin")
    if origin is None:
        return True
    host = websocket.headers.get("host", "")
    return origin.split("://", 1)[-1].rstrip("/") == host


class CallTeams:
    """The team each live call belongs to, learnt from the events themselves.

    A call is forgotten a while after it ends, not at once: this runs when an event is
    published, before subscribers' filters read it, and events after the end (the ending
    itself, the recording, the wrap-up) must still find the call's team."""

    def __init__(self, context: AppContext) -> None:
        self._context = context
        self._teams: dict[str, str | tuple[str, ...]] = {}
        self._home = HomeTeams()
        self._ended: deque[tuple[float, str]] = deque()

    def __call__(self, event: LiveEvent) -> None:
        queue = event.data.get("queue")
        if event.call_id and isinstance(queue, str) and queue:
            self._teams[event.call_id] = self._context.centre.team_of(queue)
        elif event.kind == "call.answered" and event.call_id:
            # In the menu, before any queue: the teams its number serves (config.home_teams).
            services = self._context.centre.services
            number = str(event.data.get("number") or "")
            self._teams[event.call_id] = self._home.of(services.company, services.flows, number)
        if event.kind == "call.ended" and event.call_id:
            self._ended.append((event.at, event.call_id))
        while self._ended and self._ended[0][0] < event.at - FORGET_AFTER_S:
            self._teams.pop(self._ended.popleft()[1], None)

    def company(self) -> Company:
        return self._context.company()

    def of(self, call_id: str | None) -> str | tuple[str, ...] | None:
        return self._teams.get(call_id) if call_id else None


def visible(who: Principal, event: LiveEvent, teams: CallTeams) -> bool:
    agent_teams: tuple[str, ...] = ()
    if policy.event_action(event.kind) is policy.Action.SEE_PRESENCE:  # about an agent
        agent = teams.company().agent(str(event.data.get("agent_id")))
        agent_teams = agent.teams if agent is not None else ()
    return policy.visible_event(who, event.kind, event.data, teams.of(event.call_id),
                                agent_teams=agent_teams)  # fmt: skip


@router.websocket("/api/events")
async def events(websocket: WebSocket) -> None:
    context: AppContext = websocket.app.state.context
    who = principal_of(context, websocket)
    if who is None or not same_origin(websocket):
        await websocket.close(code=1008, reason="sign in first")
        return
    await websocket.accept()
    hub: EventHub = context.hub
    teams: CallTeams = context.extras["call_teams"]
    subscription = hub.subscribe()
    try:
        while True:
            batch: list[str] = []
            event = await subscription.queue.get()
            while True:
                if event is GOODBYE:
                    await websocket.close(code=1001, reason="the server is stopping")
                    return
                if visible(who, event, teams):
                    batch.append(event.text)
                if subscription.queue.empty() or len(batch) >= BATCH:
                    break
                event = subscription.queue.get_nowait()
            if subscription.overflowed:
                await websocket.close(code=1013, reason="too slow: reconnect")
                return
            if batch:
                await websocket.send_text("[" + ",".join(batch) + "]")
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        hub.unsubscribe(subscription)
