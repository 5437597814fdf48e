"""Call history and recordings: search finished calls, see one, list and play its recordings.

Finished calls come from the call index (`frontdesk.history`), a second or so after they end;
live calls are under /api/calls. Everyone searches within what `accounts.policy` lets them
see (admins: every call; supervisors: their teams' calls and their own; agents: the calls
they talked on), so a search never reveals another team's calls, and fetching one call or
recording outside that answers 403.

Recordings are served by (call id, number): the file's path comes from the index, never from
the request, and must lie in the server's recordings/ or voicemail/ folder. The browser's
<audio> element seeks with HTTP Range requests, which the file response answers with 206.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query
from fastapi.responses import FileResponse

from frontdesk.accounts.model import Principal
from frontdesk.accounts.policy import Action
from frontdesk.analytics.records import CallOutcome
from frontdesk.api.context import AppContext, ctx
from frontdesk.api.errors import ApiError, not_found
from frontdesk.api.routes.records_access import (
    call_index,
    entry_json,
    moment,
    recording_url,
    scope_of,
    visible_entry,
)
from frontdesk.api.security import principal
from frontdesk.history import CallSearch
from frontdesk.history.search import MAX_LIMIT
from frontdesk.telephony.call_media import safe_name

router = APIRouter(tags=["history"])
RECORDING_FOLDERS = ("recordings", "voicemail")
OUTCOMES = "^(" + "|".join(o.value for o in CallOutcome) + ")$"
Text = Annotated[str, Query(max_length=100)]


# The searches are one indexed SQLite read of a page (about a millisecond): run on the event
# loop, they cost less than the thread-pool hop and its contention for the interpreter lock.
@router.get("/api/history/calls", summary="Search finished calls, newest first")
async def search_calls(
    since: Annotated[str | None, Query(alias="from", max_length=40,
                     description="start: date, date-time (company time) or epoch s")] = None,
    until: Annotated[str | None, Query(alias="to", max_length=40,
                     description="end: a date is included whole; a date-time is excluded")] = None,
    number: Text = "", contact: Text = "", agent: Text = "", queue: Text = "", team: Text = "",
    disposition: Text = "",
    outcome: Annotated[str | None, Query(pattern=OUTCOMES)] = None,
    long: bool | None = None,
    has_recording: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
    cursor: Annotated[str | None, Query(max_length=1000)] = None,
    who: Principal = Depends(principal), context: AppContext = Depends(ctx),
) -> dict[str, Any]:  # fmt: skip
    tz = ZoneInfo(context.company().timezone)
    query = CallSearch(
        since=moment(since, tz, "from"), until=moment(until, tz, "to", whole_day_end=True),
        number=number, contact=contact, agent=agent, queue=queue, team=team,
        disposition=disposition, outcome=outcome or "", long=long, has_recording=has_recording,
    )  # fmt: skip
    page = call_index(context).search(query, scope_of(who), limit, cursor)
    return {"calls": [entry_json(e) for e in page.entries], "next_cursor": page.next_cursor}


@router.get("/api/history/calls/{call_id:path}", summary="One finished call")
async def one_call(
    call_id: str, who: Principal = Depends(principal), context: AppContext = Depends(ctx)
) -> dict[str, Any]:
    return entry_json(visible_entry(context, who, call_id))


def recording_on_disk(context: AppContext, path: str) -> Path | None:
    """The file, if it lies where the server writes recordings (a row never names another)."""
    found = Path(path).resolve()
    for folder in RECORDING_FOLDERS:
        if found.is_relative_to((context.data_dir / folder).resolve()):
            return found if found.is_file() else None
    return None


@router.get(
    "/api/recordings/{call_id:path}/{n}.wav",
    summary="Play or download one recording (WAV; Range requests for seeking)",
    response_class=FileResponse,
    responses={200: {"content": {"audio/wav": {}}}, 206: {"description": "Partial content"}},
)
def recording_file(
    call_id: str, n: int, download: bool = False, who: Principal = Depends(principal),
    context: AppContext = Depends(ctx),
) -> FileResponse:  # fmt: skip
    entry = visible_entry(context, who, call_id, Action.VIEW_RECORDING)
    if not 1 <= n <= len(entry.recordings):
        raise not_found("recording", f"{call_id} #{n}")
    path = recording_on_disk(context, entry.recordings[n - 1].path)
    if path is None:
        message = f"Recording #{n} of call {call_id!r} is not on this server's disk."
        raise ApiError(404, "recording_missing", message)
    return FileResponse(
        path, media_type="audio/wav", filename=f"{safe_name(call_id)}-{n}.wav",
        content_disposition_type="attachment" if download else "inline",
        headers={"Cache-Control": "private, no-store"},
    )  # fmt: skip


@router.get("/api/recordings/{call_id:path}", summary="A finished call's recordings")
async def recordings(
    call_id: str, who: Principal = Depends(principal), context: AppContext = Depends(ctx)
) -> dict[str, Any]:
    entry = visible_entry(context, who, call_id, Action.VIEW_RECORDING)
    return {
        "call_id": call_id,
        "recordings": [
            {"n": n, "kind": r.kind, "duration_s": r.duration_s, "channels": r.channels,
             "url": recording_url(call_id, n),
             "on_disk": recording_on_disk(context, r.path) is not None}
            for n, r in enumerate(entry.recordings, start=1)
        ],
    }  # fmt: skip
