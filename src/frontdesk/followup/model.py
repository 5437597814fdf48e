"""What the follow-up store knows, as frozen values: tasks, the calls behind them, attempts.

A `Task` is work for a team: reach a caller it could not answer (a missed call), who left a
message (a voicemail) or who asked to be called (a callback). Times are wall-clock seconds
since the Unix epoch; ids are the database's integers. A task is open until it is done (the
caller was reached, or someone closed it with a note) or cancelled; the allowed changes are
the table `TASK_TRANSITIONS`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from frontdesk.followup.errors import FollowupError


class TaskKind(enum.StrEnum):
    VOICEMAIL = "voicemail"  # listen to the message, then call back
    MISSED_CALL = "missed_call"  # call back a caller nobody answered
    CALLBACK = "callback"  # the caller asked to be called, as soon as possible or in a window


class TaskStatus(enum.StrEnum):
    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"


class TaskAction(enum.StrEnum):
    ADD_CALL = "add_call"  # another unanswered call or a voicemail from the same caller
    BOOK = "book"  # the caller booked a callback
    ATTEMPT = "attempt"  # someone tried to reach the caller
    COMPLETE = "complete"
    REACHED = "reached"  # the caller was reached on some call, in or out
    CANCEL = "cancel"


TASK_TRANSITIONS: dict[tuple[TaskStatus, TaskAction], TaskStatus] = {
    (TaskStatus.OPEN, TaskAction.ADD_CALL): TaskStatus.OPEN,
    (TaskStatus.OPEN, TaskAction.BOOK): TaskStatus.OPEN,
    (TaskStatus.OPEN, TaskAction.ATTEMPT): TaskStatus.OPEN,
    (TaskStatus.OPEN, TaskAction.COMPLETE): TaskStatus.DONE,
    (TaskStatus.OPEN, TaskAction.REACHED): TaskStatus.DONE,
    (TaskStatus.OPEN, TaskAction.CANCEL): TaskStatus.CANCELLED,
}


def next_status(task_id: int, status: TaskStatus, action: TaskAction) -> TaskStatus:
    """The status after `action`, or FollowupError saying why a closed task cannot take it."""
    after = TASK_TRANSITIONS.get((status, action))
    if after is None:
        raise FollowupError(
            f"task {task_id} is {status.value}: it cannot take '{action.value}' any more"
        )
    return after


class MissReason(enum.StrEnum):
    """Why a call went unanswered; every one of these is on the missed-calls list."""

    AFTER_HOURS = "after_hours"  # arrived while the team was closed
    ABANDONED = "abandoned"  # the caller hung up while queued or ringing
    RANG_OUT = "rang_out"  # nobody picked up within the ring or queue time
    NO_AGENT = "no_agent"  # nobody logged in or working for the queue
    VOICEMAIL = "voicemail"  # the caller left a message


@dataclass(frozen=True, slots=True)
class Task:
    id: int
    kind: TaskKind
    status: TaskStatus
    caller: str  # as the network presented it
    caller_key: str | None  # E.164, or None for withheld and unusable numbers
    team: str
    queue: str | None
    call_id: str | None  # the call that opened the task
    last_call_id: str | None
    unanswered_calls: int  # unanswered calls (voicemails included) merged into this task
    created_at: float
    updated_at: float
    due_at: float
    promise: str | None  # what the caller was told, in their language
    language: str
    attempts: int = 0
    last_outcome: str | None = None
    last_attempt_at: float | None = None
    done_by: str | None = None
    closed_at: float | None = None
    note: str = ""  # the closing note, or why it was cancelled
    recording_path: str | None = None  # the latest voicemail of this task
    recording_s: float | None = None
    not_before: float | None = None  # a booked callback window
    not_after: float | None = None
    notified_at: float | None = None  # when the team's e-mail was accepted by the server
    notify_error: str | None = None  # why the last notification failed

    @property
    def is_open(self) -> bool:
        return self.status is TaskStatus.OPEN

    def overdue(self, now_wall: float) -> bool:
        return self.is_open and now_wall > self.due_at


@dataclass(frozen=True, slots=True)
class MissedCall:
    """One unanswered call on the missed-calls list, and whether its task is still open."""

    id: int
    at: float
    call_id: str
    caller: str
    team: str
    queue: str | None
    reason: MissReason
    task_id: int | None  # None: the number cannot be called back (withheld)
    still_open: bool
    recording_path: str | None = None
    recording_s: float | None = None


@dataclass(frozen=True, slots=True)
class Attempt:
    """One try at reaching the caller of a task."""

    task_id: int
    at: float
    outcome: str  # e.g. "no-answer", "busy", "left-message"
    by: str | None
