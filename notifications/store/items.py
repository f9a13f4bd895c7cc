"""The items of the sources in the database: what each poll found new, and the news residents
ask for.

A function taking the `Database` is a whole transaction; rows never leave the storage package.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session

from notifications.decide.intake import Intake
from notifications.records import MessageStatus, NewsItem
from notifications.store.database import Database
from notifications.store.messages import insert_draft
from notifications.store.sources import Reading, mark_read
from notifications.store.tables import ItemRow, MessageRow, SourceRow

GUID_CHUNK = 500
ITEM_FIELDS = ("guid", "title", "link", "summary")  # a ParsedItem's, stored as they are


def _known_guids(session: Session, source_id: int, guids: Sequence[str]) -> set[str]:
    known: set[str] = set()
    for start in range(0, len(guids), GUID_CHUNK):
        chunk = guids[start : start + GUID_CHUNK]
        known.update(
            session.scalars(
                select(ItemRow.guid).where(ItemRow.source_id == source_id, ItemRow.guid.in_(chunk))
            )
        )
    return known


def _follow_the_agenda(
    session: Session, source_id: int, guids: Sequence[str], now: datetime
) -> None:
    """Pending reminders of meetings that left the agenda are withdrawn; back on it, restored.

    A withdrawal is not staff's cancellation (status "cancelled"), which stays: an agenda
    briefly emptied or a meeting moved back must not lose its reminders for good.
    """
    items = select(ItemRow.id).where(ItemRow.source_id == source_id)
    for status, new_status, listed in (
        (MessageStatus.SCHEDULED, MessageStatus.WITHDRAWN, False),
        (MessageStatus.WITHDRAWN, MessageStatus.SCHEDULED, True),
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
    db: Database,
    source_id: int,
    guids: Sequence[str],
    intake: Callable[[set[str]], Intake],
    reading: Reading,
    warning: str | None,
) -> tuple[int, int]:
    """In one transaction: the items of a feed listing GUIDS that INTAKE (given those already
    stored) finds new, their messages, the agenda's withdrawals, the source marked read with
    its WARNING. The numbers of items and messages stored."""
    now = reading.at
    messages = 0
    with db.session() as session:
        decided = intake(_known_guids(session, source_id, guids))
        for new in decided.items:
            row = ItemRow(
                source_id=source_id,
                topics=list(new.topics),
                published_at=new.item.published,
                created_at=now,
                **{name: getattr(new.item, name) for name in ITEM_FIELDS},
            )
            session.add(row)
            session.flush()
            for draft in new.drafts:
                messages += bool(insert_draft(session, draft, now, row.id))
        if decided.agenda is not None:
            _follow_the_agenda(session, source_id, decided.agenda, now)
        mark_read(session, source_id, reading, primed=True, last_error=warning)
    return len(decided.items), messages


# --- news for residents --------------------------------------------------------------------

# A NewsItem's fields, in order: only what the assistant shows or filters on.
NEWS_COLUMNS = (
    ItemRow.title,
    ItemRow.link,
    ItemRow.summary,
    ItemRow.published_at,
    ItemRow.topics,
    SourceRow.kind,
)


def latest_items(db: Database, limit: int, *, leaving_out: str) -> list[NewsItem]:
    """The newest items, newest first, of every source kind but LEAVING_OUT."""
    return _news(
        db,
        _news_query()
        .where(SourceRow.kind != leaving_out)
        .order_by(func.coalesce(ItemRow.published_at, ItemRow.created_at).desc(), ItemRow.id.desc())
        .limit(limit),
    )


def coming_items(db: Database, kind: str, since: datetime, limit: int) -> list[NewsItem]:
    """The items of sources of KIND dated SINCE or later, soonest first."""
    return _news(
        db,
        _news_query()
        .where(SourceRow.kind == kind, ItemRow.published_at >= since)
        .order_by(ItemRow.published_at)
        .limit(limit),
    )


def _news_query() -> Select[Any]:
    return select(*NEWS_COLUMNS).join(SourceRow, SourceRow.id == ItemRow.source_id)


def _news(db: Database, query: Select[Any]) -> list[NewsItem]:
    with db.reading() as session:
        return [
            NewsItem(r.title, r.link, r.summary, r.published_at, tuple(r.topics), r.kind)
            for r in session.execute(query)
        ]
