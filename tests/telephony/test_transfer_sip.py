"""The agent's leg on the wire (in-memory network): a phone's hold re-INVITEs reach the leg's
owner, a REFER gets 202 and NOTIFYs with sipfrag bodies, a leg that cannot transfer says 403."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from wire import Node, Wire

from frontdesk.config import Agent, Company, Number
from frontdesk.sip import sdp
from frontdesk.sip.dialog import Dialog
from frontdesk.sip.events import DialogRequest, IncomingRequest, ResponseReceived
from frontdesk.sip.headers import NameAddr
from frontdesk.sip.message import parse_message
from frontdesk.sip.refer import parse_sipfrag
from frontdesk.sip.uri import SipUri
from frontdesk.telephony.call_media import CallMedia
from frontdesk.telephony.legs import Dialer, Leg
from frontdesk.telephony.transfer import accept, notify


@dataclass
class Sink:
    rows: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def append(self, at: float, kind: str, call_id: str | None, **data: Any) -> None:
        self.rows.append((kind, data))


@dataclass
class Owner:
    """Stands in for the agent line: records hold changes, accepts REFERs (100 then 200)."""

    dialer: Dialer
    seen: list[Any] = field(default_factory=list)

    def leg_ringing(self, leg: Leg) -> None: ...
    def leg_answered(self, leg: Leg) -> None:
        self.seen.append("answered")

    def leg_failed(self, leg: Leg, status: int, reason: str) -> None: ...
    def leg_ended(self, leg: Leg, reason: str) -> None: ...

    def leg_held(self, leg: Leg, held: bool) -> None:
        self.seen.append(("held", held))

    def leg_refer(self, leg: Leg, event: DialogRequest, now: float) -> None:
        self.seen.append(("refer", event.request.get("Refer-To")))
        progress = accept(self.dialer.ua, event, now)
        notify(self.dialer.ua, event.dialog, progress.report(100), now)
        notify(self.dialer.ua, event.dialog, progress.report(200), now)


class NoTransfer:
    def leg_ringing(self, leg: Leg) -> None: ...
    def leg_answered(self, leg: Leg) -> None: ...
    def leg_failed(self, leg: Leg, status: int, reason: str) -> None: ...
    def leg_ended(self, leg: Leg, reason: str) -> None: ...


class Rig:
    def __init__(self) -> None:
        self.wire = Wire()
        self.server: Node = self.wire.node("127.0.0.1", 5060, seed=1)
        self.phone: Node = self.wire.node("127.0.0.1", 5070, seed=2)
        company = Company("T", "frontdesk.test", (Number("+442079460100"),),
                          (Agent("alice", "Alice", "1001", "pw"),))  # fmt: skip
        media = CallMedia(None, Sink(), lambda: self.wire.now, lambda: self.wire.now)
        self.dialer = Dialer(company, self.server.ua, media, "127.0.0.1", Sink(),
                             lambda: self.wire.now)  # fmt: skip
        self.phone_dialog: Dialog | None = None
        self.offer: sdp.SessionDescription | None = None
        self.responses: list[int] = []
        self.notifies: list[DialogRequest] = []

    def settle(self) -> None:
        for _ in range(20):
            self.wire.run_until(self.wire.now + 0.05)
            for event in self.server.events:
                if self.dialer.owns(event_call_id(event)):
                    self.dialer.handle(event, self.wire.now)
            self.server.events.clear()
            for event in self.phone.events:
                self.phone_event(event)
            self.phone.events.clear()

    def phone_event(self, event: Any) -> None:
        ua, now = self.phone.ua, self.wire.now
        if isinstance(event, IncomingRequest) and event.request.method == "INVITE":
            offer = sdp.SessionDescription.parse(event.request.body)
            self.offer, _ = sdp.negotiate_answer(offer, sdp.DEFAULT_CODECS, "127.0.0.1", 7000, 5, 1)
            self.phone_dialog = ua.reply(event.txn, 200, body=bytes(self.offer),
                                         content_type="application/sdp", now=now)  # fmt: skip
        elif isinstance(event, DialogRequest):
            if event.request.method == "NOTIFY":
                self.notifies.append(event)
            ua.reply(event.txn, 200, now=now)
        elif isinstance(event, ResponseReceived):
            self.responses.append(event.response.status)

    def call(self, owner: Any) -> Leg:
        leg = self.dialer.dial(SipUri("sip", "127.0.0.1", "1001", port=5070), self.phone.peer(),
                               NameAddr(SipUri("sip", "frontdesk.test", "+447700900123")),
                               "contact-1", owner, self.wire.now, "agent")  # fmt: skip
        self.settle()
        return leg

    def reinvite(self, direction: sdp.Direction) -> None:
        assert self.phone_dialog is not None and self.offer is not None
        body = bytes(sdp.reoffer(self.offer, direction))
        self.offer = sdp.SessionDescription.parse(body)
        self.phone.ua.request_in_dialog(self.phone_dialog, "INVITE", self.wire.now, body,
                                        "application/sdp")  # fmt: skip
        self.settle()

    def refer(self, refer_to: str) -> None:
        assert self.phone_dialog is not None
        self.phone.ua.request_in_dialog(self.phone_dialog, "REFER", self.wire.now,
                                        headers={"Refer-To": refer_to})  # fmt: skip
        self.settle()


def event_call_id(event: Any) -> str:
    from frontdesk.telephony.switchboard import _call_id

    return _call_id(event)


def test_hold_and_resume_from_the_phone_reach_the_legs_owner_once_each() -> None:
    rig = Rig()
    owner = Owner(rig.dialer)
    rig.call(owner)
    assert owner.seen == ["answered"]
    rig.reinvite(sdp.Direction.SENDONLY)
    answers = [d for d in rig.wire.sent(b"SIP/2.0 200") if b"a=recvonly" in d]
    assert answers and owner.seen[-1] == ("held", True)
    rig.reinvite(sdp.Direction.SENDONLY)  # a session refresh while held: no second hold
    rig.reinvite(sdp.Direction.SENDRECV)
    assert owner.seen == ["answered", ("held", True), ("held", False)]
    rig.reinvite(sdp.Direction.INACTIVE)  # RFC 3264 §8.4: inactive holds too
    assert owner.seen[-1] == ("held", True)


def test_refer_is_accepted_and_progress_notified_with_sipfrag() -> None:
    rig = Rig()
    owner = Owner(rig.dialer)
    leg = rig.call(owner)
    rig.refer("<sip:1002@127.0.0.1>")
    assert owner.seen[-1] == ("refer", "<sip:1002@127.0.0.1>")
    assert 202 in rig.responses
    bodies = [parse_sipfrag(n.request.body) for n in rig.notifies]
    assert bodies == [(100, "Trying"), (200, "OK")]
    first, last = (n.request for n in rig.notifies)
    [refer] = rig.wire.sent(b"REFER ")
    cseq = parse_message(refer).cseq.seq  # RFC 3515 §2.4.6: the id is the REFER's CSeq
    assert first.content_type == "message/sipfrag" and first.get("Event") == f"refer;id={cseq}"
    assert first.get("Subscription-State") == "active;expires=60"
    assert last.get("Subscription-State") == "terminated;reason=noresource"
    assert all(n.request.call_id == leg.id for n in rig.notifies)


def test_a_leg_whose_owner_cannot_transfer_answers_403() -> None:
    rig = Rig()
    rig.call(NoTransfer())
    rig.refer("<sip:1002@127.0.0.1>")
    assert 403 in rig.responses and not rig.notifies
    assert any(b"cannot be transferred" in d for d in rig.wire.sent(b"SIP/2.0 403"))
