"""Source kinds (rss, youtube, council) behind one protocol, found by name in a registry."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from notifications.errors import InvalidInput
from notifications.sources.base import DEFAULT_MAX_ITEMS, SourceKind
from notifications.sources.council import CouncilSource, utc_now
from notifications.sources.rss import RssSource
from notifications.sources.youtube import YouTubeSource, youtube_feed_url


def source_kinds(
    clock: Callable[[], datetime] = utc_now, max_items: int = DEFAULT_MAX_ITEMS
) -> dict[str, SourceKind]:
    """A registry whose council kind expands recurring meetings around CLOCK's time, and whose
    kinds give at most MAX_ITEMS items from one reading."""
    kinds: tuple[SourceKind, ...] = (
        RssSource(max_items),
        YouTubeSource(max_items),
        CouncilSource(clock, max_items),
    )
    return {kind.kind: kind for kind in kinds}


SOURCE_KINDS = source_kinds()


def get_kind(name: str, kinds: Mapping[str, SourceKind] = SOURCE_KINDS) -> SourceKind:
    try:
        return kinds[name]
    except KeyError:
        raise InvalidInput(f"type de source inconnu « {name} » : rss, youtube ou council") from None


__all__ = [
    "DEFAULT_MAX_ITEMS",
    "SOURCE_KINDS",
    "CouncilSource",
    "RssSource",
    "SourceKind",
    "YouTubeSource",
    "get_kind",
    "source_kinds",
    "youtube_feed_url",
]
