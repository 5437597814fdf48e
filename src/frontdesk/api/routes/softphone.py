"""The browser phone: switch it on with a WebRTC offer, then answer, mute, hold, send keys.

`POST /api/softphone` takes the browser's complete SDP offer (no trickle ICE) and answers
with the gateway's SDP; from then on the agent's browser is their registered phone.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from frontdesk.accounts.model import Principal
from frontdesk.api.context import AppContext, ctx
from frontdesk.api.errors import ApiError
from frontdesk.api.security import agent
from frontdesk.api.softphones import Softphones
from frontdesk.softphone import SoftphoneError

router = APIRouter(prefix="/api/softphone", tags=["softphone"])


def _phones(context: AppContext) -> Softphones:
    phones: Softphones = context.need("softphones")
    return phones


class Offer(BaseModel):
    sdp: str = Field(min_length=10, max_length=20_000)


@router.post("", summary="Switch the browser phone on (WebRTC offer in, answer out)")
async def start(
    body: Offer, who: Principal = Depends(agent), context: AppContext = Depends(ctx)
) -> dict[str, str]:
    gateway = _phones(context).need()
    try:
        answer = await gateway.start_session(str(who.agent_id), body.sdp)
    except (SoftphoneError, ValueError) as exc:
        raise ApiError(
            422, "softphone_refused", f"The browser phone could not start: {exc}"
        ) from exc
    return {"type": "answer", "sdp": answer}


@router.delete("", summary="Switch the browser phone off")
async def stop(
    who: Principal = Depends(agent), context: AppContext = Depends(ctx)
) -> dict[str, bool]:
    await _phones(context).need().end_session(str(who.agent_id))
    return {"off": True}


@router.get("", summary="The browser phone's state")
async def status(
    who: Principal = Depends(agent), context: AppContext = Depends(ctx)
) -> dict[str, Any]:
    phones = _phones(context)
    mine = [s for s in phones.need().sessions() if s.agent_id == who.agent_id]
    if not mine:
        return {"on": False}
    s = mine[0]
    return {"on": True, "registered": s.registered, "browser": s.browser, "codec": s.codec,
            "muted": s.muted, "calls": [{"call_ref": c.call_ref, "state": c.state, "held": c.held}
                                        for c in s.calls]}  # fmt: skip


def _act(context: AppContext, who: Principal, action: str, *args: Any) -> dict[str, bool]:
    phones = _phones(context)
    gateway = phones.need()
    agent_id = str(who.agent_id)
    try:
        if action == "answer":
            ref = phones.ringing(agent_id)
            if ref is None:
                raise ApiError(409, "nothing_ringing", "No call is ringing your browser phone.")
            gateway.answer(agent_id, ref)
        elif action == "hold":
            ref = phones.talking(agent_id)
            if ref is None:
                raise ApiError(409, "no_call", "You have no call to hold.")
            gateway.hold(agent_id, ref, *args)
        elif action == "mute":
            gateway.mute(agent_id, *args)
        elif action == "dtmf":
            gateway.send_dtmf(agent_id, *args)
    except SoftphoneError as exc:
        raise ApiError(409, "softphone_refused", f"{exc}.") from exc
    return {"ok": True}


@router.post("/answer", summary="Answer the call ringing the browser phone")
async def answer(
    who: Principal = Depends(agent), context: AppContext = Depends(ctx)
) -> dict[str, bool]:
    return _act(context, who, "answer")


class Toggle(BaseModel):
    on: bool


@router.post("/mute", summary="Mute or unmute the browser phone's microphone")
async def mute(
    body: Toggle, who: Principal = Depends(agent), context: AppContext = Depends(ctx)
) -> dict[str, bool]:
    return _act(context, who, "mute", body.on)


@router.post("/hold", summary="Put the caller on hold or take them back")
async def hold(
    body: Toggle, who: Principal = Depends(agent), context: AppContext = Depends(ctx)
) -> dict[str, bool]:
    return _act(context, who, "hold", body.on)


class Digit(BaseModel):
    digit: str = Field(min_length=1, max_length=1, pattern=r"^[0-9*#A-Da-d]$")


@router.post("/dtmf", summary="Send a key to the other side (RFC 4733)")
async def dtmf(
    body: Digit, who: Principal = Depends(agent), context: AppContext = Depends(ctx)
) -> dict[str, bool]:
    return _act(context, who, "dtmf", body.digit)
