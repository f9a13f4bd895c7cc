"""Fan-out planning: who receives a message, and when (quiet hours, digests). Pure."""

from __future__ import annotations

import random
from collections.abc import Iterable
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
    broadcasts: Iterable[tuple[str, frozenset[str]]] = (),
) -> list[DeliveryIntent]:
    """One intent per recipient subscribed to one of TOPICS, plus matching town-wide targets.

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
            )
        )
    for name, target_topics in broadcasts:
        if not target_topics or target_topics & wanted:
            intents.append(DeliveryIntent(broadcast_target(name), None, "apprise", release))
    return intents


def retry_delay(attempts: int, base: float, cap: float, rng: random.Random | None = None) -> float:
    """Seconds before the next try: exponential, jittered between half and all of it, ≤ CAP.

    The jitter spreads retries so that many deliveries failing together do not return together.
    """
    ceiling = min(cap, base * 2 ** max(0, attempts - 1))
    return (rng or random).uniform(ceiling / 2, ceiling)


def poll_backoff(failures: int, interval: float, cap: float = 6 * 3600) -> float:
    """Seconds before polling a failing source again: doubles with each failure, up to CAP."""
    return min(cap, interval * 2 ** max(0, failures - 1))
