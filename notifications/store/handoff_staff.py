"""The agents' side of the handed-over conversations, in the database: the inbox and a
thread, take one, reply, close it, record how a reply went to its Telegram chat; and the
erasures (retention, a resident's request). What an agent does is written with its audit
entry in the same transaction."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from notifications.decide.handoffs import (
    HandoffAuthor,
    HandoffInfo,
    HandoffMessage,
    HandoffStatus,
    HandoffThread,
    Relay,
    Speaker,
    Turn,
    may_send,
    relay_for,
)
from notifications.errors import Conflict, NotFound
from notifications.store.console_tables import StaffAuditRow
from notifications.store.database import Database
from notifications.store.handoff_tables import HandoffMessageRow, HandoffRow
from notifications.store.handoffs import NO_HANDOFF, add_message, info_of, message_of
from notifications.store.staff import DETAIL_MAX, AuditEntry

CLOSED = "Cette conversation est terminée."
ERROR_MAX = 300  # characters of a relay's failure reason


def _live_row(session: Session, handoff_id: int) -> HandoffRow:
    """The handoff, locked; NotFound when erased, Conflict when closed."""
    row = session.get(HandoffRow, handoff_id, with_for_update=True)
    if row is None:
        raise NotFound(NO_HANDOFF)
    if row.status == HandoffStatus.CLOSED:
        raise Conflict(CLOSED)
    return row


def _note(session: Session, note: AuditEntry) -> None:
    session.add(StaffAuditRow(**{**asdict(note), "detail": note.detail[:DETAIL_MAX]}))


# --- the agents' side ------------------------------------------------------------------------


def take(db: Database, handoff_id: int, agent: str, at: datetime, note: AuditEntry) -> HandoffInfo:
    """AGENT takes the handoff (another agent's taking is replaced: the audit says so)."""
    with db.session() as session:
        row = _live_row(session, handoff_id)
        row.status, row.taken_by, row.taken_at = HandoffStatus.OPEN, agent, at
        _note(session, note)
        return info_of(row)


def add_agent(
    db: Database,
    handoff_id: int,
    text: str,
    at: datetime,
    *,
    agent: str,
    note: AuditEntry,
) -> HandoffMessage:
    """AGENT's reply stored (before any sending: RELAY pending for a Telegram chat); a
    handoff nobody took is taken by them."""
    with db.session() as session:
        row = _live_row(session, handoff_id)
        if row.status == HandoffStatus.WAITING:
            row.status, row.taken_by, row.taken_at = HandoffStatus.OPEN, agent, at
        relay = relay_for(row.front)
        message = add_message(session, row, HandoffAuthor.AGENT, text, at, agent, relay)
        _note(session, note)
        return message_of(message)


def close(
    db: Database,
    handoff_id: int,
    notice: str,
    at: datetime,
    *,
    agent: str,
    note: AuditEntry,
) -> HandoffMessage:
    """The handoff closed by AGENT, the closing NOTICE stored for the resident."""
    with db.session() as session:
        row = _live_row(session, handoff_id)
        row.status, row.open_conversation = HandoffStatus.CLOSED, None
        row.closed_by, row.closed_at = agent, at
        relay = relay_for(row.front)
        message = add_message(session, row, HandoffAuthor.CLOSING, notice, at, agent, relay)
        _note(session, note)
        return message_of(message)


def handoffs_not_closed(db: Database, limit: int) -> list[HandoffInfo]:
    """Waiting and open handoffs, oldest first (at most LIMIT)."""
    with db.reading() as session:
        rows = session.scalars(
            select(HandoffRow)
            .where(HandoffRow.status != HandoffStatus.CLOSED)
            .order_by(HandoffRow.opened_at, HandoffRow.id)
            .limit(limit)
        ).all()
        return [info_of(row) for row in rows]


def waiting_count(db: Database) -> int:
    with db.reading() as session:
        query = select(func.count()).where(HandoffRow.status == HandoffStatus.WAITING)
        return session.scalar(query) or 0


def thread(db: Database, handoff_id: int) -> HandoffThread:
    """The handoff, the turns before it and its messages; NotFound when there is none."""
    with db.reading() as session:
        row = session.get(HandoffRow, handoff_id)
        if row is None:
            raise NotFound(NO_HANDOFF)
        rows = session.scalars(
            select(HandoffMessageRow)
            .where(HandoffMessageRow.handoff_id == handoff_id)
            .order_by(HandoffMessageRow.id)
        ).all()
        turns = tuple(Turn(Speaker(who), text) for who, text in row.transcript)
        return HandoffThread(info_of(row), turns, tuple(map(message_of, rows)))


def message(db: Database, message_id: int) -> tuple[HandoffInfo, HandoffMessage]:
    """A message and its handoff; NotFound when erased."""
    with db.reading() as session:
        row = session.get(HandoffMessageRow, message_id)
        if row is None:
            raise NotFound(NO_HANDOFF)
        handoff = session.get(HandoffRow, row.handoff_id)
        assert handoff is not None  # the foreign key
        return info_of(handoff), message_of(row)


def claim_relay(db: Database, message_id: int, now: datetime) -> HandoffMessage | None:
    """The message marked as being sent from NOW, when it may be (decide.may_send); None
    when it is sent, being sent, has nothing to send, or is erased: it is never sent twice
    at once, whoever asks."""
    with db.session() as session:
        row = session.get(HandoffMessageRow, message_id, with_for_update=True)
        if row is None or not may_send(message_of(row), now):
            return None
        row.relay, row.relay_at = Relay.SENDING, now
        return message_of(row)


def record_relay(db: Database, message_id: int, relay: Relay, error: str | None) -> None:
    """How sending the message to its chat went (the reason when it failed)."""
    with db.session() as session:
        row = session.get(HandoffMessageRow, message_id, with_for_update=True)
        if row is not None:  # erased meanwhile: nothing left to record
            row.relay, row.relay_error = relay, error[:ERROR_MAX] if error else None


# --- retention and erasure -------------------------------------------------------------------


def _erase(session: Session, handoff_ids: list[int]) -> int:
    if not handoff_ids:
        return 0
    # Messages first: SQLite enforces ON DELETE CASCADE only with its foreign_keys pragma.
    session.execute(delete(HandoffMessageRow).where(HandoffMessageRow.handoff_id.in_(handoff_ids)))
    session.execute(delete(HandoffRow).where(HandoffRow.id.in_(handoff_ids)))
    return len(handoff_ids)


def purge_closed(db: Database, before: datetime) -> int:
    """Handoffs closed before BEFORE erased with their messages; how many."""
    with db.session() as session:
        ids = session.scalars(
            select(HandoffRow.id).where(
                HandoffRow.status == HandoffStatus.CLOSED, HandoffRow.closed_at < before
            )
        ).all()
        return _erase(session, list(ids))


def erase_conversation(db: Database, conversation: str) -> int:
    """Every handoff of the conversation erased, open ones too (the resident's erasure)."""
    with db.session() as session:
        query = select(HandoffRow.id).where(HandoffRow.conversation == conversation)
        return _erase(session, list(session.scalars(query).all()))
