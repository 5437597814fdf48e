"""The live event stream: `GET /api/events` upgraded to a WebSocket.

Each message is a JSON array of events (`{seq, at, kind, call_id, data}`), the ones that were
waiting when it was sent: one event per message would cost a frame per event per subscriber
when a busy centre produces hundreds a second. Events are the event log's own, filtered by
what the user may see (`accounts.policy.visible_event`). A subscriber that falls a whole queue
behind is closed with code 1013 and reconnects; pages reload their state on every connect.
"""

from __future__ import annotations

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from frontdesk.accounts import policy
from frontdesk.accounts.model import Principal
from frontdesk.api.context import AppContext
from frontdesk.api.hub import EventHub, LiveEvent
from frontdesk.api.security import principal_of
from frontdesk.config import Company

router = APIRouter(tags=["events"])
BATCH = 256


def same_origin(websocket: WebSocket) -> bool:
    """Browsers send Origin on WebSocket handshakes; a page of another site must not ride on
    the user's cookie (cross-site WebSocket hijacking). Tools without Origin are allowed."""
    origin = websocket.headers.get("origin")
    if origin is None:
        return True
    host = websocket.headers.get("host", "")
    return origin.split("://", 1)[-1].rstrip("/") == host


class CallTeams:
    """The team each live call belongs to, learnt from the events themselves."""

    def __init__(self, context: AppContext) -> None:
        self._context = context
        self._teams: dict[str, str] = {}

    def __call__(self, event: LiveEvent) -> None:
        queue = event.data.get("queue")
        if event.call_id and isinstance(queue, str) and queue:
            self._teams[event.call_id] = self._context.centre.team_of(queue)
        if event.kind == "acd.closed" and event.call_id:
            self._teams.pop(event.call_id, None)

    def company(self) -> Company:
        return self._context.company()

    def of(self, call_id: str | None) -> str | None:
        return self._teams.get(call_id) if call_id else None


def visible(who: Principal, event: LiveEvent, teams: CallTeams) -> bool:
    agent_teams: tuple[str, ...] = ()
    if event.kind == "acd.agent_state":
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
