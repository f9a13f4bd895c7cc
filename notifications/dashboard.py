"""The dashboard's use cases: what the console's page shows, what /metrics exports, the
worker's heartbeat, and the chat messages counted per day and front.

Chat messages are counted in the front-end's memory (`ChatTally`, one addition per message:
nothing on the message's path touches the database) and written every FLUSH_SECONDS and at
shutdown (`ChatCounter`); a crash loses at most that minute's count.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import threading
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo

from notifications.channels.registry import CHANNEL_NAMES
from notifications.decide.activity import (
    Liveness,
    WorkerBeat,
    day_bounds,
    day_counts,
    liveness,
    period_days,
    running_totals,
    topic_history,
    topics_due,
)
from notifications.hub import Clock, Hub
from notifications.source_admin import SourceInfo, list_sources
from notifications.store import activity, deliveries, stats
from notifications.store.stats import QueueDepth

log = logging.getLogger(__name__)
CHAT_FRONTS = ("web", "telegram", "app")  # where residents write to the assistant
FLUSH_SECONDS = 60.0
BEATS_KEPT = timedelta(days=1)  # a worker silent for longer is forgotten


@dataclass(frozen=True)
class Dashboard:
    """Everything the dashboard page shows, read at NOW."""

    now: datetime
    days: tuple[date, ...]  # the period, oldest first
    subscribers: dict[str, tuple[int, ...]]  # per channel: active at each day's end
    topics: dict[str, int]  # per topic: active subscribers now
    topic_days: dict[str, tuple[int | None, ...]]  # per topic: each day (None: not counted)
    deliveries: dict[str, tuple[int, ...]]  # per status (sent, failed): created each day
    finished: dict[str, tuple[int, int]]  # per channel: (sent, failed) over the period
    chats: dict[str, tuple[int, ...]]  # per front: messages each day
    worker: Liveness
    workers: tuple[WorkerBeat, ...]
    queue: QueueDepth
    sources: tuple[SourceInfo, ...]


def _delivery_series(
    hub: Hub, size: int, bounds: tuple[datetime, ...]
) -> tuple[dict[str, tuple[int, ...]], dict[str, tuple[int, int]]]:
    rows = stats.delivery_days(hub.db, bounds, CHANNEL_NAMES)
    per_status = day_counts(size, ((d, status, n) for d, _, status, n in rows), ("sent", "failed"))
    finished: Counter[tuple[str, str]] = Counter()
    for _, channel, status, n in rows:
        finished[channel, status] += n
    channels = sorted({channel for channel, _ in finished})
    return per_status, {c: (finished[c, "sent"], finished[c, "failed"]) for c in channels}


def read_dashboard(hub: Hub) -> Dashboard:
    """The last PERIOD_DAYS days in the town's time, and the state of things now."""
    now = hub.now()
    days = period_days(now, hub.zone)
    bounds, size = day_bounds(days, hub.zone), len(days)
    before, joined, left = stats.subscriber_changes(hub.db, bounds)
    per_status, finished = _delivery_series(hub, size, bounds)
    index = {day: i for i, day in enumerate(days)}
    chats = activity.chat_days(hub.db, days[0], days[-1])
    beats = activity.recent_beats(hub.db, now - BEATS_KEPT)
    topics = stats.topic_counts(hub.db)
    counted = activity.topic_days(hub.db, days[0], days[-1])
    return Dashboard(
        now=now,
        days=days,
        subscribers=running_totals(size, before, joined, left),
        topics=topics,
        topic_days=topic_history(days, counted, topics, tuple(hub.town.topics)),
        deliveries=per_status,
        finished=finished,
        chats=day_counts(size, ((index[d], f, n) for d, f, n in chats), CHAT_FRONTS[:2]),
        worker=liveness(beats, now),
        workers=tuple(beats),
        queue=stats.queue_depth(hub.db, now),
        sources=tuple(list_sources(hub)),
    )


# --- /metrics ------------------------------------------------------------------------------


