"""Staff's sources: add, list, check, remove, and keep the town file's sources in step."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import Any

from arobase.town import FeedSource
from notifications.errors import InvalidInput, NotFound, StorageConflict
from notifications.fetch import fetch, make_http_client
from notifications.guarded_http import is_local_url
from notifications.hub import Hub
from notifications.parsing import ParseJob, ParseLimits, Parser
from notifications.records import ParsedFeed, SourceConfig, SourceOrigin
from notifications.sources import get_kind
from notifications.sources.council import check_options
from notifications.sources.topics import item_topics
from notifications.sources.youtube import youtube_feed_url
from notifications.staff import audit
from notifications.store import activity, sources
from notifications.store.sources import SourceInfo, SourceSpec
from notifications.subscribers import check_topics

__all__ = [
    "SourceInfo",
    "SourceSpec",
    "add_source",
    "check_feed_url",
    "check_public_url",
    "check_source",
    "get_source",
    "list_sources",
    "make_spec",
    "poll_now",
    "remove_source",
    "sync_town_sources",
    "town_specs",
]

log = logging.getLogger(__name__)

_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,79}$")
MAX_URL = 2000  # the size of SourceRow.url


def check_feed_url(url: str) -> str:
    """URL as staff typed it, stripped, when it can be a feed's address (http or https, at
    most MAX_URL characters); InvalidInput with the reason otherwise."""
    url = url.strip()
    if not re.match(r"^https?://[^\s/]+", url):
        raise InvalidInput(
            f"adresse invalide « {url} » : elle doit commencer par http:// ou https://"
        )
    if len(url) > MAX_URL:
        raise InvalidInput(
            f"adresse trop longue ({len(url)} caractères) : {MAX_URL} caractères au plus"
        )
    return url


def check_public_url(url: str) -> None:
    """InvalidInput when URL names this machine or a private network (no DNS asked: a name
    that resolves to such an address is refused when the feed is read)."""
    if is_local_url(url):
        raise InvalidInput(
            f"adresse refusée « {url} » : elle désigne cette machine ou un réseau privé, "
            "et seuls les flux publics sont lus"
        )


def make_spec(
    hub: Hub,
    name: str,
    kind: str,
    *,
    url: str | None = None,
    channel_id: str | None = None,
    topic: str | None = None,
    categories: dict[str, str] | None = None,
    options: dict[str, Any] | None = None,
) -> SourceSpec:
    """Validate a source's settings; InvalidInput / UnknownTopic with the reason otherwise."""
    source_kind = get_kind(kind)
    if not _NAME.match(name):
        raise InvalidInput(
            f"nom invalide « {name} » : lettres minuscules, chiffres, - et _ (80 au plus)"
        )
    if kind == "youtube" and url is None:
        if channel_id is None:
            raise InvalidInput("une source youtube demande --channel-id UC… (ou --url)")
        url = youtube_feed_url(channel_id)
    if url is None:
        raise InvalidInput("indiquez l'adresse du flux (--url)")
    if kind == "council":
        check_options(options or {})
    chosen = check_topics(hub, [topic or source_kind.default_topic])[0]
    mapping = dict(categories or {})
    check_topics(hub, mapping.values())
    return SourceSpec(name, kind, check_feed_url(url), chosen, mapping, dict(options or {}))


def add_source(hub: Hub, spec: SourceSpec) -> SourceInfo:
    """Staff's new source; Conflict when its name or its address is taken."""
    if not hub.settings.feeds_allow_local:
        check_public_url(spec.url)
    return sources.add(hub.db, spec, SourceOrigin.CLI, hub.now())


def list_sources(hub: Hub) -> list[SourceInfo]:
    return sources.list_all(hub.db)


POLL_NOW = "lecture immédiate d'une source"  # the audit's action


def poll_now(hub: Hub, name: str, actor: str) -> None:
    """Make the source NAME due now: the worker reads it on its next round (a few seconds),
    even while it backs off after failures. NotFound when there is no such source."""
    if not activity.make_due(hub.db, name, hub.now()):
        raise NotFound(f"aucune source « {name} »")
    audit(hub, actor, POLL_NOW, name)


def get_source(hub: Hub, name: str) -> tuple[SourceInfo, SourceConfig]:
    return sources.get(hub.db, name)


def remove_source(hub: Hub, name: str) -> None:
    """Forget a source and its items (messages already sent stay)."""
    info, _ = sources.get(hub.db, name)
    if info.origin == SourceOrigin.TOWN:
        raise InvalidInput(
            f"la source « {name} » vient du fichier de la commune : retirez-la de ce fichier"
        )
    sources.remove(hub.db, name)


def town_specs(hub: Hub, feeds: dict[str, FeedSource]) -> list[SourceSpec]:
    specs = []
    for key, source in feeds.items():
        options: dict[str, Any] = {}
        if source.livestream:
            options["livestream"] = str(source.livestream)
        if source.remind_at:
            options["remind_at"] = source.remind_at
        specs.append(
            make_spec(
                hub,
                key,
                source.kind,
                url=str(source.url) if source.url else None,
                channel_id=source.channel_id,
                topic=source.topic,
                categories=dict(source.categories),
                options=options,
            )
        )
    return specs


def sync_town_sources(hub: Hub, specs: Iterable[SourceSpec] | None = None) -> list[str]:
    """Make the database's town sources match the town file; the names changed."""
    wanted = {s.name: s for s in (town_specs(hub, hub.town.sources) if specs is None else specs)}
    try:
        changed, skipped = sources.sync(hub.db, wanted, hub.now())
    except StorageConflict:  # another worker, starting too, added them first: match its result
        changed, skipped = sources.sync(hub.db, wanted, hub.now())
    for name in skipped:
        log.warning(
            "town source %r skipped: a source added with `arobase sources add` already has "
            "that name (remove it or rename the town one)",
            name,
        )
    return changed


async def check_source(
    hub: Hub, target: str, kind: str = "rss"
) -> tuple[ParsedFeed, list[tuple[str, ...]]]:
    """Fetch and read a source (by name or URL) now, storing nothing: the feed and topics.

    Read as a poll reads it (same caps, same limits on parsing): what it shows is what the
    worker would take."""
    if target.startswith(("http://", "https://")):
        topic = get_kind(kind).default_topic
        config = SourceConfig("verification", kind, check_feed_url(target), topic)
    else:
        _, config = get_source(hub, target)
    settings = hub.settings
    async with make_http_client(allow_local=settings.feeds_allow_local) as client:
        result = await fetch(client, config.url)
    job = ParseJob(config.kind, result.body, config, hub.now(), settings.feed_max_items)
    feed = await Parser(ParseLimits.from_settings(settings, concurrency=1)).parse(job)
    labels = hub.topic_labels()
    return feed, [item_topics(item.categories, config, labels) for item in feed.items]
