"""Signatures of webhook deliveries: `Frontdesk-Signature: t=<unix seconds>,v1=<hex>`.

v1 is HMAC-SHA256 keyed with the subscription's secret (its UTF-8 bytes) over
`f"{t}.".encode() + raw body`. The timestamp is signed so that a captured delivery cannot be
replayed later than the receiver's tolerance; the raw body is signed (not a re-serialised
object) so receivers must verify the bytes they received before parsing them.
"""

from __future__ import annotations

import hashlib
import hmac

SCHEME = "v1"


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of `{timestamp}.{body}` under `secret`."""
    signed = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The value of the Frontdesk-Signature header for `body` sent at `timestamp`."""
    return f"t={timestamp},{SCHEME}={signature(secret, timestamp, body)}"


def verify(secret: str, header: str, body: bytes, now: float, tolerance_s: float = 300.0) -> bool:
    """True when `header` carries a v1 signature of `body` by `secret` made within
    `tolerance_s` of `now`. Several v1 values are accepted (any one may match); unknown
    schemes are ignored; anything malformed is simply False."""
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        name, sep, value = part.strip().partition("=")
        if not sep:
            return False
        if name == "t":
            if timestamp is not None or not value.isascii() or not value.isdigit():
                return False
            timestamp = int(value)
        elif name == SCHEME:
            candidates.append(value)
    if timestamp is None or not candidates or abs(now - timestamp) > tolerance_s:
        return False
    expected = signature(secret, timestamp, body)
    # Compare with every candidate (no early exit) in constant time per comparison.
    matches = [hmac.compare_digest(expected.encode(), c.encode()) for c in candidates]
    return any(matches)
