"""`LoginGate`: one login from start to end: throttle, password check, session. Thread-safe.

The gate is what the web app calls for a login form (in an executor: the password check is
slow by design). The throttle is consulted first, so a blocked attempt costs no hashing; its
state is guarded by a lock, held only for the bookkeeping, never while hashing. Two attempts
running at the same moment may both pass the throttle before either is counted: at most one
extra guess per worker thread, which the executor's size bounds.
"""

from __future__ import annotations

import math
import threading

from frontdesk.accounts.errors import BadCredentials, LoginThrottled
from frontdesk.accounts.model import NewSession
from frontdesk.accounts.store import AccountStore
from frontdesk.accounts.throttle import LoginThrottle
from frontdesk.clock import Clock


class LoginGate:
    def __init__(
        self, store: AccountStore, clock: Clock, throttle: LoginThrottle | None = None
    ) -> None:
        self.store = store
        self.throttle = throttle or LoginThrottle()
        self._clock = clock
        self._lock = threading.Lock()

    def log_in(self, username: str, password: str, address: str | None) -> NewSession:
        """A new session for the user, or LoginThrottled / BadCredentials. Slow: use a thread.

        `address` is the client's IP address as the web server sees it (behind a reverse
        proxy, the forwarded one, and only from a trusted proxy).
        """
        with self._lock:
            verdict = self.throttle.admit(username, address, self._clock.now())
        if not verdict.allowed:
            wait = math.ceil(verdict.retry_after)
            raise LoginThrottled(
                f"too many failed logins for this {verdict.blocked_by}: "
                f"try again in {wait} seconds",
                retry_after=wait,
            )
        try:
            user = self.store.authenticate(username, password, address=address)
        except BadCredentials:
            with self._lock:
                self.throttle.failed(username, address, self._clock.now())
            raise
        with self._lock:
            self.throttle.succeeded(username, address, self._clock.now())
        return self.store.create_session(user.id, source=address)
