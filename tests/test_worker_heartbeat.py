"""The worker's heartbeat (SQLite and PostgreSQL) and the dashboard's pure arithmetic: when
the sending service counts as running, silent or stopped; days in the town's time, daylight
saving included; running totals."""

from __future__ import annotations

import asyncio
import os
import socket
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest

from notifications.dashboard import read_dashboard, worker_beat
from notifications.decide.activity import (
    HEARTBEAT_SECONDS,
    STALE_BEATS,
    WorkerBeat,
    WorkerState,
    day_bounds,
    day_counts,
    failure_rate,
    liveness,
    period_days,
    running_totals,
    topic_history,
    topics_due,
)
from notifications.hub import Hub
from notifications.store.activity import recent_beats, topic_days
from notifications.subscribers import add_subscriber, chat_unsubscribe
from notifications.worker import Worker
from tests.hub_support import START

PARIS = ZoneInfo("Europe/Paris")


async def test_a_running_worker_beats_and_says_when_it_stopped(hub: Hub) -> None:
    worker = Worker(hub, {}, poll=False)
    task = asyncio.create_task(worker.run())
    await asyncio.wait_for(worker.beaten.wait(), 10)

    beats = recent_beats(hub.db, START - timedelta(days=1))
    assert beats == [WorkerBeat(worker.name, socket.gethostname(), os.getpid(), START, START, None)]
    assert read_dashboard(hub).worker.state is WorkerState.RUNNING

    hub.clock.advance(5)  # type: ignore[attr-defined]
    worker.stop()
    await asyncio.wait_for(task, 10)

    stopped = START + timedelta(seconds=5)
    assert [b.stopped_at for b in recent_beats(hub.db, START)] == [stopped]
    dashboard = read_dashboard(hub)
    assert (dashboard.worker.state, dashboard.worker.since) == (WorkerState.STOPPED, stopped)


def test_heartbeats_of_workers_gone_for_a_day_are_erased(hub: Hub) -> None:
    worker_beat(hub, "ancien:1:aaaaaa", START)
    hub.clock.advance(timedelta(days=1, seconds=1).total_seconds())  # type: ignore[attr-defined]

    worker_beat(hub, "nouveau:2:bbbbbb", START)

    assert [b.name for b in recent_beats(hub.db, START - timedelta(days=7))] == ["nouveau:2:bbbbbb"]


def beat(name: str, seconds_ago: float, stopped_ago: float | None = None) -> WorkerBeat:
    at = START - timedelta(seconds=seconds_ago)
    stopped = None if stopped_ago is None else START - timedelta(seconds=stopped_ago)
    return WorkerBeat(name, "srv", 1, START - timedelta(hours=1), at, stopped)


STALE = STALE_BEATS * HEARTBEAT_SECONDS


@pytest.mark.parametrize(
    ("beats", "state", "age"),
    [
        ([], WorkerState.NEVER, None),
        ([beat("a", 12)], WorkerState.RUNNING, 12),
        ([beat("a", STALE)], WorkerState.RUNNING, STALE),
        ([beat("a", STALE + 1)], WorkerState.SILENT, STALE + 1),
        ([beat("a", 60, stopped_ago=60)], WorkerState.STOPPED, 60),
        # A restart: the old one stopped, the new one beats.
        ([beat("a", 300, stopped_ago=300), beat("b", 2)], WorkerState.RUNNING, 2),
        # One of two died without a word: the other still sends.
        ([beat("a", 600), beat("b", 5)], WorkerState.RUNNING, 5),
        # It stopped cleanly after the other one died: the latest news is the stop.
        ([beat("a", 600), beat("b", 100, stopped_ago=100)], WorkerState.STOPPED, 100),
        ([beat("a", 100, stopped_ago=100), beat("b", 50)], WorkerState.SILENT, 50),
    ],
)
def test_liveness(beats: list[WorkerBeat], state: WorkerState, age: float | None) -> None:
    live = liveness(beats, START)

    assert (live.state, live.age) == (state, age)


