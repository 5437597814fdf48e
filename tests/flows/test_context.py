"""Who is calling: country and language from the number (phonenumbers), CRM preferences."""

from __future__ import annotations

import datetime as dt

import pytest

from frontdesk.flows import call_context


@pytest.mark.parametrize(
    ("number", "spoken", "country", "language"),
    [
        ("+33612345678", ("en", "fr"), "FR", "fr"),
        ("+33612345678", ("en",), "FR", "en"),  # a flow without French answers in its default
        ("+442079460100", ("en", "fr"), "GB", "en"),
        ("+447700900123", ("fr", "en"), "GB", "en"),  # drama-range number: country by code
        ("+3225551234", ("en", "fr"), "BE", "fr"),  # Dutch first in Belgium, but not spoken
        ("+3225551234", ("en", "fr", "nl"), "BE", "nl"),
        ("+41446681800", ("en", "fr", "de"), "CH", "de"),
        ("+4930901820", ("en", "de"), "DE", "de"),
        ("anonymous", ("en", "fr"), "", "en"),
        ("", ("fr", "en"), "", "fr"),
        ("+999123", ("en", "fr"), "", "en"),
    ],
)
def test_country_and_language_from_the_number(
    number: str, spoken: tuple[str, ...], country: str, language: str
) -> None:
    caller = call_context(number, None, spoken).caller
    assert (caller.country, caller.language) == (country, language)


def test_number_forms() -> None:
    caller = call_context("+33612345678", None, ("en",)).caller
    assert caller.number == "+33612345678"
    assert caller.national == "06 12 34 56 78"


def test_crm_language_preference_wins_when_spoken() -> None:
    assert call_context("+33612345678", {"language": "en"}, ("en", "fr")).caller.language == "en"
    assert call_context("+33612345678", {"language": "de"}, ("en", "fr")).caller.language == "fr"


def test_caller_fields_and_plain_dates() -> None:
    context = call_context(
        "+447700900123", {"name": "Susan Clarke", "since": dt.date(2020, 1, 2)}, ("en",)
    )
    fields = context.caller_fields()
    assert (fields["first_name"], fields["known"]) == ("Susan", True)
    assert context.crm["since"] == "2020-01-02"
    unknown = call_context("+447700900123", None, ("en",)).caller_fields()
    assert (unknown["name"], unknown["first_name"], unknown["known"]) == (None, None, False)
