"""Fan-out planning: who receives a message, and when (quiet hours, digests). Pure."""

from __future__ import annotations

import math
import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from notifications.records import DeliveryIntent, Preferences, Recipient


def subscriber_target(subscriber_id: int) -> str:
    return f"subscriber:{subscriber_id}"


def broadcast_target(name: str) -> str:
    return f"broadcast:{name}"


def in_quiet_hours(preferences: Preferences, moment: time) -> bool:
    start, end = preferences.quiet_start, preferences.quiet_end
    if start is None or end is None or start == end:
        return False
    if start < end:  # e.g. 12:00-14:00
        return start <= moment < end
    return moment >= start or moment < end  # across midnight, e.g. 22:00-07:00


def next_local(at: time, after: datetime, zone: ZoneInfo) -> datetime:
    """The first moment strictly after AFTER when the town's clocks show AT."""
    local = after.astimezone(zone)
    candidate = datetime.combine(local.date(), at, tzinfo=zone)
    if candidate <= local:
        candidate = datetime.combine(local.date() + timedelta(days=1), at, tzinfo=zone)
    return candidate


def delivery_time(
    preferences: Preferences, urgent: bool, release: datetime, zone: ZoneInfo
) -> tuple[datetime, bool]:
    """When a message released at RELEASE goes to this subscriber, and whether in a digest.

    Urgent messages go at once, whatever the subscriber chose.
    """
    if urgent:
        return release, False
    if preferences.digest:
        return next_local(preferences.digest_at, release, zone), True
    local = release.astimezone(zone)
    if preferences.quiet_end is not None and in_quiet_hours(preferences, local.timetz()):
        return next_local(preferences.quiet_end, release, zone), False
    return release, False


def plan_fanout(
    topics: Iterable[str],
    urgent: bool,
    release: datetime,
    recipients: Iterable[Recipient],
    zone: ZoneInfo,
    broadcasts: Iterable[tuple[str, frozenset[str], str | None]] = (),
) -> list[DeliveryIntent]:
    """One intent per recipient subscribed to one of TOPICS, plus matching town-wide targets
    (name, topics, destination); each intent is as urgent as the message.

    A broadcast target with no topics receives every message.
    """
    wanted = set(topics)
    intents: list[DeliveryIntent] = []
    for recipient in recipients:
        if not recipient.topics & wanted:
            continue
        not_before, digest = delivery_time(recipient.preferences, urgent, release, zone)
        intents.append(
            DeliveryIntent(
                subscriber_target(recipient.subscriber_id),
                recipient.subscriber_id,
                recipient.channel,
                not_before,
                digest,
                urgent,
                recipient.destination,
            )
        )
    for name, target_topics, destination in broadcasts:
        if not target_topics or target_topics & wanted:
            intents.append(
                DeliveryIntent(
                    broadcast_target(name), None, "apprise", release, False, urgent, destination
                )
            )
    return intents


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
