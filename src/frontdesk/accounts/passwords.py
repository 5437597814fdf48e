"""Password policy and hashing: argon2id through argon2-cffi.

Default parameters are RFC 9106 §4's second recommended option ("low memory"): argon2id,
t=3 passes, m=64 MiB, p=4 lanes, 16-byte salt, 32-byte tag. Argon2id is memory-hard, so an
attacker holding a stolen hash pays 64 MiB and three passes per guess on a GPU as on a server;
one hash takes about 0.2 s on a current core. That is slow by design: call the hashing methods
from a worker thread (an executor), never from the event loop. Tests may pass cheaper
parameters (`argon2.profiles.CHEAPEST`); production code must not.

Passwords are normalised to Unicode NFKC before hashing and checking (as NIST SP 800-63B
§5.1.1.2 suggests), so the same password typed on two keyboards that compose accents
differently still matches.
"""

from __future__ import annotations

import threading
import unicodedata
from dataclasses import dataclass

from argon2 import Parameters, PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError

from frontdesk.accounts.errors import WeakPassword

DEFAULT_PARAMETERS: Parameters = profiles.RFC_9106_LOW_MEMORY

# A few passwords long enough to pass the length rule that are still among the first tried by
# any guessing tool. Not a breach corpus: the length rule and throttling do the real work.
_COMMON = frozenset(
    {
        "0123456789",
        "1234567890",
        "12345678910",
        "1q2w3e4r5t",
        "abcdefghij",
        "administrator",
        "changeme123",
        "iloveyou123",
        "letmein123",
        "passw0rd123",
        "password12",
        "password123",
        "password1234",
        "qwerty1234",
        "qwertyuiop",
        "welcome123",
    }
)


def normalise(password: str) -> str:
    return unicodedata.normalize("NFKC", password)


@dataclass(frozen=True, slots=True)
class PasswordPolicy:
    """What a new password must be: long enough, not the username, not trivially guessable.

    Length is the rule that matters (NIST SP 800-63B §5.1.1.2); no composition rules (digits,
    symbols), which push people to predictable patterns without adding strength.
    """

    min_length: int = 10
    max_length: int = 1024  # argon2 accepts more; this only bounds abuse of the login form
    min_distinct: int = 5

    def check(self, password: str, username: str) -> str:
        """The normalised password, or WeakPassword naming the rule it breaks."""
        if not isinstance(password, str):
            raise WeakPassword("the password must be text")
        text = normalise(password)
        if len(text) < self.min_length:
            raise WeakPassword(
                f"the password is {len(text)} characters long: it needs at least {self.min_length}"
            )
        if len(text) > self.max_length:
            raise WeakPassword(f"the password is longer than {self.max_length} characters")
        folded, name = text.casefold(), username.strip().casefold()
        if name and (folded == name or (len(name) >= 4 and name in folded)):
            raise WeakPassword("the password must not be or contain the username")
        if len(set(folded)) < self.min_distinct:
            raise WeakPassword(
                f"the password needs at least {self.min_distinct} different characters"
            )
        if folded in _COMMON:
            raise WeakPassword("the password is one of the most commonly used passwords")
        return text


class Passwords:
    """Hashes and checks passwords. Thread-safe; hashing and verifying are slow on purpose."""

    def __init__(
        self, parameters: Parameters = DEFAULT_PARAMETERS, policy: PasswordPolicy | None = None
    ) -> None:
        self.parameters = parameters
        self.policy = policy or PasswordPolicy()
        self._hasher = PasswordHasher.from_parameters(parameters)
        self._dummy: str | None = None
        self._dummy_lock = threading.Lock()

    def hash_new(self, password: str, username: str) -> str:
        """Checks `password` against the policy, then hashes it (slow: call from a thread)."""
        return self._hasher.hash(self.policy.check(password, username))

    def verify(self, stored_hash: str | None, password: str) -> bool:
        """Whether `password` matches (slow: call from a thread).

        With no stored hash (unknown user, service user) a dummy hash is checked instead, so
        that the answer takes as long and an attacker cannot tell usernames apart by timing.
        The comparison of the digests inside argon2 is constant-time.
        """
        target = stored_hash if stored_hash is not None else self._dummy_hash()
        try:
            matched = self._hasher.verify(target, normalise(password))
        except (VerificationError, InvalidHashError):
            return False
        return matched and stored_hash is not None

    def rehash(self, password: str) -> str:
        """A hash with the current parameters of a password that just verified (slow).

        No policy check: a password chosen under an older policy must still be upgraded.
        """
        return self._hasher.hash(normalise(password))

    def needs_rehash(self, stored_hash: str) -> bool:
        """Whether the hash was made with other parameters than the current ones."""
        try:
            return self._hasher.check_needs_rehash(stored_hash)
        except InvalidHashError:
            return True

    def _dummy_hash(self) -> str:
        with self._dummy_lock:
            if self._dummy is None:
                self._dummy = self._hasher.hash("frontdesk: no such user, no such password")
            return self._dummy
