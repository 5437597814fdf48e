"""Phone numbers in E.164, the one form the CRM stores and looks up.

Input comes in every shape: national ("020 7946 0555"), international with 00 or +, with
spaces and dashes, `tel:` URIs, and SIP user parts without the plus ("442079460555"). Writes
normalise strictly and refuse what is wrong with a sentence saying why; lookups normalise
leniently and answer None, because a caller ID is whatever the network sent and a caller must
never be refused for it.

Two levels of checking: a number must be *possible* (right length for its country), and by
default also *allocated* (in a range some operator holds, per libphonenumber's metadata).
`allow_unallocated=True` drops the second check: useful for ranges that are reserved for drama
and tests (Ofcom's 01632 960xxx and 07700 900xxx, used by the demo data), and for new ranges the
metadata has not caught up with yet.
"""

from __future__ import annotations

from collections.abc import Iterable

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, ValidationResult

from frontdesk.crm.errors import CrmError

DEFAULT_REGION = "GB"

_WHY_NOT_POSSIBLE = {
    ValidationResult.INVALID_COUNTRY_CODE: "its country code does not exist",
    ValidationResult.TOO_SHORT: "it is too short",
    ValidationResult.TOO_LONG: "it is too long",
    ValidationResult.INVALID_LENGTH: "it has the wrong number of digits",
}

_WHY_NOT_PARSED = {
    NumberParseException.INVALID_COUNTRY_CODE: "it has no known country code",
    NumberParseException.NOT_A_NUMBER: "it is not a phone number",
    NumberParseException.TOO_SHORT_AFTER_IDD: "it is too short after the international prefix",
    NumberParseException.TOO_SHORT_NSN: "it is too short",
    NumberParseException.TOO_LONG: "it is too long",
}


def check_region(region: str) -> str:
    """Returns the region code upper-cased, or raises CrmError if libphonenumber lacks it."""
    code = region.strip().upper()
    if code not in phonenumbers.SUPPORTED_REGIONS:
        raise CrmError(
            f"'{region}' is not a region code for phone numbers (expected two letters like GB)"
        )
    return code


def _strip_uri(raw: str) -> str:
    text = raw.strip()
    for scheme in ("tel:", "sip:", "sips:"):
        if text.lower().startswith(scheme):
            text = text[len(scheme) :].split("@", 1)[0].split(";", 1)[0]
    return text


def normalise(raw: str, region: str = DEFAULT_REGION, *, allow_unallocated: bool = False) -> str:
    """Returns `raw` in E.164 form, or raises CrmError saying why it is not a usable number."""
    text = _strip_uri(raw)
    if not text:
        raise CrmError("the phone number is empty")
    try:
        parsed = phonenumbers.parse(text, region)
    except NumberParseException as exc:
        why = _WHY_NOT_PARSED.get(exc.error_type, "it cannot be read as a phone number")
        raise CrmError(f"'{raw}' is not a valid phone number: {why}") from None
    possible = phonenumbers.is_possible_number_with_reason(parsed)
    if possible not in (ValidationResult.IS_POSSIBLE, ValidationResult.IS_POSSIBLE_LOCAL_ONLY):
        why = _WHY_NOT_POSSIBLE.get(possible, "it cannot be a phone number")
        raise CrmError(f"'{raw}' is not a valid phone number: {why}")
    if possible == ValidationResult.IS_POSSIBLE_LOCAL_ONLY:
        raise CrmError(
            f"'{raw}' is not a valid phone number: it is too short to be dialled from anywhere "
            "(is the area code missing?)"
        )
    if not allow_unallocated and not phonenumbers.is_valid_number(parsed):
        where = phonenumbers.region_code_for_country_code(parsed.country_code or 0)
        raise CrmError(
            f"'{raw}' is not an allocated number in {where}: the digits have the right length "
            "but no operator holds that range (check for a typo)"
        )
    return phonenumbers.format_number(parsed, PhoneNumberFormat.E164)


def caller_key(raw: str, region: str = DEFAULT_REGION) -> str | None:
    """E.164 form of a caller ID for lookups, or None when it cannot be a number.

    Digits without a plus that do not make a number in `region` are tried as international,
    because SIP user parts often drop the plus ("442079460555").
    """
    text = _strip_uri(raw)
    candidates = [text]
    if text.isdigit() and not text.startswith("0"):
        candidates.append("+" + text)
    for candidate in candidates:
        try:
            parsed = phonenumbers.parse(candidate, region)
        except NumberParseException:
            continue
        if phonenumbers.is_possible_number(parsed):
            return phonenumbers.format_number(parsed, PhoneNumberFormat.E164)
    return None


def region_of(numbers: Iterable[str]) -> str:
    """The region of the first of `numbers` that has one: a company's default region."""
    for number in numbers:
        try:
            region = phonenumbers.region_code_for_number(phonenumbers.parse(number, None))
        except NumberParseException:
            continue
        if region and region != "001":
            return str(region)
    return DEFAULT_REGION
