"""Reading the CRM: the caller profile behind a number, and single records by id.

`ProfileReader.read` is the hot path of every inbound call. It costs one indexed query for a
number nobody knows, and at most six for a known caller (number to contact and account, the
contact's numbers, products, open cases, recent interactions, facts), each a descent of an
index on the contact and a short range scan. The statements are SQLAlchemy Core, compiled once
for the engine's dialect and run on the DBAPI cursor (see `_Prepared`). Reads by id, which are
not on the hot path, go through SQLAlchemy as usual.
"""

from __future__ import annotations

import json
from collections import namedtuple
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Dialect, Select, bindparam, or_, select

from frontdesk.crm.model import (
    Account,
    CallerProfile,
    Case,
    CaseEvent,
    CaseEventKind,
    CaseStatus,
    Contact,
    Direction,
    Fact,
    Interaction,
    Outcome,
    Product,
)
from frontdesk.crm.schema import (
    accounts,
    case_events,
    cases,
    contacts,
    facts,
    interactions,
    numbers,
    products,
)


@dataclass(frozen=True, slots=True)
class ProfilePolicy:
    """How much history a profile carries."""

    case_days: float = 30.0  # open or pending cases updated within this many days
    max_cases: int = 5
    max_interactions: int = 5
    fact_grace_s: float = 86_400.0  # facts stay for a day after their window ends


_CONTACT_BY_NUMBER = (
    select(
        contacts,
        accounts.c.id.label("a_id"),
        accounts.c.external_id.label("a_external_id"),
        accounts.c.name.label("a_name"),
        accounts.c.tier.label("a_tier"),
        accounts.c.owner.label("a_owner"),
        accounts.c.team.label("a_team"),
    )
    .select_from(numbers.join(contacts, contacts.c.id == numbers.c.contact_id))
    .outerjoin(accounts, accounts.c.id == contacts.c.account_id)
    .where(numbers.c.number == bindparam("number"))
)
_NUMBERS_OF = (
    select(numbers.c.number)
    .where(numbers.c.contact_id == bindparam("cid"))
    .order_by(numbers.c.position, numbers.c.number)
)
_PRODUCTS_OF = (
    select(products.c.code, products.c.name)
    .where(products.c.account_id == bindparam("aid"))
    .order_by(products.c.code)
)
_OPEN_CASES_OF = (
    select(cases)
    .where(
        cases.c.contact_id == bindparam("cid"),
        cases.c.updated_at >= bindparam("since"),
        cases.c.status != CaseStatus.CLOSED.value,
    )
    .order_by(cases.c.updated_at.desc())
    .limit(bindparam("n"))
)
_INTERACTIONS_OF = (
    select(interactions)
    .where(interactions.c.contact_id == bindparam("cid"))
    .order_by(interactions.c.at.desc(), interactions.c.id.desc())
    .limit(bindparam("n"))
)
_FACTS_OF = (
    select(facts)
    .where(
        facts.c.contact_id == bindparam("cid"),
        or_(facts.c.ends_at.is_(None), facts.c.ends_at >= bindparam("since")),
    )
    .order_by(facts.c.starts_at, facts.c.id)
)


