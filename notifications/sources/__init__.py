"""Source kinds (rss, youtube, council) behind one protocol, found by name in a registry."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from notifications.errors import InvalidInput
from notifications.sources.base import SourceKind
from notifications.sources.council import CouncilSource, utc_now
from notifications.sources.rss import RssSource
from notifications.sources.youtube import YouTubeSource, youtube_feed_url


def source_kinds(clock: Callable[[], datetime] = utc_now) -> dict[str, SourceKind]:
    """A registry whose council kind expands recurring meetings around CLOCK's time."""
    kinds: tuple[SourceKind, ...] = (RssSource(), YouTubeSource(), CouncilSource(clock))
    return {kind.kind: kind for kind in kinds}


SOURCE_KINDS = source_kinds()


def get_kind(name: str, kinds: Mapping[str, SourceKind] = SOURCE_KINDS) -> SourceKind:
    try:
        return kinds[name]
    except KeyError:
        raise InvalidInput(f"type de source inconnu « {name} » : rss, youtube ou council") from None


__all__ = [
    "SOURCE_KINDS",
    "CouncilSource",
    "RssSource",
    "SourceKind",
    "YouTubeSource",
    "get_kind",
    "source_kinds",
    "youtube_feed_url",
]
