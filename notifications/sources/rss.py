"""Kind "rss": a town website's RSS or Atom feed; each new article gives one alert."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar
from zoneinfo import ZoneInfo

from notifications.records import MessageDraft, ParsedFeed, ParsedItem, SourceConfig
from notifications.sources.base import DEFAULT_MAX_ITEMS
from notifications.sources.feed import item_draft, parse_feed


class RssSource:
    kind: ClassVar[str] = "rss"
    default_topic: ClassVar[str] = "actualites"
    agenda: ClassVar[bool] = False

    def __init__(self, max_items: int = DEFAULT_MAX_ITEMS) -> None:
        self.max_items = max_items

    def parse(self, body: bytes, config: SourceConfig) -> ParsedFeed:
        return parse_feed(body, config, self.max_items)

    def alert_title(self, item: ParsedItem) -> str:
        return item.title

    def drafts(
        self,
        item: ParsedItem,
        topics: tuple[str, ...],
        config: SourceConfig,
        now: datetime,
        zone: ZoneInfo,
    ) -> list[MessageDraft]:
        return [item_draft(item, topics, config, now, title=self.alert_title(item))]
