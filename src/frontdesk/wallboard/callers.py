"""Who is calling, as far as the events say: number, contact name, VIP, open case.

Telephony writes the caller's number in `call.received` (`caller`, a SIP URI) and
`call.flow_started` (`caller`, E.164 when it could be read); customer data found in the CRM
comes as `call.attributes` (or `attributes` inside `call.received`, as imports write it), the
same kind analytics reads (`derive.py`). Keys read there: `name` (contact display name), `vip`,
`tier`, `open_case`. Without `vip`, a caller is VIP when the tier is the CRM's VIP tier, the
CRM's own rule (`crm.model.Account.is_vip`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from frontdesk.crm.model import VIP_TIER

_YES = frozenset({"1", "true", "yes", "y"})


def _yes(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in _YES
    return bool(value)


def _number(caller: str) -> str:
    """The user part of a SIP URI (`sip:+3312@host` -> `+3312`); other text as it is."""
    if caller.startswith(("sip:", "sips:", "tel:")):
        caller = caller.split(":", 1)[1].split("@", 1)[0].split(";", 1)[0]
    return caller


@dataclass(slots=True)
class Caller:
    """Mutable: waiting lists share the object, so data found later shows at once."""

    number: str = ""
    name: str = ""
    vip: bool = False
    open_case: bool = False

    def take_number(self, caller: Any, override: bool) -> None:
        if caller and (override or not self.number):
            self.number = _number(str(caller))

    def take_attributes(self, data: Mapping[str, Any]) -> None:
        name = data.get("name")
        if name:
            self.name = str(name)
        vip, tier = data.get("vip"), data.get("tier")
        if vip is not None and vip != "":
            self.vip = _yes(vip)
        elif tier:
            self.vip = str(tier).strip().lower() == VIP_TIER
        open_case = data.get("open_case")
        if open_case is not None and open_case != "":
            self.open_case = _yes(open_case)

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name or None, "number": self.number or None}
