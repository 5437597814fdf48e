"""Random secrets for sessions, CSRF and API tokens, and how they are kept at rest.

Session cookie values and API tokens carry 256 random bits (`secrets.token_urlsafe(32)`), so
a plain SHA-256 of them is enough at rest: unlike a password there is nothing to guess, and a
fast hash lets every request be checked with one indexed lookup. A stolen database therefore
holds no usable session or token.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from frontdesk.accounts.model import Session

TOKEN_PREFIX = "fdk_"  # lets secret scanners and people recognise a Frontdesk API token
_RANDOM_BYTES = 32
_HINT_CHARS = 4  # of the random part, shown in lists to tell tokens apart


def new_session_token() -> str:
    return secrets.token_urlsafe(_RANDOM_BYTES)


def new_csrf_token() -> str:
    return secrets.token_urlsafe(_RANDOM_BYTES)


def new_api_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(_RANDOM_BYTES)


def digest(secret: str) -> str:
    """What is stored in place of a session token or an API token: SHA-256, hex."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def token_hint(secret: str) -> str:
    """`fdk_AbCd…`: enough to recognise a token in a list, far too little to use it."""
    return secret[: len(TOKEN_PREFIX) + _HINT_CHARS] + "…"


def looks_like_api_token(value: str) -> bool:
    return value.startswith(TOKEN_PREFIX) and 20 <= len(value) <= 100


def looks_like_session_token(value: str) -> bool:
    return 20 <= len(value) <= 100


def check_csrf(session: Session, presented: str | None) -> bool:
    """Whether the CSRF token sent with a request is the session's (constant-time compare)."""
    if not presented:
        return False
    return hmac.compare_digest(session.csrf_token.encode("utf-8"), presented.encode("utf-8"))
