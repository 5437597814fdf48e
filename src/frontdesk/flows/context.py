"""Who is calling: number, country and language (from the number, with `phonenumbers`) and
the CRM record, gathered before a flow run starts.

The language is the CRM record's preference when the flow speaks it, else the first language
of the caller's country that the flow speaks, else the flow's default. Dates in CRM data are
turned into ISO text so expressions compare them the same whichever connector supplied them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import phonenumbers

# Languages of a country, most spoken first (only the ones a flow speaks are ever chosen).
COUNTRY_LANGUAGES: dict[str, tuple[str, ...]] = {
    "GB": ("en",), "IE": ("en", "ga"), "US": ("en", "es"), "CA": ("en", "fr"),
    "AU": ("en",), "NZ": ("en",), "FR": ("fr",), "MC": ("fr",), "LU": ("fr", "de"),
    "BE": ("nl", "fr", "de"), "CH": ("de", "fr", "it"), "DE": ("de",), "AT": ("de",),
    "ES": ("es",), "MX": ("es",), "IT": ("it",), "NL": ("nl",), "PT": ("pt",),
    "BR": ("pt",), "PL": ("pl",), "SE": ("sv",), "DK": ("da",), "NO": ("no",),
    "FI": ("fi", "sv"), "MA": ("ar", "fr"), "SN": ("fr",), "CI": ("fr",),
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Caller:
    number: str  # E.164, or "" when withheld or unreadable
    national: str  # as written in the caller's country
    country: str  # ISO 3166-1 alpha-2, or ""
    language: str


@dataclass(frozen=True, slots=True)
class CallContext:
    caller: Caller
    crm: Mapping[str, Any] = field(default_factory=dict)
    vars: Mapping[str, Any] = field(default_factory=dict)

    def caller_fields(self, crm: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """What `caller.*` reads; `crm` is the record now known (a lookup may replace it)."""
        crm = self.crm if crm is None else crm
        name = crm.get("name")
        first = crm.get("first_name")
        if not first and isinstance(name, str) and name.strip():
            first = name.split()[0]
        return {
            "number": self.caller.number,
            "national": self.caller.national,
            "country": self.caller.country,
            "language": self.caller.language,
            "known": bool(crm),
            "name": name,
            "first_name": first,
        }


def plain_data(value: Any) -> Any:
    """CRM or HTTP data with dates as ISO text and tuples as lists, recursively."""
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): plain_data(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain_data(v) for v in value]
    return value


def read_number(number: str) -> tuple[str, str, str]:
    """(E.164, national form, country) of a caller's number; empty strings when unreadable."""
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return "", "", ""
    if not phonenumbers.is_possible_number(parsed):
        return "", "", ""
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    national = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
    # Numbers not (yet) assigned, like the UK's drama ranges, still say their country by code.
    region = phonenumbers.region_code_for_number(parsed) or (
        phonenumbers.region_code_for_country_code(parsed.country_code or 0)
    )
    return e164, national, "" if region == phonenumbers.UNKNOWN_REGION else region


def choose_language(country: str, crm: Mapping[str, Any], spoken: Sequence[str]) -> str:
    preferred = crm.get("language")
    if isinstance(preferred, str) and preferred in spoken:
        return preferred
    for language in COUNTRY_LANGUAGES.get(country, ()):
        if language in spoken:
            return language
    return spoken[0]


def call_context(
    number: str,
    crm: Mapping[str, Any] | None,
    spoken: Sequence[str],
    variables: Mapping[str, Any] | None = None,
) -> CallContext:
    """The context of a call from `number` (E.164; anything else counts as withheld)."""
    record = plain_data(crm or {})
    e164, national, country = read_number(number)
    language = choose_language(country, record, spoken)
    caller = Caller(e164, national, country, language)
    return CallContext(caller, record, dict(variables or {}))
