"""The CRM: contacts, accounts, cases, interaction history, and who is calling.

`CrmStore.lookup(number)` answers a `CallerProfile` for every inbound call; writes go through
`with store.writer() as w:` (one transaction). `csv_import` brings records in from files,
`http_connector` asks an external CRM over HTTP without ever holding up a call, and `demo`
loads the demo company's callers. Design notes: docs/crm.md.
"""

from frontdesk.crm.directory import CallerDirectory
from frontdesk.crm.errors import CrmError
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
from frontdesk.crm.numbers import caller_key, normalise, region_of
from frontdesk.crm.reads import ProfilePolicy
from frontdesk.crm.schema import create_schema
from frontdesk.crm.store import CrmStore
from frontdesk.crm.writes import CrmWriter

__all__ = [
    "Account",
    "CallerDirectory",
    "CallerProfile",
    "Case",
    "CaseEvent",
    "CaseEventKind",
    "CaseStatus",
    "Contact",
    "CrmError",
    "CrmStore",
    "CrmWriter",
    "Direction",
    "Fact",
    "Interaction",
    "Outcome",
    "Product",
    "ProfilePolicy",
    "caller_key",
    "create_schema",
    "normalise",
    "region_of",
]
