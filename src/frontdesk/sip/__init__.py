"""Sans-IO SIP (RFC 3261 and friends): messages, SDP, transactions, dialogs, auth, registrar.

Only `transport.py` touches sockets; everything else is fed bytes and time and returns bytes
to send, timers and events, so whole exchanges are tested in memory.
"""

from frontdesk import FrontdeskError


class SipError(FrontdeskError):
    """Root of SIP errors. `status` is the SIP response code to answer with, when one applies;
    `peer_fault` says whether the peer (True) or Frontdesk (False) is to blame."""

    def __init__(self, message: str, status: int = 400, peer_fault: bool = True) -> None:
        super().__init__(message)
        self.status = status
        self.peer_fault = peer_fault


class SipParseError(SipError):
    """A message, header or URI that does not follow the grammar."""
