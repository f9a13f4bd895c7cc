"""The hub's tables (SQLAlchemy 2): sources, items, messages, subscribers and deliveries; the
console's are in console_tables.py. Only the storage modules use these classes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from notifications.records import DEFAULT_DIGEST_AT, DeliveryStatus, MessageStatus, hhmm


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, whatever the database keeps."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime,
        dict[str, Any]: JSON,
        list[str]: JSON,
    }


class SourceRow(Base):
    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    url: Mapped[str] = mapped_column(String(2000))
    topic: Mapped[str] = mapped_column(String(40))
    categories: Mapped[dict[str, Any]] = mapped_column(default=dict)
    options: Mapped[dict[str, Any]] = mapped_column(default=dict)
    origin: Mapped[str] = mapped_column(String(8), default="cli")  # town | cli
    etag: Mapped[str | None] = mapped_column(String(500))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    primed: Mapped[bool] = mapped_column(Boolean, default=False)  # first poll done
    next_poll_at: Mapped[datetime]
    last_polled_at: Mapped[datetime | None]
    last_ok_at: Mapped[datetime | None]
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]


class ItemRow(Base):
    __tablename__ = "items"
    __table_args__ = (UniqueConstraint("source_id", "guid", name="uq_items_source_guid"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    guid: Mapped[str] = mapped_column(String(1000))
    title: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(2000))
    summary: Mapped[str] = mapped_column(Text, default="")
    topics: Mapped[list[str]] = mapped_column(default=list)
    published_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class MessageRow(Base):
    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_status_scheduled", "status", "scheduled_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # item | reminder | staff | confirmation
    item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id", ondelete="SET NULL"))
    dedupe_key: Mapped[str | None] = mapped_column(String(300), unique=True)
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str | None] = mapped_column(String(2000))
    topics: Mapped[list[str]] = mapped_column(default=list)
    areas: Mapped[list[str]] = mapped_column(default=list)  # migration 0013; empty: everywhere
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    # scheduled: waiting for scheduled_at | sent: fanned out to the outbox | cancelled (by
    # staff) | withdrawn (its meeting left the agenda; scheduled again if it comes back)
    status: Mapped[str] = mapped_column(String(12), default=MessageStatus.SCHEDULED)
    scheduled_at: Mapped[datetime]
    released_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    # A staff announcement's workflow (migration 0004; notifications/decide/announcements.py):
    # draft | awaiting (approval) → scheduled; who wrote, last changed and approved it, why an
    # urgent one skipped the approval, a reviewer's note; `immediate`: it goes when published
    # or approved; `revision` counts changes, so that an approval names the text it saw.
    created_by: Mapped[str | None] = mapped_column(String(320))
    edited_by: Mapped[str | None] = mapped_column(String(320))
    approved_by: Mapped[str | None] = mapped_column(String(320))
    bypass_reason: Mapped[str | None] = mapped_column(Text)
    review_note: Mapped[str | None] = mapped_column(Text)
    immediate: Mapped[bool] = mapped_column(Boolean, default=False)
    revision: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime | None]


class SubscriberRow(Base):
    __tablename__ = "subscribers"
    __table_args__ = (UniqueConstraint("channel", "address", name="uq_subscribers_address"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(2000))
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)  # Web Push keys
    # The parts of the commune chosen (town file's `areas`, migration 0013); empty: all.
    areas: Mapped[list[str]] = mapped_column(default=list)
    token: Mapped[str] = mapped_column(String(64), unique=True)  # confirm / unsubscribe links
    consent_at: Mapped[datetime]
    confirmed_at: Mapped[datetime | None]  # e-mail double opt-in; others at consent
    # Who recorded the consent (a staff e-mail) and how (a ConsentWay key), migration 0006;
    # both NULL when the person subscribed themselves.
    consent_by: Mapped[str | None] = mapped_column(String(320))
    consent_how: Mapped[str | None] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    deactivated_reason: Mapped[str | None] = mapped_column(Text)
    deactivated_at: Mapped[datetime | None]  # erased after the stated retention period
    # No column default: the ORM would store it for an explicit None, and "no quiet hours"
    # (None, None) would silently become 22:00-07:00. new_subscriber always sets both.
    quiet_start: Mapped[str | None] = mapped_column(String(5))
    quiet_end: Mapped[str | None] = mapped_column(String(5))
    digest: Mapped[bool] = mapped_column(Boolean, default=False)
    digest_at: Mapped[str] = mapped_column(String(5), default=hhmm(DEFAULT_DIGEST_AT))
    created_at: Mapped[datetime]

    subscriptions: Mapped[list[SubscriptionRow]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, lazy="selectin"
    )


class SubscriptionRow(Base):
    __tablename__ = "subscriptions"

    subscriber_id: Mapped[int] = mapped_column(
        ForeignKey("subscribers.id", ondelete="CASCADE"), primary_key=True
    )
    topic: Mapped[str] = mapped_column(String(40), primary_key=True)
    created_at: Mapped[datetime]


class DeliveryRow(Base):
    """The outbox: one row per message and recipient, never two."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("message_id", "target", name="uq_deliveries_message_target"),
        Index("ix_deliveries_due", "status", "next_attempt_at"),
        Index("ix_deliveries_subscriber", "subscriber_id"),
        Index("ix_deliveries_claim", "channel", "status", "urgent", "next_attempt_at"),
        Index("ix_deliveries_created", "channel", "status", "created_at"),  # the dashboard's
        Index("ix_deliveries_message_status", "message_id", "status", "id", "channel"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"))
    subscriber_id: Mapped[int | None] = mapped_column(
        ForeignKey("subscribers.id", ondelete="CASCADE")
    )
    target: Mapped[str] = mapped_column(String(120))  # subscriber:<id> | broadcast:<name>
    channel: Mapped[str] = mapped_column(String(16))
    # pending → sending → sent | failed ; pending → cancelled
    status: Mapped[str] = mapped_column(String(10), default=DeliveryStatus.PENDING)
    digest: Mapped[bool] = mapped_column(Boolean, default=False)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)  # claimed before the others
    # Where the send goes, for the per-destination cap (notifications/destinations.py): a
    # push service's origin, an apprise URL's digest; None for Telegram and e-mail.
    destination: Mapped[str | None] = mapped_column(String(200))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Postponed at the service's request (429, Retry-After) or for a busy destination.
    throttled: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    claimed_by: Mapped[str | None] = mapped_column(String(80))
    claimed_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
