"""The agent's own desk: what is going on for them, presence, hang-up, transfer, lists."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from frontdesk.accounts.model import Principal
from frontdesk.api.context import AppContext, ctx
from frontdesk.api.errors import ApiError
from frontdesk.api.routes import desk_tasks
from frontdesk.api.routes.desk_recording import recording_of
from frontdesk.api.security import agent
from frontdesk.crm.store import CrmStore
from frontdesk.desk.presence import PresenceBook
from frontdesk.desk.screen_pop import screen_pop
from frontdesk.followup.model import Task, TaskKind
from frontdesk.telephony import TelephonyError
from frontdesk.telephony.transfer_consult import consult_from_desk, desk_consult

router = APIRouter(prefix="/api/desk", tags=["desk"])
router.include_router(desk_tasks.router)  # closing follow-up tasks (desk_tasks.py)
BREAK_REASONS = ("lunch", "coffee", "meeting", "training", "admin work", "other")


def _task(task: Task, crm: CrmStore) -> dict[str, Any]:
    # The local CRM only: it answers from its cache in microseconds, while an external CRM
    # asked once per task on every redraw of the desk would make the desk as slow as it is.
    profile = crm.lookup(task.caller)
    return {"id": task.id, "kind": task.kind.value, "caller": task.caller,
            "name": profile.contact.display_name if profile is not None else None,
            "team": task.team, "queue": task.queue, "due_at": task.due_at,
            "promise": task.promise, "unanswered_calls": task.unanswered_calls,
            "updated_at": task.updated_at, "recording": bool(task.recording_path)}  # fmt: skip


@router.get("", summary="Everything the agent's desk shows")
async def desk(
    who: Principal = Depends(agent), context: AppContext = Depends(ctx)
) -> dict[str, Any]:
    agent_id = str(who.agent_id)
    centre = context.centre
    book: PresenceBook = context.extras["presence"]
    presence = book.of(agent_id)
    record = centre.engine.agents.get(agent_id)
    state = record.state.value if record is not None else "logged-out"
    wall = context.clock.wall()
    line = centre.line_of(agent_id)
    phase, pop = "idle", None
    if line is not None:
        phase = "talking" if line.talking else "ringing"
        pop = screen_pop(centre, line.contact, context.clock.now())
    elif state == "wrap-up":
        phase = "wrapup"
    teams = desk_tasks.teams_of(context, agent_id)
    tasks = [t for team in teams for t in context.followups.open_tasks(team=team)]
    tasks.sort(key=lambda t: t.due_at)
    phones = context.softphones
    return {
        "agent": {"id": agent_id, "state": state, "reason": record.reason if record else "",
                  "since_s": round(wall - presence.since, 1) if presence.since else 0.0},
        "phase": phase,
        "pop": pop,
        "wrap_call_id": presence.last_call,
        "consult": _consult_of(context, agent_id),
        "recording": recording_of(context, agent_id),
        "softphone": {"on": bool(phones and phones.has_session(agent_id)),
                      "ringing": bool(phones and phones.ringing(agent_id))},
        "callbacks": [_task(t, context.crm) for t in tasks if t.kind is not TaskKind.MISSED_CALL],
        "missed": [_task(t, context.crm) for t in tasks if t.kind is TaskKind.MISSED_CALL],
        "timezone": context.company().timezone,  # due times read as the company's clocks do
        "next_actions": context.wrapups.next_actions(agent_id),
        "dispositions": list(context.company().dispositions),
        "break_reasons": list(BREAK_REASONS),
    }  # fmt: skip


class Presence(BaseModel):
    ready: bool
    reason: str = Field(default="", max_length=40)


def apply_presence(context: AppContext, agent_id: str, body: Presence) -> dict[str, str]:
    """A break with one of the reasons, or ready: as the routing engine allows (the agent's
    own desk and their supervisor's wallboard alike). Answers the agent's state after it."""
    if not body.ready and body.reason not in BREAK_REASONS:
        reasons = ", ".join(BREAK_REASONS)
        raise ApiError(422, "bad_break_reason", f"The break reason must be one of: {reasons}.")
    try:
        context.centre.set_presence(agent_id, body.ready, body.reason)
    except TelephonyError as exc:
        raise ApiError(409, "presence_refused", f"{exc}.") from exc
    record = context.centre.engine.agents.get(agent_id)
    return {"state": record.state.value if record is not None else "logged-out"}


@router.put("/presence", summary="Take a break (with a reason) or be ready for calls")
async def set_presence(
    body: Presence, who: Principal = Depends(agent), context: AppContext = Depends(ctx)
) -> dict[str, str]:
    return apply_presence(context, str(who.agent_id), body)


@router.post("/hangup", summary="End the agent's current call")
async def hang_up(
    who: Principal = Depends(agent), context: AppContext = Depends(ctx)
) -> dict[str, bool]:
    agent_id = str(who.agent_id)
    phones = context.softphones
    if phones is not None and phones.has_call(agent_id):
        phones.hangup_current(agent_id)
        return {"ok": True}
    try:
        context.centre.hang_up_agent(agent_id)
    except TelephonyError as exc:
        raise ApiError(409, "no_call", f"{exc}.") from exc
    return {"ok": True}


class TransferTo(BaseModel):
    to: str = Field(min_length=1, max_length=64)


def parse_target(text: str) -> tuple[Literal["agent", "team", "number"], str]:
    text = text.strip()
    if text.startswith("team:"):
        return "team", text[5:].strip()
    if text.startswith("+") or text.replace(" ", "").isdigit():
        return "number", text.replace(" ", "")
    return "agent", text


@router.post("/transfer", summary="Blind transfer: hand the caller to an agent, team or number")
async def transfer(
    body: TransferTo, who: Principal = Depends(agent), context: AppContext = Depends(ctx)
) -> dict[str, str]:
    kind, to = parse_target(body.to)
    try:
        context.centre.transfer(str(who.agent_id), kind, to)
    except TelephonyError as exc:
        raise ApiError(409, "transfer_refused", f"{exc}.") from exc
    return {"kind": kind, "to": to}


def _consult_of(context: AppContext, agent_id: str) -> dict[str, str] | None:
    consult = context.centre.consults.by_agent.get(agent_id)
    if consult is None:
        return None
    return {"colleague": consult.colleague.id, "name": consult.colleague.name,
            "state": consult.machine.state.value, "via": consult.machine.via.value}  # fmt: skip


@router.post("/consult", summary="Attended transfer, first step: hold the caller, ring a colleague")
async def consult(
    body: TransferTo, who: Principal = Depends(agent), context: AppContext = Depends(ctx)
) -> dict[str, str]:
    try:
        started = consult_from_desk(context.centre, str(who.agent_id), body.to.strip())
    except TelephonyError as exc:
        raise ApiError(409, "consult_refused", f"{exc}.") from exc
    return {"colleague": started.colleague.id, "state": started.machine.state.value}


@router.post("/consult/complete", summary="Attended transfer: hand the caller to the colleague")
async def consult_complete(
    who: Principal = Depends(agent), context: AppContext = Depends(ctx)
) -> dict[str, str]:
    try:
        found = desk_consult(context.centre, str(who.agent_id))
        found.complete(context.clock.now())
    except TelephonyError as exc:
        raise ApiError(409, "complete_refused", f"{exc}.") from exc
    return {"colleague": found.colleague.id, "state": found.machine.state.value}


@router.post("/consult/cancel", summary="End the consultation and go back to the caller")
async def consult_cancel(
    who: Principal = Depends(agent), context: AppContext = Depends(ctx)
) -> dict[str, str]:
    try:
        found = desk_consult(context.centre, str(who.agent_id))
        found.cancel()
    except TelephonyError as exc:
        raise ApiError(409, "cancel_refused", f"{exc}.") from exc
    return {"colleague": found.colleague.id, "state": found.machine.state.value}


class DialNumber(BaseModel):
    number: str = Field(min_length=3, max_length=32, pattern=r"^\+?[0-9 ()-]+$")


@router.post("/dial", summary="Click-to-dial: ring me, then call this number")
async def dial(
    body: DialNumber, who: Principal = Depends(agent), context: AppContext = Depends(ctx)
) -> dict[str, str]:
    number = "".join(ch for ch in body.number if ch.isdigit() or ch == "+")
    contact_id = f"dial-{context.clock.wall():.3f}-{who.agent_id}"
    try:
        context.centre.dial_for_agent(str(who.agent_id), number, contact_id)
    except TelephonyError as exc:
        raise ApiError(409, "dial_refused", f"{exc}.") from exc
    return {"call_id": contact_id, "number": number}
