"""Writing the CRM: one `CrmWriter` per transaction, every value checked before it is stored.

A writer is bound to one database transaction (see `CrmStore.writer()`); a CrmError raised by
any of its methods, or any other exception in the `with` block, rolls the whole block back.
Each method checks its input before touching a table where it can, so even a caught error
leaves no half-written record behind. Cases are written by `CaseWrites` (case_writes.py).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import delete, insert, select, update

from frontdesk.crm import reads, validate
from frontdesk.crm import schema as t
from frontdesk.crm.case_writes import CaseWrites
from frontdesk.crm.errors import CrmError
from frontdesk.crm.model import Account, Contact, Direction, Fact, Interaction, Outcome
from frontdesk.crm.numbers import caller_key, normalise

_INTERACTION_COLUMNS = (
    "call_id",
    "at",
    "direction",
    "outcome",
    "contact_id",
    "number",
    "queue",
    "agent",
    "duration_s",
    "notes",
    "recording",
)


class CrmWriter(CaseWrites):
    """Writes inside one transaction: accounts, contacts, numbers, facts, interactions, cases."""

    # -- accounts ---------------------------------------------------------------------------

    def add_account(
        self,
        name: str,
        *,
        tier: str | None = None,
        owner: str | None = None,
        team: str | None = None,
        external_id: str | None = None,
    ) -> Account:
        values = _account_values(name, tier, owner, team)
        ext = validate.optional_text(external_id, "external id", 128)
        if ext is not None and self._id_of(t.accounts, ext) is not None:
            raise CrmError(f"an account with external id '{ext}' already exists")
        new_id = self._insert(t.accounts, {**values, "external_id": ext})
        return Account(new_id, external_id=ext, **values)

    def upsert_account(
        self,
        external_id: str,
        name: str,
        *,
        tier: str | None = None,
        owner: str | None = None,
        team: str | None = None,
    ) -> tuple[Account, bool]:
        """Creates or updates the account with this external id; True when created."""
        ext = validate.text(external_id, "external id", 128)
        existing = self._id_of(t.accounts, ext)
        if existing is None:
            return self.add_account(name, tier=tier, owner=owner, team=team, external_id=ext), True
        values = _account_values(name, tier, owner, team)
        self._conn.execute(update(t.accounts).where(t.accounts.c.id == existing).values(values))
        self.touched_everyone = True
        return Account(existing, external_id=ext, **values), False

    def set_products(self, account_id: int, items: Sequence[tuple[str, str]]) -> None:
        """Replaces the account's products with `items` (code, name)."""
        self._require(t.accounts, account_id, "account")
        checked = {
            validate.text(code, "product code", 64): validate.text(name, "product name", 200)
            for code, name in items
        }
        self._conn.execute(delete(t.products).where(t.products.c.account_id == account_id))
        if checked:
            rows = [{"account_id": account_id, "code": c, "name": n} for c, n in checked.items()]
            self._conn.execute(insert(t.products), rows)
        self.touched_everyone = True

    # -- contacts and numbers ---------------------------------------------------------------

    def add_contact(
        self,
        first_name: str = "",
        last_name: str = "",
        *,
        numbers: Sequence[str] = (),
        account_id: int | None = None,
        language: str | None = None,
        email: str | None = None,
        notes: str = "",
        external_id: str | None = None,
        allow_unallocated: bool = False,
    ) -> Contact:
        values = self._contact_values(first_name, last_name, account_id, language, email)
        ext = validate.optional_text(external_id, "external id", 128)
        if ext is not None and self._id_of(t.contacts, ext) is not None:
            raise CrmError(f"a contact with external id '{ext}' already exists")
        wanted = self._free_numbers(numbers, None, allow_unallocated)
        text_notes = validate.optional_text(notes, "notes", 20_000) or ""
        new_id = self._insert(t.contacts, {**values, "notes": text_notes, "external_id": ext})
        self._store_numbers(new_id, wanted)
        return Contact(new_id, numbers=wanted, notes=text_notes, external_id=ext, **values)

    def upsert_contact(
        self,
        external_id: str,
        first_name: str = "",
        last_name: str = "",
        *,
        numbers: Sequence[str] = (),
        account_id: int | None = None,
        language: str | None = None,
        email: str | None = None,
        allow_unallocated: bool = False,
    ) -> tuple[Contact, bool]:
        """Creates or updates the contact with this external id, giving it exactly `numbers`.

        Notes are kept: they are written by agents here, not by the system imported from.
        """
        ext = validate.text(external_id, "external id", 128)
        existing = self._id_of(t.contacts, ext)
        if existing is None:
            contact = self.add_contact(
                first_name,
                last_name,
                numbers=numbers,
                account_id=account_id,
                language=language,
                email=email,
                external_id=ext,
                allow_unallocated=allow_unallocated,
            )
            return contact, True
        values = self._contact_values(first_name, last_name, account_id, language, email)
        wanted = self._free_numbers(numbers, existing, allow_unallocated)
        self._conn.execute(update(t.contacts).where(t.contacts.c.id == existing).values(values))
        self._conn.execute(delete(t.numbers).where(t.numbers.c.contact_id == existing))
        self._store_numbers(existing, wanted)
        return self._contact(existing), False

    def add_number(self, contact_id: int, raw: str, *, allow_unallocated: bool = False) -> str:
        """Gives the contact one more number; refused if another contact has it."""
        contact = self._contact(contact_id)
        (number,) = self._free_numbers([raw], contact_id, allow_unallocated)
        if number not in contact.numbers:
            self._store_numbers(contact_id, (number,), first_position=len(contact.numbers))
        return number

    def add_contact_note(self, contact_id: int, note: str, *, by: str | None = None) -> Contact:
        """Appends a dated line to the contact's notes."""
        line = self._note_line(note, by)
        contact = self._contact(contact_id)
        notes_text = f"{contact.notes}\n{line}" if contact.notes else line
        query = update(t.contacts).where(t.contacts.c.id == contact_id).values(notes=notes_text)
        self._conn.execute(query)
        self.touched.add(contact_id)
        return self._contact(contact_id)

    def delete_contact(self, contact_id: int) -> None:
        """Forgets a person: the contact, its numbers, facts, interactions and its cases."""
        self._require(t.contacts, contact_id, "contact")
        own_cases = select(t.cases.c.id).where(t.cases.c.contact_id == contact_id)
        self._conn.execute(delete(t.case_events).where(t.case_events.c.case_id.in_(own_cases)))
        for table in (t.cases, t.facts, t.interactions, t.numbers):
            self._conn.execute(delete(table).where(table.c.contact_id == contact_id))
        self._conn.execute(delete(t.contacts).where(t.contacts.c.id == contact_id))
        self.touched.add(contact_id)

    def delete_account(self, account_id: int) -> None:
        """Removes an account with its products, facts and cases; its contacts stay, unlinked."""
        self._require(t.accounts, account_id, "account")
        own_cases = select(t.cases.c.id).where(t.cases.c.account_id == account_id)
        self._conn.execute(delete(t.case_events).where(t.case_events.c.case_id.in_(own_cases)))
        for table in (t.cases, t.facts, t.products):
            self._conn.execute(delete(table).where(table.c.account_id == account_id))
        unlink = update(t.contacts).where(t.contacts.c.account_id == account_id)
        self._conn.execute(unlink.values(account_id=None))
        self._conn.execute(delete(t.accounts).where(t.accounts.c.id == account_id))
        self.touched_everyone = True

    # -- facts and interactions --------------------------------------------------------------

    def add_fact(
        self,
        kind: str,
        summary: str,
        *,
        contact_id: int | None = None,
        account_id: int | None = None,
        starts_at: float | None = None,
        ends_at: float | None = None,
        data: Mapping[str, Any] | None = None,
    ) -> Fact:
        """Self-service data, e.g. kind "delivery" with its booked window and parcel number."""
        if contact_id is None and account_id is None:
            raise CrmError("a fact must belong to a contact or an account")
        if contact_id is not None:
            self._require(t.contacts, contact_id, "contact")
        if account_id is not None:
            self._require(t.accounts, account_id, "account")
        start = validate.timestamp(starts_at, "start") if starts_at is not None else None
        end = validate.timestamp(ends_at, "end") if ends_at is not None else None
        if start is not None and end is not None and end < start:
            raise CrmError("the fact ends before it starts")
        try:
            encoded = json.dumps(dict(data or {}), sort_keys=True, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise CrmError(f"the fact's data cannot be stored as JSON: {exc}") from None
        fact = Fact(
            id=None,
            kind=validate.text(kind, "fact kind", 64),
            summary=validate.text(summary, "fact summary", 500),
            starts_at=start,
            ends_at=end,
            data=json.loads(encoded),
            contact_id=contact_id,
            account_id=account_id,
        )
        columns = ("kind", "summary", "starts_at", "ends_at", "contact_id", "account_id")
        row = {name: getattr(fact, name) for name in columns}
        new_id = self._insert(t.facts, {**row, "data": encoded})
        if contact_id is None:
            self.touched_everyone = True
        self._touch(contact_id)
        return Fact(new_id, **{name: getattr(fact, name) for name in (*columns, "data")})

    def record_interaction(
        self,
        call_id: str,
        *,
        direction: Direction | str,
        outcome: Outcome | str,
        at: float | None = None,
        number: str | None = None,
        contact_id: int | None = None,
        queue: str | None = None,
        agent: str | None = None,
        duration_s: float = 0.0,
        notes: str = "",
        recording: str | None = None,
    ) -> Interaction:
        """Stores a call; given a number but no contact, the number's owner (if any) is used.

        The number is the caller ID as the network gave it: a withheld or unusable one
        ("anonymous") is stored as None rather than refused, because the call did happen.
        """
        e164 = caller_key(number, self.region) if number else None
        if contact_id is not None:
            self._require(t.contacts, contact_id, "contact")
        elif e164 is not None:
            owner = select(t.numbers.c.contact_id).where(t.numbers.c.number == e164)
            contact_id = self._conn.execute(owner).scalar()
        interaction = Interaction(
            id=None,
            call_id=validate.text(call_id, "call id", 255),
            at=validate.timestamp(self.now if at is None else at, "interaction time"),
            direction=validate.choice(Direction, direction, "direction"),
            outcome=validate.choice(Outcome, outcome, "outcome"),
            contact_id=contact_id,
            number=e164,
            queue=validate.optional_text(queue, "queue", 64),
            agent=validate.optional_text(agent, "agent id", 64),
            duration_s=validate.duration(duration_s),
            notes=validate.optional_text(notes, "notes", 20_000) or "",
            recording=validate.optional_text(recording, "recording path", 500),
        )
        row = {name: getattr(interaction, name) for name in _INTERACTION_COLUMNS}
        new_id = self._insert(t.interactions, row)
        self._touch(contact_id)
        return self._interaction(new_id)

    def add_interaction_note(
        self, interaction_id: int, note: str, *, by: str | None = None
    ) -> Interaction:
        """Appends a dated line to an interaction's notes (after-call work)."""
        line = self._note_line(note, by)
        found = self._interaction(interaction_id)
        notes_text = f"{found.notes}\n{line}" if found.notes else line
        query = update(t.interactions).where(t.interactions.c.id == interaction_id)
        self._conn.execute(query.values(notes=notes_text))
        self._touch(found.contact_id)
        return self._interaction(interaction_id)

    # -- helpers ------------------------------------------------------------------------------

    def _contact(self, contact_id: int) -> Contact:
        contact = reads.read_contact(self._conn, contact_id)
        if contact is None:
            raise CrmError(f"there is no contact with id {contact_id}")
        return contact

    def _interaction(self, interaction_id: int) -> Interaction:
        found = reads.read_interaction(self._conn, interaction_id)
        if found is None:
            raise CrmError(f"there is no interaction with id {interaction_id}")
        return found

    def _contact_values(
        self, first: str, last: str, account_id: int | None, language: object, email: object
    ) -> dict[str, Any]:
        first_name = validate.optional_text(first, "first name", 100) or ""
        last_name = validate.optional_text(last, "last name", 100) or ""
        if not first_name and not last_name:
            raise CrmError("a contact needs a first name or a last name")
        if account_id is not None:
            self._require(t.accounts, account_id, "account")
        return {
            "first_name": first_name,
            "last_name": last_name,
            "account_id": account_id,
            "language": validate.language(language),
            "email": validate.email(email),
        }

    def _free_numbers(
        self, raws: Sequence[str], owner: int | None, allow_unallocated: bool
    ) -> tuple[str, ...]:
        """Normalised numbers in order, refusing any that another contact already has."""
        if isinstance(raws, str):
            raise CrmError("numbers must be a list of phone numbers, not one text")
        wanted: list[str] = []
        for raw in raws:
            number = normalise(raw, self.region, allow_unallocated=allow_unallocated)
            if number not in wanted:
                wanted.append(number)
        if wanted:
            query = select(t.numbers.c.number, t.numbers.c.contact_id)
            for number, holder in self._conn.execute(query.where(t.numbers.c.number.in_(wanted))):
                if holder != owner:
                    raise CrmError(f"the number {number} already belongs to contact {holder}")
        return tuple(wanted)

    def _store_numbers(
        self, contact_id: int, wanted: Sequence[str], first_position: int = 0
    ) -> None:
        if wanted:
            rows = [
                {"number": n, "contact_id": contact_id, "position": first_position + i}
                for i, n in enumerate(wanted)
            ]
            self._conn.execute(insert(t.numbers), rows)
            self.added_numbers.update(wanted)
        self.touched.add(contact_id)


def _account_values(
    name: str, tier: str | None, owner: str | None, team: str | None
) -> dict[str, Any]:
    return {
        "name": validate.text(name, "account name", 200),
        "tier": validate.optional_text(tier, "tier", 40),
        "owner": validate.optional_text(owner, "owner agent id", 64),
        "team": validate.optional_text(team, "team", 64),
    }
