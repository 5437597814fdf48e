"""Login throttling, sans-IO: failures counted per username and per client address, fed `now`.

Each of the two tallies blocks after `max_failures` failures within `window_s`, for a time
that doubles with every block (`base_block_s`, 2x, 4x, ... up to `max_block_s`) and is
forgotten after `forget_after_s` of quiet. A success clears the username's tally (not the
address's: one valid account must not buy an attacker more guesses at others).

Against a user being locked out by an attacker on many addresses:
- a username block is capped (15 minutes by default) and needs fresh failures to renew;
- an address from which the user logged in successfully recently (30 days) is *trusted* for
  that user and passes both blocks, until it fails `trusted_max_failures` times itself; so
  the real user, from their usual desk or office, still gets in while an attack goes on;
- an attempt refused because of a block still counts against its address, so an address that
  keeps hammering a blocked user gets blocked on its own account.
docs/accounts.md discusses the trade-offs. Memory is bounded: each table holds at most
`max_entries` keys, least recently active evicted first.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from dataclasses import dataclass, field
from typing import Generic, TypeVar

_K = TypeVar("_K")
_V = TypeVar("_V")
DAY = 86_400.0


@dataclass(frozen=True, slots=True)
class ThrottleRule:
    max_failures: int
    window_s: float
    base_block_s: float
    max_block_s: float
    forget_after_s: float = DAY

    def block_for(self, strikes: int) -> float:
        """The length of the `strikes`-th block in a row (1, 2, ...): doubling, capped."""
        return min(self.max_block_s, self.base_block_s * 2.0 ** min(strikes - 1, 60))


@dataclass(frozen=True, slots=True)
class ThrottleSettings:
    per_username: ThrottleRule = ThrottleRule(5, 900.0, 30.0, 900.0)
    # Higher than per username: a whole office may share one address behind NAT.
    per_address: ThrottleRule = ThrottleRule(20, 900.0, 60.0, 3600.0)
    trusted_for_s: float = 30 * DAY
    trusted_max_failures: int = 10
    max_entries: int = 10_000


@dataclass(frozen=True, slots=True)
class Verdict:
    allowed: bool
    retry_after: float = 0.0  # seconds; 0 when allowed
    blocked_by: str | None = None  # "username" or "address"


@dataclass(slots=True)
class _Tally:
    last_at: float
    failures: deque[float] = field(default_factory=deque)
    strikes: int = 0
    blocked_until: float = float("-inf")

    def fail(self, rule: ThrottleRule, now: float) -> None:
        if now - self.last_at >= rule.forget_after_s:
            self.strikes = 0
        self.last_at = now
        while self.failures and self.failures[0] <= now - rule.window_s:
            self.failures.popleft()
        self.failures.append(now)
        if len(self.failures) >= rule.max_failures:
            self.strikes += 1
            self.blocked_until = now + rule.block_for(self.strikes)
            self.failures.clear()


@dataclass(slots=True)
class _Trust:
    until: float
    failures: int = 0


class _Bounded(Generic[_K, _V]):
    """A dict keeping at most `limit` keys, dropping the least recently touched."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.items: OrderedDict[_K, _V] = OrderedDict()

    def get(self, key: _K) -> _V | None:
        return self.items.get(key)

    def touch(self, key: _K, value: _V) -> None:
        self.items[key] = value
        self.items.move_to_end(key)
        while len(self.items) > self.limit:
            self.items.popitem(last=False)

    def pop(self, key: _K) -> None:
        self.items.pop(key, None)


class LoginThrottle:
    """Decides whether a login attempt may be checked at all. Not thread-safe (see login.py).

    Call `admit` before checking a password; then `failed` or `succeeded` with the outcome.
    `now` is monotonic seconds (state lives in memory, so it must not jump with the wall clock).
    """

    def __init__(self, settings: ThrottleSettings | None = None) -> None:
        self.settings = settings or ThrottleSettings()
        limit = self.settings.max_entries
        self._users: _Bounded[str, _Tally] = _Bounded(limit)
        self._addresses: _Bounded[str, _Tally] = _Bounded(limit)
        self._trusted: _Bounded[tuple[str, str], _Trust] = _Bounded(limit)

    def admit(self, username: str, address: str | None, now: float) -> Verdict:
        """Whether to check this attempt's password now; a refusal counts against `address`."""
        user, trusted = _key(username), self._is_trusted(_key(username), address, now)
        waits = []
        tally = self._users.get(user)
        if tally is not None and tally.blocked_until > now and not trusted:
            waits.append((tally.blocked_until - now, "username"))
        tally = None if address is None else self._addresses.get(address)
        if tally is not None and tally.blocked_until > now and not trusted:
            waits.append((tally.blocked_until - now, "address"))
        if not waits:
            return Verdict(allowed=True)
        if address is not None and not any(by == "address" for _, by in waits):
            self._fail_address(address, now)
        wait, by = max(waits)
        return Verdict(allowed=False, retry_after=wait, blocked_by=by)

    def failed(self, username: str, address: str | None, now: float) -> None:
        """A wrong password (or unknown user): counts against both the username and address."""
        user = _key(username)
        tally = self._users.get(user) or _Tally(last_at=now)
        tally.fail(self.settings.per_username, now)
        self._users.touch(user, tally)
        if address is not None:
            self._fail_address(address, now)
            trust = self._trusted.get((user, address))
            if trust is not None:
                trust.failures += 1
                if trust.failures >= self.settings.trusted_max_failures:
                    self._trusted.pop((user, address))

    def succeeded(self, username: str, address: str | None, now: float) -> None:
        """The password was right: the username's tally is cleared and the address trusted."""
        user = _key(username)
        self._users.pop(user)
        if address is not None:
            self._trusted.touch((user, address), _Trust(until=now + self.settings.trusted_for_s))

    def sizes(self) -> tuple[int, int, int]:
        """How many usernames, addresses and trusted pairs are remembered."""
        return len(self._users.items), len(self._addresses.items), len(self._trusted.items)

    def _fail_address(self, address: str, now: float) -> None:
        tally = self._addresses.get(address) or _Tally(last_at=now)
        tally.fail(self.settings.per_address, now)
        self._addresses.touch(address, tally)

    def _is_trusted(self, user: str, address: str | None, now: float) -> bool:
        if address is None:
            return False
        trust = self._trusted.get((user, address))
        return trust is not None and trust.until > now


def _key(username: str) -> str:
    """Usernames are case-insensitive; junk is bounded so that it cannot eat memory."""
    return username.strip().lower()[:128]
