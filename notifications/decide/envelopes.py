"""What a channel sends: notices and envelopes assembled from claimed deliveries. Pure."""

from __future__ import annotations

from datetime import datetime, tzinfo

from notifications.records import MessageInfo, Notice


def notice_of(message: MessageInfo, labels: dict[str, str], when: datetime, zone: tzinfo) -> Notice:
    """The message as residents read it, WHEN (a UTC release time) in the town's ZONE so
    that its day is the town's day (23:30 UTC on 30 November is 1 December in Paris)."""
    return Notice(
        message_id=message.id,
        title=message.title,
        body=message.body,
        link=message.link,
        urgent=message.urgent,
        topic_labels=tuple(labels.get(t, t) for t in message.topics),
        when=when.astimezone(zone),
    )
