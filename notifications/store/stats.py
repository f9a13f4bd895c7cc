"""The dashboard's and /metrics' aggregates, counted by the database (GROUP BY), never by
loading rows: deliveries and subscribers per day, subscribers per topic, the outbox's backlog.

A day is a range between two instants (midnights in the town's time, computed by the caller):
the SQL buckets rows with one CASE over those bounds, or groups them by their exact time for
this module to put in their day: the same on SQLite and PostgreSQL, exact whatever the zone's
offset.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_, select

from notifications.records import DeliveryStatus
from notifications.store.database import Database
from notifications.store.tables import DeliveryRow, SubscriberRow, SubscriptionRow

DayRow = tuple[int, str, int]  # (day's index, channel or status, count)


@dataclass(frozen=True)
class QueueDepth:
    """The outbox's backlog: deliveries waiting or being sent, and those whose time has come."""

    pending: int  # waiting (held for quiet hours and digests included) or being sent
    due: int  # waiting, and their time has come
    oldest_due_at: datetime | None  # when the longest-waiting due one became due


FINISHED = (DeliveryStatus.SENT, DeliveryStatus.FAILED)
WAITING = (DeliveryStatus.PENDING, DeliveryStatus.SENDING)


def _day_of(column: Any, bounds: Sequence[datetime]) -> ColumnElement[Any]:
    """The index of the day COLUMN falls in (BOUNDS[i] <= value < BOUNDS[i + 1])."""
    return case(*((column < end, index) for index, end in enumerate(bounds[1:])), else_=None)


def _within(column: Any, bounds: Sequence[datetime]) -> ColumnElement[bool]:
    return and_(column >= bounds[0], column < bounds[-1])


def delivery_days(
    db: Database, bounds: Sequence[datetime], channels: Sequence[str]
) -> list[tuple[int, str, str, int]]:
    """(day's index, channel, status, deliveries) of the sent and failed deliveries of
    CHANNELS created within BOUNDS, by the day they were created (their message went out).

    Grouped by their exact creation time, then put in their day here: the deliveries of one
    fan-out share it, so a month is a few thousand groups, read as ranges of
    ix_deliveries_created (channel, status, created_at) without touching a row; a CASE over
    the days' bounds in SQL would be evaluated for each of 100,000 rows."""
    query = (
        select(DeliveryRow.created_at, DeliveryRow.channel, DeliveryRow.status, func.count())
        .where(
            DeliveryRow.channel.in_(list(channels)),
            DeliveryRow.status.in_(FINISHED),
            _within(DeliveryRow.created_at, bounds),
        )
        .group_by(DeliveryRow.created_at, DeliveryRow.channel, DeliveryRow.status)
    )
    totals: Counter[tuple[int, str, str]] = Counter()
    with db.reading() as session:
        for at, channel, status, count in session.execute(query):
            totals[(bisect_right(bounds, at) - 1, channel, str(status))] += count
    return [(day, channel, status, n) for (day, channel, status), n in sorted(totals.items())]


def _confirmed_before(moment: datetime) -> ColumnElement[bool]:
    """Subscribed (confirmed) before MOMENT and not deactivated by then."""
    return and_(
        SubscriberRow.confirmed_at < moment,
        or_(SubscriberRow.deactivated_at.is_(None), SubscriberRow.deactivated_at >= moment),
    )


def _per_day(column: Any, bounds: Sequence[datetime]) -> Any:
    day = _day_of(column, bounds).label("day")
    return (
        select(day, SubscriberRow.channel, func.count())
        .where(SubscriberRow.confirmed_at.is_not(None), _within(column, bounds))
        .group_by("day", SubscriberRow.channel)
    )


def subscriber_changes(
    db: Database, bounds: Sequence[datetime]
) -> tuple[dict[str, int], list[DayRow], list[DayRow]]:
    """Per channel: the subscribers active when BOUNDS start, then those who joined
    (confirmed) and left (deactivated) each day. Erased subscribers are not counted."""
    before = (
        select(SubscriberRow.channel, func.count())
        .where(_confirmed_before(bounds[0]))
        .group_by(SubscriberRow.channel)
    )
    with db.reading() as session:
        baseline = {channel: n for channel, n in session.execute(before)}
        joined = [
            (d, c, n) for d, c, n in session.execute(_per_day(SubscriberRow.confirmed_at, bounds))
        ]
        left = [
            (d, c, n) for d, c, n in session.execute(_per_day(SubscriberRow.deactivated_at, bounds))
        ]
    return baseline, joined, left


def topic_counts(db: Database) -> dict[str, int]:
    """Active, confirmed subscribers of each topic now."""
    query = (
        select(SubscriptionRow.topic, func.count())
        .join(SubscriberRow, SubscriberRow.id == SubscriptionRow.subscriber_id)
        .where(SubscriberRow.active.is_(True), SubscriberRow.confirmed_at.is_not(None))
        .group_by(SubscriptionRow.topic)
    )
    with db.reading() as session:
        return {topic: n for topic, n in session.execute(query)}


def queue_depth(db: Database, now: datetime) -> QueueDepth:
    """The outbox's backlog at NOW (read from ix_deliveries_due)."""
    due = and_(DeliveryRow.status == DeliveryStatus.PENDING, DeliveryRow.next_attempt_at <= now)
    with db.reading() as session:
        pending = session.scalar(
            select(func.count()).select_from(DeliveryRow).where(DeliveryRow.status.in_(WAITING))
        )
        count, oldest = session.execute(
            select(func.count(), func.min(DeliveryRow.next_attempt_at)).where(due)
        ).one()
    return QueueDepth(pending or 0, count or 0, oldest)
