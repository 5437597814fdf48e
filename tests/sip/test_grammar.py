"""Table-driven tests of the SIP grammar in uri.py and headers.py (RFC 3261 §19.1, §20, §25.1).

Vectors come from RFC 3261 (§19.1.3 URI examples, §19.1.4 comparison examples, §20 header
examples, §25.1 ABNF) and RFC 4475 (torture messages) where noted.
"""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from frontdesk.sip import SipParseError
from frontdesk.sip.headers import (
    canonical_name,
    parse_bounded_int,
    parse_cseq,
    parse_generic_params,
    parse_name_addr,
    parse_via,
    split_outside,
    split_values,
    unquote_string,
)
from frontdesk.sip.uri import AbsoluteUri, SipUri, parse_host_port, parse_sip_uri, parse_uri

# --- URIs ------------------------------------------------------------------------------------

# (text, scheme, user, password, host, port, params, headers); RFC 3261 §19.1.3 examples first.
GOOD_URIS = [
    ("sip:alice@atlanta.com", "sip", "alice", None, "atlanta.com", None, (), ()),
    ("sip:alice:secretword@atlanta.com;transport=tcp", "sip", "alice", "secretword",
     "atlanta.com", None, (("transport", "tcp"),), ()),
    ("sips:alice@atlanta.com?subject=project%20x&priority=urgent", "sips", "alice", None,
     "atlanta.com", None, (), (("subject", "project%20x"), ("priority", "urgent"))),
    ("sip:+1-212-555-1212:1234@gateway.com;user=phone", "sip", "+1-212-555-1212", "1234",
     "gateway.com", None, (("user", "phone"),), ()),
    ("sips:1212@gateway.com", "sips", "1212", None, "gateway.com", None, (), ()),
    ("sip:alice@192.0.2.4", "sip", "alice", None, "192.0.2.4", None, (), ()),
    ("sip:atlanta.com;method=REGISTER?to=alice%40atlanta.com", "sip", None, None, "atlanta.com",
     None, (("method", "REGISTER"),), (("to", "alice%40atlanta.com"),)),
    ("sip:alice;day=tuesday@atlanta.com", "sip", "alice;day=tuesday", None, "atlanta.com", None,
     (), ()),
    # IPv6 references (RFC 5118 §4.1), flags and valued parameters, ports at both ends.
    ("sip:[2001:db8::10]:5070;lr", "sip", None, None, "[2001:db8::10]", 5070, (("lr", None),), ()),
    ("sip:bob@[::ffff:192.0.2.1]", "sip", "bob", None, "[::ffff:192.0.2.1]", None, (), ()),
    ("sip:bob@biloxi.com:1;lr;maddr=239.255.255.1;ttl=15", "sip", "bob", None, "biloxi.com", 1,
     (("lr", None), ("maddr", "239.255.255.1"), ("ttl", "15")), ()),
    ("sip:bob@biloxi.com:65535", "sip", "bob", None, "biloxi.com", 65535, (), ()),
    ("sip:bob@host.", "sip", "bob", None, "host.", None, (), ()),  # fully qualified, final dot
    # Escapes stay as written (RFC 4475 §3.1.1.3, esc01.dat, and §3.1.1.4, escnull.dat).
    ("sip:sips%3Auser%40example.com@example.net", "sip", "sips%3Auser%40example.com", None,
     "example.net", None, (), ()),
    ("sip:null-%00-null@example.com", "sip", "null-%00-null", None, "example.com", None, (), ()),
    # Scheme and host are case-insensitive and kept in lower case; the user part is not.
    ("SIP:Alice@AtLanTa.CoM", "sip", "Alice", None, "atlanta.com", None, (), ()),
]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "scheme", "user", "password", "host", "port", "params", "headers"), GOOD_URIS
)
def test_sip_uris_parse_into_their_parts(
    text: str,
    scheme: str,
    user: str | None,
    password: str | None,
    host: str,
    port: int | None,
    params: tuple[tuple[str, str | None], ...],
    headers: tuple[tuple[str, str], ...],
) -> None:
    uri = parse_sip_uri(text)
    assert (uri.scheme, uri.user, uri.password, uri.host, uri.port) == (
        scheme,
        user,
        password,
        host,
        port,
    )
    assert uri.params == params and uri.headers == headers
    again = parse_sip_uri(str(uri))  # what we write reads back the same
    assert again == uri


