"""Phones' registrations kept across a restart, through the event log.

A desk phone registers for up to an hour (`Expires`) and, over UDP, has no way to notice that
the server restarted: without its binding the agent counts as logged out until the phone
registers again, and every caller meanwhile goes to voicemail ("no agent in queue"). So each
`endpoint.registered` event carries the bindings the registrar holds after that REGISTER
(`binding_records`), and a starting server reads those events back, newest first, as far as
the longest expiry allows (`restore_registrations`): the latest event of each extension
says what it held; bindings not yet expired are held again, with the time they have left.

Only desk phones' UDP bindings come back. A TCP binding's connection died with the old
process, and the phone's end of it was an ephemeral port nobody can connect to; phones on TCP
see the connection close and register again at once. A browser phone (`BROWSER_PHONE`, its
User-Agent) lived inside the old process: its address is gone, and the browser registers it
again when it reconnects; held again, it would ring into nothing until it expired.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from frontdesk.sip.headers import parse_name_addr
from frontdesk.sip.registrar import MAX_EXPIRES, Binding, Registrar
from frontdesk.sip.transaction import Peer
from frontdesk.store.eventlog import EventLog

log = logging.getLogger("frontdesk.calls")
KIND = "endpoint.registered"
BROWSER_PHONE = "Frontdesk browser phone"  # the User-Agent of softphone/registration.py


def binding_records(bindings: list[Binding], now: float, wall: float) -> list[dict[str, Any]]:
    """The bindings as event data; expiry as wall-clock time, which survives a restart."""
    return [
        {
            "contact": str(b.contact),
            "expires_at": round(wall + (b.expires_at - now), 3),
            "call_id": b.call_id,
            "cseq": b.cseq,
            "transport": b.peer.transport,
            "host": b.peer.host,
            "port": b.peer.port,
            "q": b.q,
        }
        for b in bindings
        if b.user_agent != BROWSER_PHONE
    ]


def restore_registrations(
    events: EventLog, registrar: Registrar, now: float, wall: float
) -> list[str]:
    """Holds again the UDP bindings of the event log not yet expired; returns the extensions
    that have one."""
    seen: set[str] = set()
    restored: list[str] = []
    for event in events.latest(KIND):
        if event.at < wall - MAX_EXPIRES:
            break  # older registrations have all expired
        extension = event.data.get("extension")
        if not isinstance(extension, str) or extension in seen:
            continue
        seen.add(extension)
        bindings = [b for b in _bindings(event.data, now, wall) if b.peer.transport == "udp"]
        if bindings:
            registrar.restore(extension, bindings)
            restored.append(extension)
    if restored:
        log.info("registrations of %d phone(s) held again after the restart", len(restored))
    return restored


def breaks_before(events: EventLog, agents: dict[str, str], wall: float) -> dict[str, str]:
    """Of `agents` (extension -> agent id), those whose last state, in the time a binding
    can live, was a break: agent id -> the break's reason."""
    wanted = set(agents.values())
    breaks: dict[str, str] = {}
    for event in events.latest("acd.agent_state"):
        if event.at < wall - MAX_EXPIRES or not wanted:
            break
        agent = event.data.get("agent_id")
        if agent not in wanted:
            continue
        wanted.discard(agent)
        if event.data.get("new") == "on-break":
            breaks[agent] = str(event.data.get("reason") or "break")
    return breaks


def _bindings(data: Mapping[str, Any], now: float, wall: float) -> list[Binding]:
    found: list[Binding] = []
    for record in data.get("bindings") or []:
        try:
            left = float(record["expires_at"]) - wall
            if left <= 0:
                continue
            peer = Peer(str(record["transport"]), str(record["host"]), int(record["port"]))
            contact = parse_name_addr(str(record["contact"]))
            found.append(Binding(contact, now + left, str(record["call_id"]),
                                 int(record["cseq"]), peer, float(record["q"])))  # fmt: skip
        except (KeyError, TypeError, ValueError) as exc:
            # An event written by another version, or damaged: that phone registers anew.
            log.warning("a stored registration could not be read back (%s)", exc)
    return found
