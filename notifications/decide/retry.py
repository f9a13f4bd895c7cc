"""What becomes of a failed send, and when a failing source is read again. Pure."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass


def retry_delay(attempts: int, base: float, cap: float, rng: random.Random | None = None) -> float:
    """Seconds before the next try: exponential, jittered between half and all of it, ≤ CAP.

    The jitter spreads retries so that many deliveries failing together do not return together.
    """
    ceiling = min(cap, base * 2 ** max(0, attempts - 1))
    return (rng or random).uniform(ceiling / 2, ceiling)


def throttle_delay(retry_after: float, cap: float) -> float:
    """Seconds to wait when a service asked for RETRY_AFTER, kept within [0, CAP].

    A header is outside input: "1e12" or "inf" would overflow a datetime, "-5" would not
    wait at all, and "nan" compares false with everything; an unreadable wish is taken as
    the longest wait we allow.
    """
    if math.isnan(retry_after):
        return cap
    return min(cap, max(0.0, retry_after))


@dataclass(frozen=True)
class RetryLimits:
    """The settings that bound a delivery's retries."""

    max_attempts: int
    max_throttled: int
    base: float
    cap: float


@dataclass(frozen=True)
class RetryPlan:
    """What becomes of a delivery whose send is to be tried again."""

    failed: bool  # given up: too many attempts, or too many postponements
    delay: float  # seconds before the next try (0 when given up)
    throttled: bool  # the service asked us to wait: counted apart, the attempt given back
    reason: str


def plan_retry(
    attempts: int,
    throttled: int,
    detail: str,
    retry_after: float | None,
    limits: RetryLimits,
    rng: random.Random | None = None,
) -> RetryPlan:
    """The next step of a delivery after a transient failure (ATTEMPTS made so far, THROTTLED
    postponements so far), RETRY_AFTER being the wait the service asked for, if any.

    Being asked to wait is not a failure of the delivery, so it does not use up an attempt;
    but a service that asks for ever must not keep it in the outbox for ever: after
    `max_throttled` such answers, it fails visibly, as after `max_attempts` failures.
    """
    if retry_after is not None:
        count = throttled + 1
        if count >= limits.max_throttled:
            return RetryPlan(
                True, 0.0, True, f"abandon après {count} demandes d'attendre : {detail}"
            )
        return RetryPlan(False, throttle_delay(retry_after, limits.cap), True, detail)
    if attempts >= limits.max_attempts:
        return RetryPlan(True, 0.0, False, f"abandon après {attempts} essais : {detail}")
    return RetryPlan(False, retry_delay(attempts, limits.base, limits.cap, rng), False, detail)


def poll_backoff(failures: int, interval: float, cap: float = 6 * 3600) -> float:
    """Seconds before polling a failing source again: doubles with each failure, up to CAP."""
    return min(cap, interval * 2 ** max(0, failures - 1))
