"""The wallboard: snapshots for supervisors (their teams) and for shared office-screen links.

`GET /api/board` gives the snapshot now; the WebSocket `/api/board/stream` pushes a new one
whenever something changed (and once a second for growing waits). A shared link
(`/board/shared/fdb_...`) shows the same board, read-only and without callers' names.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Response, WebSocket, WebSocketDisconnect
from pydantic import BaseModel, Field

from frontdesk.accounts.model import Principal, Role
from frontdesk.api.board_feed import BoardFeed
from frontdesk.api.board_shares import BoardShares
from frontdesk.api.context import AppContext, ctx
from frontdesk.api.errors import ApiError, forbidden, not_found
from frontdesk.api.routes.events import same_origin
from frontdesk.api.security import principal_of, supervisor
from frontdesk.followup.owed import owed_total

router = APIRouter(prefix="/api/board", tags=["wallboard"])


def scope_of(who: Principal) -> frozenset[str] | None:
    """The teams a user's board shows; None: every team."""
    return None if who.role is Role.ADMIN else who.teams


def scoped(snapshot: dict[str, Any], teams: frozenset[str] | None, redact: bool) -> dict[str, Any]:
    """The part of a snapshot a viewer may see; `redact` drops callers' names and numbers."""
    queues = {name: q for name, q in snapshot["queues"].items()
              if teams is None or q.get("team") in teams}  # fmt: skip
    agents = {aid: a for aid, a in snapshot["agents"].items()
              if teams is None or not a["teams"] or set(a["teams"]) & teams}  # fmt: skip
    if redact:
        queues = {name: _redact_queue(q) for name, q in queues.items()}
        agents = {aid: {**a, "current_call": _redact_call(a["current_call"])}
                  for aid, a in agents.items()}  # fmt: skip
    owed = {team: figures for team, figures in snapshot.get("followups", {}).items()
            if teams is None or team in teams}  # fmt: skip
    followups = {"teams": owed, "total": owed_total(owed)}
    return {**snapshot, "queues": queues, "agents": agents, "followups": followups,
            "scope": sorted(teams or [])}  # fmt: skip


def _redact_queue(queue: dict[str, Any]) -> dict[str, Any]:
    out = dict(queue)
    for key in ("vip_waiting", "open_case_waiting"):
        out[key] = {"count": queue[key]["count"], "callers": []}
    for key in ("callbacks_at_risk", "callbacks_missed"):
        out[key] = [{"due_at": c.get("due_at"), "queue": c.get("queue")} for c in queue[key]]
    return out


def _redact_call(call: dict[str, Any] | None) -> dict[str, Any] | None:
    if call is None:
        return None
    return {k: v for k, v in call.items() if k not in ("caller", "name", "number")}


def _feed(context: AppContext) -> BoardFeed:
    feed: BoardFeed = context.need("wallboard")
    return feed


def _shares(context: AppContext) -> BoardShares:
    shares: BoardShares = context.extras["board_shares"]
    return shares


# The last snapshot's JSON for each (scope, redact): a wall of screens polling an unchanged
# board costs one serialisation per scope, not FastAPI's encoding of the whole board per
# request (the board is the heaviest read of the web benchmark otherwise).
_encoded: dict[tuple[frozenset[str] | None, bool], tuple[dict[str, Any], bytes]] = {}


def board_json(snapshot: dict[str, Any], teams: frozenset[str] | None, redact: bool) -> bytes:
    key = (teams, redact)
    cached = _encoded.get(key)
    if cached is not None and cached[0] is snapshot:  # held here, so never a reused id
        return cached[1]
    body = json.dumps(scoped(snapshot, teams, redact), separators=(",", ":")).encode()
    if len(_encoded) > 256:  # scopes come from users' teams: few, but never unbounded
        _encoded.clear()
    _encoded[key] = (snapshot, body)
    return body


@router.get("", summary="The wallboard of the teams I supervise", response_class=Response)
async def board(who: Principal = Depends(supervisor), context: AppContext = Depends(ctx)) -> Any:
    body = board_json(_feed(context).current(), scope_of(who), redact=False)
    return Response(body, media_type="application/json")


@router.get(
    "/shared/{token}",
    summary="A shared wallboard link's board (no sign-in)",
    response_class=Response,
)
async def shared(token: str, context: AppContext = Depends(ctx)) -> Any:
    share = _shares(context).resolve(token)
    if share is None:
        raise ApiError(
            404, "unknown_board_link", "This wallboard link is unknown, expired or revoked."
        )
    body = board_json(_feed(context).current(), frozenset(share.teams) or None, redact=True)
    return Response(body, media_type="application/json")


class NewShare(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    teams: list[str] = Field(default_factory=list, max_length=50)
    days: float = Field(default=90, gt=0, le=366)


@router.post("/shares", summary="Make a read-only wallboard link (shown once)")
async def create_share(
    body: NewShare, who: Principal = Depends(supervisor), context: AppContext = Depends(ctx)
) -> dict[str, Any]:
    teams = frozenset(body.teams)
    known = {t.name for t in context.company().teams}
    if unknown := teams - known:
        raise ApiError(422, "unknown_team", f"There is no team {sorted(unknown)[0]!r}.")
    scope = scope_of(who)
    if scope is not None and (not teams or not teams <= scope):
        raise forbidden("A supervisor can share the board of their own teams only.")
    token, share = _shares(context).create(body.name, tuple(sorted(teams)), who.username, body.days)
    return {**share.as_json(), "token": token, "url": f"/board/shared/{token}"}


@router.get("/shares", summary="Wallboard links")
async def list_shares(
    who: Principal = Depends(supervisor), context: AppContext = Depends(ctx)
) -> list[dict[str, Any]]:
    scope = scope_of(who)
    return [s.as_json() for s in _shares(context).list()
            if scope is None or (s.teams and set(s.teams) <= scope)]  # fmt: skip


@router.delete("/shares/{share_id}", summary="Revoke a wallboard link")
async def revoke_share(
    share_id: Annotated[int, Path(ge=1, le=2**62)],
    who: Principal = Depends(supervisor),
    context: AppContext = Depends(ctx),
) -> dict[str, bool]:
    share = _shares(context).get(share_id)
    scope = scope_of(who)
    if share is None:
        raise not_found("board_link", share_id)
    if scope is not None and not (share.teams and set(share.teams) <= scope):
        raise forbidden("This link shows teams you do not supervise.")
    return {"revoked": _shares(context).revoke(share_id)}


@router.websocket("/stream")
async def stream(websocket: WebSocket) -> None:
    """Pushes `{"board": snapshot}` whenever the board changes; `?share=fdb_...` for links."""
    context: AppContext = websocket.app.state.context
    token = websocket.query_params.get("share")
    teams: frozenset[str] | None
    if token:
        share = _shares(context).resolve(token)
        if share is None:
            await websocket.close(code=1008, reason="unknown link")
            return
        teams, redact = frozenset(share.teams) or None, True
    else:
        who = principal_of(context, websocket)
        if (
            who is None
            or who.role not in (Role.SUPERVISOR, Role.ADMIN)
            or not same_origin(websocket)
        ):
            await websocket.close(code=1008, reason="sign in as a supervisor")
            return
        teams, redact = scope_of(who), False
    await websocket.accept()
    feed = _feed(context)
    box = feed.subscribe()
    try:
        while True:
            snapshot = await box.get()
            await websocket.send_text(json.dumps({"board": scoped(snapshot, teams, redact)}))
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        feed.unsubscribe(box)