def test_uri_parameters_are_read_case_insensitively() -> None:
    uri = parse_sip_uri("sip:bob@biloxi.com;LR;Transport=TCP")
    assert uri.has_param("lr") and uri.param("lr") == ""  # a flag reads as the empty string
    assert uri.param("transport") == "TCP" and uri.param("maddr") is None
    assert not uri.without_headers().headers
    assert uri.host_port == "biloxi.com"


@pytest.mark.parametrize(
    ("text", "scheme", "rest"),
    [
        ("tel:+1-201-555-0123", "tel", "+1-201-555-0123"),  # RFC 3966 §6
        ("TEL:+358-555-1234567;postd=pp22", "tel", "+358-555-1234567;postd=pp22"),
        ("http://www.example.com/alice/photo.jpg", "http", "//www.example.com/alice/photo.jpg"),
        ("mailto:watson@bell-telephone.com", "mailto", "watson@bell-telephone.com"),
        ("urn:service:sos", "urn", "service:sos"),
        ("isbn:2983792873", "isbn", "2983792873"),  # RFC 4475 §3.3.2 (unkscm.dat)
        ("soap.beep+x-y.z:1", "soap.beep+x-y.z", "1"),
    ],
)
def test_other_schemes_are_kept_whole(text: str, scheme: str, rest: str) -> None:
    uri = parse_uri(text)
    assert uri == AbsoluteUri(scheme, rest)
    with pytest.raises(SipParseError) as caught:
        parse_sip_uri(text)
    assert caught.value.status == 416  # RFC 3261 §8.2.2.1


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("sip:alice@atlanta.com:99999", "out of range"),
        ("sip:alice@atlanta.com:65536", "out of range"),
        ("sip:alice@atlanta.com:", "bad port"),
        ("sip:alice@atlanta.com:5o60", "bad port"),
        ("sip:alice@atlanta.com:-1", "bad port"),
        ("sip:alice@atlanta.com:\u00b2", "bad port"),  # a digit to str.isdigit, not to int()
        ("sip:alice@atlanta.com:5060:5060", "bad port"),
        ("sip:alice @atlanta.com", "white space"),
        ("sip:alice@atlanta.com ;lr", "white space"),
        ("sip:<alice@atlanta.com>", "'<'"),
        ('sip:"alice"@atlanta.com', "'\"'"),
        ("sip:@atlanta.com", "empty user"),
        ("sip:", "not a host"),
        ("sip:alice@", "not a host"),
        ("sip:alice@-atlanta.com", "not a host"),
        ("sip:alice@atlanta_com", "not a host"),
        ("sip:alice@[2001:db8::1", "unterminated IPv6"),
        ("sip:alice@[]", "not an IPv6"),
        ("sip:alice@[fe80::1%eth0]", "not an IPv6"),
        ("sip:alice@atlanta.com;;lr", "empty parameter"),
        ("sip:alice@atlanta.com;=x", "empty parameter"),
        ("sip:alice@atlanta.com?subject", "bad header component"),
        ("sip:alice@atlanta.com?=x", "bad header component"),
        ("alice@atlanta.com", "no scheme"),
        ("1sip:alice@atlanta.com", "no scheme"),
        (":alice@atlanta.com", "no scheme"),
        ("tel:", "empty after its scheme"),
    ],
)
def test_malformed_uris_are_refused_saying_why(text: str, why: str) -> None:
    with pytest.raises(SipParseError) as caught:
        parse_uri(text)
    assert why in str(caught.value)


