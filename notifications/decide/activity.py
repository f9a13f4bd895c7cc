"""The dashboard's arithmetic: the period's days and their bounds in the town's time, counts
per day from grouped rows, running totals, failure rates, and whether the worker is alive.
Pure: `now` and the zone are parameters."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from enum import StrEnum

PERIOD_DAYS = 30  # the dashboard's plots: the last 30 days, today included
HEARTBEAT_SECONDS = 10.0  # a worker writes its heartbeat this often
STALE_BEATS = 3  # missing this many heartbeats in a row: the worker no longer answers
TOPICS_COUNTED_EVERY = timedelta(minutes=10)  # the worker counts subscribers per topic

# (day's index in the period, key such as a channel or a status, count)
DayRow = tuple[int, str, int]


@dataclass(frozen=True)
class WorkerBeat:
    """A worker's last sign of life, as its heartbeat row keeps it."""

    name: str  # host:pid:random, the name its claims carry
    host: str
    pid: int
    started_at: datetime
    beat_at: datetime
    stopped_at: datetime | None = None  # None while it runs, or when it died


def period_days(now: datetime, zone: tzinfo, days: int = PERIOD_DAYS) -> tuple[date, ...]:
    """The DAYS last days in the town's time, oldest first, today last."""
    today = now.astimezone(zone).date()
    return tuple(today - timedelta(days=back) for back in range(days - 1, -1, -1))


def day_bounds(days: Sequence[date], zone: tzinfo) -> tuple[datetime, ...]:
    """Each day's midnight in the town's time, then the next day's: len(DAYS) + 1 instants,
    whatever daylight saving does to a day's length."""
    following = days[-1] + timedelta(days=1)
    return tuple(datetime.combine(day, time(0), tzinfo=zone) for day in (*days, following))


def day_counts(
    size: int, rows: Iterable[DayRow], keys: Iterable[str] = ()
) -> dict[str, tuple[int, ...]]:
    """Counts per key and day (SIZE days) from grouped ROWS; KEYS appear even without a row."""
    table: dict[str, list[int]] = {key: [0] * size for key in keys}
    for index, key, count in rows:
        if 0 <= index < size:
            table.setdefault(key, [0] * size)[index] += count
    return {key: tuple(values) for key, values in sorted(table.items())}


def running_totals(
    size: int, before: Mapping[str, int], added: Iterable[DayRow], removed: Iterable[DayRow]
) -> dict[str, tuple[int, ...]]:
    """How many there are at each day's end: BEFORE the period, plus ADDED, less REMOVED."""
    added_by, removed_by = day_counts(size, added, before), day_counts(size, removed, before)
    totals: dict[str, tuple[int, ...]] = {}
    for key in sorted({*added_by, *removed_by}):
        level, values = before.get(key, 0), []
        plus, minus = added_by.get(key, (0,) * size), removed_by.get(key, (0,) * size)
        for day in range(size):
            level += plus[day] - minus[day]
            values.append(max(0, level))  # an erased subscriber may have left no trace before
        totals[key] = tuple(values)
    return totals


def failure_rate(sent: int, failed: int) -> float | None:
    """The share of finished deliveries that failed, from 0 to 1; None when none finished."""
    finished = sent + failed
    return failed / finished if finished else None


class WorkerState(StrEnum):
    RUNNING = "running"
    SILENT = "silent"  # no heartbeat for STALE_BEATS intervals: stuck, killed or cut off
    STOPPED = "stopped"  # stopped cleanly
    NEVER = "never"  # no heartbeat at all (never started, or long ago)


@dataclass(frozen=True)
class Liveness:
    state: WorkerState
    since: datetime | None  # the last heartbeat (RUNNING, SILENT) or the stop (STOPPED)
    age: float | None  # seconds since then


def liveness(
    beats: Iterable[WorkerBeat], now: datetime, interval: float = HEARTBEAT_SECONDS
) -> Liveness:
    """Whether the sending service runs: one worker whose heartbeat is fresh is enough."""
    latest = max(beats, key=lambda beat: beat.stopped_at or beat.beat_at, default=None)
    running = [b for b in beats if b.stopped_at is None]
    fresh = max(running, key=lambda beat: beat.beat_at, default=None)
    if fresh is not None and (now - fresh.beat_at).total_seconds() <= STALE_BEATS * interval:
        return Liveness(WorkerState.RUNNING, fresh.beat_at, _age(now, fresh.beat_at))
    if latest is None:
        return Liveness(WorkerState.NEVER, None, None)
    if latest.stopped_at is not None:
        return Liveness(WorkerState.STOPPED, latest.stopped_at, _age(now, latest.stopped_at))
    return Liveness(WorkerState.SILENT, latest.beat_at, _age(now, latest.beat_at))


def _age(now: datetime, then: datetime) -> float:
    return max(0.0, (now - then).total_seconds())


def topics_due(last: datetime | None, now: datetime) -> bool:
    """Whether the worker counts the subscribers per topic again at NOW (LAST: today's count)."""
    return last is None or now - last >= TOPICS_COUNTED_EVERY


def topic_history(
    days: Sequence[date],
    counted: Iterable[tuple[date, str, int]],
    today: Mapping[str, int],
    topics: Sequence[str],
) -> dict[str, tuple[int | None, ...]]:
    """Per topic, its subscribers on each of DAYS: the worker's COUNTED number of that day,
    None on a day it never counted (before the first count), and TODAY's number on the
    last day."""
    known = {(day, topic): n for day, topic, n in counted}
    seen = {day for day, _ in known}
    return {
        topic: tuple(
            today.get(topic, 0)
            if index == len(days) - 1
            else (known.get((day, topic), 0) if day in seen else None)
            for index, day in enumerate(days)
        )
        for topic in topics
    }
