"""`FollowupStore`: tasks to call callers back, and the missed-calls list, on a SQLAlchemy engine.

Every write is one transaction, committed before the method returns: nothing is buffered, so
a process killed right after a call returns has lost nothing (SQLite in WAL mode with
synchronous=NORMAL survives a process kill; see store/eventlog.py). A voicemail the caller
was promised a call for must never be lost, and these writes are a few per call, not
hundreds per second, so there is no reason to batch them as the event log does.

Bad input raises FollowupError before anything is written. Writes in one process are
serialised by a lock; between processes, on SQLite, each write transaction takes the database's
write lock before it reads (BEGIN IMMEDIATE). On other databases the one-open-task index
catches two processes opening a task for the same caller at once: the loser retries once and
finds the winner's task.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import Connection, Engine, select
from sqlalchemy.exc import IntegrityError

from frontdesk.clock import Clock
from frontdesk.crm.errors import CrmError
from frontdesk.crm.numbers import caller_key, check_region
from frontdesk.followup import checks, held, rows, work
from frontdesk.followup.errors import FollowupError
from frontdesk.followup.held import HeldCallback, HeldPlace
from frontdesk.followup.merge import Booking, Unanswered, book_callback, record_unanswered
from frontdesk.followup.model import (
    Attempt,
    MissedCall,
    MissReason,
    Task,
    TaskAction,
    TaskKind,
    TaskStatus,
)
from frontdesk.followup.schema import create_schema, tasks

_T = TypeVar("_T")
_ID = 255
_NAME = 64
_WHO = 128


class FollowupStore:
    def __init__(self, engine: Engine, clock: Clock, *, region: str = "GB") -> None:
        """`region` reads national-format caller numbers (the company's country)."""
        try:
            self.region = check_region(region)
        except CrmError as exc:
            raise FollowupError(str(exc)) from None
        self._engine = engine
        self._clock = clock
        self._lock = threading.Lock()
        create_schema(engine)

    def _write(self, change: Callable[[Connection, float], _T]) -> _T:
        with self._lock:
            for last_try in (False, True):
                try:
                    with self._engine.connect() as conn:
                        if conn.dialect.name == "sqlite":
                            # Take the write lock before reading: what a change reads (the
                            # caller's open task, its counters) cannot then be changed by
                            # another process before the change is written.
                            conn.exec_driver_sql("BEGIN IMMEDIATE")
                        result = change(conn, self._clock.wall())
                        conn.commit()
                        return result
                except IntegrityError as exc:
                    if last_try:
                        raise FollowupError(
                            f"the change conflicts with data written meanwhile: {exc.orig}"
                        ) from exc
        raise AssertionError("unreachable")

    # -- unanswered calls -------------------------------------------------------------------

    def add_missed_call(
        self,
        call_id: str,
        caller: str,
        team: str,
        queue: str | None,
        reason: MissReason | str,
        due_at: float,
        *,
        promise: str | None = None,
        language: str = "en",
    ) -> Task | None:
        """Lists the call and adds it to the caller's open task for `team` (or opens one).

        Returns the task, or None when the number cannot be called back (withheld). Reporting
        the same call again changes nothing and returns its task.
        """
        call = self._unanswered(
            call_id, caller, team, queue, checks.reason(reason), due_at, promise, language
        )
        return self._write(lambda conn, now: record_unanswered(conn, now, call))

    def add_voicemail(
        self,
        call_id: str,
        caller: str,
        team: str,
        queue: str | None,
        recording_path: str,
        recording_s: float,
        due_at: float,
        promise: str | None,
        *,
        language: str = "en",
    ) -> Task:
        """Stores a voicemail: on the caller's open task for `team`, or as a new task."""
        recording = (
            checks.text(str(recording_path), "recording path", 4096),
            checks.duration(recording_s, "recording duration"),
        )
        call = self._unanswered(
            call_id, caller, team, queue, MissReason.VOICEMAIL, due_at, promise, language, recording
        )
        task = self._write(lambda conn, now: record_unanswered(conn, now, call))
        assert task is not None  # a voicemail always has a task
        return task

    def _unanswered(
        self,
        call_id: str,
        caller: str,
        team: str,
        queue: str | None,
        reason: MissReason,
        due_at: float,
        promise: str | None,
        language: str,
        recording: tuple[str, float] | None = None,
    ) -> Unanswered:
        raw = checks.text(caller, "caller number", _ID)
        return Unanswered(
            call_id=checks.text(call_id, "call id", _ID),
            caller=raw,
            caller_key=caller_key(raw, self.region),
            team=checks.text(team, "team", _NAME),
            queue=checks.optional_text(queue, "queue", _NAME),
            reason=reason,
            due_at=checks.instant(due_at, "due time"),
            promise=checks.optional_text(promise, "promise", 500),
            language=checks.text(language, "language", 20),
            recording_path=None if recording is None else recording[0],
            recording_s=None if recording is None else recording[1],
        )

    # -- booked callbacks -------------------------------------------------------------------

    def add_callback(
        self,
        caller: str,
        team: str,
        queue: str | None,
        *,
        due_at: float | None = None,
        window: tuple[float, float] | None = None,
        call_id: str | None = None,
        promise: str | None = None,
        language: str = "en",
        place: HeldPlace | None = None,
    ) -> Task:
        """A callback the caller booked: as soon as possible (`due_at`, the promise) or in a
        `window` (start, end), which is then also when it is due. `place` is what the routing
        engine holds for it, written in the same transaction (see held.py)."""
        raw = checks.text(caller, "caller number", _ID)
        key = caller_key(raw, self.region)
        if key is None:
            raise FollowupError(f"'{raw}' is not a number that can be called back")
        if (due_at is None) == (window is None):
            raise FollowupError("a callback is booked either as soon as possible or in a window")
        span = None if window is None else checks.window(window, self._clock.wall())
        due = span[1] if span is not None else checks.instant(due_at, "due time")
        booking = Booking(
            caller=raw,
            caller_key=key,
            team=checks.text(team, "team", _NAME),
            queue=checks.optional_text(queue, "queue", _NAME),
            call_id=checks.optional_text(call_id, "call id", _ID),
            due_at=due,
            window=span,
            promise=checks.optional_text(promise, "promise", 500),
            language=checks.text(language, "language", 20),
        )
        if place is not None:
            place = _checked_place(place)

        def change(conn: Connection, now: float) -> Task:
            task = book_callback(conn, now, booking)
            if place is not None:
                held.hold(conn, now, task.id, place)
            return task

        return self._write(change)

    def callback_attempt_failed(self, contact_id: str, outcome: str, by: str | None) -> Task | None:
        """A dial of a held callback failed: one more attempt on its place and on its task.
        Returns the task (None when no place is held under `contact_id`)."""
        outcome = checks.text(outcome, "outcome", 200)
        who = checks.optional_text(by, "name of who tried", _WHO)

        def change(conn: Connection, now: float) -> Task | None:
            task_id = held.note_failed_attempt(conn, contact_id)
            if task_id is None:
                return None
            task = rows.read_task(conn, task_id)
            if task is None or not task.is_open:
                return task
            return work.record_attempt(conn, now, task_id, outcome, who)

        return self._write(change)

    def release_callback(self, contact_id: str, outcome: str) -> bool:
        """The routing engine is done with the callback's place; False when none was held."""
        outcome = checks.text(outcome, "outcome", 200)
        return self._write(lambda conn, now: held.release(conn, now, contact_id, outcome))

    def move_callback(self, contact_id: str, to_contact_id: str) -> bool:
        """The routing engine holds the callback's place again under a new contact id (see
        held.move); False when no place is held under `contact_id`."""
        new_id = checks.text(to_contact_id, "callback's contact id", _ID)
        return self._write(lambda conn, now: held.move(conn, contact_id, new_id))

    def held_callbacks(self) -> tuple[HeldCallback, ...]:
        """The places the routing engine must hold again after a restart, oldest first."""
        with self._engine.connect() as conn:
            return held.open_places(conn)

    # -- working the tasks ------------------------------------------------------------------

    def attempt(self, task_id: int, outcome: str, by: str | None = None) -> Task:
        """Records one try at reaching the caller (the task stays open)."""
        outcome = checks.text(outcome, "outcome", 200)
        who = checks.optional_text(by, "name of who tried", _WHO)
        return self._write(lambda conn, now: work.record_attempt(conn, now, task_id, outcome, who))

    def complete(self, task_id: int, by: str, note: str = "") -> Task:
        who = checks.text(by, "name of who completed the task", _WHO)
        return self._write(
            lambda conn, now: work.close_task(
                conn, now, task_id, TaskAction.COMPLETE, who, note.strip()
            )
        )

    def cancel(self, task_id: int, reason: str) -> Task:
        why = checks.text(reason, "reason for cancelling", 1000)
        return self._write(
            lambda conn, now: work.close_task(conn, now, task_id, TaskAction.CANCEL, None, why)
        )

    def caller_reached(self, number: str, by: str, at: float | None = None) -> tuple[Task, ...]:
        """Closes every open task of the caller made by `at` (default: now): someone talked
        with them, on an answered inbound call or an outbound call they picked up. Returns the
        tasks closed; none for numbers that cannot be called back."""
        who = checks.text(by, "name of who reached the caller", _WHO)
        key = caller_key(checks.text(number, "caller number", _ID), self.region)
        when = None if at is None else checks.instant(at, "time the caller was reached")
        if key is None:
            return ()
        return self._write(
            lambda conn, now: work.close_reached(conn, now, key, who, now if when is None else when)
        )

    def record_notification(self, task_id: int, error: str | None) -> Task:
        """Notes that the team's e-mail about the task was sent (`error` None) or why not."""
        return self._write(lambda conn, now: work.note_notification(conn, now, task_id, error))

    # -- reads ------------------------------------------------------------------------------

    def get(self, task_id: int) -> Task | None:
        with self._engine.connect() as conn:
            return rows.read_task(conn, task_id)

    def open_tasks(
        self, team: str | None = None, kind: TaskKind | str | None = None
    ) -> tuple[Task, ...]:
        """Open tasks, the soonest due first."""
        query = select(tasks).where(tasks.c.status == TaskStatus.OPEN.value)
        if team is not None:
            query = query.where(tasks.c.team == team)
        if kind is not None:
            try:
                query = query.where(tasks.c.kind == TaskKind(kind).value)
            except ValueError:
                raise FollowupError(f"'{kind}' is not a kind of task") from None
        with self._engine.connect() as conn:
            found = conn.execute(query.order_by(tasks.c.due_at, tasks.c.id))
            return tuple(rows.task_from_row(row) for row in found)

    def missed_calls(
        self, since: float | None = None, team: str | None = None
    ) -> tuple[MissedCall, ...]:
        """Every unanswered call (newest first), with whether its task is still open."""
        query = rows.missed_calls_query(since, team, None)
        with self._engine.connect() as conn:
            return tuple(rows.missed_call_from_row(row) for row in conn.execute(query))

    def calls_of(self, task_id: int) -> tuple[MissedCall, ...]:
        """The unanswered calls and voicemails merged into a task, newest first."""
        query = rows.missed_calls_query(None, None, task_id)
        with self._engine.connect() as conn:
            return tuple(rows.missed_call_from_row(row) for row in conn.execute(query))

    def attempts_of(self, task_id: int) -> tuple[Attempt, ...]:
        with self._engine.connect() as conn:
            return rows.read_attempts(conn, task_id)


def _checked_place(place: HeldPlace) -> HeldPlace:
    return HeldPlace(
        contact_id=checks.text(place.contact_id, "callback's contact id", _ID),
        queue=checks.text(place.queue, "callback's queue", _NAME),
        number=checks.text(place.number, "number to call back", _ID),
        place_at=checks.instant(place.place_at, "time the caller's place dates from"),
        promised_at=None
        if place.promised_at is None
        else checks.instant(place.promised_at, "promised callback time"),
        priority=place.priority,
        language=place.language[:20],
        account=place.account[:255],
    )
