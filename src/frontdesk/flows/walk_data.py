"""What `frontdesk flow test` walks a flow against: the real CRM store and canned HTTP answers.

The CRM is a fresh in-memory `CrmStore` holding the demo company's records
(crm/demo_data.yaml), or a data set of one's own in that format, loaded at the walk's moment so
"yesterday" and "today" are relative to the call being walked. A company's own flows are
walked against its own CRM instead: the store in the data directory its server uses
(`data_dir_crm`), read, never written, as at the walk's moment. Callers are looked up the way a
live call looks them up, and `crm.records.flow_record` gives the flow the record it reads.

HTTP lookups are answered from canned answers keyed by URL: `DEMO_HTTP_ANSWERS` for the demo
flows, or a YAML/JSON file mapping each URL to its answer.

This module joins the flows and the CRM for the command line only; the flow language and
interpreter (everything else in this package) never import the CRM.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from sqlalchemy import create_engine, or_, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import StaticPool

from frontdesk.clock import ManualClock
from frontdesk.crm import CrmStore
from frontdesk.crm import schema as t
from frontdesk.crm.demo import demo_store, read_demo_file
from frontdesk.crm.records import flow_record
from frontdesk.flows.errors import FlowError
from frontdesk.store.eventlog import DATABASE_FILE

# The tracking lookup of the demo flows (config/flows_demo.yaml): 1234567897 passes the Luhn
# check and is out for delivery; any other tracking number gets no answer.
DEMO_HTTP_ANSWERS: Mapping[str, Mapping[str, Any]] = {
    "https://tracking.demo.invalid/parcels/1234567897": {
        "status": "out for delivery",
        "eta": "15:00",
    },
}


class WalkDataError(FlowError):
    """A data file for a test walk (CRM data or HTTP answers) cannot be used."""


class StoreCrm:
    """CRM records for a walk, read from a `CrmStore` as a live call reads them."""

    def __init__(self, store: CrmStore, zone: ZoneInfo) -> None:
        """`zone` is the flow's time zone: dates and times of day in records are local to it."""
        self.store = store
        self.zone = zone

    def record(self, number: str) -> dict[str, Any] | None:
        profile = self.store.lookup(number)
        return None if profile is None else flow_record(profile, self.zone)

    def find(self, key: str) -> dict[str, Any] | None:
        """By phone number, else by the external id of a contact or of an account (then its
        first contact)."""
        found = self.record(key)
        if found is not None:
            return found
        number = self._number_of(key)
        return None if number is None else self.record(number)

    def _number_of(self, external_id: str) -> str | None:
        query = (
            select(t.numbers.c.number)
            .join(t.contacts, t.contacts.c.id == t.numbers.c.contact_id)
            .outerjoin(t.accounts, t.accounts.c.id == t.contacts.c.account_id)
            .where(
                or_(
                    t.contacts.c.external_id == external_id, t.accounts.c.external_id == external_id
                )
            )
            .order_by(t.contacts.c.id, t.numbers.c.position)
            .limit(1)
        )
        with self.store.engine.connect() as conn:
            number = conn.execute(query).scalar()
        return None if number is None else str(number)

    def close(self) -> None:
        self.store.engine.dispose()

    def __enter__(self) -> StoreCrm:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()


def walk_crm(moment: dt.datetime, zone: ZoneInfo, data_file: Path | None = None) -> StoreCrm:
    """An in-memory CRM store holding the demo records (or `data_file`'s, in the format of
    crm/demo_data.yaml), loaded as at `moment`; close it when done."""
    clock = ManualClock(wall_offset=moment.timestamp())
    if data_file is None:
        return StoreCrm(demo_store(clock), zone)
    return StoreCrm(demo_store(clock, read_demo_file(data_file), source=str(data_file)), zone)


def data_dir_crm(moment: dt.datetime, zone: ZoneInfo, data_dir: Path, region: str) -> StoreCrm:
    """The CRM store of the server whose data directory is `data_dir`, looked up as at
    `moment`; an empty store when that directory holds no database (nothing is created)."""
    clock = ManualClock(wall_offset=moment.timestamp())
    database = data_dir / DATABASE_FILE
    if database.is_file():
        engine = create_engine(f"sqlite:///file:{database}?mode=ro&uri=true")
        try:
            return StoreCrm(CrmStore(engine, clock, region=region, cache_size=0), zone)
        except OperationalError:  # no CRM tables in it yet, and read-only: none are made
            engine.dispose()
    engine = create_engine("sqlite://", poolclass=StaticPool)
    return StoreCrm(CrmStore(engine, clock, region=region, cache_size=0), zone)


def read_http_answers(path: Path) -> dict[str, Mapping[str, Any]]:
    """Canned HTTP answers from a YAML or JSON file: a mapping of URL to answer (a mapping)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "it is not UTF-8 text"
        raise WalkDataError(f"{path}: cannot read the file: {reason}") from None
    try:
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise WalkDataError(f"{path}: cannot read the HTTP answers: {exc}") from None
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise WalkDataError(f"{path}: expected a mapping of URL to answer")
    for url, answer in data.items():
        if not isinstance(answer, Mapping):
            raise WalkDataError(f"{path}: the answer for '{url}' must be a mapping of fields")
    return {str(url): answer for url, answer in data.items()}
