"""The browser phone against Frontdesk's real switchboard, registrar, digest authenticator and
dialer, over an in-memory network (tests/sip/wire.py): registration with digest and refresh,
calls offered, answered, declined, cancelled, hung up from either side, hold and resume."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "sip"))
from wire import Node, Wire

from frontdesk.config import Agent, Company, Number
from frontdesk.sip.headers import NameAddr
from frontdesk.sip.registrar import Registrar
from frontdesk.sip.sdp import Direction, SessionDescription
from frontdesk.sip.uri import SipUri
from frontdesk.softphone import SoftphoneError
from frontdesk.softphone.bridge import EngineMedia
from frontdesk.softphone.events import Answered, Ended, Incoming, SoftphoneEvent
from frontdesk.softphone.phone import BrowserPhone
from frontdesk.softphone.registration import Account, RegState
from frontdesk.telephony.auth import EndpointAuthenticator
from frontdesk.telephony.call_media import CallMedia
from frontdesk.telephony.legs import Dialer, Leg
from frontdesk.telephony.switchboard import Switchboard

SERVER = ("127.0.0.1", 5060)
PHONE = ("127.0.0.1", 5070)
MEDIA = ("127.0.0.1", 30000)


@dataclass
class Sink:
    rows: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def append(self, at: float, kind: str, call_id: str | None, **data: Any) -> None:
        self.rows.append((kind, data))


@dataclass
class FakeBridge:
    """Stands in for the RTP bridge: the phone only tells it where the engine is."""

    held: bool = False
    muted: bool = False
    media: EngineMedia | None = None

    def connect(self, media: EngineMedia) -> None:
        self.media = media

    def disconnect(self) -> None:
        self.media = None


@dataclass
class Legs:
    seen: list[tuple[str, Any]] = field(default_factory=list)

    def leg_ringing(self, leg: Leg) -> None:
        self.seen.append(("ringing", None))

    def leg_answered(self, leg: Leg) -> None:
        self.seen.append(("answered", None))

    def leg_failed(self, leg: Leg, status: int, reason: str) -> None:
        self.seen.append(("failed", status))

    def leg_ended(self, leg: Leg, reason: str) -> None:
        self.seen.append(("ended", reason))


class Rig:
    def __init__(self, password: str = "alice1001") -> None:
        self.wire = Wire()
        agent = Agent("alice", "Alice", "1001", "alice1001")
        self.company = Company("Test", "frontdesk.test", (Number("+442079460100"),), (agent,))
        self.server: Node = self.wire.node(*SERVER, seed=1)
        self.phone_node: Node = self.wire.node(*PHONE, seed=2)
        sink = Sink()
        self.registrar = Registrar()
        media = CallMedia(None, sink, lambda: self.wire.now, lambda: self.wire.now)
        auth = EndpointAuthenticator(self.company, b"k" * 32)
        self.board = Switchboard(self.company, self.server.ua, sink, lambda: self.wire.now,
                                 "127.0.0.1", auth, self.registrar, media=media)  # fmt: skip
        self.dialer = Dialer(self.company, self.server.ua, media, "127.0.0.1", sink,
                             lambda: self.wire.now)  # fmt: skip
        self.board.dialer = self.dialer
        self.events: list[SoftphoneEvent] = []
        self.status: list[tuple[bool, str]] = []
        self.bridge = FakeBridge()
        account = Account("1001", password, self.server.peer())
        self.phone = BrowserPhone("alice", self.phone_node.ua, account, self.bridge, MEDIA,
                                  self.events.append,
                                  lambda ok, why: self.status.append((ok, why)))  # fmt: skip
        self.legs = Legs()

    def settle(self, until: float | None = None) -> None:
        end = self.wire.now + 0.05 if until is None else until
        while True:
            self.wire.run_until(min(end, self.wire.now + 0.05))
            busy = bool(self.server.events or self.phone_node.events)
            server_events, self.server.events[:] = list(self.server.events), []
            phone_events, self.phone_node.events[:] = list(self.phone_node.events), []
            self.board.handle(server_events, self.wire.now)
            self.phone.handle(phone_events, self.wire.now)
            if not busy and self.wire.now >= end:
                return

    def register(self) -> None:
        self.phone.registration.start(self.wire.now)
        self.settle()

    def ring(self) -> tuple[Leg, Incoming]:
        [binding] = self.registrar.lookup("1001", self.wire.now)
        caller = NameAddr(SipUri("sip", "frontdesk.test", user="+447700900123"), '"Priya Shah"')
        leg = self.dialer.dial(binding.uri, binding.peer, caller, "contact-1", self.legs,
                               self.wire.now, "agent")  # fmt: skip
        self.settle()
        incoming = [e for e in self.events if isinstance(e, Incoming)]
        assert incoming, self.events
        return leg, incoming[-1]


def test_registers_with_digest_as_the_agents_extension_and_refreshes() -> None:
    rig = Rig()
    rig.register()
    assert rig.status == [(True, "")] and rig.phone.registration.registered
    [binding] = rig.registrar.lookup("1001", rig.wire.now)
    assert binding.peer.port == PHONE[1]
    assert len(rig.wire.sent(b"REGISTER ")) == 2  # challenged once, then with credentials
    rig.settle(until=200.0)  # well past the 120 s first granted
    assert rig.registrar.lookup("1001", rig.wire.now)
    assert len(rig.wire.sent(b"REGISTER ")) >= 2 + 2 * 3  # refreshed every 60 s


def test_a_wrong_password_is_refused_and_retried() -> None:
    rig = Rig(password="wrong")
    rig.register()
    assert rig.status and rig.status[0][0] is False and "403" in rig.status[0][1]
    assert rig.phone.registration.state is RegState.FAILED
    before = len(rig.wire.sent(b"REGISTER "))
    rig.settle(until=11.0)
    assert len(rig.wire.sent(b"REGISTER ")) > before
    assert not rig.registrar.lookup("1001", rig.wire.now)


def test_unregister_removes_the_binding() -> None:
    rig = Rig()
    rig.register()
    rig.phone.registration.stop(rig.wire.now)
    rig.settle()
    assert not rig.registrar.lookup("1001", rig.wire.now)
    assert rig.phone.registration.state is RegState.CLOSED
    assert b"Expires: 0" in rig.wire.sent(b"REGISTER ")[-1]


def test_an_offer_rings_with_the_callers_name_and_number_and_is_answered() -> None:
    rig = Rig()
    rig.register()
    leg, incoming = rig.ring()
    assert (incoming.caller_name, incoming.caller_number) == ("Priya Shah", "+447700900123")
    assert incoming.call_ref == leg.id == incoming.headers["Call-ID"]
    assert rig.legs.seen == [("ringing", None)]
    rig.phone.answer(incoming.call_ref, rig.wire.now)
    rig.settle()
    assert ("answered", None) in rig.legs.seen
    assert Answered("alice", leg.id) in rig.events
    # The engine is told to send to the bridge, and the bridge to the engine's port.
    assert leg.offer is not None and rig.bridge.media is not None
    assert rig.bridge.media.remote[1] == leg.offer.media[0].port
    assert rig.bridge.media.codec == "PCMU" and rig.bridge.media.telephone_event_pt == 101
    rig.phone.hangup(leg.id, rig.wire.now)
    rig.settle()
    assert ("ended", "remote_bye") in rig.legs.seen
    assert Ended("alice", leg.id, "local_bye") in rig.events and rig.bridge.media is None


def test_declined_calls_get_486_and_a_second_call_is_busy() -> None:
    rig = Rig()
    rig.register()
    first, incoming = rig.ring()
    _second, _ = rig.ring()
    assert ("failed", 486) in rig.legs.seen  # the second: busy while the first rings
    rig.phone.decline(incoming.call_ref, rig.wire.now)
    rig.settle()
    assert rig.legs.seen.count(("failed", 486)) == 2
    assert Ended("alice", first.id, "declined") in rig.events
    with pytest.raises(SoftphoneError):
        rig.phone.answer(first.id, rig.wire.now)


def test_a_cancelled_offer_and_a_server_hang_up_end_the_call() -> None:
    rig = Rig()
    rig.register()
    leg, _ = rig.ring()
    rig.dialer.hang_up(leg, rig.wire.now)  # the caller left, or the ring timed out
    rig.settle()
    assert Ended("alice", leg.id, "cancelled") in rig.events
    leg, incoming = rig.ring()
    rig.phone.answer(incoming.call_ref, rig.wire.now)
    rig.settle()
    rig.dialer.hang_up(leg, rig.wire.now)
    rig.settle()
    assert Ended("alice", leg.id, "remote_bye") in rig.events


def test_hold_offers_sendonly_and_resume_sendrecv() -> None:
    rig = Rig()
    rig.register()
    leg, incoming = rig.ring()
    rig.phone.answer(incoming.call_ref, rig.wire.now)
    rig.settle()
    rig.phone.hold(leg.id, True, rig.wire.now)
    rig.settle()
    invites = rig.wire.sent(b"INVITE ")
    held = SessionDescription.parse(invites[-1].split(b"\r\n\r\n", 1)[1])
    assert held.media_direction(0) is Direction.SENDONLY
    assert rig.bridge.held and rig.phone.calls[leg.id].held
    answers = [d for d in rig.wire.sent(b"SIP/2.0 200") if b"a=recvonly" in d]
    assert answers, "the server did not answer the hold with recvonly"
    rig.phone.hold(leg.id, False, rig.wire.now)
    rig.settle()
    resumed = SessionDescription.parse(rig.wire.sent(b"INVITE ")[-1].split(b"\r\n\r\n", 1)[1])
    assert resumed.media_direction(0) is Direction.SENDRECV and not rig.bridge.held
    assert rig.phone.calls[leg.id].state.name == "TALKING"
