"""The widget's abuse limits, sans-IO: fed the time, it admits or refuses with a wait.

Keys are public, so anybody can script the widget; what keeps a script from filling the
queues, ringing agents all day or having Frontdesk call a stranger fifty times is a ceiling on
each thing that costs: calls started per address and per key (per minute and per hour), calls
up at once per address and in total, callback requests per address and per key per hour, and
callbacks to one number per day. Each count is a sliding window (the times of the admitted
requests within it), so a refusal can say exactly when the next request will pass
(`Retry-After`). Refused requests are not counted: a refusal never extends itself, and a
script's refused flood cannot use up the key's allowance for real visitors.

Memory stays bounded: windows that hold nothing recent are dropped as time passes, and past
`max_subjects` the least recently used subject is forgotten (losing its count is the price
of not being filled up by a botnet's addresses).
"""

from __future__ import annotations

import math
from collections import OrderedDict, deque
from dataclasses import dataclass

from frontdesk.widget import (
    LimitExceeded,
    TooManyCallbacks,
    TooManyCalls,
    TooManyConcurrentCalls,
)
from frontdesk.widget.settings import WidgetLimits

MINUTE, HOUR, DAY = 60.0, 3600.0, 86400.0
CONCURRENT_RETRY_S = 30  # what a refusal for calls already up suggests waiting
SWEEP_EVERY = 256  # admissions between two sweeps of stale windows
# Times are float seconds: a wait of 60.00000000000001 s is a wait of 60 s, and a request at
# exactly the announced time must pass, whatever the rounding of the additions on the way.
EPSILON = 1e-6


@dataclass(frozen=True, slots=True)
class CallPass:
    """An admitted call: hand it back to `call_ended` when the call is over."""

    bucket: str
    key: str


@dataclass(frozen=True, slots=True)
class _Rule:
    name: str  # the setting's name, also reported in the refusal
    window_s: float
    error_id: str


_CALL_RULES = (
    (_Rule("calls_per_minute_per_address", MINUTE, "too_many_calls"), "bucket"),
    (_Rule("calls_per_hour_per_address", HOUR, "too_many_calls"), "bucket"),
    (_Rule("calls_per_minute_per_key", MINUTE, "too_many_calls"), "key"),
    (_Rule("calls_per_hour_per_key", HOUR, "too_many_calls"), "key"),
)
_CALLBACK_RULES = (
    (_Rule("callbacks_per_hour_per_address", HOUR, "too_many_callbacks"), "bucket"),
    (_Rule("callbacks_per_hour_per_key", HOUR, "too_many_callbacks"), "key"),
    (_Rule("callbacks_per_day_per_number", DAY, "too_many_callbacks"), "number"),
)
_LONGEST_S = DAY


