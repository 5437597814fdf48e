"""REFER, Replaces and message/sipfrag (RFC 3515, 3891, 3420, 4488) and the NOTIFY sequence."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from frontdesk.sip.message import Request, parse_message
from frontdesk.sip.refer import (
    SIPFRAG,
    ReferError,
    ReferProgress,
    ReferState,
    Replaces,
    parse_refer_to,
    parse_replaces,
    parse_sipfrag,
    read_refer,
    refer_to_value,
    sipfrag,
    wants_no_subscription,
)
from frontdesk.sip.uri import AbsoluteUri, SipUri

# RFC 3891 §6.1 (the Replaces examples of its grammar section, the first one folded).
RFC3891_EXAMPLES = [
    ("98732@sip.example.com\r\n          ;from-tag=r33th4x0r\r\n          ;to-tag=ff87ff",
     Replaces("98732@sip.example.com", "ff87ff", "r33th4x0r")),
    ("12adf2f34456gs5;to-tag=12345;from-tag=54321;early-only",
     Replaces("12adf2f34456gs5", "12345", "54321", early_only=True)),
    ("87134@171.161.34.23;to-tag=24796;from-tag=0",
     Replaces("87134@171.161.34.23", "24796", "0")),
    # RFC 3891 §3's call flow names this dialog.
    ("425928@bobster.example.org;to-tag=7743;from-tag=6472",
     Replaces("425928@bobster.example.org", "7743", "6472")),
]  # fmt: skip


@pytest.mark.parametrize(("text", "expected"), RFC3891_EXAMPLES)
def test_rfc3891_replaces_examples(text: str, expected: Replaces) -> None:
    assert parse_replaces(text) == expected


def test_unknown_replaces_parameters_are_ignored() -> None:
    parsed = parse_replaces("87134@171.161.34.23;to-tag=24796;from-tag=0;foo=bar")
    assert parsed == Replaces("87134@171.161.34.23", "24796", "0")


@pytest.mark.parametrize(
    "text",
    [
        "",  # no Call-ID
        ";to-tag=1;from-tag=2",
        "abc;to-tag=1",  # from-tag missing
        "abc;from-tag=2",
        "abc;to-tag=;from-tag=2",  # empty tag
        "abc;to-tag=1;to-tag=3;from-tag=2",  # twice
        "abc;to-tag=1;;from-tag=2",
        "a b;to-tag=1;from-tag=2",
    ],
)
def test_bad_replaces_are_refused_with_a_sentence(text: str) -> None:
    with pytest.raises(ReferError) as info:
        parse_replaces(text)
    assert info.value.status == 400 and "Replaces" in str(info.value)


def test_replaces_match_either_orientation_of_the_tags() -> None:
    r = Replaces("c1@h", to_tag="ours", from_tag="theirs")
    assert r.matches("c1@h", "ours", "theirs") and r.matches("c1@h", "theirs", "ours")
    assert not r.matches("c2@h", "ours", "theirs") and not r.matches("c1@h", "ours", "x")


def test_refer_to_with_escaped_replaces_as_phones_write_it() -> None:
    # The Refer-To of an attended transfer: Replaces escaped in the URI (RFC 3261 §19.1.1).
    value = "<sip:1002@10.0.0.1:5060?Replaces=abc%40host%3Bto-tag%3D7743%3Bfrom-tag%3D6472>"
    target = parse_refer_to(value)
    assert target.replaces == Replaces("abc@host", "7743", "6472")
    assert target.uri == SipUri("sip", "10.0.0.1", "1002", port=5060) and target.user == "1002"


def test_blind_refer_to_forms() -> None:
    assert parse_refer_to("<sip:parcels@frontdesk.test>").user == "parcels"
    assert parse_refer_to("sip:+442079460999@carrier").replaces is None
    tel = parse_refer_to("<tel:+442079460999>")
    assert tel.uri == AbsoluteUri("tel", "+442079460999") and tel.user == "+442079460999"
    assert parse_refer_to('"Bob" <sip:1002@h;user=phone>').user == "1002"
    with pytest.raises(ReferError):
        parse_refer_to("<sip:1002@h")


ids = st.text("abcdefghij0123456789.-@", min_size=1, max_size=30).filter(
    lambda t: not t.startswith("@") and not t.endswith("@")
)
tags = st.text("abcdefABCDEF0123456789-", min_size=1, max_size=20)


@given(ids, tags, tags, st.booleans())
def test_refer_to_round_trip(call_id: str, to_tag: str, from_tag: str, early: bool) -> None:
    replaces = Replaces(call_id, to_tag, from_tag, early)
    value = refer_to_value(SipUri("sip", "frontdesk.test", "1002"), replaces)
    assert parse_refer_to(value).replaces == replaces


def _refer(*headers: str) -> Request:
    text = (
        "REFER sip:frontdesk@127.0.0.1 SIP/2.0\r\n"
        "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK1\r\n"
        "From: <sip:1001@h>;tag=a\r\nTo: <sip:frontdesk@h>;tag=b\r\nCall-ID: c1\r\n"
        "CSeq: 7 REFER\r\nMax-Forwards: 70\r\n" + "".join(h + "\r\n" for h in headers)
        + "Content-Length: 0\r\n\r\n"
    )  # fmt: skip
    message = parse_message(text.encode())
    assert isinstance(message, Request)
    return message


def test_a_refer_needs_exactly_one_refer_to() -> None:
    # RFC 3515 §2.4.1: a REFER without Refer-To, or with more than one, gets 400.
    assert read_refer(_refer("Refer-To: <sip:1002@h>")).user == "1002"
    assert read_refer(_refer("r: <sip:1002@h>")).user == "1002"  # compact form
    for headers in ((), ("Refer-To: <sip:1@h>", "Refer-To: <sip:2@h>")):
        with pytest.raises(ReferError) as info:
            read_refer(_refer(*headers))
        assert info.value.status == 400


def test_refer_sub_false_asks_for_no_notify() -> None:
    assert wants_no_subscription(_refer("Refer-To: <sip:1@h>", "Refer-Sub: false"))
    assert not wants_no_subscription(_refer("Refer-To: <sip:1@h>"))


def test_sipfrag_bodies() -> None:
    # RFC 3515 §2.4.5 / RFC 3420: the body is the status line of the new call's response.
    assert sipfrag(100) == b"SIP/2.0 100 Trying\r\n"
    assert sipfrag(200) == b"SIP/2.0 200 OK\r\n"
    assert sipfrag(503, "No Trunk") == b"SIP/2.0 503 No Trunk\r\n"
    assert parse_sipfrag(b"SIP/2.0 180 Ringing\r\n") == (180, "Ringing")
    assert parse_sipfrag(b"SIP/2.0 603 Declined\r\nContent-Length: 0\r\n\r\n") == (603, "Declined")
    for bad in (b"", b"INVITE sip:a@b SIP/2.0", b"SIP/2.0 99 x", b"SIP/2.0 2000 OK"):
        with pytest.raises(ReferError):
            parse_sipfrag(bad)


@given(st.integers(100, 699), st.text("ABCdef Ok", min_size=1, max_size=20).map(str.strip))
def test_sipfrag_round_trip(status: int, reason: str) -> None:
    if reason:
        assert parse_sipfrag(sipfrag(status, reason)) == (status, reason)


def test_progress_notifies_until_the_final_status() -> None:
    progress = ReferProgress(event_id=7)
    first = progress.report(100)
    assert first is not None and first.body == b"SIP/2.0 100 Trying\r\n"
    assert first.headers == {"Event": "refer;id=7", "Subscription-State": "active;expires=60"}
    assert first.content_type == SIPFRAG and progress.state is ReferState.ACTIVE
    ringing = progress.report(180)
    assert ringing is not None and progress.state is ReferState.ACTIVE
    final = progress.report(486)
    assert final is not None and final.body == b"SIP/2.0 486 Busy Here\r\n"
    assert final.headers["Subscription-State"] == "terminated;reason=noresource"
    assert progress.state is ReferState.TERMINATED and progress.final == 486
    assert progress.report(200) is None  # nothing after the subscription ended


def test_no_subscription_means_no_notify() -> None:
    progress = ReferProgress(event_id=1, subscribed=False)
    assert progress.report(100) is None and progress.report(200) is None
