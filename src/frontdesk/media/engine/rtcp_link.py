"""The RTCP side of one stream inside a worker: which socket, which address, which session.

RTCP travels on its own socket bound to the RTP port + 1 (RFC 3550 §11), or on the RTP socket
itself when rtcp-mux was agreed (RFC 5761). Where to send follows the peer the way RTP does
(symmetric RTCP, RFC 4961 §3): first the address SDP gave, then the address the peer's RTCP
really comes from. RTCP is only accepted from the host the RTP is latched to (or the one SDP
named before any RTP), so a stranger cannot feed us reports; malformed compounds are counted
and dropped. The report logic itself is the sans-IO `RtcpSession`.
"""

from __future__ import annotations

import socket

from frontdesk.media.rtcp_session import RtcpSession, SentSoFar
from frontdesk.media.rtp_stats import SourceStats

Address = tuple[str, int]


class RtcpLink:
    __slots__ = ("configured", "dest", "latched", "mux", "rejected", "session", "sock")

    def __init__(self, session: RtcpSession, sock: socket.socket | None) -> None:
        self.session = session
        self.sock = sock  # the RTCP socket (port + 1), owned by the stream; None if not bound
        self.mux = False
        self.configured: Address | None = None  # what SDP said
        self.dest: Address | None = None
        self.latched = False
        self.rejected = 0

    def configure(self, dest: Address, mux: bool) -> None:
        if dest != self.configured or mux != self.mux:  # a re-INVITE moved it: latch afresh
            self.configured, self.dest, self.mux, self.latched = dest, dest, mux, False

    def target(self, rtp_sock: socket.socket, rtp_dest: Address | None) -> tuple[
        socket.socket | None, Address | None
    ]:  # fmt: skip
        if self.mux:
            return rtp_sock, rtp_dest  # with rtcp-mux, RTCP goes where RTP goes
        return self.sock, self.dest

    def send(self, data: bytes, rtp_sock: socket.socket, rtp_dest: Address | None) -> bool:
        sock, dest = self.target(rtp_sock, rtp_dest)
        if sock is None or dest is None:
            return False
        try:
            sock.sendto(data, dest)
        except OSError:
            return False  # ICMP unreachable (a peer without RTCP), a full buffer: never fatal
        return True

    def accept(self, addr: Address, rtp_latched: Address | None) -> bool:
        """Whether RTCP from `addr` is the peer's; latches the destination to it (RFC 4961)."""
        expected = rtp_latched or self.configured
        if expected is None or addr[0] != expected[0]:
            self.rejected += 1
            return False
        if not self.mux and not self.latched:
            self.dest, self.latched = addr, True
        return True

    def report(
        self,
        now: float,
        sent: SentSoFar,
        source: SourceStats | None,
        received: int,
        rtp_sock: socket.socket,
        rtp_dest: Address | None,
    ) -> None:
        self.send(self.session.report(now, sent, source, received), rtp_sock, rtp_dest)
