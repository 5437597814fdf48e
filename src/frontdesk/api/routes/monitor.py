"""Listen, whisper and barge from the supervisor's browser (`softphone.monitor`).

`POST /api/monitor` joins a live call with the browser's WebRTC offer and a mode; `PUT`
changes the mode; `DELETE` leaves. Allowed for admins and for supervisors of the call's team.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from frontdesk.accounts import policy
from frontdesk.accounts.model import Principal
from frontdesk.api.context import AppContext, ctx
from frontdesk.api.errors import ApiError, forbidden, not_found
from frontdesk.api.security import supervisor
from frontdesk.desk.live_calls import describe, teams_of
from frontdesk.softphone import SoftphoneError
from frontdesk.softphone.monitor import Monitors

router = APIRouter(prefix="/api/monitor", tags=["monitor"])
Mode = Literal["listen", "whisper", "barge"]


def _monitors(context: AppContext) -> Monitors:
    monitors: Monitors = context.need("monitors")
    return monitors


class Join(BaseModel):
    call_id: str = Field(min_length=1, max_length=255)
    mode: Mode = "listen"
    sdp: str = Field(min_length=10, max_length=20_000)


@router.post("", summary="Listen in, whisper or barge into a live call")
async def join(
    body: Join, who: Principal = Depends(supervisor), context: AppContext = Depends(ctx)
) -> dict[str, str]:
    call = context.centre.live.get(body.call_id)
    if call is None:
        raise not_found("call", body.call_id)
    live = describe(context.centre, call, context.clock.wall())
    if not any(policy.can_listen_in(who, team) for team in teams_of(context.centre, live)):
        raise forbidden("You can listen in on your own teams' calls only.")
    if live["agent_leg"] is None:
        raise ApiError(409, "no_agent_yet", "This caller is not talking with an agent now.")
    try:
        answer = await _monitors(context).start(who.username, body.call_id, live["agent_leg"],
                                                body.mode, body.sdp)  # fmt: skip
    except SoftphoneError as exc:
        raise ApiError(409, "monitor_refused", f"{exc}.") from exc
    return {"type": "answer", "sdp": answer, "mode": body.mode}


class Change(BaseModel):
    mode: Mode


@router.put("", summary="Change between listen, whisper and barge")
async def change(
    body: Change, who: Principal = Depends(supervisor), context: AppContext = Depends(ctx)
) -> dict[str, str]:
    try:
        _monitors(context).set_mode(who.username, body.mode)
    except SoftphoneError as exc:
        raise ApiError(409, "monitor_refused", f"{exc}.") from exc
    return {"mode": body.mode}


@router.delete("", summary="Leave the call")
async def leave(
    who: Principal = Depends(supervisor), context: AppContext = Depends(ctx)
) -> dict[str, bool]:
    await _monitors(context).stop(who.username)
    return {"left": True}
