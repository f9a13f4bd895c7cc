"""What the assistant tells a resident who asks for news: the latest items of a topic."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, func, select

from notifications.hub import Hub
from notifications.store.tables import ItemRow, SourceRow

SCAN = 300  # newest items looked at; topics are a JSON list, filtered here for any database


@dataclass(frozen=True)
class NewsItem:
    title: str
    link: str | None
    summary: str
    published: datetime | None
    topics: tuple[str, ...]
    kind: str  # the source's kind: rss, youtube, council


# A NewsItem's fields, in order: only what the assistant shows or filters on.
NEWS_COLUMNS = (
    ItemRow.title,
    ItemRow.link,
    ItemRow.summary,
    ItemRow.published_at,
    ItemRow.topics,
    SourceRow.kind,
)


def latest_news(hub: Hub, topic: str | None, limit: int = 3) -> list[NewsItem]:
    """The newest items (of TOPIC when given); council meetings are left to `next_meetings`."""
    query = (
        select(*NEWS_COLUMNS)
        .join(SourceRow, SourceRow.id == ItemRow.source_id)
        .where(SourceRow.kind != "council")
        .order_by(func.coalesce(ItemRow.published_at, ItemRow.created_at).desc(), ItemRow.id.desc())
        .limit(SCAN if topic is not None else limit)
    )
    with hub.db.reading() as session:
        items = [_news(row) for row in session.execute(query)]
    return [i for i in items if topic is None or topic in i.topics][:limit]


def next_meetings(hub: Hub, limit: int = 2) -> list[NewsItem]:
    """Council meetings still to come, soonest first (an item's date is the meeting's start)."""
    with hub.db.reading() as session:
        rows = session.execute(
            select(*NEWS_COLUMNS)
            .join(SourceRow, SourceRow.id == ItemRow.source_id)
            .where(SourceRow.kind == "council", ItemRow.published_at >= hub.now())
            .order_by(ItemRow.published_at)
            .limit(limit)
        )
        return [_news(row) for row in rows]


def _news(row: Row[Any]) -> NewsItem:
    return NewsItem(row.title, row.link, row.summary, row.published_at, tuple(row.topics), row.kind)
