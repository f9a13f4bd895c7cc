"""The tables of the conversations handed over to a town agent (migration 0011): the handoff
with the question and the conversation's last turns, and its thread of messages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from notifications.store.tables import Base


class HandoffRow(Base):
    """A conversation handed over: kept while open, erased with its messages some days after
    it is closed (AROBASE_HANDOFF_RETENTION_DAYS)."""

    __tablename__ = "handoffs"
    __table_args__ = (
        Index("ix_handoffs_conversation", "conversation"),
        Index("ix_handoffs_status", "status", "opened_at"),
        Index("ix_handoffs_closed_at", "closed_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation: Mapped[str] = mapped_column(String(200))  # "web:…", "telegram:…"
    # The conversation while the handoff is not closed, NULL after: being unique, it lets a
    # conversation hold one open handoff at most, on SQLite and PostgreSQL alike (NULLs
    # never clash), and finds it with one indexed lookup before each chat message.
    open_conversation: Mapped[str | None] = mapped_column(String(200), unique=True)
    front: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(8))  # waiting | open | closed
    question: Mapped[str] = mapped_column(Text)
    # The last turns before it, [[who, text], …], who "resident" or "assistant".
    transcript: Mapped[list[Any]] = mapped_column(JSON, default=list)
    opened_at: Mapped[datetime]
    during_hours: Mapped[bool] = mapped_column(Boolean)
    next_opening: Mapped[datetime | None]
    taken_by: Mapped[str | None] = mapped_column(String(320))
    taken_at: Mapped[datetime | None]
    closed_by: Mapped[str | None] = mapped_column(String(320))
    closed_at: Mapped[datetime | None]


class HandoffMessageRow(Base):
    """A message after the question: the resident's, an agent's reply, the closing notice.
    A message for a Telegram chat is stored before it is sent (RELAY says how that went)."""

    __tablename__ = "handoff_messages"
    __table_args__ = (Index("ix_handoff_messages_handoff", "handoff_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    handoff_id: Mapped[int] = mapped_column(ForeignKey("handoffs.id", ondelete="CASCADE"))
    at: Mapped[datetime]
    author: Mapped[str] = mapped_column(String(8))  # resident | agent | closing
    agent: Mapped[str | None] = mapped_column(String(320))  # the agent's login
    text: Mapped[str] = mapped_column(Text)
    relay: Mapped[str | None] = mapped_column(String(8))  # pending | sending | sent | failed
    relay_error: Mapped[str | None] = mapped_column(String(300))
    relay_at: Mapped[datetime | None]  # when its latest sending began