class _Prepared:
    """One statement compiled once for the engine's dialect, run straight on a DBAPI cursor.

    The profile queries run on every call, and SQLAlchemy's per-execution work (parameter
    processing, result set-up) costs several times what SQLite takes to answer them; compiled
    here once, each costs a cursor execute. Only types without bind or result processing
    (integers, floats, text) are read this way.
    """

    __slots__ = ("fixed", "make_row", "order", "positional", "sql")

    def __init__(self, statement: Select[Any], dialect: Dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        self.sql = str(compiled)
        self.positional = dialect.positional
        names = compiled.positiontup if dialect.positional else list(compiled.binds)
        self.order: tuple[str, ...] = tuple(names or ())
        self.fixed = {
            name: compiled.binds[name].effective_value
            for name in self.order
            if not compiled.binds[name].required
        }
        row_type = namedtuple("row", [col.key for col in statement.selected_columns])  # type: ignore[misc]
        self.make_row: Callable[[Iterable[Any]], Any] = row_type._make

    def run(self, cursor: Any, **given: Any) -> list[Any]:
        if self.positional:
            params: Any = tuple(given[n] if n in given else self.fixed[n] for n in self.order)
        else:
            params = {**self.fixed, **given}
        cursor.execute(self.sql, params)
        make = self.make_row
        return [make(values) for values in cursor.fetchall()]


class ProfileReader:
    """Reads caller profiles with the six profile statements, prepared for one dialect."""

    def __init__(self, dialect: Dialect) -> None:
        self._head = _Prepared(_CONTACT_BY_NUMBER, dialect)
        self._numbers = _Prepared(_NUMBERS_OF, dialect)
        self._products = _Prepared(_PRODUCTS_OF, dialect)
        self._cases = _Prepared(_OPEN_CASES_OF, dialect)
        self._interactions = _Prepared(_INTERACTIONS_OF, dialect)
        self._facts = _Prepared(_FACTS_OF, dialect)

    def read(
        self, cursor: Any, number: str, now: float, policy: ProfilePolicy
    ) -> CallerProfile | None:
        """The profile of the contact who owns `number` (E.164), or None if nobody does."""
        found = self._head.run(cursor, number=number)
        if not found:
            return None
        head = found[0]
        cid = head.id
        own_numbers = tuple(row.number for row in self._numbers.run(cursor, cid=cid))
        account: Account | None = None
        product_list: tuple[Product, ...] = ()
        if head.a_id is not None:
            account = Account(
                head.a_id, head.a_name, head.a_tier, head.a_owner, head.a_team, head.a_external_id
            )
            rows = self._products.run(cursor, aid=head.a_id)
            product_list = tuple(Product(row.code, row.name) for row in rows)
        case_since = now - policy.case_days * 86_400.0
        open_cases = self._cases.run(cursor, cid=cid, since=case_since, n=policy.max_cases)
        recent = self._interactions.run(cursor, cid=cid, n=policy.max_interactions)
        current = self._facts.run(cursor, cid=cid, since=now - policy.fact_grace_s)
        return CallerProfile(
            number=number,
            contact=contact_from_row(head, own_numbers),
            account=account,
            products=product_list,
            open_cases=tuple(case_from_row(r) for r in open_cases),
            recent_interactions=tuple(interaction_from_row(r) for r in recent),
            facts=tuple(fact_from_row(r) for r in current),
        )


def contact_from_row(row: Any, own_numbers: tuple[str, ...]) -> Contact:
    return Contact(
        id=row.id,
        first_name=row.first_name,
        last_name=row.last_name,
        numbers=own_numbers,
        account_id=row.account_id,
        language=row.language,
        email=row.email,
        notes=row.notes,
        external_id=row.external_id,
    )


def account_from_row(row: Any) -> Account:
    return Account(row.id, row.name, row.tier, row.owner, row.team, row.external_id)


def case_from_row(row: Any) -> Case:
    return Case(
        id=row.id,
        topic=row.topic,
        status=CaseStatus(row.status),
        opened_at=row.opened_at,
        updated_at=row.updated_at,
        contact_id=row.contact_id,
        account_id=row.account_id,
        closed_at=row.closed_at,
        external_id=row.external_id,
    )


def interaction_from_row(row: Any) -> Interaction:
    return Interaction(
        id=row.id,
        call_id=row.call_id,
        at=row.at,
        direction=Direction(row.direction),
        outcome=Outcome(row.outcome),
        contact_id=row.contact_id,
        number=row.number,
        queue=row.queue,
        agent=row.agent,
        duration_s=row.duration_s,
        notes=row.notes,
        recording=row.recording,
    )


def fact_from_row(row: Any) -> Fact:
    return Fact(
        id=row.id,
        kind=row.kind,
        summary=row.summary,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        data=json.loads(row.data),
        contact_id=row.contact_id,
        account_id=row.account_id,
    )


def read_contact(conn: Connection, contact_id: int) -> Contact | None:
    row = conn.execute(select(contacts).where(contacts.c.id == contact_id)).first()
    if row is None:
        return None
    own = tuple(conn.execute(_NUMBERS_OF, {"cid": contact_id}).scalars())
    return contact_from_row(row, own)


def read_account(conn: Connection, account_id: int) -> Account | None:
    row = conn.execute(select(accounts).where(accounts.c.id == account_id)).first()
    return account_from_row(row) if row is not None else None


def read_case(conn: Connection, case_id: int) -> Case | None:
    row = conn.execute(select(cases).where(cases.c.id == case_id)).first()
    return case_from_row(row) if row is not None else None


def read_case_history(conn: Connection, case_id: int) -> tuple[CaseEvent, ...]:
    query = (
        select(case_events)
        .where(case_events.c.case_id == case_id)
        .order_by(case_events.c.at, case_events.c.id)
    )
    return tuple(
        CaseEvent(
            case_id=r.case_id,
            at=r.at,
            kind=CaseEventKind(r.kind),
            status=CaseStatus(r.status) if r.status is not None else None,
            text=r.text,
            by=r.by,
        )
        for r in conn.execute(query)
    )


def read_interaction(conn: Connection, interaction_id: int) -> Interaction | None:
    row = conn.execute(select(interactions).where(interactions.c.id == interaction_id)).first()
    return interaction_from_row(row) if row is not None else None
