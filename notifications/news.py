"""What residents are told of the town's news: the latest items of a topic (the assistant),
the messages the town sent lately (the town app's home)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from notifications.hub import Hub
from notifications.records import MessageInfo, NewsItem
from notifications.store import items
from notifications.store import messages as sent_messages

__all__ = ["NewsItem", "latest_news", "news_first", "next_meetings", "town_news"]

NEWS_DAYS = 30  # how far back the app's home looks
NEWS_SHOWN = 12
URGENT_HOURS = 48  # an urgent alert heads the list this long

SCAN = 300  # newest items looked at; topics are a JSON list, filtered here for any database
COUNCIL = "council"  # the source kind whose items are meetings to come


def latest_news(hub: Hub, topic: str | None, limit: int = 3) -> list[NewsItem]:
    """The newest items (of TOPIC when given); council meetings are left to `next_meetings`."""
    newest = items.latest_items(hub.db, SCAN if topic is not None else limit, leaving_out=COUNCIL)
    return [i for i in newest if topic is None or topic in i.topics][:limit]


def next_meetings(hub: Hub, limit: int = 2) -> list[NewsItem]:
    """Council meetings still to come, soonest first (an item's date is the meeting's start)."""
    return items.coming_items(hub.db, COUNCIL, hub.now(), limit)


def news_first(news: Sequence[MessageInfo], now: datetime) -> list[MessageInfo]:
    """The urgent alerts of the last URGENT_HOURS first, then every other message, each part
    newest first (NEWS holds them newest first)."""
    recent = now - timedelta(hours=URGENT_HOURS)
    urgent = [m for m in news if m.urgent and m.released_at and m.released_at >= recent]
    return urgent + [m for m in news if m not in urgent]


def town_news(hub: Hub, topic: str | None = None) -> list[MessageInfo]:
    """The messages the town sent residents lately (of TOPIC when given), urgent ones first
    (`news_first`)."""
    now = hub.now()
    since = now - timedelta(days=NEWS_DAYS)
    sent = sent_messages.released_since(hub.db, since, SCAN if topic else NEWS_SHOWN)
    chosen = [m for m in sent if topic is None or topic in m.topics][:NEWS_SHOWN]
    return news_first(chosen, now)
