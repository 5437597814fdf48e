"""Frontdesk-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "t." + body)>.

The reference values come from OpenSSL's own HMAC (`openssl dgst -sha256 -hmac`), an
implementation independent of Python's hmac module.
"""

from __future__ import annotations

import shutil
import subprocess

import pytest
from hypothesis import given
from hypothesis import strategies as st

from frontdesk.webhooks import sign, verify
from frontdesk.webhooks.signing import signature

SECRET = "whsec_test-secret"
BODY = b'{"id":"d-1","seq":7,"kind":"call.answered","data":{"number":"+442079460100"}}'
T = 1_750_000_000


def _openssl_hmac(secret: str, message: bytes) -> str:
    out = subprocess.run(
        ["openssl", "dgst", "-sha256", "-hmac", secret],
        input=message,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return out.strip().rsplit(" ", 1)[-1]


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl program")
@pytest.mark.parametrize("body", [BODY, b"", "caf\u00e9 \u2603".encode()])
def test_signature_is_hmac_sha256_of_timestamp_dot_body(body: bytes) -> None:
    expected = _openssl_hmac(SECRET, f"{T}.".encode() + body)
    assert signature(SECRET, T, body) == expected
    assert sign(SECRET, T, body) == f"t={T},v1={expected}"


def test_verify_accepts_a_fresh_signature_and_refuses_changes() -> None:
    header = sign(SECRET, T, BODY)
    assert verify(SECRET, header, BODY, now=T + 10)
    assert not verify(SECRET, header, BODY + b" ", now=T)
    assert not verify("whsec_other", header, BODY, now=T)
    assert not verify(SECRET, sign(SECRET, T + 1, BODY).replace(f"t={T + 1}", f"t={T}"), BODY, T)


def test_verify_refuses_old_and_future_timestamps() -> None:
    header = sign(SECRET, T, BODY)
    assert verify(SECRET, header, BODY, now=T + 300)
    assert not verify(SECRET, header, BODY, now=T + 301)
    assert not verify(SECRET, header, BODY, now=T - 301)
    assert verify(SECRET, header, BODY, now=T + 3000, tolerance_s=3600)


def test_verify_takes_any_of_several_v1_and_ignores_other_schemes() -> None:
    good = signature(SECRET, T, BODY)
    assert verify(SECRET, f"t={T},v1={'0' * 64},v1={good}", BODY, now=T)
    assert verify(SECRET, f"t={T},v0=abc,v1={good}", BODY, now=T)


@pytest.mark.parametrize(
    "header",
    [
        "",
        "v1=abc",
        f"t={T}",
        f"t=abc,v1={'0' * 64}",
        f"t={T},t={T},v1=00",
        "garbage",
        f"t={T},v1=\u00e9\u00e9",
        f"t=-{T},v1=00",
    ],
)
def test_malformed_headers_are_refused(header: str) -> None:
    assert not verify(SECRET, header, BODY, now=T)


@given(
    secret=st.text(min_size=1, max_size=40),
    body=st.binary(max_size=300),
    t=st.integers(min_value=0, max_value=2**40),
    flip=st.integers(min_value=0),
)
def test_any_changed_byte_breaks_the_signature(secret: str, body: bytes, t: int, flip: int) -> None:
    header = sign(secret, t, body)
    assert verify(secret, header, body, now=t)
    if body:
        i = flip % len(body)
        changed = body[:i] + bytes([body[i] ^ 0x01]) + body[i + 1 :]
        assert not verify(secret, header, changed, now=t)
