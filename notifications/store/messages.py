"""The messages aggregate in the database: staff announcements and drafts from sources.

A function taking the `Database` is a whole transaction; one taking a `Session` is a helper of
the storage package. Rows never leave it (records do).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from notifications.decide.announcements import Announcement
from notifications.errors import Conflict, InvalidInput, NotFound
from notifications.records import (
    DeliveryStatus,
    MessageDraft,
    MessageInfo,
    MessageKind,
    MessageStatus,
)
from notifications.store.console_tables import StaffAuditRow
from notifications.store.database import Database
from notifications.store.staff import DETAIL_MAX, AuditEntry
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
        areas=tuple(row.areas or ()),
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
        areas=list(draft.areas),
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


def released_since(db: Database, since: datetime, limit: int) -> list[MessageInfo]:
    """The LIMIT newest messages sent to residents since SINCE (never a confirmation
    request), newest first."""
    with db.reading() as session:
        query = (
            select(MessageRow)
            .where(
                MessageRow.status == MessageStatus.SENT,
                MessageRow.kind != "confirmation",
                MessageRow.released_at >= since,
            )
            .order_by(MessageRow.released_at.desc(), MessageRow.id.desc())
            .limit(limit)
        )
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


# --- announcements' workflow (notifications/decide/announcements.py) ------------------------

# Not released yet: its text and time may still change. The worker releases "scheduled"
# messages only (store/deliveries.py: release_next), so a draft or one awaiting approval is
# never fanned out.
OPEN = (MessageStatus.DRAFT, MessageStatus.AWAITING, MessageStatus.SCHEDULED)
STALE = "ce message a changé entre-temps : rechargez sa page avant de recommencer"
Note = Callable[[int], AuditEntry]  # the message's id → its audit entry


@dataclass(frozen=True)
class Writing:
    """An announcement's text and state as a use case decided them."""

    draft: MessageDraft
    status: str
    actor: str
    immediate: bool
    bypass_reason: str | None


def announcement_of(row: MessageRow) -> Announcement:
    return Announcement(
        message=message_info(row),
        created_by=row.created_by,
        edited_by=row.edited_by,
        approved_by=row.approved_by,
        bypass_reason=row.bypass_reason,
        review_note=row.review_note,
        immediate=row.immediate,
        revision=row.revision,
        updated_at=row.updated_at,
    )


def announcement(db: Database, message_id: int) -> Announcement:
    """The message MESSAGE_ID with its workflow; NotFound otherwise."""
    with db.reading() as session:
        return announcement_of(_get(session, message_id))


def _guarded(
    session: Session,
    message_id: int,
    statuses: tuple[str, ...],
    values: dict[str, Any],
    *conditions: ColumnElement[bool],
) -> Announcement:
    """VALUES written on the staff message MESSAGE_ID, one more revision, only while it is in
    STATUSES, unreleased and meets CONDITIONS: a release or a change that commits first wins
    (PostgreSQL re-reads the row once its lock is free; SQLite runs writers one at a time),
    and this one raises Conflict."""
    done = session.execute(
        update(MessageRow)
        .where(
            MessageRow.id == message_id,
            MessageRow.kind == MessageKind.STAFF,
            MessageRow.status.in_(statuses),
            MessageRow.released_at.is_(None),
            *conditions,
        )
        .values(**values, revision=MessageRow.revision + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if done != 1:
        raise Conflict(STALE)
    return announcement_of(session.get_one(MessageRow, message_id, populate_existing=True))


def _audit(session: Session, note: AuditEntry) -> None:
    session.add(
        StaffAuditRow(
            at=note.at, actor=note.actor, action=note.action, detail=note.detail[:DETAIL_MAX]
        )
    )


def write(
    db: Database,
    message_id: int | None,
    writing: Writing,
    now: datetime,
    note: Note,
    *,
    revision: int | None = None,
) -> Announcement:
    """Store a new announcement (MESSAGE_ID None) or change an unreleased one, still at
    REVISION when given; the audit entry NOTE in the same transaction. Conflict otherwise."""
    draft = writing.draft
    values: dict[str, Any] = {
        "title": draft.title[:TITLE_MAX],
        "body": draft.body[:BODY_MAX],
        "link": draft.link,
        "topics": list(draft.topics),
        "areas": list(draft.areas),
        "urgent": draft.urgent,
        "scheduled_at": draft.scheduled_at,
        "status": writing.status,
        "immediate": writing.immediate,
        "bypass_reason": writing.bypass_reason,
        "edited_by": writing.actor,
        "approved_by": None,
        "updated_at": now,
    }
    conditions = [] if revision is None else [MessageRow.revision == revision]
    with db.session() as session:
        if message_id is None:
            message_id = insert_draft(session, draft, now, None)
            values["created_by"] = writing.actor
        done = _guarded(session, message_id, OPEN, values, *conditions)
        _audit(session, note(message_id))
        return done


def _not_written_by(actor: str) -> ColumnElement[bool]:
    """Neither written nor last changed by ACTOR: the two-person rule, checked again where
    the change is made."""
    return and_(
        or_(MessageRow.created_by.is_(None), MessageRow.created_by != actor),
        or_(MessageRow.edited_by.is_(None), MessageRow.edited_by != actor),
    )


def unschedule(db: Database, message_id: int, now: datetime, note: AuditEntry) -> Announcement:
    """A scheduled or awaiting message back to draft; Conflict once released."""
    waiting = (MessageStatus.AWAITING, MessageStatus.SCHEDULED)
    values = {"status": MessageStatus.DRAFT, "approved_by": None, "updated_at": now}
    with db.session() as session:
        done = _guarded(session, message_id, waiting, values)
        _audit(session, note)
        return done


def approve(
    db: Database, message_id: int, revision: int, now: datetime, note: AuditEntry
) -> Announcement:
    """The awaiting message, still at REVISION and written by another, scheduled: at its
    time, or now when it was meant to go at once or its time has passed."""
    with db.session() as session:
        row = _get(session, message_id)
        at = now if row.immediate or row.scheduled_at < now else row.scheduled_at
        values = {
            "status": MessageStatus.SCHEDULED,
            "approved_by": note.actor,
            "scheduled_at": at,
            "review_note": None,
            "updated_at": now,
        }
        condition = and_(MessageRow.revision == revision, _not_written_by(note.actor))
        done = _guarded(session, message_id, (MessageStatus.AWAITING,), values, condition)
        _audit(session, note)
        return done


def send_back(
    db: Database, message_id: int, revision: int, comment: str, now: datetime, note: AuditEntry
) -> Announcement:
    """The awaiting message, still at REVISION and written by another, back to draft with
    the reviewer's COMMENT for its author."""
    values = {"status": MessageStatus.DRAFT, "review_note": comment, "updated_at": now}
    condition = and_(MessageRow.revision == revision, _not_written_by(note.actor))
    with db.session() as session:
        done = _guarded(session, message_id, (MessageStatus.AWAITING,), values, condition)
        _audit(session, note)
        return done