@pytest.mark.parametrize(
    ("text", "host", "port"),
    [
        ("Example.COM", "example.com", None),
        ("192.0.2.1:5060", "192.0.2.1", 5060),
        ("[2001:DB8::1]:5061", "[2001:db8::1]", 5061),
        ("[::1]", "[::1]", None),
        ("a-1.b-2.c", "a-1.b-2.c", None),
    ],
)
def test_host_and_port(text: str, host: str, port: int | None) -> None:
    assert parse_host_port(text) == (host, port)


# RFC 3261 §19.1.4: "the URIs within each of the following sets are equivalent".
EQUIVALENT = [
    ("sip:%61lice@atlanta.com;transport=TCP", "sip:alice@AtLanTa.CoM;Transport=tcp"),
    ("sip:carol@chicago.com", "sip:carol@chicago.com;newparam=5"),
    ("sip:carol@chicago.com", "sip:carol@chicago.com;security=on"),
    ("sip:carol@chicago.com;newparam=5", "sip:carol@chicago.com;security=on"),
    (
        "sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com",
        "sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com",
    ),
    (
        "sip:alice@atlanta.com?subject=project%20x&priority=urgent",
        "sip:alice@atlanta.com?priority=urgent&subject=project%20x",
    ),
]
# RFC 3261 §19.1.4: "the URIs within each of the following sets are not equivalent".
NOT_EQUIVALENT = [
    ("SIP:ALICE@AtLanTa.CoM;Transport=udp", "sip:alice@AtLanTa.CoM;Transport=UDP"),  # user
    ("sip:bob@biloxi.com", "sip:bob@biloxi.com:5060"),  # can resolve to different ports
    ("sip:bob@biloxi.com", "sip:bob@biloxi.com;transport=udp"),  # ... different transports
    ("sip:bob@biloxi.com", "sip:bob@biloxi.com:6000;transport=tcp"),  # ... both
    ("sip:carol@chicago.com", "sip:carol@chicago.com?Subject=next%20meeting"),  # header
    ("sip:bob@phone21.boxesbybob.com", "sip:bob@192.0.2.4"),  # even if that is its address
    # "Note that equality is not transitive": these two differ in a parameter both carry.
    ("sip:carol@chicago.com;security=on", "sip:carol@chicago.com;security=off"),
    # Userinfo, password included, compares case-sensitively.
    ("sip:alice:secret@atlanta.com", "sip:alice:Secret@atlanta.com"),
    ("sip:alice@atlanta.com;maddr=239.255.255.1", "sip:alice@atlanta.com"),  # maddr must match
    ("sip:alice@atlanta.com", "sips:alice@atlanta.com"),
]


@pytest.mark.parametrize(("a", "b"), EQUIVALENT)
def test_rfc3261_equivalent_uris(a: str, b: str) -> None:
    assert parse_sip_uri(a).equivalent(parse_sip_uri(b))
    assert parse_sip_uri(b).equivalent(parse_sip_uri(a))


@pytest.mark.parametrize(("a", "b"), NOT_EQUIVALENT)
def test_rfc3261_unequal_uris(a: str, b: str) -> None:
    assert not parse_sip_uri(a).equivalent(parse_sip_uri(b))
    assert not parse_sip_uri(b).equivalent(parse_sip_uri(a))


_USER = st.text("abcdefghijklmnopqrstuvwxyz0123456789-_.!~*'()&=+$,;?/", min_size=1, max_size=10)
_HOST = st.from_regex(r"[a-z][a-z0-9]{0,8}(\.[a-z][a-z0-9]{0,8}){0,2}", fullmatch=True)


