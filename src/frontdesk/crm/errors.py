"""The root error of the CRM package: bad contact data, unknown records, broken imports."""

from __future__ import annotations

from frontdesk import FrontdeskError


class CrmError(FrontdeskError, ValueError):
    """A CRM read or write that cannot be done as asked; the message says what is wrong.

    Whenever a write raises it, the transaction it was part of is rolled back: nothing changed.
    """
