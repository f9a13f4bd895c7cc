"""The polling pipeline: due sources → fetch → parse → new items → messages.

Each source's failure is recorded on that source (reason, back-off); the others go on.
Parsing runs in child processes (notifications/parsing.py): never on the event loop.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from notifications.errors import FetchError
from notifications.fetch import FetchResult, fetch
from notifications.hub import Hub
from notifications.parsing import ParseJob, ParseLimits, Parser
from notifications.planner import poll_backoff
from notifications.records import ParsedFeed, SourceConfig
from notifications.source_store import source_config
from notifications.sources import SourceKind, get_kind, source_kinds
from notifications.sources.topics import item_topics
from notifications.store.messages import insert_draft
from notifications.store.tables import ItemRow, MessageRow, SourceRow

log = logging.getLogger(__name__)

POLL_LEASE = timedelta(minutes=5)  # a source being polled is skipped by other workers
GUID_CHUNK = 500


@dataclass(frozen=True)
class DueSource:
    id: int
    config: SourceConfig
    etag: str | None
    last_modified: str | None
    primed: bool
    failures: int


@dataclass(frozen=True)
class PollReport:
    source: str
    new_items: int = 0
    messages: int = 0
    not_modified: bool = False
    error: str | None = None
    warning: str | None = None


def claim_due_sources(hub: Hub, limit: int = 1000) -> list[DueSource]:
    """Sources whose poll time has come, pushed a little into the future so no one else polls."""
    now = hub.now()
    with hub.db.session() as session:
        rows = session.scalars(
            select(SourceRow)
            .where(SourceRow.next_poll_at <= now)
            .order_by(SourceRow.next_poll_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        due = []
        for row in rows:
            row.next_poll_at = now + POLL_LEASE
            due.append(
                DueSource(
                    row.id,
                    source_config(row),
                    row.etag,
                    row.last_modified,
                    row.primed,
                    row.failures,
                )
            )
        return due


def record_failure(hub: Hub, source: DueSource, reason: str) -> None:
    now = hub.now()
    failures = source.failures + 1
    delay = poll_backoff(failures, hub.settings.poll_interval)
    with hub.db.session() as session:
        session.execute(
            update(SourceRow)
            .where(SourceRow.id == source.id)
            .values(
                failures=failures,
                last_error=reason[:1000],
                last_polled_at=now,
                next_poll_at=now + timedelta(seconds=delay),
            )
        )


def _mark_ok(session: Session, hub: Hub, source_id: int, **values: object) -> None:
    now = hub.now()
    session.execute(
        update(SourceRow)
        .where(SourceRow.id == source_id)
        .values(
            failures=0,
            last_polled_at=now,
            last_ok_at=now,
            next_poll_at=now + timedelta(seconds=hub.settings.poll_interval),
            **values,
        )
    )


def record_not_modified(hub: Hub, source: DueSource, result: FetchResult) -> None:
    # After failures, last_error holds the failure's reason, not a warning on this content.
    cleared = {"last_error": None} if source.failures else {}
    with hub.db.session() as session:
        _mark_ok(
            session,
            hub,
            source.id,
            etag=result.etag,
            last_modified=result.last_modified,
            **cleared,
        )


def _known_guids(session: Session, source_id: int, guids: list[str]) -> set[str]:
    known: set[str] = set()
    for start in range(0, len(guids), GUID_CHUNK):
        chunk = guids[start : start + GUID_CHUNK]
        known.update(
            session.scalars(
                select(ItemRow.guid).where(ItemRow.source_id == source_id, ItemRow.guid.in_(chunk))
            )
        )
    return known


def _follow_the_agenda(session: Session, source_id: int, guids: list[str], now: datetime) -> None:
    """Pending reminders of meetings that left the agenda are withdrawn; back on it, restored.

    A withdrawal is not staff's cancellation (status "cancelled"), which stays: an agenda
    briefly emptied or a meeting moved back must not lose its reminders for good.
    """
    items = select(ItemRow.id).where(ItemRow.source_id == source_id)
    for status, new_status, listed in (
        ("scheduled", "withdrawn", False),
        ("withdrawn", "scheduled", True),
    ):
        chosen = ItemRow.guid.in_(guids) if listed else ItemRow.guid.not_in(guids)
        session.execute(
            update(MessageRow)
            .where(
                MessageRow.item_id.in_(items.where(chosen)),
                MessageRow.status == status,
                MessageRow.scheduled_at > now,
            )
            .values(status=new_status)
        )


def store_feed(
    hub: Hub, source: DueSource, kind: SourceKind, feed: ParsedFeed, result: FetchResult
) -> PollReport:
    """Keep the new items and turn them into messages (none at a source's first poll)."""
    now, labels = hub.now(), hub.topic_labels()
    # The first poll of a new source is silent: what is already published is not news.
    # An agenda's is not: its events are still to come.
    announce = source.primed or kind.agenda
    new_items = messages = 0
    guids = [item.guid for item in feed.items]
    with hub.db.session() as session:
        known = _known_guids(session, source.id, guids)
        for item in feed.items:
            if item.guid in known:
                continue
            known.add(item.guid)
            topics = item_topics(item.categories, source.config, labels)
            row = ItemRow(
                source_id=source.id,
                guid=item.guid,
                title=item.title,
                link=item.link,
                summary=item.summary,
                topics=list(topics),
                published_at=item.published,
                created_at=now,
            )
            session.add(row)
            session.flush()
            new_items += 1
            if announce:
                for draft in kind.drafts(item, topics, source.config, now, hub.zone):
                    messages += bool(insert_draft(session, draft, now, row.id))
        if kind.agenda:
            _follow_the_agenda(session, source.id, guids, now)
        _mark_ok(
            session,
            hub,
            source.id,
            primed=True,
            etag=result.etag,
            last_modified=result.last_modified,
            last_error=feed.warning,
        )
    return PollReport(source.config.name, new_items, messages, warning=feed.warning)


async def poll_source(
    hub: Hub, client: httpx.AsyncClient, source: DueSource, parser: Parser
) -> PollReport:
    name = source.config.name
    try:
        result = await fetch(
            client, source.config.url, etag=source.etag, last_modified=source.last_modified
        )
        if result.not_modified:
            await asyncio.to_thread(record_not_modified, hub, source, result)
            return PollReport(name, not_modified=True)
        kind = get_kind(source.config.kind, source_kinds(hub.clock))
        job = ParseJob(
            kind.kind, result.body, source.config, hub.now(), hub.settings.feed_max_items
        )
        feed = await parser.parse(job)
        return await asyncio.to_thread(store_feed, hub, source, kind, feed, result)
    except FetchError as error:
        await asyncio.to_thread(record_failure, hub, source, str(error))
        return PollReport(name, error=str(error))
    except Exception as error:  # a bug, or an item the database refuses: the others go on
        log.exception("source %s: unexpected error", name)
        reason = f"erreur inattendue en lisant le flux : {error!r}"
        await asyncio.to_thread(record_failure, hub, source, reason)
        return PollReport(name, error=reason)


async def poll_due(
    hub: Hub, client: httpx.AsyncClient, parser: Parser | None = None
) -> list[PollReport]:
    """Poll every due source, a few at a time; one report per source."""
    due = await asyncio.to_thread(claim_due_sources, hub)
    gate = asyncio.Semaphore(hub.settings.poll_concurrency)
    parser = parser or Parser(ParseLimits.from_settings(hub.settings))

    async def guarded(source: DueSource) -> PollReport:
        async with gate:
            return await poll_source(hub, client, source, parser)

    return list(await asyncio.gather(*(guarded(s) for s in due)))