def test_the_period_is_the_last_30_days_in_the_towns_time() -> None:
    # 23:30 UTC on 30 November is already 1 December in Trilport.
    days = period_days(datetime(2026, 11, 30, 23, 30, tzinfo=UTC), PARIS)

    assert (len(days), days[0], days[-1]) == (30, date(2026, 11, 2), date(2026, 12, 1))


def test_day_bounds_follow_daylight_saving() -> None:
    days = (date(2026, 10, 24), date(2026, 10, 25), date(2026, 10, 26))

    bounds = day_bounds(days, PARIS)

    assert [b.astimezone(UTC).hour for b in bounds] == [22, 22, 23, 23]
    lengths = [end.astimezone(UTC) - start.astimezone(UTC) for start, end in pairwise(bounds)]
    assert lengths == [timedelta(hours=24), timedelta(hours=25), timedelta(hours=24)]


def test_day_counts_and_running_totals() -> None:
    counts = day_counts(
        3, [(0, "sent", 2), (2, "failed", 1), (2, "sent", 1), (5, "sent", 9)], ["failed"]
    )
    assert counts == {"failed": (0, 0, 1), "sent": (2, 0, 1)}

    totals = running_totals(
        4,
        {"telegram": 3},
        [(1, "telegram", 2), (2, "email", 1)],
        [(2, "telegram", 1), (3, "email", 1)],
    )
    assert totals == {"email": (0, 0, 1, 0), "telegram": (3, 5, 4, 4)}


@pytest.mark.parametrize(("sent", "failed", "rate"), [(0, 0, None), (3, 1, 0.25), (0, 2, 1.0)])
def test_failure_rate(sent: int, failed: int, rate: float | None) -> None:
    assert failure_rate(sent, failed) == rate


def test_the_heartbeat_counts_the_topics_every_ten_minutes(hub: Hub) -> None:
    add_subscriber(hub, "telegram", "1001", ["travaux", "ecoles"])
    worker_beat(hub, "mairie:1:aaaaaa", START)
    add_subscriber(hub, "telegram", "1002", ["travaux"])
    hub.clock.advance(9 * 60)  # type: ignore[attr-defined]
    worker_beat(hub, "mairie:1:aaaaaa", START)  # not yet: the count stays
    today = date(2026, 11, 25)
    counted = topic_days(hub.db, today, today)
    assert sorted(counted) == [(today, "ecoles", 1), (today, "travaux", 1)]

    hub.clock.advance(60)  # type: ignore[attr-defined]
    chat_unsubscribe(hub, "telegram", "1001", ["ecoles"])
    worker_beat(hub, "mairie:1:aaaaaa", START)

    counted = topic_days(hub.db, today, today)
    assert sorted(counted) == [(today, "travaux", 2)]  # in place of the earlier count
    assert read_dashboard(hub).topic_days["travaux"][-2:] == (None, 2)


@pytest.mark.parametrize(
    ("last", "due"),
    [(None, True), (START - timedelta(minutes=9), False), (START - timedelta(minutes=10), True)],
)
def test_topics_are_counted_again_after_ten_minutes(last: datetime | None, due: bool) -> None:
    assert topics_due(last, START) is due


def test_a_topics_history_has_no_number_for_a_day_never_counted() -> None:
    days = (date(2026, 11, 23), date(2026, 11, 24), date(2026, 11, 25))
    counted = [(date(2026, 11, 24), "travaux", 4), (date(2026, 11, 25), "travaux", 9)]

    history = topic_history(days, counted, {"travaux": 5, "ecoles": 1}, ("travaux", "ecoles"))

    # 23/11 never counted; 24/11 counted (« Écoles » had nobody); today: the number now.
    assert history == {"travaux": (None, 4, 5), "ecoles": (None, 0, 1)}
