"""Cases: open, update, close and import, each change kept as a history event.

Status changes follow `model.CASE_TRANSITIONS`; a change it does not allow is refused with the
current and the asked-for status. Imported cases (`upsert_case`) mirror another system, so they
take its status as it is, and record a history event only when something actually changed:
importing the same file twice adds nothing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, update

from frontdesk.crm import reads, validate
from frontdesk.crm.errors import CrmError
from frontdesk.crm.model import CASE_TRANSITIONS, Case, CaseEventKind, CaseStatus
from frontdesk.crm.schema import accounts, case_events, cases
from frontdesk.crm.writer_base import WriterBase


class CaseWrites(WriterBase):
    def open_case(
        self,
        topic: str,
        *,
        contact_id: int | None = None,
        account_id: int | None = None,
        note: str | None = None,
        by: str | None = None,
    ) -> Case:
        """Opens a case for a contact (and its account, unless another is given)."""
        values = self._new_case_values(topic, contact_id, account_id, None)
        text_note = validate.optional_text(note, "note", 4000)
        case_id = self._insert(cases, values)
        self._case_event(case_id, self.now, CaseEventKind.OPENED, CaseStatus.OPEN, text_note, by)
        self._touch(values["contact_id"])
        return self.case(case_id)

    def update_case(
        self,
        case_id: int,
        *,
        status: CaseStatus | str | None = None,
        topic: str | None = None,
        note: str | None = None,
        by: str | None = None,
    ) -> Case:
        """Changes the status and/or topic and/or adds a note; each is a history event."""
        case = self.case(case_id)
        new_status = validate.choice(CaseStatus, status, "case status") if status else None
        new_topic = validate.text(topic, "case topic", 200) if topic is not None else None
        text_note = validate.optional_text(note, "note", 4000)
        if new_status is None and new_topic is None and text_note is None:
            raise CrmError("nothing to change: give a status, a topic or a note")
        if new_status is not None and (case.status, new_status) not in CASE_TRANSITIONS:
            raise CrmError(
                f"case {case_id} is {case.status.value} and cannot become {new_status.value}"
            )
        validate.optional_text(by, "agent id", 64)
        changes: dict[str, Any] = {"updated_at": self.now}
        if new_status is not None:
            changes["status"] = new_status.value
            changes["closed_at"] = self.now if new_status is CaseStatus.CLOSED else None
            self._case_event(case_id, self.now, CaseEventKind.STATUS, new_status, None, by)
        if new_topic is not None:
            changes["topic"] = new_topic
            self._case_event(case_id, self.now, CaseEventKind.TOPIC, None, new_topic, by)
        if text_note is not None:
            self._case_event(case_id, self.now, CaseEventKind.NOTE, None, text_note, by)
        self._conn.execute(update(cases).where(cases.c.id == case_id).values(changes))
        self._touch(case.contact_id)
        return self.case(case_id)

    def close_case(self, case_id: int, *, note: str | None = None, by: str | None = None) -> Case:
        return self.update_case(case_id, status=CaseStatus.CLOSED, note=note, by=by)

    def upsert_case(
        self,
        external_id: str,
        topic: str,
        *,
        status: CaseStatus | str = CaseStatus.OPEN,
        contact_id: int | None = None,
        account_id: int | None = None,
        opened_at: float | str | None = None,
        updated_at: float | str | None = None,
    ) -> tuple[Case, bool]:
        """Creates or updates the case with this external id as another system has it.

        Returns the case and True when it was created.
        """
        ext = validate.text(external_id, "external id", 128)
        state = validate.choice(CaseStatus, status, "case status")
        opened = validate.timestamp(self.now if opened_at is None else opened_at, "opening time")
        updated = validate.timestamp(opened if updated_at is None else updated_at, "update time")
        if updated < opened:
            raise CrmError("the case was updated before it was opened")
        values = self._new_case_values(topic, contact_id, account_id, ext)
        values |= {
            "status": state.value,
            "opened_at": opened,
            "updated_at": updated,
            "closed_at": updated if state is CaseStatus.CLOSED else None,
        }
        existing = self._id_of(cases, ext)
        if existing is None:
            case_id = self._insert(cases, values)
            self._case_event(case_id, updated, CaseEventKind.IMPORTED, state, None, None)
        else:
            case_id = existing
            before = self.case(case_id)
            if before.status is not state:
                self._case_event(case_id, updated, CaseEventKind.STATUS, state, None, None)
            if before.topic != values["topic"]:
                self._case_event(case_id, updated, CaseEventKind.TOPIC, None, values["topic"], None)
            self._conn.execute(update(cases).where(cases.c.id == case_id).values(values))
            self._touch(before.contact_id)
        self._touch(values["contact_id"])
        return self.case(case_id), existing is None

    def case(self, case_id: int) -> Case:
        found = reads.read_case(self._conn, case_id)
        if found is None:
            raise CrmError(f"there is no case with id {case_id}")
        return found

    def _new_case_values(
        self, topic: str, contact_id: int | None, account_id: int | None, ext: str | None
    ) -> dict[str, Any]:
        subject = validate.text(topic, "case topic", 200)
        if contact_id is None and account_id is None:
            raise CrmError("a case must be about a contact or an account")
        if contact_id is not None:
            contact = reads.read_contact(self._conn, contact_id)
            if contact is None:
                raise CrmError(f"there is no contact with id {contact_id}")
            account_id = contact.account_id if account_id is None else account_id
        if account_id is not None:
            self._require(accounts, account_id, "account")
        return {
            "topic": subject,
            "status": CaseStatus.OPEN.value,
            "opened_at": self.now,
            "updated_at": self.now,
            "contact_id": contact_id,
            "account_id": account_id,
            "external_id": ext,
        }

    def _case_event(
        self,
        case_id: int,
        at: float,
        kind: CaseEventKind,
        status: CaseStatus | None,
        text: str | None,
        by: str | None,
    ) -> None:
        row = {
            "case_id": case_id,
            "at": at,
            "kind": kind.value,
            "status": status.value if status is not None else None,
            "text": text,
            "by": validate.optional_text(by, "agent id", 64),
        }
        self._conn.execute(insert(case_events).values(row))
