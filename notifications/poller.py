"""The polling pipeline: due sources → fetch → parse → new items → messages.

Each source's failure is recorded on that source (reason, back-off); the others go on.
Parsing runs in child processes (notifications/parsing.py): never on the event loop. Which
items are new, and what they announce, is decided by `decide.intake.feed_intake`.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import timedelta

import httpx

from notifications.decide.intake import Intake, feed_intake
from notifications.decide.retry import poll_backoff
from notifications.errors import FetchError
from notifications.fetch import FetchResult, fetch
from notifications.hub import Hub
from notifications.parsing import ParseJob, ParseLimits, Parser
from notifications.records import ParsedFeed
from notifications.sources import SourceKind, get_kind, source_kinds
from notifications.store import items, sources
from notifications.store.sources import DueSource, Reading

log = logging.getLogger(__name__)

POLL_LEASE = timedelta(minutes=5)  # a source being polled is skipped by other workers


@dataclass(frozen=True)
class PollReport:
    source: str
    new_items: int = 0
    messages: int = 0
    not_modified: bool = False
    error: str | None = None
    warning: str | None = None


def record_failure(hub: Hub, source: DueSource, reason: str) -> None:
    """The poll failed: REASON kept, the next one after a back-off that grows."""
    now = hub.now()
    failures = source.failures + 1
    delay = poll_backoff(failures, hub.settings.poll_interval)
    retry_at = now + timedelta(seconds=delay)
    sources.record_failure(hub.db, source.id, failures, reason, now, retry_at)


def _reading(hub: Hub, result: FetchResult) -> Reading:
    now = hub.now()
    next_poll = now + timedelta(seconds=hub.settings.poll_interval)
    return Reading(now, next_poll, result.etag, result.last_modified)


def record_not_modified(hub: Hub, source: DueSource, result: FetchResult) -> None:
    # After failures, last_error holds the failure's reason, not a warning on this content.
    sources.record_not_modified(hub.db, source.id, _reading(hub, result), bool(source.failures))


def store_feed(
    hub: Hub, source: DueSource, kind: SourceKind, feed: ParsedFeed, result: FetchResult
) -> PollReport:
    """Keep the new items and turn them into messages (none at a source's first poll)."""
    reading, labels = _reading(hub, result), hub.topic_labels()

    def intake(known: set[str]) -> Intake:
        return feed_intake(
            feed,
            known,
            primed=source.primed,
            agenda=kind.agenda,
            config=source.config,
            labels=labels,
            now=reading.at,
            zone=hub.zone,
            drafts=kind.drafts,
        )

    guids = [item.guid for item in feed.items]
    new_items, messages = items.store_feed(hub.db, source.id, guids, intake, reading, feed.warning)
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


def claim_due_sources(hub: Hub, limit: int = 1000) -> list[DueSource]:
    """Sources whose poll time has come, pushed a little into the future so no one else polls."""
    return sources.claim_due(hub.db, hub.now(), POLL_LEASE, limit)


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
