"""Outbound registration to a carrier: challenged, answered, refreshed, retried."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from wire import Wire

from frontdesk.config import Company, Number, Trunk
from frontdesk.sip.digest import DigestAuthenticator
from frontdesk.sip.events import IncomingRequest
from frontdesk.telephony.trunk_monitor import TrunkMonitor
from frontdesk.telephony.trunks import TrunkRegistrar


@dataclass
class Sink:
    rows: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def append(self, at: float, kind: str, call_id: str | None, **data: Any) -> None:
        self.rows.append((kind, data))


def company(password: str = "s3cret") -> Company:
    trunk = Trunk("carrier", "127.0.0.2", 5060, username="acme", password=password, register=True)
    return Company("Acme", "acme.test", (Number("+15550000000"),), (), (trunk,))


class Carrier:
    """A registrar that challenges with digest and grants 120 s."""

    def __init__(self, wire: Wire) -> None:
        self.node = wire.node("127.0.0.2", 5060, 9)
        self.digest = DigestAuthenticator("carrier.test", b"k" * 32, algorithms=("SHA-256", "MD5"))
        self.registers: list[int] = []
        self.answer = 200

    def serve(self, now: float) -> None:
        for event in list(self.node.events):
            if not isinstance(event, IncomingRequest):
                continue
            self.node.events.remove(event)
            request = event.request
            self.registers.append(request.cseq.seq)
            auth = request.get("Authorization")
            if auth is None:
                challenge = self.digest.challenge(now)
                self.node.ua.reply(event.txn, 401, headers={"WWW-Authenticate": challenge}, now=now)
                continue
            result = self.digest.verify(
                auth, "REGISTER", now, lambda u: "s3cret" if u == "acme" else None
            )
            if not result.ok:
                self.node.ua.reply(event.txn, 403, now=now)
            elif self.answer != 200:
                self.node.ua.reply(event.txn, self.answer, now=now)
            else:
                contact = f"{request.get('Contact')};expires=120"
                self.node.ua.reply(event.txn, 200, headers={"Contact": contact}, now=now)


def run(wire: Wire, carrier: Carrier, us: Any, trunks: TrunkRegistrar, until: float) -> None:
    while wire.now < until:
        wire.run_until(min(until, wire.now + 0.5))
        carrier.serve(wire.now)
        trunks.handle(us.events, wire.now)
        us.events.clear()
        wire.pump()


def test_registers_with_digest_and_refreshes_before_expiry() -> None:
    wire = Wire()
    carrier = Carrier(wire)
    us = wire.node("127.0.0.1", 5060, 1)
    sink = Sink()
    trunks = TrunkRegistrar(company(), us.ua, sink, lambda: wire.now)
    trunks.start(0.0)
    run(wire, carrier, us, trunks, 5)
    assert [kind for kind, _ in sink.rows] == ["trunk.registered"]
    assert sink.rows[0][1]["expires_s"] == 120
    first = list(carrier.registers)
    assert len(first) == 2 and first[1] > first[0]  # challenged, then answered with a new CSeq
    run(wire, carrier, us, trunks, 200)  # 120 s granted: refreshed at 90 s and 180 s
    assert len(carrier.registers) >= 6
    assert carrier.registers == sorted(carrier.registers)  # CSeq always increasing
    assert trunks.states[0].registered


def test_wrong_password_is_retried_with_back_off() -> None:
    wire = Wire()
    carrier = Carrier(wire)
    us = wire.node("127.0.0.1", 5060, 1)
    sink = Sink()
    trunks = TrunkRegistrar(company("wrong"), us.ua, sink, lambda: wire.now)
    trunks.start(0.0)
    run(wire, carrier, us, trunks, 100)
    failures = [data for kind, data in sink.rows if kind == "trunk.registration_failed"]
    assert [f["retry_in_s"] for f in failures][:2] == [30.0, 60.0]
    assert all("403" in f["reason"] for f in failures)
    assert not trunks.states[0].registered


def test_unreachable_carrier_times_out_and_retries() -> None:
    wire = Wire()
    us = wire.node("127.0.0.1", 5060, 1)
    sink = Sink()
    trunks = TrunkRegistrar(company(), us.ua, sink, lambda: wire.now)
    trunks.start(0.0)
    for _ in range(80):
        wire.run_until(wire.now + 1)
        trunks.handle(us.events, wire.now)
        us.events.clear()
    failures = [data for kind, data in sink.rows if kind == "trunk.registration_failed"]
    assert failures and failures[0]["reason"] == "no answer"


def test_options_ping_marks_a_trunk_up_then_down() -> None:
    wire = Wire()
    carrier = Carrier(wire)  # its user agent answers OPTIONS by itself
    us = wire.node("127.0.0.1", 5060, 1)
    sink = Sink()
    monitor = TrunkMonitor(company(), us.ua, sink, lambda: wire.now, interval=10)
    monitor.start(0.0)
    for _ in range(15):
        wire.run_until(wire.now + 1)
        monitor.handle(us.events, wire.now)
        us.events.clear()
    assert [kind for kind, _ in sink.rows] == ["trunk.up"]
    del wire.nodes[(carrier.node.host, carrier.node.port)]  # the carrier goes away
    for _ in range(60):
        wire.run_until(wire.now + 1)
        monitor.handle(us.events, wire.now)
        us.events.clear()
    assert [kind for kind, _ in sink.rows] == ["trunk.up", "trunk.down"]
    assert monitor.up["carrier"] is False
