"""Feed intake: which items of a fetched feed are new, their topics and their messages. Pure."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from notifications.records import MessageDraft, ParsedFeed, ParsedItem, SourceConfig
from notifications.sources.topics import item_topics

# A source kind's `drafts`: the messages a new item gives (notifications/sources/base.py).
Drafts = Callable[
    [ParsedItem, tuple[str, ...], SourceConfig, datetime, ZoneInfo], list[MessageDraft]
]


@dataclass(frozen=True)
class NewItem:
    """An item seen for the first time, to store with its messages."""

    item: ParsedItem
    topics: tuple[str, ...]
    drafts: tuple[MessageDraft, ...]  # none at a source's silent first poll


@dataclass(frozen=True)
class Intake:
    """What one reading of a feed changes."""

    items: tuple[NewItem, ...]
    # An agenda's listed guids: reminders of meetings no longer listed are withdrawn, those
    # listed again restored. None for a feed that is not an agenda.
    agenda: tuple[str, ...] | None


def feed_intake(
    feed: ParsedFeed,
    known: Collection[str],
    *,
    primed: bool,
    agenda: bool,
    config: SourceConfig,
    labels: Mapping[str, str],
    now: datetime,
    zone: ZoneInfo,
    drafts: Drafts,
) -> Intake:
    """The items of FEED whose guid is not KNOWN, each once, with their topics and drafts.

    The first poll of a new source (not PRIMED) is silent: what is already published is not
    news. An AGENDA's is not: its events are still to come.
    """
    announce = primed or agenda
    seen = set(known)
    new: list[NewItem] = []
    for item in feed.items:
        if item.guid in seen:  # stored already, or twice in this feed
            continue
        seen.add(item.guid)
        topics = item_topics(item.categories, config, labels)
        messages = tuple(drafts(item, topics, config, now, zone)) if announce else ()
        new.append(NewItem(item, topics, messages))
    listed = tuple(item.guid for item in feed.items) if agenda else None
    return Intake(tuple(new), listed)
