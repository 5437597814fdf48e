"""Registrar bindings (RFC 3261 §10.3): several contacts, expiry, 423, removal, wildcard,
Call-ID/CSeq ordering and q ordering."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from frontdesk.sip.message import Request, parse_message
from frontdesk.sip.registrar import (
    DEFAULT_EXPIRES,
    MAX_EXPIRES,
    MIN_EXPIRES,
    Binding,
    Registrar,
    RegistrationError,
)
from frontdesk.sip.transaction import Peer

AOR = "sip:alice@atlanta.example"
PHONE = Peer("udp", "192.0.2.10", 5060)


def register(
    contacts: list[str], expires: str | None = None, call_id: str = "reg-1", cseq: int = 1
) -> Request:
    lines = [
        "REGISTER sip:atlanta.example SIP/2.0",
        "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKnashds7",
        f"From: <{AOR}>;tag=a73kszlfl",
        f"To: <{AOR}>",
        f"Call-ID: {call_id}",
        f"CSeq: {cseq} REGISTER",
        *(f"Contact: {c}" for c in contacts),
        *([] if expires is None else [f"Expires: {expires}"]),
        "Content-Length: 0",
    ]
    request = parse_message(("\r\n".join(lines) + "\r\n\r\n").encode())
    assert isinstance(request, Request)
    return request


def uris(bindings: list[Binding]) -> list[str]:
    return [str(b.uri) for b in bindings]


def test_several_contacts_are_bound_with_their_own_expiry() -> None:
    registrar = Registrar()
    request = register(
        ["<sip:alice@192.0.2.10>;expires=120", "<sip:alice@198.51.100.7:5062>"], expires="600"
    )
    bindings = registrar.register(AOR, request, PHONE, now=0.0)
    assert sorted(uris(bindings)) == ["sip:alice@192.0.2.10", "sip:alice@198.51.100.7:5062"]
    remaining = {str(b.uri): b.remaining(0.0) for b in bindings}
    # The expires parameter wins over the Expires header (RFC 3261 §10.3 step 6).
    assert remaining == {"sip:alice@192.0.2.10": 120, "sip:alice@198.51.100.7:5062": 600}
    assert all(b.peer == PHONE and b.call_id == "reg-1" and b.cseq == 1 for b in bindings)
    headers = registrar.contact_headers(bindings, now=20.0)
    assert sorted(headers) == [
        "<sip:alice@192.0.2.10>;expires=100",
        "<sip:alice@198.51.100.7:5062>;expires=580",
    ]


@pytest.mark.parametrize(
    ("contact", "expires_header", "expected"),
    [
        ("<sip:a@192.0.2.1>", None, DEFAULT_EXPIRES),  # neither: the registrar's default
        ("<sip:a@192.0.2.1>", "300", 300),
        ("<sip:a@192.0.2.1>;expires=90", "300", 90),
        ("<sip:a@192.0.2.1>;expires=90", None, 90),
        ("<sip:a@192.0.2.1>;expires=999999", None, MAX_EXPIRES),  # shortened to the maximum
        ("<sip:a@192.0.2.1>", "4294967295", MAX_EXPIRES),
        ("<sip:a@192.0.2.1>;expires=60", "10", MIN_EXPIRES),  # the parameter decides
    ],
)
def test_expiry_sources(contact: str, expires_header: str | None, expected: int) -> None:
    bindings = Registrar().register(AOR, register([contact], expires_header), PHONE, now=5.0)
    assert [b.remaining(5.0) for b in bindings] == [expected]


@pytest.mark.parametrize(
    ("contact", "expires_header"),
    [
        ("<sip:a@192.0.2.1>;expires=30", None),
        ("<sip:a@192.0.2.1>", "59"),
        ("<sip:a@192.0.2.1>", "1"),
    ],
)
def test_too_brief_an_interval_gets_423_with_min_expires(
    contact: str, expires_header: str | None
) -> None:
    registrar = Registrar()
    with pytest.raises(RegistrationError) as caught:
        registrar.register(AOR, register([contact], expires_header), PHONE, now=0.0)
    assert caught.value.status == 423
    assert caught.value.headers == {"Min-Expires": str(MIN_EXPIRES)}
    assert registrar.lookup(AOR, 0.0) == [] and registrar.users == 0  # nothing half-done


def test_a_refused_request_changes_nothing() -> None:
    registrar = Registrar()
    registrar.register(AOR, register(["<sip:a@192.0.2.1>"], "600"), PHONE, now=0.0)
    request = register(
        ["<sip:b@192.0.2.2>", "<sip:a@192.0.2.1>;expires=0", "<sip:c@192.0.2.3>;expires=5"],
        call_id="other",
    )
    with pytest.raises(RegistrationError):
        registrar.register(AOR, request, PHONE, now=1.0)
    assert uris(registrar.lookup(AOR, 1.0)) == ["sip:a@192.0.2.1"]


def test_custom_limits() -> None:
    registrar = Registrar(min_expires=300, max_expires=900)
    with pytest.raises(RegistrationError) as caught:
        registrar.register(AOR, register(["<sip:a@192.0.2.1>"], "299"), PHONE, now=0.0)
    assert caught.value.headers == {"Min-Expires": "300"}
    bindings = registrar.register(AOR, register(["<sip:a@192.0.2.1>"], "3600"), PHONE, now=0.0)
    assert [b.remaining(0.0) for b in bindings] == [900]


def test_removal_with_expires_zero_leaves_the_other_contacts() -> None:
    registrar = Registrar()
    registrar.register(
        AOR, register(["<sip:a@192.0.2.1>", "<sip:a@192.0.2.2>"], "600"), PHONE, now=0.0
    )
    # A URI with an explicit port and transport is another URI (RFC 3261 §19.1.4): no effect.
    removal = register(["<sip:a@192.0.2.1:5060;transport=udp>;expires=0"], cseq=2)
    assert len(registrar.register(AOR, removal, PHONE, now=1.0)) == 2
    # The same URI written with an escape still names the binding.
    removal = register(["<sip:%61@192.0.2.1>;expires=0"], cseq=3)
    assert uris(registrar.register(AOR, removal, PHONE, now=1.0)) == ["sip:a@192.0.2.2"]


def test_removing_the_last_contact_forgets_the_user() -> None:
    registrar = Registrar()
    registrar.register(AOR, register(["<sip:a@192.0.2.1>"], "600"), PHONE, now=0.0)
    assert registrar.users == 1
    registrar.register(AOR, register(["<sip:a@192.0.2.1>"], "0", cseq=2), PHONE, now=1.0)
    assert registrar.lookup(AOR, 1.0) == [] and registrar.users == 0
    # Removing what is not bound is not an error.
    assert registrar.register(AOR, register(["<sip:z@192.0.2.9>"], "0"), PHONE, now=1.0) == []


def test_wildcard_with_expires_zero_removes_every_binding() -> None:
    registrar = Registrar()
    registrar.register(
        AOR, register(["<sip:a@192.0.2.1>", "<sip:a@192.0.2.2>"], "600"), PHONE, now=0.0
    )
    assert registrar.register(AOR, register(["*"], "0", cseq=2), PHONE, now=1.0) == []
    assert registrar.lookup(AOR, 1.0) == [] and registrar.users == 0


@pytest.mark.parametrize(
    ("contacts", "expires"),
    [
        (["*"], None),  # RFC 3261 §10.3 step 6: '*' only with Expires: 0
        (["*"], "3600"),
        (["*", "<sip:a@192.0.2.1>"], "0"),  # and alone
    ],
)
def test_wildcard_otherwise_is_refused(contacts: list[str], expires: str | None) -> None:
    registrar = Registrar()
    registrar.register(AOR, register(["<sip:a@192.0.2.1>"], "600"), PHONE, now=0.0)
    with pytest.raises(RegistrationError) as caught:
        registrar.register(AOR, register(contacts, expires, cseq=2), PHONE, now=1.0)
    assert caught.value.status == 400
    assert uris(registrar.lookup(AOR, 1.0)) == ["sip:a@192.0.2.1"]


def test_same_call_id_needs_a_higher_cseq() -> None:
    registrar = Registrar()
    registrar.register(AOR, register(["<sip:a@192.0.2.1>"], "600", cseq=5), PHONE, now=0.0)
    for stale in (5, 4):  # a retransmission or a reordered older request (§10.3 step 7)
        with pytest.raises(RegistrationError) as caught:
            registrar.register(AOR, register(["<sip:a@192.0.2.1>"], "0", cseq=stale), PHONE, 1.0)
        assert caught.value.status == 500
    with pytest.raises(RegistrationError):
        registrar.register(AOR, register(["*"], "0", cseq=3), PHONE, now=1.0)
    assert uris(registrar.lookup(AOR, 1.0)) == ["sip:a@192.0.2.1"]
    # A higher CSeq refreshes; another Call-ID (the phone restarted) may use any CSeq.
    refreshed = registrar.register(AOR, register(["<sip:a@192.0.2.1>"], "900", cseq=6), PHONE, 2.0)
    assert [b.remaining(2.0) for b in refreshed] == [900]
    restarted = register(["<sip:a@192.0.2.1>"], "300", call_id="reg-2", cseq=1)
    bindings = registrar.register(AOR, restarted, PHONE, now=3.0)
    assert [(b.call_id, b.cseq, b.remaining(3.0)) for b in bindings] == [("reg-2", 1, 300)]


def test_lookup_orders_by_q() -> None:
    registrar = Registrar()
    request = register(
        [
            "<sip:a@192.0.2.1>;q=0.1",
            "<sip:a@192.0.2.2>",  # no q: 1.0
            "<sip:a@192.0.2.3>;q=0.7",
            "<sip:a@192.0.2.4>;q=0",
        ],
        "600",
    )
    bindings = registrar.register(AOR, request, PHONE, now=0.0)
    assert uris(bindings) == [
        "sip:a@192.0.2.2",
        "sip:a@192.0.2.3",
        "sip:a@192.0.2.1",
        "sip:a@192.0.2.4",
    ]
    assert [b.q for b in bindings] == [1.0, 0.7, 0.1, 0.0]


@pytest.mark.parametrize("q", ["1.5", "-0.1", "abc", "nan", "inf"])
def test_bad_q_is_refused(q: str) -> None:
    with pytest.raises(RegistrationError) as caught:
        Registrar().register(AOR, register([f"<sip:a@192.0.2.1>;q={q}"], "600"), PHONE, 0.0)
    assert caught.value.status == 400


@pytest.mark.parametrize("expires", ["abc", "-5", "12345678901", "1.5"])
def test_bad_expires_parameter_is_refused(expires: str) -> None:
    with pytest.raises(RegistrationError) as caught:
        Registrar().register(AOR, register([f"<sip:a@192.0.2.1>;expires={expires}"]), PHONE, 0.0)
    assert caught.value.status == 400


def test_bindings_expire_as_time_passes() -> None:
    registrar = Registrar()
    registrar.register(
        AOR,
        register(["<sip:a@192.0.2.1>;expires=60", "<sip:a@192.0.2.2>;expires=120"]),
        PHONE,
        now=100.0,
    )
    assert len(registrar.lookup(AOR, 159.9)) == 2
    assert uris(registrar.lookup(AOR, 160.0)) == ["sip:a@192.0.2.2"]  # expired at its instant
    assert [b.remaining(200.0) for b in registrar.lookup(AOR, 200.0)] == [20]
    assert registrar.lookup(AOR, 220.0) == [] and registrar.users == 0
    # A query (no Contact) only reads what is bound.
    assert registrar.register(AOR, register([]), PHONE, now=220.0) == []


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(1, 4), st.sampled_from([0, 60, 120, 600]), st.floats(0, 300)),
        min_size=1,
        max_size=12,
    )
)
def test_bindings_match_a_simple_model(steps: list[tuple[int, int, float]]) -> None:
    """Each REGISTER (one contact, increasing CSeq) against a dictionary of expiry times."""
    registrar = Registrar()
    model: dict[str, float] = {}
    now = 0.0
    for cseq, (host, expires, wait) in enumerate(steps, start=1):
        now += wait
        uri = f"sip:a@192.0.2.{host}"
        registrar.register(AOR, register([f"<{uri}>"], str(expires), cseq=cseq), PHONE, now)
        model.pop(uri, None)
        if expires:
            model[uri] = now + expires
        live = {u for u, until in model.items() if until > now}
        assert set(uris(registrar.lookup(AOR, now))) == live
