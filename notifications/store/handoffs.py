"""The conversations handed over to a town agent, in the database: a handoff and its thread.

Each function is one transaction. A conversation holds one open handoff at most
(HandoffRow.open_conversation). The agents' side, and the erasures: handoff_staff.py.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from notifications.decide.handoffs import (
    AgentNews,
    HandoffAuthor,
    HandoffInfo,
    HandoffMessage,
    HandoffStatus,
    Relay,
    Turn,
)
from notifications.store.database import Database
from notifications.store.handoff_tables import HandoffMessageRow, HandoffRow

NO_HANDOFF = "Cette conversation n'existe pas (ou plus) : elle a peut-être été effacée."


@dataclass(frozen=True)
class NewHandoff:
    """A handoff to open (or, when the conversation has one open, a question to add)."""

    conversation: str
    front: str
    question: str
    transcript: tuple[Turn, ...]
    at: datetime
    during_hours: bool
    next_opening: datetime | None


def info_of(row: HandoffRow) -> HandoffInfo:
    values = {field.name: getattr(row, field.name) for field in fields(HandoffInfo)}
    return HandoffInfo(**values | {"status": HandoffStatus(row.status)})


def message_of(row: HandoffMessageRow) -> HandoffMessage:
    values = {field.name: getattr(row, field.name) for field in fields(HandoffMessage)}
    relay = Relay(row.relay) if row.relay else None
    return HandoffMessage(**values | {"author": HandoffAuthor(row.author), "relay": relay})


def _open_row(session: Session, conversation: str) -> HandoffRow | None:
    return session.scalars(
        select(HandoffRow).where(HandoffRow.open_conversation == conversation).with_for_update()
    ).one_or_none()


def _count(session: Session, handoff_id: int) -> int:
    query = select(func.count()).where(HandoffMessageRow.handoff_id == handoff_id)
    return session.scalar(query) or 0


def add_message(
    session: Session,
    row: HandoffRow,
    author: HandoffAuthor,
    text: str,
    at: datetime,
    agent: str | None = None,
    relay: Relay | None = None,
) -> HandoffMessageRow:
    message = HandoffMessageRow(
        handoff_id=row.id, at=at, author=author, agent=agent, text=text, relay=relay
    )
    session.add(message)
    session.flush()
    return message


# --- the resident's side ---------------------------------------------------------------------


def open_or_add(db: Database, new: NewHandoff, cap: int) -> tuple[HandoffInfo, bool]:
    """Open a handoff; when the conversation has one open, NEW's question is added to its
    thread instead (up to CAP messages). The handoff, and whether it was an addition.
    StorageConflict when another process opened one for it at the same moment."""
    with db.session() as session:
        row = _open_row(session, new.conversation)
        if row is not None:
            if _count(session, row.id) < cap:
                add_message(session, row, HandoffAuthor.RESIDENT, new.question, new.at)
            return info_of(row), True
        transcript = [[turn.who.value, turn.text] for turn in new.transcript]
        row = HandoffRow(
            conversation=new.conversation,
            open_conversation=new.conversation,
            front=new.front,
            status=HandoffStatus.WAITING,
            question=new.question,
            transcript=transcript,
            opened_at=new.at,
            during_hours=new.during_hours,
            next_opening=new.next_opening,
        )
        session.add(row)
        session.flush()
        return info_of(row), False


def open_of(db: Database, conversation: str) -> HandoffInfo | None:
    """The conversation's open handoff, if any (one indexed lookup)."""
    with db.reading() as session:
        row = session.scalars(
            select(HandoffRow).where(HandoffRow.open_conversation == conversation)
        ).one_or_none()
        return info_of(row) if row else None


def add_resident(
    db: Database, conversation: str, text: str | None, at: datetime, cap: int
) -> tuple[HandoffInfo, HandoffAuthor | None, bool] | None:
    """TEXT added to the conversation's open handoff (not when None, nor past CAP messages):
    the handoff, the author of the message before, whether TEXT was stored. None when the
    conversation has no open handoff."""
    with db.session() as session:
        row = _open_row(session, conversation)
        if row is None:
            return None
        last = session.scalars(
            select(HandoffMessageRow.author)
            .where(HandoffMessageRow.handoff_id == row.id)
            .order_by(HandoffMessageRow.id.desc())
            .limit(1)
        ).first()
        stored = text is not None and _count(session, row.id) < cap
        if stored:
            add_message(session, row, HandoffAuthor.RESIDENT, text or "", at)
        return info_of(row), HandoffAuthor(last) if last else None, stored


def news(db: Database, conversation: str, after: int, limit: int) -> AgentNews:
    """The agent's messages and the closing notice of the conversation's latest handoff after
    message AFTER (at most LIMIT), and whether the page should ask again: still open, or
    LIMIT messages given (more may wait, the closing notice among them)."""
    with db.reading() as session:
        row = session.scalars(
            select(HandoffRow)
            .where(HandoffRow.conversation == conversation)
            .order_by(HandoffRow.id.desc())
            .limit(1)
        ).first()
        if row is None:
            return AgentNews(False, None, ())
        rows = session.scalars(
            select(HandoffMessageRow)
            .where(
                HandoffMessageRow.handoff_id == row.id,
                HandoffMessageRow.id > after,
                HandoffMessageRow.author.in_([HandoffAuthor.AGENT, HandoffAuthor.CLOSING]),
            )
            .order_by(HandoffMessageRow.id)
            .limit(limit)
        ).all()
        status = HandoffStatus(row.status)
        more = status is not HandoffStatus.CLOSED or len(rows) == limit
        return AgentNews(more, status, tuple(map(message_of, rows)))
