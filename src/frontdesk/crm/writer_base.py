"""What every part of the CRM writer shares: the transaction, the clock reading, small checks.

A writer is bound to one database transaction and one reading of the clock (`now`), so every
record written in one block carries the same time. `touched` collects the contacts whose
profiles changed and `added_numbers` the numbers that became known, for the store to drop from
its cache when the block ends.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Table, insert, select

from frontdesk.crm import schema as t
from frontdesk.crm import validate
from frontdesk.crm.errors import CrmError


class WriterBase:
    def __init__(self, conn: Connection, now: float, region: str) -> None:
        self._conn = conn
        self.now = now
        self.region = region
        self.touched: set[int] = set()
        self.touched_everyone = False  # an account changed: many profiles may show it
        self.added_numbers: set[str] = set()  # a remembered miss for these is now wrong

    def account_id_for(self, external_id: str) -> int | None:
        """The id of the account that another system calls `external_id`, if there is one."""
        return self._id_of(t.accounts, external_id)

    def contact_id_for(self, external_id: str) -> int | None:
        return self._id_of(t.contacts, external_id)

    def case_id_for(self, external_id: str) -> int | None:
        return self._id_of(t.cases, external_id)

    def _id_of(self, table: Table, external_id: str) -> int | None:
        query = select(table.c.id).where(table.c.external_id == external_id)
        found: int | None = self._conn.execute(query).scalar()
        return found

    def _require(self, table: Table, row_id: int, what: str) -> None:
        if self._conn.execute(select(table.c.id).where(table.c.id == row_id)).first() is None:
            raise CrmError(f"there is no {what} with id {row_id}")

    def _insert(self, table: Table, values: Mapping[str, Any]) -> int:
        result = self._conn.execute(insert(table).values(dict(values)))
        key = result.inserted_primary_key
        assert key is not None
        return int(key[0])

    def _touch(self, contact_id: int | None) -> None:
        if contact_id is not None:
            self.touched.add(contact_id)

    def _note_line(self, note: str, by: str | None) -> str:
        """A dated, signed line to append to free-text notes."""
        text = validate.text(note, "note", 4000)
        stamp = datetime.fromtimestamp(self.now, UTC).strftime("%Y-%m-%d %H:%M UTC")
        who = validate.optional_text(by, "agent id", 64)
        return f"[{stamp}{' ' + who if who else ''}] {text}"
