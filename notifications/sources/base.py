"""The one small interface every source kind implements (rss, youtube, council)."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Protocol
from zoneinfo import ZoneInfo

from notifications.records import MessageDraft, ParsedFeed, ParsedItem, SourceConfig

# Items taken from one reading of a feed (settings.feed_max_items, whose default this is):
# however long the document, a poll stores and announces at most this many.
DEFAULT_MAX_ITEMS = 50


class SourceKind(Protocol):
    """Pure: bytes in, items out; items in, message drafts out. No I/O, no database."""

    kind: ClassVar[str]
    default_topic: ClassVar[str]  # the topic of its items when the source names none
    # True for an agenda of future events (council meetings): its first poll is not silent,
    # and messages of events that leave it are withdrawn (restored if they come back).
    agenda: ClassVar[bool]

    def parse(self, body: bytes, config: SourceConfig) -> ParsedFeed:
        """Read a fetched body; FetchError (notifications.errors) with the reason when unusable.

        At most the kind's `max_items` items come out (the feed's warning says when some were
        left): a kind is built with that cap by `source_kinds()`.
        """
        ...

    def drafts(
        self,
        item: ParsedItem,
        topics: tuple[str, ...],
        config: SourceConfig,
        now: datetime,
        zone: ZoneInfo,
    ) -> list[MessageDraft]:
        """The messages a NEW item gives (an article: one alert; a meeting: two reminders)."""
        ...
