"""What the assistant tells a resident who asks for news: the latest items of a topic."""

from __future__ import annotations

from notifications.hub import Hub
from notifications.records import NewsItem
from notifications.store import items

__all__ = ["NewsItem", "latest_news", "next_meetings"]

SCAN = 300  # newest items looked at; topics are a JSON list, filtered here for any database
COUNCIL = "council"  # the source kind whose items are meetings to come


def latest_news(hub: Hub, topic: str | None, limit: int = 3) -> list[NewsItem]:
    """The newest items (of TOPIC when given); council meetings are left to `next_meetings`."""
    newest = items.latest_items(hub.db, SCAN if topic is not None else limit, leaving_out=COUNCIL)
    return [i for i in newest if topic is None or topic in i.topics][:limit]


def next_meetings(hub: Hub, limit: int = 2) -> list[NewsItem]:
    """Council meetings still to come, soonest first (an item's date is the meeting's start)."""
    return items.coming_items(hub.db, COUNCIL, hub.now(), limit)
