"""Visitors' calls against Frontdesk's real switchboard over an in-memory network
(tests/sip/wire.py): the INVITE a web visitor's call sends, answered, ringing first, hung up
from either side, cancelled while ringing, refused; and the web caller id, which no number
reader may take for a phone number."""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parents[1] / "sip"))
from wire import Node, Wire

from frontdesk.config import Company, Number
from frontdesk.crm.numbers import caller_key
from frontdesk.flows.context import call_context, read_number
from frontdesk.sip.registrar import Registrar
from frontdesk.telephony.auth import EndpointAuthenticator
from frontdesk.telephony.call_media import CallMedia
from frontdesk.telephony.switchboard import Switchboard
from frontdesk.widget import UnknownWidgetCall
from frontdesk.widget.caller import CallEvent, CallState, Connected, Ended, Ringing, WebCaller
from frontdesk.widget.calls import VISITOR_LETTERS

SERVER = ("127.0.0.1", 5060)
WIDGET = ("127.0.0.1", 5080)
BRIDGE = ("127.0.0.1", 31000)


@dataclass
class Sink:
    rows: list[tuple[str, str | None, dict[str, Any]]] = field(default_factory=list)

    def append(self, at: float, kind: str, call_id: str | None, **data: Any) -> None:
        self.rows.append((kind, call_id, data))

    def kinds(self) -> list[str]:
        return [kind for kind, _, _ in self.rows]


class Rig:
    def __init__(self, ring_s: int = 0) -> None:
        self.wire = Wire()
        numbers = (Number("+442079460100", ("100",), ring_s=ring_s),)
        company = Company("Test", "frontdesk.test", numbers, ())
        self.server: Node = self.wire.node(*SERVER, seed=1)
        self.node: Node = self.wire.node(*WIDGET, seed=2)
        self.sink = Sink()
        media = CallMedia(None, self.sink, lambda: self.wire.now, lambda: self.wire.now)
        auth = EndpointAuthenticator(company, b"k" * 32)
        self.board = Switchboard(company, self.server.ua, self.sink, lambda: self.wire.now,
                                 "127.0.0.1", auth, Registrar(), media=media)  # fmt: skip
        self.events: list[CallEvent] = []
        self.caller = WebCaller(self.node.ua, self.server.peer(), self.events.append)

    def settle(self, until: float | None = None) -> None:
        end = self.wire.now + 0.05 if until is None else until
        while True:
            self.wire.run_until(min(end, self.wire.now + 0.05))
            busy = bool(self.server.events or self.node.events)
            server_events, self.server.events[:] = list(self.server.events), []
            node_events, self.node.events[:] = list(self.node.events), []
            self.board.handle(server_events, self.wire.now)
            self.caller.handle(node_events, self.wire.now)
            if not busy and self.wire.now >= end:
                return

    def call(self, number: str = "+442079460100") -> str:
        call_id = self.caller.place("abcdefgh", "frontdesk.test", number, BRIDGE, self.wire.now,
                                    headers={"X-Frontdesk-Widget": "shop"})  # fmt: skip
        self.settle()
        return call_id


def test_a_web_visitor_calls_like_a_phone_and_the_switchboard_answers() -> None:
    rig = Rig()
    call_id = rig.call()
    [invite] = rig.wire.sent(b"INVITE ")
    assert invite.startswith(b"INVITE sip:+442079460100@127.0.0.1:5060 SIP/2.0\r\n")
    assert b'From: "Web visitor" <sip:web-abcdefgh@frontdesk.test>;tag=' in invite
    assert b"X-Frontdesk-Widget: shop" in invite
    assert b"m=audio 31000 RTP/AVP 0 8 101" in invite  # PCMU, PCMA, telephone-event
    [connected] = [e for e in rig.events if isinstance(e, Connected)]
    assert connected.call_id == call_id and connected.media.codec == "PCMU"
    assert connected.media.telephone_event_pt == 101
    assert rig.caller.calls[call_id].state is CallState.ANSWERED
    received = next(data for kind, _, data in rig.sink.rows if kind == "call.received")
    assert received["caller"] == "sip:web-abcdefgh@frontdesk.test"
    assert "call.answered" in rig.sink.kinds()
    assert rig.wire.sent(b"ACK ")  # the user agent acknowledged the 200


def test_the_visitor_hangs_up_with_bye() -> None:
    rig = Rig()
    call_id = rig.call()
    rig.caller.hang_up(call_id, rig.wire.now)
    rig.settle()
    assert Ended(call_id, "local_bye") in rig.events and call_id not in rig.caller.calls
    assert rig.wire.sent(b"BYE ") and "call.ended" in rig.sink.kinds()
    with pytest.raises(UnknownWidgetCall):
        rig.caller.hang_up(call_id, rig.wire.now)


def test_the_company_hangs_up() -> None:
    rig = Rig()
    call_id = rig.call()
    rig.board.hangup(call_id, "flow_end", "the flow hung up", rig.wire.now)
    rig.settle()
    assert Ended(call_id, "remote_bye") in rig.events


def test_a_ringing_number_rings_first_and_a_visitor_may_give_up_while_it_rings() -> None:
    rig = Rig(ring_s=5)
    call_id = rig.call()
    assert rig.events == [Ringing(call_id)]
    rig.caller.hang_up(call_id, rig.wire.now)
    rig.settle()
    assert rig.wire.sent(b"CANCEL ")
    assert rig.events[-1] == Ended(call_id, "refused: 487 Request Terminated")
    rig.settle(until=rig.wire.now + 10)
    assert not any(isinstance(e, Connected) for e in rig.events)


def test_a_number_the_company_lacks_is_refused() -> None:
    rig = Rig()
    call_id = rig.call("+442079469999")
    [ended] = [e for e in rig.events if isinstance(e, Ended)]
    assert ended.call_id == call_id and ended.reason.startswith("refused: 401")


def test_nobody_can_call_the_widgets_user_agent() -> None:
    rig = Rig()
    rig.server.ua.send(
        rig.server.ua.new_request("INVITE", _uri("web-x", WIDGET), _addr("x"), _addr("web-x"),
                                  rig.node.peer()), rig.node.peer(), rig.wire.now)  # fmt: skip
    rig.settle()
    assert any(data.startswith(b"SIP/2.0 403") for data in rig.wire.sent(b"SIP/2.0 4"))


@given(st.text(VISITOR_LETTERS, min_size=8, max_size=8))
def test_the_web_caller_id_is_never_read_as_a_phone_number(visitor: str) -> None:
    user = f"web-{visitor}"
    assert read_number(user) == ("", "", "")
    assert read_number(f"sip:{user}@frontdesk.test") == ("", "", "")
    assert caller_key(user, "GB") is None
    caller = call_context(user, {}, ("en", "fr")).caller  # the flow sees a withheld number
    assert (caller.number, caller.national, caller.country, caller.language) == ("", "", "", "en")
    assert re.fullmatch(r"web-[a-z]{8}", user)


def _uri(user: str, where: tuple[str, int]) -> Any:
    from frontdesk.sip.uri import SipUri

    return SipUri("sip", where[0], user=user, port=where[1])


def _addr(user: str) -> Any:
    from frontdesk.sip.headers import NameAddr
    from frontdesk.sip.uri import SipUri

    return NameAddr(SipUri("sip", "elsewhere.test", user=user))