@settings(max_examples=200, deadline=None)
@given(_USER, _HOST, st.none() | st.integers(1, 65535), st.sampled_from(["", ";lr", ";x=1"]))
def test_equivalence_is_reflexive_and_survives_writing(
    user: str, host: str, port: int | None, params: str
) -> None:
    text = f"sip:{user}@{host}" + ("" if port is None else f":{port}") + params
    uri = parse_sip_uri(text)
    assert uri.equivalent(uri)
    assert parse_sip_uri(str(uri)).equivalent(uri)


# --- name-addr / addr-spec (From, To, Contact, Route) ----------------------------------------

# (text, display as written, uri, header params); RFC 3261 §20 examples first.
NAME_ADDRS = [
    ('"A. G. Bell" <sip:agb@bell-telephone.com> ;tag=a48s', '"A. G. Bell"',
     "sip:agb@bell-telephone.com", (("tag", "a48s"),)),
    ("Anonymous <sip:c8oqz84zk7z@privacy.org>;tag=hyh8", "Anonymous",
     "sip:c8oqz84zk7z@privacy.org", (("tag", "hyh8"),)),
    ("sip:+12125551212@server.phone2net.com;tag=887s", None,
     "sip:+12125551212@server.phone2net.com", (("tag", "887s"),)),
    ("The Operator <sip:operator@cs.columbia.edu>;tag=287447", "The Operator",
     "sip:operator@cs.columbia.edu", (("tag", "287447"),)),
    ('"Mr. Watson" <sip:watson@worcester.bell-telephone.com>;q=0.7; expires=3600',
     '"Mr. Watson"', "sip:watson@worcester.bell-telephone.com",
     (("q", "0.7"), ("expires", "3600"))),
    ('"Mr. Watson" <mailto:watson@bell-telephone.com> ;q=0.1', '"Mr. Watson"',
     "mailto:watson@bell-telephone.com", (("q", "0.1"),)),
    # A quoted display name with escaped quotes and a backslash (RFC 3261 §25.1 quoted-pair).
    ('"Alice \\"The Great\\" \\\\ Smith" <sip:alice@atlanta.com>;tag=1',
     '"Alice \\"The Great\\" \\\\ Smith"', "sip:alice@atlanta.com", (("tag", "1"),)),
    ('"" <sip:empty@atlanta.com>', '""', "sip:empty@atlanta.com", ()),
    ('"Zo\u00eb <boss>, CEO" <sip:zoe@atlanta.com>', '"Zo\u00eb <boss>, CEO"',
     "sip:zoe@atlanta.com", ()),
    # No LWS between display name and '<' (RFC 4475 §3.1.1.6, lwsdisp.dat).
    ("caller<sip:caller@example.com>;tag=323", "caller", "sip:caller@example.com",
     (("tag", "323"),)),
    # URI parameters stay inside <>; header parameters follow it (RFC 4475 §3.3.12, 3.3.13).
    ("<sip:bob@biloxi.com;transport=tcp>;expires=60", None,
     "sip:bob@biloxi.com;transport=tcp", (("expires", "60"),)),
    ("sip:bob@biloxi.com;transport=tcp", None, "sip:bob@biloxi.com",
     (("transport", "tcp"),)),
    # Quoted parameter values, LWS around ';' and '=', flags.
    ('<sip:a@b.example>;+sip.instance="<urn:uuid:f81d4fae-7dec>";reg-id=1', None,
     "sip:a@b.example", (("+sip.instance", '"<urn:uuid:f81d4fae-7dec>"'), ("reg-id", "1"))),
    ("<sip:a@b.example> ; tag = 77 ; lr", None, "sip:a@b.example",
     (("tag", "77"), ("lr", None))),
    ("<tel:+12125551212>;tag=x", None, "tel:+12125551212", (("tag", "x"),)),
]  # fmt: skip


