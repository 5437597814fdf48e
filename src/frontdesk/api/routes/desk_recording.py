"""The agent's control of their call's recording: start/stop on demand, pause for card numbers.

`POST /api/desk/recording {"action": "start"|"pause"|"resume"|"stop"}` answers the new state
(`off`, `recording`, `paused`); what the company's policy does not allow is refused with 409
`recording_refused` and a sentence saying why (telephony/recording_control.py has the rules).
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from frontdesk.accounts.model import Principal
from frontdesk.api.context import AppContext, ctx
from frontdesk.api.errors import ApiError
from frontdesk.api.security import agent
from frontdesk.telephony import TelephonyError
from frontdesk.telephony.recording_control import (
    RecordingAction,
    control_recording,
    recording_state,
)

router = APIRouter(prefix="/api/desk", tags=["desk"])


class RecordingChange(BaseModel):
    action: Literal["start", "pause", "resume", "stop"]


@router.post("/recording", summary="Start, pause, resume or stop the recording of my call")
async def change_recording(
    body: RecordingChange, who: Principal = Depends(agent), context: AppContext = Depends(ctx)
) -> dict[str, str]:
    try:
        state = control_recording(context.centre, str(who.agent_id), RecordingAction(body.action))
    except TelephonyError as exc:
        raise ApiError(409, "recording_refused", f"{exc}.") from exc
    return {"state": state}


def recording_of(context: AppContext, agent_id: str) -> dict[str, str] | None:
    """What the desk shows about the recording of the agent's call: its state and the policy."""
    line = context.centre.line_of(agent_id)
    call = context.centre.live.get(line.contact) if line is not None and line.talking else None
    if call is None:
        return None
    return {"state": str(recording_state(call)), "policy": str(context.company().recording)}
