"""Constructing SIP messages: responses to requests (RFC 3261 §8.2.6), tags, branches, ACKs.

Identifiers come from an injected `random.Random` (production passes `random.SystemRandom`,
tests a seeded one), so runs are reproducible in tests and unguessable in production.
"""

from __future__ import annotations

import random

from frontdesk.sip.headers import format_params
from frontdesk.sip.message import Request, Response

MAGIC_COOKIE = "z9hG4bK"


class IdFactory:
    def __init__(self, rng: random.Random) -> None:
        self._rng = rng

    def token(self, bits: int = 64) -> str:
        return f"{self._rng.getrandbits(bits):x}"

    def branch(self) -> str:
        return MAGIC_COOKIE + self.token(80)

    def tag(self) -> str:
        return self.token(48)

    def call_id(self, host: str) -> str:
        return f"{self.token(96)}@{host}"


def make_response(
    request: Request,
    status: int,
    reason: str | None = None,
    to_tag: str | None = None,
    body: bytes = b"",
    content_type: str | None = None,
) -> Response:
    """A response carrying the request's Via, From, To, Call-ID and CSeq (RFC 3261 §8.2.6.2)."""
    headers: dict[str, list[str]] = {"Via": list(request.headers.get("Via", ()))}
    headers["From"] = [request.headers["From"][0]]
    to_value = request.headers["To"][0]
    if to_tag is not None and status > 100 and request.to.tag is None:
        to_value = f"{to_value};tag={to_tag}"
    headers["To"] = [to_value]
    headers["Call-ID"] = [request.headers["Call-ID"][0]]
    headers["CSeq"] = [request.headers["CSeq"][0]]
    if status == 100 and "Timestamp" in request.headers:
        headers["Timestamp"] = [request.headers["Timestamp"][0]]
    if content_type is not None:
        headers["Content-Type"] = [content_type]
    return Response(status, reason, headers, body)


def make_error_ack(invite: Request, response: Response) -> Request:
    """The ACK a client INVITE transaction sends for a 3xx–6xx (RFC 3261 §17.1.1.3)."""
    headers: dict[str, list[str]] = {
        "Via": [invite.headers["Via"][0]],
        "Max-Forwards": ["70"],
        "From": [invite.headers["From"][0]],
        "To": [response.headers["To"][0]],
        "Call-ID": [invite.headers["Call-ID"][0]],
        "CSeq": [f"{invite.cseq.seq} ACK"],
    }
    if "Route" in invite.headers:
        headers["Route"] = list(invite.headers["Route"])
    return Request("ACK", invite.uri, headers)


def make_cancel(invite: Request) -> Request:
    """CANCEL for a pending INVITE (RFC 3261 §9.1): same branch, Request-URI, Call-ID, From,
    To, CSeq number and Route."""
    headers: dict[str, list[str]] = {
        "Via": [invite.headers["Via"][0]],
        "Max-Forwards": ["70"],
        "From": [invite.headers["From"][0]],
        "To": [invite.headers["To"][0]],
        "Call-ID": [invite.headers["Call-ID"][0]],
        "CSeq": [f"{invite.cseq.seq} CANCEL"],
    }
    if "Route" in invite.headers:
        headers["Route"] = list(invite.headers["Route"])
    return Request("CANCEL", invite.uri, headers)


def via_value(transport: str, host: str, port: int, branch: str, rport: bool = True) -> str:
    params: tuple[tuple[str, str | None], ...] = (("branch", branch),)
    if rport:
        params += (("rport", None),)
    return f"SIP/2.0/{transport.upper()} {host}:{port}{format_params(params)}"
