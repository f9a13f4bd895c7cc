"""Who would receive a message: the active, confirmed subscribers of its topics, per channel."""

from __future__ import annotations

from collections.abc import Iterable

from notifications.areas import check_areas
from notifications.channels import CHANNEL_NAMES
from notifications.hub import Hub
from notifications.store import subscribers as store
from notifications.subscribers import check_topics


def audience(hub: Hub, topics: Iterable[str], areas: Iterable[str] = ()) -> dict[str, int]:
    """How many subscribers each channel would send a message on TOPICS for AREAS (none: the
    whole commune) to, every channel named (0 when none), in the registry's order;
    UnknownTopic for a topic the town lacks, InvalidInput for an area.

    Town-wide broadcast targets (AROBASE_APPRISE_BROADCAST) are no subscribers: not counted.
    Quiet hours and digests change when an alert arrives, not whether."""
    where = frozenset(check_areas(hub, areas))
    counts = store.audience_counts(hub.db, check_topics(hub, topics), where)
    return {name: counts.get(name, 0) for name in CHANNEL_NAMES}