@pytest.mark.parametrize(("text", "display", "uri", "params"), NAME_ADDRS)
def test_name_addr_forms(
    text: str, display: str | None, uri: str, params: tuple[tuple[str, str | None], ...]
) -> None:
    found = parse_name_addr(text)
    assert found.display == display
    assert found.uri == parse_uri(uri)
    assert found.params == params
    assert not found.wildcard
    again = parse_name_addr(str(found))  # we always write the name-addr form
    assert (again.display, again.uri, again.params) == (display, found.uri, params)


def test_quoted_display_names_unescape() -> None:
    found = parse_name_addr('"Alice \\"The Great\\" \\\\ Smith" <sip:alice@atlanta.com>')
    assert found.display is not None
    assert unquote_string(found.display[1:-1]) == 'Alice "The Great" \\ Smith'


def test_tags_and_the_wildcard() -> None:
    found = parse_name_addr("<sip:a@b.example>;TAG=abc")
    assert found.tag == "abc" and found.param("Tag") == "abc"
    assert found.with_tag("new").tag == "new" and found.with_tag("new").params == (("tag", "new"),)
    assert parse_name_addr("<sip:a@b.example>").tag is None
    star = parse_name_addr("  *  ")
    assert star.wildcard and str(star) == "*"
    with pytest.raises(SipParseError) as caught:
        parse_name_addr("<tel:+1555>").sip_uri  # noqa: B018
    assert caught.value.status == 416


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ('"Unterminated <sip:a@b.example>', "unterminated quoted string"),  # RFC 4475 §3.1.2.6
        ("Bob <sip:a@b.example", "missing '>'"),
        ("<sip:a@b.example>x", "unexpected text"),
        ("<sip:a@b.example>;tag=", "bad value"),
        ("<sip:a@b.example>;=x", "bad parameter"),
        ("<sip:a@b.example>;t@g=x", "bad parameter"),
        ("sip:a@b.example?subject=x", "must be enclosed in <>"),  # RFC 4475 §3.1.2.13
        ("Bob@home <sip:a@b.example>", "must be quoted"),  # RFC 4475 §3.1.2.15 (baddn.dat)
        ('"Bob" sip:a@b.example', "must be followed by <URI>"),
        ("<sip:a@b example>", "white space"),  # RFC 4475 §3.1.2.14 (badaspec.dat)
        ("", "no scheme"),
    ],
)
def test_malformed_name_addrs_are_refused(text: str, why: str) -> None:
    with pytest.raises(SipParseError) as caught:
        parse_name_addr(text)
    assert why in str(caught.value)


# --- Via -------------------------------------------------------------------------------------

# (text, transport, host, port, params)
VIAS = [
    ("SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds", "UDP", "pc33.atlanta.com", None,
     (("branch", "z9hG4bK776asdhds"),)),
    # RFC 3261 §20.42 examples: LWS around '/', ':', ';', '='.
    ("SIP/2.0/UDP erlang.bell-telephone.com:5060;branch=z9hG4bK87asdks7", "UDP",
     "erlang.bell-telephone.com", 5060, (("branch", "z9hG4bK87asdks7"),)),
    ("SIP/2.0/UDP 192.0.2.1:5060 ;received=192.0.2.207 ;branch=z9hG4bK77asjd", "UDP",
     "192.0.2.1", 5060, (("received", "192.0.2.207"), ("branch", "z9hG4bK77asjd"))),
    ("SIP / 2.0 / UDP first.example.com: 4000;ttl=16 ;maddr=224.2.0.1 ;branch=z9hG4bKa7c6a8dlze.1",
     "UDP", "first.example.com", 4000,
     (("ttl", "16"), ("maddr", "224.2.0.1"), ("branch", "z9hG4bKa7c6a8dlze.1"))),  # RFC 4475
    ("sip/2.0/tcp host.example", "TCP", "host.example", None, ()),
    # IPv6 sent-by (RFC 5118 §4.5) and rport with and without a value (RFC 3581).
    ("SIP/2.0/UDP [2001:db8::9:1]:5061;branch=z9hG4bKas3;rport", "UDP", "[2001:db8::9:1]", 5061,
     (("branch", "z9hG4bKas3"), ("rport", None))),
    ("SIP/2.0/UDP 10.0.0.1:5060;rport=5062;received=192.0.2.9", "UDP", "10.0.0.1", 5060,
     (("rport", "5062"), ("received", "192.0.2.9"))),
    # Unknown transports are kept (RFC 4475 §3.1.1.10, transports.dat).
    ("SIP/2.0/SCTP t3.example.com;branch=z9hG4bKsctp", "SCTP", "t3.example.com", None,
     (("branch", "z9hG4bKsctp"),)),
    ("SIP/2.0/UNKNOWN t4.example.com;branch=z9hG4bKx", "UNKNOWN", "t4.example.com", None,
     (("branch", "z9hG4bKx"),)),
    ("SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bKws", "WSS", "df7jal23ls0d.invalid", None,
     (("branch", "z9hG4bKws"),)),  # RFC 7118
]  # fmt: skip