@dataclass(frozen=True)
class HubMetrics:
    """The hub's state for Prometheus, read at a scrape."""

    now: datetime
    deliveries: tuple[tuple[str, str, int], ...]  # (channel, status, deliveries)
    queue: QueueDepth
    source_failures: dict[str, int]  # per source: failed polls in a row
    worker: Liveness


def hub_metrics(hub: Hub) -> HubMetrics:
    now = hub.now()
    beats = activity.recent_beats(hub.db, now - BEATS_KEPT)
    return HubMetrics(
        now=now,
        deliveries=tuple(deliveries.counts(hub.db)),
        queue=stats.queue_depth(hub.db, now),
        source_failures={s.name: s.failures for s in list_sources(hub)},
        worker=liveness(beats, now),
    )


# --- the worker's heartbeat ----------------------------------------------------------------


def worker_beat(hub: Hub, name: str, started_at: datetime) -> None:
    """Write the heartbeat of the worker NAME, in this process; the heartbeats of workers
    gone for a day are erased; the topics counted again when it is time."""
    now = hub.now()
    activity.beat(hub.db, WorkerBeat(name, socket.gethostname(), os.getpid(), started_at, now))
    activity.forget_beats(hub.db, now - BEATS_KEPT)
    count_topics(hub, now)


def count_topics(hub: Hub, now: datetime) -> None:
    """Today's subscribers per topic, counted again when the last count is old enough: the
    dashboard's history per topic (leaving a topic deletes its row, so only counts keep it)."""
    today = now.astimezone(hub.zone).date()
    if topics_due(activity.topics_counted_at(hub.db, today), now):
        activity.count_topics(hub.db, today, stats.topic_counts(hub.db), now)


def worker_stopped(hub: Hub, name: str) -> None:
    activity.stopped(hub.db, name, hub.now())


# --- chat messages -------------------------------------------------------------------------


class ChatTally:
    """Chat messages per day (in the town's time) and front, counted in memory."""

    def __init__(self, clock: Clock, zone: tzinfo) -> None:
        self._clock, self._zone = clock, zone
        self._counts: Counter[tuple[date, str]] = Counter()
        self._lock = threading.Lock()  # flushes run in a thread

    def add(self, front: str) -> None:
        """One message written on FRONT (one of CHAT_FRONTS)."""
        if front not in CHAT_FRONTS:
            raise ValueError(f"unknown chat front {front!r}")
        day = self._clock().astimezone(self._zone).date()
        with self._lock:
            self._counts[day, front] += 1

    def __bool__(self) -> bool:
        """Whether there is anything to write."""
        with self._lock:
            return bool(self._counts)

    def take(self) -> dict[tuple[date, str], int]:
        """The counts so far, the tally starting again from zero."""
        with self._lock:
            counts, self._counts = dict(self._counts), Counter()
        return counts

    def give_back(self, counts: Mapping[tuple[date, str], int]) -> None:
        """COUNTS taken but not written: counted again, for the next flush."""
        with self._lock:
            self._counts.update(counts)


def flush_chats(hub: Hub, tally: ChatTally) -> int:
    """Write the tally's counts; the messages written (given back if the database fails)."""
    counts = tally.take()
    try:
        activity.add_chats(hub.db, counts)
    except Exception:
        tally.give_back(counts)
        raise
    return sum(counts.values())


@dataclass
class ChatCounter:
    """A front-end's tally and the task that writes it every EVERY seconds and at stop."""

    tally: ChatTally
    flush: Callable[[ChatTally], Awaitable[object]]  # writes the tally (flush_chats, off-loop)
    every: float = FLUSH_SECONDS
    _stopping: asyncio.Event = field(default_factory=asyncio.Event)
    _task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        """Stop, once the last counts are written."""
        self._stopping.set()
        if self._task is not None:
            await self._task

    async def _run(self) -> None:
        stopping = False
        while not stopping:  # a last round after the stop, however early it came
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=self.every)
            stopping = self._stopping.is_set()
            if not self.tally:
                continue
            try:
                await self.flush(self.tally)
            except Exception as error:  # kept in the tally for the next round
                log.warning("chat counts not written: %r", error)
