"""The console's tables (SQLAlchemy 2): staff accounts, sessions and audit, the town content
edited in the console, the worker's heartbeat and the daily chat counts. The hub's own tables
are in tables.py; schema.py gathers both for the migrations."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from notifications.store.tables import Base


class StaffAccountRow(Base):
    """A staff member of the console (the residents are subscribers, never accounts)."""

    __tablename__ = "staff_accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)  # normalized, lower case
    role: Mapped[str] = mapped_column(String(8))  # admin | editor | agent
    password_hash: Mapped[str | None] = mapped_column(String(200))  # argon2id; None: link
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)  # failed log-ins in a row
    locked_until: Mapped[datetime | None]
    # The one-time link that sets the password: only a SHA-256 of its token is kept.
    link_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    link_expires_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    totp_secret: Mapped[str | None] = mapped_column(String(200))  # 2nd factor, encrypted
    totp_confirmed_at: Mapped[datetime | None]  # the second factor is active since then
    totp_last_step: Mapped[int | None] = mapped_column(Integer)  # no code accepted twice
    totp_pending_hash: Mapped[str | None] = mapped_column(String(64), unique=True)  # SHA-256
    totp_pending_until: Mapped[datetime | None]  # a log-in waits for its code until then


class StaffSessionRow(Base):
    """A console session: only a SHA-256 of the token the browser holds is kept."""

    __tablename__ = "staff_sessions"
    __table_args__ = (Index("ix_staff_sessions_account", "account_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("staff_accounts.id", ondelete="CASCADE"))
    csrf: Mapped[str] = mapped_column(String(64))
    client: Mapped[str] = mapped_column(String(100))  # where the log-in came from
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime]


class StaffAuditRow(Base):
    """What staff did, and failed log-ins: kept apart from the accounts, which may go."""

    __tablename__ = "staff_audit"
    __table_args__ = (Index("ix_staff_audit_at", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(320))  # a staff e-mail, "cli" or "inconnu"
    action: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str] = mapped_column(Text, default="")


class WorkerBeatRow(Base):
    """A worker's heartbeat: the dashboard tells from it whether the sending service runs."""

    __tablename__ = "worker_beats"

    name: Mapped[str] = mapped_column(String(300), primary_key=True)  # host:pid:random
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime]
    beat_at: Mapped[datetime]
    stopped_at: Mapped[datetime | None]  # a clean stop; None while it runs (or if it died)


class ChatCountRow(Base):
    """Messages residents wrote to the assistant: a day, a front, a number (no content, no
    sender)."""

    __tablename__ = "chat_counts"

    day: Mapped[date] = mapped_column(Date, primary_key=True)  # in the town's time
    front: Mapped[str] = mapped_column(String(16), primary_key=True)  # web | telegram | app
    messages: Mapped[int] = mapped_column(Integer, default=0)


class TownClosureRow(Base):
    """An exceptional closure added in the console (migration 0005), merged after the town
    file's own closures (arobase.town.with_edits); the file's are never copied here."""

    __tablename__ = "town_closures"
    __table_args__ = (Index("ix_town_closures_day", "day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date)  # the file's « date »
    until: Mapped[date | None] = mapped_column(Date)  # the last day; None: DAY alone
    # The service keys; SQL NULL (not JSON null): every service.
    services: Mapped[list[str] | None] = mapped_column(JSON(none_as_null=True))
    hours: Mapped[str | None] = mapped_column(String(100))  # OSM spans; None: closed all day
    reason: Mapped[str] = mapped_column(String(300))
    created_by: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime]
    updated_by: Mapped[str] = mapped_column(String(320))
    updated_at: Mapped[datetime]


class TownProcedureRow(Base):
    """A procedure's answer and « vérifié le » date as edited in the console (migration
    0005), over the town file's; deleting the row gives the file's text back."""

    __tablename__ = "town_procedures"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)  # the file's procedure key
    answer: Mapped[str] = mapped_column(Text)
    checked: Mapped[date] = mapped_column(Date)
    edited_by: Mapped[str] = mapped_column(String(320))
    edited_at: Mapped[datetime]


class TownRevisionRow(Base):
    """One row (id 1): a number that grows with each edit of the town content, in the edit's
    transaction. The actions compare it with the one they merged (one cheap query) instead
    of reading every edit again; timestamps would miss two edits in one clock tick."""

    __tablename__ = "town_revision"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    revision: Mapped[int] = mapped_column(Integer, default=0)


class TopicDayRow(Base):
    """Active, confirmed subscribers of a topic on a day, counted by the worker (migration
    0009): a topic's history, which leaving a topic (its row deleted) does not keep."""

    __tablename__ = "topic_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)  # in the town's time
    topic: Mapped[str] = mapped_column(String(40), primary_key=True)
    subscribers: Mapped[int] = mapped_column(Integer)
    counted_at: Mapped[datetime]  # the day's last count