@pytest.mark.parametrize(("text", "transport", "host", "port", "params"), VIAS)
def test_via_forms(
    text: str,
    transport: str,
    host: str,
    port: int | None,
    params: tuple[tuple[str, str | None], ...],
) -> None:
    via = parse_via(text)
    assert (via.transport, via.host, via.port, via.params) == (transport, host, port, params)
    assert via.protocol == "SIP/2.0"
    assert parse_via(str(via)) == via
    if params and params[0][0] == "branch":
        assert via.branch == params[0][1]


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("SIP/3.0/UDP host.example", 505),
        ("HTTP/2.0/UDP host.example", 400),
        ("SIP/2.0/UDP", 400),
        ("SIP/2.0 host.example", 400),
        ("SIP/2.0/UDP host.example:99999", 400),
        ("SIP/2.0/UDP host.example:5060:5060", 400),
        ("SIP/2.0/UDP host.example;=x", 400),
        ("SIP/2.0/UDP host.example;branch=a b", 400),
        ("SIP/2.0/UDP [2001:db8::1;branch=x", 400),
        ("SIP/2.0/UDP host_example", 400),
    ],
)
def test_malformed_vias(text: str, status: int) -> None:
    with pytest.raises(SipParseError) as caught:
        parse_via(text)
    assert caught.value.status == status


# --- CSeq and bounded numbers ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "seq", "method"),
    [
        ("4711 INVITE", 4711, "INVITE"),
        ("0 ACK", 0, "ACK"),
        ("2147483647 BYE", 2**31 - 1, "BYE"),  # RFC 3261 §8.1.1.5: less than 2**31
        ("  9   REGISTER ", 9, "REGISTER"),
        ("0000000001 OPTIONS", 1, "OPTIONS"),
        ("1 NEWMETHOD", 1, "NEWMETHOD"),
    ],
)
def test_cseq_within_bounds(text: str, seq: int, method: str) -> None:
    cseq = parse_cseq(text)
    assert (cseq.seq, cseq.method) == (seq, method)
    assert parse_cseq(str(cseq)) == cseq


@pytest.mark.parametrize(
    "text",
    [
        "2147483648 INVITE",
        "4294967296 INVITE",
        "12345678901 INVITE",
        "-1 INVITE",
        "+1 INVITE",
        "1",
        "INVITE",
        "1 INV ITE",
        "1 INVITE;x",
        "x1 INVITE",
        "\u00b2 INVITE",  # a digit to str.isdigit, not to int()
        "1\u0663 INVITE",
    ],
)
def test_cseq_out_of_bounds_or_malformed(text: str) -> None:
    with pytest.raises(SipParseError):
        parse_cseq(text)


@pytest.mark.parametrize(
    ("text", "limit", "value"),
    [("70", 255, 70), (" 0 ", 255, 0), ("255", 255, 255), ("0068", 255, 68)],
)
def test_bounded_numbers(text: str, limit: int, value: int) -> None:
    assert parse_bounded_int(text, "Max-Forwards", limit) == value


