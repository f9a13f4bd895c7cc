"""The messages aggregate in the database: staff announcements and drafts from sources.

Session-level helpers of the storage package; rows never leave it (records do).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from notifications.records import MessageDraft, MessageInfo, MessageStatus
from notifications.store.tables import MessageRow

TITLE_MAX = 200
BODY_MAX = 2000


def message_info(row: MessageRow) -> MessageInfo:
    return MessageInfo(
        id=row.id,
        kind=row.kind,
        title=row.title,
        body=row.body,
        link=row.link,
        topics=tuple(row.topics),
        urgent=row.urgent,
        status=row.status,
        scheduled_at=row.scheduled_at,
        released_at=row.released_at,
    )


def insert_draft(session: Session, draft: MessageDraft, now: datetime, item_id: int | None) -> int:
    """Store a draft as a scheduled message; 0 when its dedupe key exists already."""
    if draft.dedupe_key is not None:
        taken = session.scalar(
            select(MessageRow.id).where(MessageRow.dedupe_key == draft.dedupe_key)
        )
        if taken is not None:
            return 0
    row = MessageRow(
        kind=draft.kind,
        item_id=item_id,
        dedupe_key=draft.dedupe_key,
        title=draft.title[:TITLE_MAX],
        body=draft.body[:BODY_MAX],
        link=draft.link,
        topics=list(draft.topics),
        urgent=draft.urgent,
        status=MessageStatus.SCHEDULED,
        scheduled_at=draft.scheduled_at,
        created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:  # another poller stored the same dedupe key a moment ago
        return 0
    return row.id
