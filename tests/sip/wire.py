"""An in-memory network for user agents: delivers what each sends, with optional loss."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from frontdesk.sip.dialog import LocalAddress
from frontdesk.sip.events import SipEvent
from frontdesk.sip.headers import parse_name_addr
from frontdesk.sip.transaction import Peer, Transaction
from frontdesk.sip.uri import parse_sip_uri
from frontdesk.sip.useragent import UserAgent


@dataclass
class Node:
    ua: UserAgent
    host: str
    port: int
    events: list[SipEvent] = field(default_factory=list)

    def peer(self, transport: str = "udp") -> Peer:
        return Peer(transport, self.host, self.port)


class Wire:
    def __init__(self, loss: float = 0.0, seed: int = 1) -> None:
        self.now = 0.0
        self.nodes: dict[tuple[str, int], Node] = {}
        self.loss = loss
        self.rng = random.Random(seed)
        self.delivered = 0
        self.dropped = 0
        self.log: list[tuple[float, str, bytes]] = []

    def node(self, host: str, port: int, seed: int) -> Node:
        ua = UserAgent([LocalAddress("udp", host, port)], random.Random(seed))
        node = Node(ua, host, port)
        self.nodes[(host, port)] = node
        return node

    def pump(self) -> None:
        """Delivers until nothing is left to send."""
        busy = True
        while busy:
            busy = False
            for src in list(self.nodes.values()):
                out, src.ua.outgoing[:] = list(src.ua.outgoing), []
                for data, peer in out:
                    busy = True
                    self.log.append((self.now, f"{src.port}->{peer.port}", data))
                    if self.loss and self.rng.random() < self.loss:
                        self.dropped += 1
                        continue
                    dst = self.nodes.get((peer.host, peer.port))
                    if dst is not None:
                        self.delivered += 1
                        dst.ua.receive(data, Peer("udp", src.host, src.port), self.now)
                src.events.extend(src.ua.events)
                src.ua.events.clear()

    def run_until(self, t: float) -> None:
        """Advances time, firing timers in order and delivering in between."""
        self.pump()
        while True:
            deadlines = [d for n in self.nodes.values() if (d := n.ua.next_timer()) is not None]
            if not deadlines or min(deadlines) > t:
                break
            self.now = max(self.now, min(deadlines))
            for node in self.nodes.values():
                node.ua.handle_timer(self.now)
            self.pump()
        self.now = t
        self.pump()

    def sent(self, prefix: bytes) -> list[bytes]:
        return [data for _, _, data in self.log if data.startswith(prefix)]


def invite(caller: Node, callee: Node, now: float, sdp: bytes) -> Transaction:
    """Sends an INVITE offering `sdp` from alice at `caller` to number 100 at `callee`."""
    request = caller.ua.new_request(
        "INVITE",
        parse_sip_uri(f"sip:100@{callee.host}:{callee.port}"),
        parse_name_addr(f"<sip:alice@{caller.host}:{caller.port}>"),
        parse_name_addr(f"<sip:100@{callee.host}>"),
        callee.peer(),
        sdp,
        "application/sdp",
    )
    return caller.ua.send(request, callee.peer(), now)
