"""Fan-out planning: who receives a message, and when (quiet hours, digests). Pure."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from notifications.records import Broadcast, DeliveryIntent, Preferences, Recipient

SUBSCRIBER_PREFIX = "subscriber:"
BROADCAST_PREFIX = "broadcast:"


def subscriber_target(subscriber_id: int) -> str:
    return f"{SUBSCRIBER_PREFIX}{subscriber_id}"


def broadcast_target(name: str) -> str:
    return f"{BROADCAST_PREFIX}{name}"


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


def reaches(areas: frozenset[str], chosen: frozenset[str]) -> bool:
    """Whether a message for AREAS (empty: the whole commune) concerns a subscriber who chose
    CHOSEN: one who chose no area hears of all of them."""
    return not areas or not chosen or bool(chosen & areas)


def plan_fanout(
    topics: Iterable[str],
    urgent: bool,
    release: datetime,
    recipients: Iterable[Recipient],
    zone: ZoneInfo,
    broadcasts: Iterable[Broadcast] = (),
    areas: Iterable[str] = (),
) -> list[DeliveryIntent]:
    """One intent per recipient subscribed to one of TOPICS, plus the town-wide targets that
    want them; each intent is as urgent as the message. A message for some AREAS (none: the
    whole commune) reaches the recipients of those areas and those who chose none."""
    wanted, where = set(topics), frozenset(areas)
    intents: list[DeliveryIntent] = []
    for recipient in recipients:
        if not recipient.topics & wanted or not reaches(where, recipient.areas):
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
    for target in broadcasts:
        if target.wants(wanted):
            intents.append(
                DeliveryIntent(
                    broadcast_target(target.name),
                    None,
                    "apprise",
                    release,
                    False,
                    urgent,
                    target.destination,
                )
            )
    return intents


def confirmation_intent(subscriber_id: int, now: datetime) -> DeliveryIntent:
    """The delivery of a double opt-in request: at once, whatever the hour, by e-mail (the
    one channel that asks for a confirmation), urgent since the person is waiting for it;
    the SMTP relay is not a capped destination."""
    return DeliveryIntent(
        subscriber_target(subscriber_id), subscriber_id, "email", now, digest=False, urgent=True
    )