class AbuseLimiter:
    def __init__(self, limits: WidgetLimits, max_subjects: int = 100_000) -> None:
        self.limits = limits  # replaced when the settings are reloaded; counts carry on
        self.max_subjects = max_subjects
        self._windows: OrderedDict[tuple[str, str], deque[float]] = OrderedDict()
        self._up_by_bucket: dict[str, int] = {}
        self._up_total = 0
        self._admitted = 0
        self.refused: dict[str, int] = {}  # by rule, for the logs and the status page

    # -- calls --------------------------------------------------------------------------------
    def admit_call(self, bucket: str, key: str, now: float) -> CallPass:
        """Admits a call from `bucket` (see source.limit_bucket) on widget `key`, or raises
        `LimitExceeded` saying which limit and for how long."""
        limits = self.limits
        if self._up_by_bucket.get(bucket, 0) >= limits.concurrent_calls_per_address:
            self._refuse("concurrent_calls_per_address", "too_many_concurrent_calls",
                         CONCURRENT_RETRY_S)  # fmt: skip
        if self._up_total >= limits.concurrent_calls_total:
            self._refuse("concurrent_calls_total", "too_many_concurrent_calls", CONCURRENT_RETRY_S)
        subjects = {"bucket": bucket, "key": key}
        self._check(_CALL_RULES, subjects, now)
        self._record(_CALL_RULES, subjects, now)
        self._up_by_bucket[bucket] = self._up_by_bucket.get(bucket, 0) + 1
        self._up_total += 1
        return CallPass(bucket, key)

    def call_ended(self, admitted: CallPass) -> None:
        left = self._up_by_bucket.get(admitted.bucket, 0) - 1
        if left > 0:
            self._up_by_bucket[admitted.bucket] = left
        else:
            self._up_by_bucket.pop(admitted.bucket, None)
        self._up_total = max(0, self._up_total - 1)

    def calls_up(self, bucket: str | None = None) -> int:
        return self._up_total if bucket is None else self._up_by_bucket.get(bucket, 0)

    # -- callbacks ----------------------------------------------------------------------------
    def check_callback(self, bucket: str, key: str, number: str, now: float) -> None:
        """Raises `LimitExceeded` if a callback request would be over a limit (counts nothing)."""
        self._check(_CALLBACK_RULES, {"bucket": bucket, "key": key, "number": number}, now)

    def record_callback(self, bucket: str, key: str, number: str, now: float) -> None:
        """Counts a callback that was booked."""
        self._record(_CALLBACK_RULES, {"bucket": bucket, "key": key, "number": number}, now)

    # -- windows ------------------------------------------------------------------------------
    def _check(self, rules: tuple[tuple[_Rule, str], ...], subjects: dict[str, str],
               now: float) -> None:  # fmt: skip
        for rule, subject in rules:
            allowed: int = getattr(self.limits, rule.name)
            times = self._windows.get((rule.name, subjects[subject]))
            if times is None:
                if allowed <= 0:
                    self._refuse(rule.name, rule.error_id, math.ceil(rule.window_s))
                continue
            _expire(times, now - rule.window_s)
            if len(times) >= allowed:
                # The oldest admission that must leave the window before one more fits.
                index = len(times) - allowed
                wait = times[index] + rule.window_s - now if allowed > 0 else rule.window_s
                self._refuse(rule.name, rule.error_id, max(1, math.ceil(wait - EPSILON)))

    def _record(self, rules: tuple[tuple[_Rule, str], ...], subjects: dict[str, str],
                now: float) -> None:  # fmt: skip
        for rule, subject in rules:
            name = (rule.name, subjects[subject])
            times = self._windows.get(name)
            if times is None:
                times = self._windows[name] = deque()
            else:
                self._windows.move_to_end(name)
            times.append(now)
        self._admitted += 1
        if self._admitted % SWEEP_EVERY == 0:
            self.sweep(now)
        while len(self._windows) > self.max_subjects:
            self._windows.popitem(last=False)

    def sweep(self, now: float) -> None:
        """Forgets windows with nothing left in them."""
        for name in [n for n, times in self._windows.items() if not times or
                     times[-1] <= now - _window_of(n[0])]:  # fmt: skip
            del self._windows[name]

    def tracked(self) -> int:
        return len(self._windows)

    def _refuse(self, rule: str, error_id: str, retry_after_s: int) -> None:
        self.refused[rule] = self.refused.get(rule, 0) + 1
        kind = _KINDS[error_id]
        raise kind(rule, retry_after_s, _MESSAGES[error_id].format(s=retry_after_s))


def _expire(times: deque[float], before: float) -> None:
    while times and times[0] <= before + EPSILON:
        times.popleft()


def _window_of(rule: str) -> float:
    for found, _subject in (*_CALL_RULES, *_CALLBACK_RULES):
        if found.name == rule:
            return found.window_s
    return _LONGEST_S


_KINDS: dict[str, type[LimitExceeded]] = {
    "too_many_calls": TooManyCalls,
    "too_many_concurrent_calls": TooManyConcurrentCalls,
    "too_many_callbacks": TooManyCallbacks,
}
_MESSAGES = {
    "too_many_calls": "Too many calls were started from here; try again in {s} seconds.",
    "too_many_concurrent_calls": "Too many calls are up already; try again in {s} seconds.",
    "too_many_callbacks": "Too many callbacks were asked for; try again in {s} seconds.",
}
