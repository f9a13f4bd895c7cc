"""The tables of issue 11's feedback and review (migration 0010): the questions residents
asked the assistant, kept masked and without who asked, with their vote and staff's review;
and the answers staff wrote in the console, merged over the town file's `answers`."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, Float, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from notifications.store.tables import Base

TOKEN_CHARS = 16  # secrets.token_urlsafe(9) gives 12; room to grow


class QuestionRow(Base):
    """A question a resident typed, as the action server recorded it: no sender, no chat, no
    session. Erased when its retention is over (notifications/questions.py)."""

    __tablename__ = "questions"
    __table_args__ = (
        Index("ix_questions_created_at", "created_at"),
        Index("ix_questions_review", "review", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token: Mapped[str] = mapped_column(String(TOKEN_CHARS), unique=True)  # what residents vote with
    created_at: Mapped[datetime]
    front: Mapped[str] = mapped_column(String(16))  # web | telegram | terminal
    text: Mapped[str] = mapped_column(Text)  # masked (arobase/masking.py)
    intent: Mapped[str | None] = mapped_column(String(100))
    procedure: Mapped[str | None] = mapped_column(String(100))
    confidence: Mapped[float | None] = mapped_column(Float)
    outcome: Mapped[str] = mapped_column(String(16))  # decide/question_groups.py's Outcome
    vote: Mapped[bool | None] = mapped_column(Boolean)  # True 👍, False 👎, None: no vote
    voted_at: Mapped[datetime | None]
    review: Mapped[str] = mapped_column(
        String(12), default="new"
    )  # new|training|answered|dismissed
    label: Mapped[str | None] = mapped_column(String(140))  # an intent, or procedure/<key>
    reviewed_by: Mapped[str | None] = mapped_column(String(320))
    reviewed_at: Mapped[datetime | None]


class TownAnswerRow(Base):
    """An answer staff wrote in the console: the questions it answers, its text, and the day
    it was checked; merged over the town file's `answers` (arobase.town.with_edits)."""

    __tablename__ = "town_answers"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    questions: Mapped[list[str]] = mapped_column(JSON)
    answer: Mapped[str] = mapped_column(Text)
    checked: Mapped[date] = mapped_column(Date)
    edited_by: Mapped[str] = mapped_column(String(320))
    edited_at: Mapped[datetime]
