"""What the dashboard watches as it happens: the workers' heartbeats, the count of chat
messages per day and front, subscribers per topic and day, and a source staff asked to read
now.

A function taking the `Database` is a whole transaction; rows never leave this module.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from notifications.decide.activity import WorkerBeat
from notifications.store.console_tables import ChatCountRow, TopicDayRow, WorkerBeatRow
from notifications.store.database import Database
from notifications.store.tables import SourceRow

BEATS_SHOWN = 20  # heartbeats the dashboard lists at most


def _beat(row: WorkerBeatRow) -> WorkerBeat:
    return WorkerBeat(**{f.name: getattr(row, f.name) for f in fields(WorkerBeat)})


# --- heartbeats ----------------------------------------------------------------------------


def beat(db: Database, heartbeat: WorkerBeat) -> None:
    """Write a worker's heartbeat (its row made on the first one)."""
    with db.session() as session:
        row = session.get(WorkerBeatRow, heartbeat.name)
        if row is None:
            session.add(
                WorkerBeatRow(**{f.name: getattr(heartbeat, f.name) for f in fields(WorkerBeat)})
            )
        else:
            row.beat_at, row.stopped_at = heartbeat.beat_at, heartbeat.stopped_at


def stopped(db: Database, name: str, at: datetime) -> None:
    """The worker NAME stopped cleanly AT."""
    with db.session() as session:
        session.execute(
            update(WorkerBeatRow)
            .where(WorkerBeatRow.name == name)
            .values(beat_at=at, stopped_at=at)
        )


def recent_beats(db: Database, since: datetime) -> list[WorkerBeat]:
    """The heartbeats written since SINCE, the latest first."""
    query = (
        select(WorkerBeatRow)
        .where(WorkerBeatRow.beat_at >= since)
        .order_by(WorkerBeatRow.beat_at.desc())
        .limit(BEATS_SHOWN)
    )
    with db.reading() as session:
        return [_beat(row) for row in session.scalars(query)]


def forget_beats(db: Database, before: datetime) -> int:
    """Erase the heartbeats older than BEFORE (every start writes a new worker's row)."""
    with db.session() as session:
        result = session.execute(delete(WorkerBeatRow).where(WorkerBeatRow.beat_at < before))
        return getattr(result, "rowcount", 0) or 0


# --- chat messages -------------------------------------------------------------------------


def add_chats(db: Database, counts: Mapping[tuple[date, str], int]) -> None:
    """Add COUNTS (per day and front) to the stored ones, in one transaction."""
    if not counts:
        return
    rows = [{"day": day, "front": front, "messages": n} for (day, front), n in counts.items()]
    with db.session() as session:
        module: Any = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
        statement = module.insert(ChatCountRow).values(rows)
        session.execute(
            statement.on_conflict_do_update(
                index_elements=["day", "front"],
                set_={"messages": ChatCountRow.messages + statement.excluded.messages},
            )
        )


def chat_days(db: Database, first: date, last: date) -> list[tuple[date, str, int]]:
    """(day, front, messages) from FIRST to LAST included."""
    query = select(ChatCountRow.day, ChatCountRow.front, ChatCountRow.messages).where(
        ChatCountRow.day >= first, ChatCountRow.day <= last
    )
    with db.reading() as session:
        return [(day, front, n) for day, front, n in session.execute(query)]


# --- subscribers per topic and day ------------------------------------------------------


def topics_counted_at(db: Database, day: date) -> datetime | None:
    """When the topics were last counted on DAY; None when not yet."""
    query = select(func.max(TopicDayRow.counted_at)).where(TopicDayRow.day == day)
    with db.reading() as session:
        return session.scalar(query)


def count_topics(db: Database, day: date, counts: Mapping[str, int], at: datetime) -> None:
    """DAY's count of subscribers per topic (COUNTS, made AT), in place of an earlier one."""
    rows = [
        TopicDayRow(day=day, topic=topic, subscribers=n, counted_at=at)
        for topic, n in counts.items()
    ]
    with db.session() as session:
        session.execute(delete(TopicDayRow).where(TopicDayRow.day == day))
        session.add_all(rows)


def topic_days(db: Database, first: date, last: date) -> list[tuple[date, str, int]]:
    """(day, topic, subscribers) counted from FIRST to LAST included."""
    query = select(TopicDayRow.day, TopicDayRow.topic, TopicDayRow.subscribers).where(
        TopicDayRow.day >= first, TopicDayRow.day <= last
    )
    with db.reading() as session:
        return [(day, topic, n) for day, topic, n in session.execute(query)]


# --- sources -------------------------------------------------------------------------------


def make_due(db: Database, name: str, now: datetime) -> bool:
    """The source NAME's next poll brought to NOW (the poller takes it on its next round);
    False when there is no such source."""
    with db.session() as session:
        result = session.execute(
            update(SourceRow).where(SourceRow.name == name).values(next_poll_at=now)
        )
        return bool(getattr(result, "rowcount", 0))
