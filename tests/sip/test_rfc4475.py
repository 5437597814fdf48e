"""RFC 4475 torture messages: each is parsed and processed, or answered/rejected as the RFC
says for it, and none crashes the user agent or leaves state behind."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from frontdesk.sip.dialog import LocalAddress
from frontdesk.sip.events import IncomingRequest, MessageRejected
from frontdesk.sip.message import parse_message
from frontdesk.sip.transaction import Peer
from frontdesk.sip.useragent import UserAgent

DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "rfc4475"

# file -> what a UAS must do: a status it answers, "app" (valid: handed to the application),
# or "drop" (a response matching nothing, or too broken to answer). Section numbers are RFC 4475's.
EXPECTED: dict[str, int | str] = {
    "wsinv.dat": 481,  # 3.1.1.1 valid; it carries a To tag of no dialog of ours
    "intmeth.dat": 405,  # 3.1.1.2 valid; unknown method
    "esc01.dat": "app",  # 3.1.1.3
    "escnull.dat": "app",  # 3.1.1.4
    "esc02.dat": 405,  # 3.1.1.5 valid; RE%47IST%45R is not REGISTER
    "lwsdisp.dat": 200,  # 3.1.1.6
    "longreq.dat": "app",  # 3.1.1.7
    "dblreq.dat": "app",  # 3.1.1.8 trailing octets ignored
    "semiuri.dat": 200,  # 3.1.1.9
    "transports.dat": 200,  # 3.1.1.10
    "mpart01.dat": 415,  # 3.1.1.11 valid; multipart bodies are not accepted here
    "unreason.dat": "drop",  # 3.1.1.12 a response of no transaction
    "noreason.dat": "drop",  # 3.1.1.13
    "badinv01.dat": 400,  # 3.1.2.1
    "clerr.dat": 400,  # 3.1.2.2
    "ncl.dat": 400,  # 3.1.2.3
    "scalar02.dat": 400,  # 3.1.2.4
    "scalarlg.dat": "drop",  # 3.1.2.5 a response is never answered
    "quotbal.dat": 400,  # 3.1.2.6
    "ltgtruri.dat": 400,  # 3.1.2.7
    "lwsruri.dat": 400,  # 3.1.2.8
    "lwsstart.dat": 400,  # 3.1.2.9
    "trws.dat": 400,  # 3.1.2.10
    "escruri.dat": 400,  # 3.1.2.11
    "baddate.dat": "app",  # 3.1.2.12 the RFC allows ignoring the Date; Frontdesk never uses it
    "regbadct.dat": 400,  # 3.1.2.13
    "badaspec.dat": 400,  # 3.1.2.14
    "baddn.dat": 400,  # 3.1.2.15
    "badvers.dat": 505,  # 3.1.2.16
    "mismatch01.dat": 400,  # 3.1.2.17
    "mismatch02.dat": 400,  # 3.1.2.18
    "bigcode.dat": "drop",  # 3.1.2.19
    "badbranch.dat": 200,  # 3.2.1 matched with RFC 2543 rules
    "insuf.dat": 400,  # 3.3.1
    "unkscm.dat": 416,  # 3.3.2
    "novelsc.dat": 416,  # 3.3.3
    "unksm2.dat": "app",  # 3.3.4 the switchboard answers 404 (not an AOR of ours)
    "bext01.dat": 420,  # 3.3.5
    "invut.dat": 415,  # 3.3.6
    "regaut01.dat": "app",  # 3.3.7 the switchboard challenges (401)
    "multi01.dat": 400,  # 3.3.8
    "mcl01.dat": 400,  # 3.3.9
    "bcast.dat": "drop",  # 3.3.10
    "zeromf.dat": 200,  # 3.3.11 Max-Forwards only matters to proxies
    "cparam01.dat": "app",  # 3.3.12
    "cparam02.dat": "app",  # 3.3.13
    "regescrt.dat": "app",  # 3.3.14
    "sdp01.dat": 406,  # 3.3.15
    "inv2543.dat": "app",  # 3.4.1
    "test.dat": "drop",  # not a SIP message at all
}

SOURCE = Peer("udp", "192.0.2.99", 5099)


def _ua() -> UserAgent:
    return UserAgent([LocalAddress("udp", "127.0.0.1", 5060)], random.Random(7))


def test_every_file_is_in_the_table() -> None:
    assert DATA.is_dir(), f"RFC 4475 messages not found in {DATA}"
    assert sorted(p.name for p in DATA.glob("*.dat")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_torture_message(name: str) -> None:
    ua = _ua()
    ua.receive((DATA / name).read_bytes(), SOURCE, 0.0)
    expected = EXPECTED[name]
    statuses = [int(data.split(b" ", 2)[1]) for data, _ in ua.outgoing]
    if expected == "app":
        assert statuses == []
        assert [type(e) for e in ua.events] == [IncomingRequest]
        event = ua.events[0]
        assert isinstance(event, IncomingRequest)
        ua.reply(event.txn, 404, now=0.0)  # whatever the application says, it can answer
        assert len(ua.outgoing) == 1
    elif expected == "drop":
        assert statuses == []
        assert all(isinstance(e, MessageRejected) for e in ua.events)
    else:
        assert statuses == [expected]
        # The answer echoes the request's own (possibly broken) Via and CSeq back to it.
        wire = ua.outgoing[0][0]
        assert b"\r\nVia: " in wire and b"\r\nCSeq: " in wire
    # Nothing lingers once the transaction timers have run out.
    ua.outgoing.clear()
    ua.handle_timer(100.0)
    assert ua.txns.live == 0
    assert not ua.dialogs


def test_rejections_say_why() -> None:
    ua = _ua()
    ua.receive((DATA / "ncl.dat").read_bytes(), SOURCE, 0.0)
    response = parse_message(ua.outgoing[0][0])
    assert "Content-Length" in (response.get("Warning") or "")


def test_valid_messages_parse_their_tricky_parts() -> None:
    wsinv = parse_message((DATA / "wsinv.dat").read_bytes())
    assert wsinv.cseq.seq == 9 and wsinv.cseq.method == "INVITE"
    assert wsinv.to.tag == "1918181833n"
    assert wsinv.from_.tag == "98asjd8"
    assert [v.transport for v in wsinv.vias] == ["UDP", "TCP", "UDP"]
    assert wsinv.vias[2].branch == "z9hG4bK30239"
    assert wsinv.contacts[0].param("q") == "0.33"
    assert wsinv.get("Max-Forwards") == "0068"
    cparam01 = parse_message((DATA / "cparam01.dat").read_bytes())
    contact = cparam01.contacts[0]
    assert contact.param("unknownparam") == "" and not contact.sip_uri.params
    cparam02 = parse_message((DATA / "cparam02.dat").read_bytes())
    contact = cparam02.contacts[0]
    assert contact.sip_uri.has_param("unknownparam") and not contact.params
    dblreq = parse_message((DATA / "dblreq.dat").read_bytes())
    assert dblreq.body == b""
    semiuri = parse_message((DATA / "semiuri.dat").read_bytes())
    assert semiuri.uri.user == "user;par=u%40example.net"  # type: ignore[union-attr]
