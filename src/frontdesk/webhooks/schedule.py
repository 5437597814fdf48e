"""When to try a delivery again: exponential back-off with full jitter, bounded by age and count.

Pure functions of the attempt's outcome, the attempts made, the delivery's age and a
`random.Random`: no clock, no I/O, so the schedule is tested on its own.

The ceiling of the n-th wait is `first_delay_s * 2**(n-1)`, capped at `max_delay_s`; the wait
itself is uniform in [0, ceiling] ("full jitter", as described in the AWS Architecture Blog's
"Exponential Backoff And Jitter", 2015): endpoints coming back after an outage are not hit by
every pending delivery at the same instant. A delivery is given up when the next attempt
would fall later than `max_age_s` after it was created, or after `max_attempts` attempts.
"""

from __future__ import annotations

import enum
import random
from dataclasses import dataclass

from frontdesk.webhooks.errors import BadWebhookSetting
from frontdesk.webhooks.model import DeliveryStatus


class Outcome(enum.StrEnum):
    DELIVERED = "delivered"  # 2xx
    GONE = "gone"  # 410: the receiver says the endpoint is gone for good
    RETRY = "retry"  # any other status, a timeout, a connection failure


def classify(http_status: int | None) -> Outcome:
    """What an answer means; None is no answer at all (timeout, refused, reset, TLS...)."""
    if http_status is None:
        return Outcome.RETRY
    if 200 <= http_status < 300:
        return Outcome.DELIVERED
    if http_status == 410:
        return Outcome.GONE
    return Outcome.RETRY


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    first_delay_s: float = 5.0
    max_delay_s: float = 3600.0
    max_age_s: float = 24 * 3600.0
    max_attempts: int = 30

    def __post_init__(self) -> None:
        if not 0 < self.first_delay_s <= self.max_delay_s:
            raise BadWebhookSetting(
                f"retry delays must satisfy 0 < first ({self.first_delay_s} s) <= max "
                f"({self.max_delay_s} s)"
            )
        if self.max_age_s <= 0 or self.max_attempts < 1:
            raise BadWebhookSetting("a delivery needs a positive max age and at least 1 attempt")

    def ceiling(self, attempts: int) -> float:
        """The longest wait after the `attempts`-th failed attempt (1-based)."""
        doublings = min(max(attempts - 1, 0), 64)  # 2**64 * 5 s is past any cap
        return min(self.max_delay_s, self.first_delay_s * 2.0**doublings)


@dataclass(frozen=True, slots=True)
class Step:
    """What follows an attempt: the delivery's new status, when to try again (pending only),
    and whether the subscription must be disabled (410 Gone)."""

    status: DeliveryStatus
    next_attempt_at: float | None
    disable: bool = False
    reason: str | None = None


def after_attempt(
    policy: RetryPolicy,
    http_status: int | None,
    attempts: int,
    created_at: float,
    now: float,
    rng: random.Random,
) -> Step:
    """The step after the `attempts`-th attempt (counting this one), made at `now`."""
    outcome = classify(http_status)
    if outcome is Outcome.DELIVERED:
        return Step(DeliveryStatus.DELIVERED, None)
    if outcome is Outcome.GONE:
        reason = "the endpoint answered 410 Gone: the webhook was disabled"
        return Step(DeliveryStatus.FAILED, None, disable=True, reason=reason)
    if attempts >= policy.max_attempts:
        return Step(DeliveryStatus.FAILED, None, reason=f"given up after {attempts} attempts")
    at = now + rng.uniform(0.0, policy.ceiling(attempts))
    if at - created_at > policy.max_age_s:
        hours = policy.max_age_s / 3600
        return Step(
            DeliveryStatus.FAILED, None, reason=f"given up: not delivered within {hours:g} h"
        )
    return Step(DeliveryStatus.PENDING, at)
