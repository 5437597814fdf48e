"""The agent closes a follow-up task from the desk: done (with a note) or cancelled (why).

`POST /api/desk/tasks/{task_id}/done {"note": ...}` and `.../cancel {"reason": ...}` answer
the task's new status. Closing a callback task also takes its callback out of the routing
engine (the team no longer owes that call; telephony/centre_callbacks.py), logged as
`task.done` / `task.cancelled` and `callback.cancelled` with the reason. Only tasks of the
agent's own teams can be closed; others are unknown to them (404). A task already closed is
a 409 `task_closed`.

`GET /api/desk/tasks/{task_id}/voicemail.wav` plays a voicemail task's latest message (Range
requests for seeking), so the agent hears it before calling back; each play is logged as
`task.voicemail_played` (who listened to whose message, and when).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from frontdesk.accounts.model import Principal
from frontdesk.api.context import AppContext, ctx
from frontdesk.api.errors import ApiError, not_found
from frontdesk.api.routes.records import recording_on_disk
from frontdesk.api.security import agent
from frontdesk.followup.errors import FollowupError
from frontdesk.followup.model import Task

router = APIRouter(prefix="/tasks", tags=["desk"])  # included in desk.py's /api/desk


class Done(BaseModel):
    note: str = Field(default="", max_length=1000)


class Cancel(BaseModel):
    reason: str = Field(min_length=1, max_length=1000)


def teams_of(context: AppContext, agent_id: str) -> tuple[str, ...]:
    """The agent's teams (every team for an agent of none, as in the company file)."""
    company = context.company()
    found = company.agent(agent_id)
    return (
        found.teams if found is not None and found.teams else tuple(t.name for t in company.teams)
    )


def _own_open_task(context: AppContext, agent_id: str, task_id: int) -> Task:
    task = context.followups.get(task_id)
    if task is None or task.team not in teams_of(context, agent_id):
        raise not_found("task", task_id)
    if not task.is_open:
        raise ApiError(409, "task_closed", f"Task {task_id} is already {task.status.value}.")
    return task


async def _close(context: AppContext, agent_id: str, task_id: int,
                 close: Callable[[], Task]) -> dict[str, Any]:  # fmt: skip
    _own_open_task(context, agent_id, task_id)
    try:
        closed = await asyncio.to_thread(close)
    except FollowupError as exc:  # closed meanwhile (the caller reached on a call)
        raise ApiError(409, "task_closed", f"{exc}.") from exc
    context.centre.task_closed_by_hand(closed, agent_id)
    return {"id": closed.id, "status": closed.status.value, "note": closed.note}


@router.get(
    "/{task_id}/voicemail.wav",
    summary="Play a voicemail task's message (WAV; Range requests for seeking)",
    response_class=FileResponse,
    responses={200: {"content": {"audio/wav": {}}}, 206: {"description": "Partial content"}},
)
def task_voicemail(
    task_id: int, request: Request, who: Principal = Depends(agent),
    context: AppContext = Depends(ctx),
) -> FileResponse:  # fmt: skip
    agent_id = str(who.agent_id)
    task = context.followups.get(task_id)
    if task is None or task.team not in teams_of(context, agent_id):
        raise not_found("task", task_id)
    path = task.recording_path and recording_on_disk(context, task.recording_path)
    if not path:
        raise ApiError(404, "no_voicemail", f"Task {task_id} has no message on this server's disk.")
    if request.headers.get("range", "bytes=0-").startswith("bytes=0-"):  # not a seek
        context.event_log.append(context.clock.wall(), "task.voicemail_played",
                                 task.last_call_id, task=task.id, by=agent_id)  # fmt: skip
    return FileResponse(path, media_type="audio/wav", filename=f"voicemail-{task.id}.wav",
                        headers={"Cache-Control": "private, no-store"})  # fmt: skip


@router.post("/{task_id}/done", summary="Mark a follow-up task done (its callback is cancelled)")
async def task_done(
    task_id: int, body: Done, who: Principal = Depends(agent), context: AppContext = Depends(ctx)
) -> dict[str, Any]:
    agent_id = str(who.agent_id)
    store = context.followups
    return await _close(context, agent_id, task_id,
                        lambda: store.complete(task_id, agent_id, body.note))  # fmt: skip


@router.post("/{task_id}/cancel", summary="Cancel a follow-up task (its callback too), saying why")
async def task_cancel(
    task_id: int, body: Cancel, who: Principal = Depends(agent), context: AppContext = Depends(ctx)
) -> dict[str, Any]:
    store = context.followups
    return await _close(context, str(who.agent_id), task_id,
                        lambda: store.cancel(task_id, body.reason))  # fmt: skip
