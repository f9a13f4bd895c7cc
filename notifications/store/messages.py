"""The messages aggregate in the database: staff announcements and drafts from sources.

A function taking the `Database` is a whole transaction; one taking a `Session` is a helper of
the storage package. Rows never leave it (records do).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from notifications.errors import InvalidInput, NotFound
from notifications.records import DeliveryStatus, MessageDraft, MessageInfo, MessageStatus
from notifications.store.database import Database
from notifications.store.tables import DeliveryRow, MessageRow

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


def _get(session: Session, message_id: int) -> MessageRow:
    row = session.get(MessageRow, message_id)
    if row is None:
        raise NotFound(f"aucun message n° {message_id}")
    return row


def create(db: Database, draft: MessageDraft, now: datetime) -> MessageInfo:
    """Store DRAFT, which has no dedupe key (staff's), as a scheduled message."""
    with db.session() as session:
        return message_info(_get(session, insert_draft(session, draft, now, None)))


def get(db: Database, message_id: int) -> MessageInfo:
    """The message MESSAGE_ID; NotFound otherwise."""
    with db.reading() as session:
        return message_info(_get(session, message_id))


def latest(db: Database, status: str | None = None, limit: int = 50) -> list[MessageInfo]:
    """The LIMIT newest messages, those with STATUS only when given."""
    with db.reading() as session:
        query = select(MessageRow).order_by(MessageRow.id.desc()).limit(limit)
        if status:
            query = query.where(MessageRow.status == status)
        return [message_info(row) for row in session.scalars(query)]


def cancel(db: Database, message_id: int, reason: str) -> int:
    """Cancel the message and its deliveries still to make (REASON their last error); the
    number of deliveries cancelled. NotFound, or InvalidInput when cancelled already."""
    with db.session() as session:
        row = _get(session, message_id)
        if row.status == MessageStatus.CANCELLED:
            raise InvalidInput(f"le message n° {message_id} est déjà annulé")
        row.status = MessageStatus.CANCELLED
        result = session.execute(
            update(DeliveryRow)
            .where(
                DeliveryRow.message_id == message_id,
                DeliveryRow.status == DeliveryStatus.PENDING,
            )
            .values(status=DeliveryStatus.CANCELLED, last_error=reason)
        )
        return result.rowcount or 0
