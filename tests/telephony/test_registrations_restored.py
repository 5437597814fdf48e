"""Registrations read back from the event log after a restart (telephony/registrations.py):
the newest event of each extension decides; expired bindings, TCP bindings and events older
than the longest expiry are not held again; a damaged record is skipped, not fatal."""

from __future__ import annotations

from pathlib import Path

from frontdesk.sip.message import Request, parse_message
from frontdesk.sip.registrar import MAX_EXPIRES, Registrar
from frontdesk.sip.transaction import Peer
from frontdesk.store.eventlog import EventLog, open_engine
from frontdesk.telephony.registrations import (
    BROWSER_PHONE,
    KIND,
    binding_records,
    breaks_before,
    restore_registrations,
)

WALL = 1_800_000_000.0
PHONE = Peer("udp", "192.0.2.10", 5062)


def register(
    contacts: list[str], expires: str, call_id: str = "reg-1", cseq: int = 1, agent: str = ""
) -> Request:
    lines = [
        "REGISTER sip:frontdesk.test SIP/2.0",
        "Via: SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bKnashds7",
        "From: <sip:1001@frontdesk.test>;tag=a73kszlfl",
        "To: <sip:1001@frontdesk.test>",
        f"Call-ID: {call_id}",
        f"CSeq: {cseq} REGISTER",
        *(f"Contact: {c}" for c in contacts),
        f"Expires: {expires}",
        *([f"User-Agent: {agent}"] if agent else []),
        "Content-Length: 0",
    ]
    request = parse_message(("\r\n".join(lines) + "\r\n\r\n").encode())
    assert isinstance(request, Request)
    return request


def registered(log: EventLog, registrar: Registrar, aor: str, at: float, now: float,
               contact: str, expires: str, peer: Peer = PHONE, cseq: int = 1) -> None:  # fmt: skip
    bindings = registrar.register(aor, register([contact], expires, cseq=cseq), peer, now)
    log.append(at, KIND, None, extension=aor, contacts=len(bindings),
               bindings=binding_records(bindings, now, at))  # fmt: skip


def test_live_udp_bindings_come_back_with_the_time_they_have_left(tmp_path: Path) -> None:
    log = EventLog(open_engine(tmp_path))
    old = Registrar()  # the first process: its monotonic clock read 50 at WALL
    registered(log, old, "1001", WALL, 50.0, "<sip:1001@192.0.2.10:5062>", "3600")
    registered(log, old, "1002", WALL, 50.0, "<sip:1002@192.0.2.11:5062>", "600")
    registered(log, old, "1003", WALL, 50.0, "<sip:1003@192.0.2.12:5062;transport=tcp>", "3600",
               peer=Peer("tcp", "192.0.2.12", 40001, conn=7))  # fmt: skip
    registered(log, old, "1004", WALL, 50.0, "<sip:1004@192.0.2.13:5062>", "3600")
    registered(log, old, "1004", WALL + 5, 55.0, "<sip:1004@192.0.2.13:5062>", "0", cseq=2)
    log.flush()
    new = Registrar()  # the second process, started 900 s later, its clock at 3
    assert restore_registrations(log, new, 3.0, WALL + 900) == ["1001"]
    [binding] = new.lookup("1001", 3.0)
    assert binding.peer == PHONE and str(binding.uri) == "sip:1001@192.0.2.10:5062"
    assert binding.remaining(3.0) == 3600 - 900
    assert new.lookup("1002", 3.0) == []  # expired 300 s before the restart
    assert new.lookup("1003", 3.0) == []  # TCP: the phone registers again on its own
    assert new.lookup("1004", 3.0) == []  # unregistered last


def test_a_register_after_the_restart_is_not_overwritten(tmp_path: Path) -> None:
    log = EventLog(open_engine(tmp_path))
    registered(log, Registrar(), "1001", WALL, 10.0, "<sip:1001@192.0.2.10:5062>", "3600")
    log.flush()
    new = Registrar()
    new.register("1001", register(["<sip:1001@192.0.2.99:5070>"], "3600", "reg-2"), PHONE, 1.0)
    restore_registrations(log, new, 2.0, WALL + 60)
    assert [str(b.uri) for b in new.lookup("1001", 2.0)] == ["sip:1001@192.0.2.99:5070"]


def test_old_and_damaged_events_are_passed_over(tmp_path: Path) -> None:
    log = EventLog(open_engine(tmp_path))
    # Older than any binding can live: reading stops there (its record says otherwise).
    record = binding_records(
        Registrar().register("1001", register(["<sip:1001@192.0.2.10:5062>"], "3600"), PHONE, 0.0),
        0.0,
        WALL + 3600,
    )
    log.append(WALL - MAX_EXPIRES - 1, KIND, None, extension="1001", contacts=1, bindings=record)
    log.append(WALL, KIND, None, extension="1002", contacts=1, bindings=[{"contact": "<"}])
    log.append(WALL, KIND, None, extension="1003", contacts=1)  # written before bindings
    log.flush()
    new = Registrar()
    assert restore_registrations(log, new, 1.0, WALL + 1) == []
    assert new.users == 0


def test_a_browser_phone_is_not_held_again(tmp_path: Path) -> None:
    # It lived inside the old process: the browser registers it again when it reconnects.
    registrar = Registrar()
    request = register(["<sip:1001@127.0.0.1:40000>"], "120", agent=BROWSER_PHONE)
    assert binding_records(registrar.register("1001", request, PHONE, 0.0), 0.0, WALL) == []


def test_agents_on_a_break_come_back_on_it(tmp_path: Path) -> None:
    log = EventLog(open_engine(tmp_path))
    for at, agent, new, reason in (
        (WALL - MAX_EXPIRES - 5, "carol", "on-break", "training"),  # too long ago
        (WALL - 60, "alice", "on-break", "lunch"),
        (WALL - 50, "bob", "on-break", "meeting"),
        (WALL - 40, "bob", "available", "ready"),
        (WALL - 30, "dave", "on-break", "lunch"),  # no phone held again
    ):
        log.append(at, "acd.agent_state", None, agent_id=agent, old="available", new=new,
                   trigger="break", reason=reason)  # fmt: skip
    log.flush()
    agents = {"1001": "alice", "1002": "bob", "1003": "carol"}
    assert breaks_before(log, agents, WALL) == {"alice": "lunch"}
