"""Sources in the database: add, list, remove, and keep the town file's sources in step."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from arobase.town import FeedSource
from notifications.errors import Conflict, InvalidInput, NotFound, StorageConflict
from notifications.fetch import fetch, is_local_url, make_http_client
from notifications.hub import Hub
from notifications.parsing import ParseJob, ParseLimits, Parser
from notifications.records import ParsedFeed, SourceConfig
from notifications.sources import get_kind
from notifications.sources.council import check_options
from notifications.sources.topics import item_topics
from notifications.sources.youtube import youtube_feed_url
from notifications.store.tables import SourceRow
from notifications.subscribers import check_topics

log = logging.getLogger(__name__)

_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,79}$")
MAX_URL = 2000  # the size of SourceRow.url


@dataclass(frozen=True)
class SourceInfo:
    id: int
    name: str
    kind: str
    url: str
    topic: str
    origin: str
    primed: bool
    failures: int
    last_error: str | None
    last_ok_at: datetime | None
    next_poll_at: datetime

    @property
    def state(self) -> str:
        if self.failures:
            return f"en échec ({self.failures}) : {self.last_error}"
        if self.last_error:  # a warning on a feed that still works (bozo)
            return f"ok, avec un avertissement : {self.last_error}"
        return "ok" if self.last_ok_at else "jamais lue"


def source_info(row: SourceRow) -> SourceInfo:
    return SourceInfo(
        id=row.id,
        name=row.name,
        kind=row.kind,
        url=row.url,
        topic=row.topic,
        origin=row.origin,
        primed=row.primed,
        failures=row.failures,
        last_error=row.last_error,
        last_ok_at=row.last_ok_at,
        next_poll_at=row.next_poll_at,
    )


def source_config(row: SourceRow) -> SourceConfig:
    return SourceConfig(
        name=row.name,
        kind=row.kind,
        url=row.url,
        topic=row.topic,
        categories=dict(row.categories),
        options=dict(row.options),
    )


def check_url(url: str) -> str:
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


@dataclass(frozen=True)
class SourceSpec:
    """What staff or the town file say about a source, before it is stored."""

    name: str
    kind: str
    url: str
    topic: str
    categories: dict[str, str]
    options: dict[str, Any]


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
    return SourceSpec(name, kind, check_url(url), chosen, mapping, dict(options or {}))


def _row(spec: SourceSpec, origin: str, now: datetime) -> SourceRow:
    return SourceRow(
        name=spec.name,
        kind=spec.kind,
        url=spec.url,
        topic=spec.topic,
        categories=spec.categories,
        options=spec.options,
        origin=origin,
        primed=False,
        next_poll_at=now,
        failures=0,
        created_at=now,
    )


def add_source(hub: Hub, spec: SourceSpec) -> SourceInfo:
    if not hub.settings.feeds_allow_local:
        check_public_url(spec.url)
    now = hub.now()
    with hub.db.session() as session:
        if session.scalar(select(SourceRow.id).where(SourceRow.name == spec.name)) is not None:
            raise Conflict(f"une source s'appelle déjà « {spec.name} »")
        taken = session.scalar(select(SourceRow.name).where(SourceRow.url == spec.url))
        if taken is not None:
            raise Conflict(f"cette adresse est déjà suivie par la source « {taken} »")
        row = _row(spec, "cli", now)
        session.add(row)
        session.flush()
        return source_info(row)


def list_sources(hub: Hub) -> list[SourceInfo]:
    with hub.db.reading() as session:
        return [source_info(r) for r in session.scalars(select(SourceRow).order_by(SourceRow.name))]


def _by_name(session: Session, name: str) -> SourceRow:
    row = session.scalars(select(SourceRow).where(SourceRow.name == name)).one_or_none()
    if row is None:
        raise NotFound(f"aucune source « {name} »")
    return row


def get_source(hub: Hub, name: str) -> tuple[SourceInfo, SourceConfig]:
    with hub.db.reading() as session:
        row = _by_name(session, name)
        return source_info(row), source_config(row)


def remove_source(hub: Hub, name: str) -> None:
    """Forget a source and its items (messages already sent stay)."""
    with hub.db.session() as session:
        row = _by_name(session, name)
        if row.origin == "town":
            raise InvalidInput(
                f"la source « {name} » vient du fichier de la commune : retirez-la de ce fichier"
            )
        session.delete(row)


def town_specs(hub: Hub, sources: dict[str, FeedSource]) -> list[SourceSpec]:
    specs = []
    for key, source in sources.items():
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
        return _sync(hub, wanted)
    except StorageConflict:  # another worker, starting too, added them first: match its result
        return _sync(hub, wanted)


def _sync(hub: Hub, wanted: dict[str, SourceSpec]) -> list[str]:
    now, changed = hub.now(), []
    with hub.db.session() as session:
        rows = {row.name: row for row in session.scalars(select(SourceRow))}
        for row in rows.values():
            if row.origin == "town" and row.name not in wanted:
                session.delete(row)
                changed.append(row.name)
        for name, spec in wanted.items():
            row = rows.get(name)
            if row is None:
                session.add(_row(spec, "town", now))
                changed.append(name)
            elif row.origin != "town":
                log.warning(
                    "town source %r skipped: a source added with `arobase sources add` already has "
                    "that name (remove it or rename the town one)",
                    name,
                )
            elif _differs(row, spec):
                if row.url != spec.url:  # another feed: its first poll must be silent again
                    row.primed, row.etag, row.last_modified = False, None, None
                row.kind, row.url, row.topic = spec.kind, spec.url, spec.topic
                row.categories, row.options = spec.categories, spec.options
                changed.append(name)
    return changed


def _differs(row: SourceRow, spec: SourceSpec) -> bool:
    return (row.kind, row.url, row.topic, row.categories, row.options) != (
        spec.kind,
        spec.url,
        spec.topic,
        spec.categories,
        spec.options,
    )


async def check_source(
    hub: Hub, target: str, kind: str = "rss"
) -> tuple[ParsedFeed, list[tuple[str, ...]]]:
    """Fetch and read a source (by name or URL) now, storing nothing: the feed and topics.

    Read as a poll reads it (same caps, same limits on parsing): what it shows is what the
    worker would take."""
    if target.startswith(("http://", "https://")):
        topic = get_kind(kind).default_topic
        config = SourceConfig("verification", kind, check_url(target), topic)
    else:
        _, config = get_source(hub, target)
    settings = hub.settings
    async with make_http_client(allow_local=settings.feeds_allow_local) as client:
        result = await fetch(client, config.url)
    job = ParseJob(config.kind, result.body, config, hub.now(), settings.feed_max_items)
    feed = await Parser(ParseLimits.from_settings(settings, concurrency=1)).parse(job)
    labels = hub.topic_labels()
    return feed, [item_topics(item.categories, config, labels) for item in feed.items]
