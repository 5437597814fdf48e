"""Phone numbers to E.164 (ITU-T E.164 §6: '+', country code, national significant number).

UK vectors use Ofcom's ranges reserved for drama ("Telephone numbers for use in TV and radio
drama programmes": 020 7946 0000-0999 is allocated-looking London, 01632 960xxx and 07700
900xxx are unallocated); French vectors follow ARCEP's plan (06/07 mobiles, 01-05 geographic).
"""

from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from phonenumbers import PhoneNumberFormat

from frontdesk.crm import CrmError, caller_key, normalise, region_of
from frontdesk.crm.numbers import check_region


@pytest.mark.parametrize(
    ("raw", "region", "e164"),
    [
        ("+442079460555", "GB", "+442079460555"),
        ("020 7946 0555", "GB", "+442079460555"),  # national, with trunk prefix 0
        ("(020) 7946-0555", "GB", "+442079460555"),
        ("+44 (0)20 7946 0555", "GB", "+442079460555"),  # the UK's '(0)' habit
        ("0044 20 7946 0555", "GB", "+442079460555"),  # international prefix 00 from the UK
        ("tel:+44-20-7946-0555", "GB", "+442079460555"),  # RFC 3966 tel URI
        ("06 12 34 56 78", "FR", "+33612345678"),  # French national mobile
        ("+33 6 12 34 56 78", "GB", "+33612345678"),  # international wins over the region
        ("00 33 6 12 34 56 78", "GB", "+33612345678"),
        ("(202) 456-1111", "US", "+12024561111"),  # NANP national
        ("011 44 20 7946 0555", "US", "+442079460555"),  # US international prefix 011
    ],
)
def test_numbers_normalise_to_e164(raw: str, region: str, e164: str) -> None:
    assert normalise(raw, region) == e164


@pytest.mark.parametrize(
    ("raw", "region", "fragment"),
    [
        ("", "GB", "empty"),
        ("   ", "GB", "empty"),
        ("call me", "GB", "not a phone number"),
        ("+999 1234 5678", "GB", "country code"),
        ("+44 20 7946", "GB", "too short"),
        ("+44 20 7946 0555 1234 5", "GB", "too long"),
        ("+33 6 12 34 56", "GB", "too short"),
        ("456-1111", "US", "area code"),  # a US local number: dialable only inside its area
    ],
)
def test_impossible_numbers_are_refused_with_the_reason(
    raw: str, region: str, fragment: str
) -> None:
    with pytest.raises(CrmError, match=fragment):
        normalise(raw, region)


def test_unallocated_ranges_need_permission() -> None:
    # 07700 900123 has a mobile's length but sits in Ofcom's drama range: no operator has it.
    with pytest.raises(CrmError, match="not an allocated number in GB"):
        normalise("07700 900123", "GB")
    assert normalise("07700 900123", "GB", allow_unallocated=True) == "+447700900123"
    # Allowing unallocated ranges still refuses a wrong length.
    with pytest.raises(CrmError, match="too short"):
        normalise("+33 6 12 34 56", "GB", allow_unallocated=True)


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("+442079460555", "+442079460555"),
        ("442079460555", "+442079460555"),  # SIP user part without the plus
        ("02079460555", "+442079460555"),
        ("sip:+442079460555@trunk.example;user=phone", "+442079460555"),
        ("+447700900123", "+447700900123"),  # lookups accept unallocated ranges
        ("anonymous", None),
        ("", None),
        ("12", None),
    ],
)
def test_caller_ids_become_lookup_keys_or_none(raw: str, key: str | None) -> None:
    assert caller_key(raw, "GB") == key


def test_regions_are_checked_and_derived_from_company_numbers() -> None:
    assert check_region("gb") == "GB"
    with pytest.raises(CrmError, match="not a region code"):
        check_region("XX")
    assert region_of(["+442079460100"]) == "GB"
    assert region_of(["not a number", "+33612345678"]) == "FR"
    assert region_of([]) == "GB"


REGIONS = sorted(r for r in ("GB", "FR", "DE", "US", "IN", "BR", "JP", "AU", "ZA", "ES", "NL"))
FORMATS = [PhoneNumberFormat.NATIONAL, PhoneNumberFormat.INTERNATIONAL, PhoneNumberFormat.RFC3966]


@settings(max_examples=60, deadline=None)
@given(region=st.sampled_from(REGIONS), form=st.sampled_from(FORMATS))
def test_every_written_form_of_a_number_gives_the_same_e164(
    region: str, form: PhoneNumberFormat
) -> None:
    """libphonenumber's example numbers, written any usual way, come back as one E.164."""
    example = phonenumbers.example_number(region)
    assert example is not None
    e164 = phonenumbers.format_number(example, PhoneNumberFormat.E164)
    written = phonenumbers.format_number(example, form)
    assert normalise(written, region) == e164
    assert normalise(e164, "GB") == e164  # idempotent, whatever the default region
    assert caller_key(written, region) == e164