@pytest.mark.parametrize("text", ["256", "-1", "", "1e3", "0x10", "\u00b2", "9" * 13, "7 0"])
def test_bounded_numbers_refused(text: str) -> None:
    with pytest.raises(SipParseError):
        parse_bounded_int(text, "Max-Forwards", 255)


# --- header names, lists and parameters ------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "canonical"),
    [
        ("v", "Via"),
        ("i", "Call-ID"),
        ("m", "Contact"),
        ("l", "Content-Length"),
        ("call-id", "Call-ID"),
        ("CSEQ", "CSeq"),
        ("www-authenticate", "WWW-Authenticate"),
        ("x-custom-header", "X-Custom-Header"),
        ("NewFangledHeader", "Newfangledheader"),
    ],
)
def test_header_names(name: str, canonical: str) -> None:
    assert canonical_name(name) == canonical


@pytest.mark.parametrize("name", ["Bad Name", "", "Via:", "X<Y>", "Caf\u00e9"])
def test_malformed_header_names(name: str) -> None:
    with pytest.raises(SipParseError):
        canonical_name(name)


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("a, b ,c", ["a", "b", "c"]),
        ("INVITE,ACK", ["INVITE", "ACK"]),
        ('"Smith, John" <sip:j@x.example>, <sip:k@y.example>',
         ['"Smith, John" <sip:j@x.example>', "<sip:k@y.example>"]),
        ("<sip:a@x.example;p=1,2>, <sip:b@y.example>",
         ["<sip:a@x.example;p=1,2>", "<sip:b@y.example>"]),
        ('"a \\" , b" <sip:x@y.example>, c', ['"a \\" , b" <sip:x@y.example>', "c"]),
        ('"<,>" <sip:x@y.example>', ['"<,>" <sip:x@y.example>']),
        ("single", ["single"]),
    ],
)  # fmt: skip
def test_comma_splitting_respects_quotes_and_angle_brackets(text: str, values: list[str]) -> None:
    assert split_values(text) == values


@pytest.mark.parametrize(
    ("text", "why"),
    [("a,,b", "empty element"), ("a,", "empty element"), ('"unterminated, x', "unterminated")],
)
def test_bad_lists(text: str, why: str) -> None:
    with pytest.raises(SipParseError) as caught:
        split_values(text)
    assert why in str(caught.value)


def test_semicolon_splitting_respects_quotes() -> None:
    assert split_outside('"a;b";c', ";") == ['"a;b"', "c"]
    assert split_outside("<sip:a;lr>;c", ";") == ["<sip:a;lr>", "c"]


@pytest.mark.parametrize(
    ("text", "params"),
    [
        ("branch=z9hG4bK1;rport", (("branch", "z9hG4bK1"), ("rport", None))),
        (" q = 0.5 ; expires = 60 ", (("q", "0.5"), ("expires", "60"))),
        ('text="a;b=c"', (("text", '"a;b=c"'),)),
        ("received=[2001:db8::1]", (("received", "[2001:db8::1]"),)),
    ],
)
def test_generic_params(text: str, params: tuple[tuple[str, str | None], ...]) -> None:
    assert parse_generic_params(text, "test") == params


@pytest.mark.parametrize("text", ["=x", "a=", "a=b c", "a b=c", "a=<x>"])
def test_bad_generic_params(text: str) -> None:
    with pytest.raises(SipParseError):
        parse_generic_params(text, "test")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_grammar_functions_raise_only_parse_errors(text: str) -> None:
    for parse in (parse_uri, parse_name_addr, parse_via, parse_cseq, split_values, canonical_name):
        with contextlib.suppress(SipParseError):
            parse(text)


def test_sip_uri_type() -> None:
    assert isinstance(parse_uri("sips:a@b.example"), SipUri)
