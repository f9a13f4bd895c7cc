"""What is held on subscribers, in the database: the right of access, erasure, the
confirmation link's outcome, and the purge of data kept past its stated period."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, select, update

from notifications.consent import SubscriberFile
from notifications.decide.subscriptions import ConfirmationLink, LinkState, link_of
from notifications.errors import NotFound
from notifications.records import HeldData, HeldDelivery, Purged
from notifications.store import subscriber_rows as rows
from notifications.store.database import Database
from notifications.store.tables import DeliveryRow, MessageRow, SubscriberRow


def erase(db: Database, subscriber_id: int) -> int:
    """Erase the subscriber and all held on it; the number of rows removed. NotFound if none."""
    with db.session() as session:
        removed = rows.erase_row(session, subscriber_id)
    if not removed:
        raise NotFound(f"aucun abonné n° {subscriber_id}")
    return removed


def erase_by_token(db: Database, token: str) -> bool:
    """Erase the subscriber of a link's token; False when no subscriber has it."""
    with db.session() as session:
        row = rows.row_by_token(session, token)
        if row is None:
            return False
        rows.erase_row(session, row.id)
        return True


def held_data(db: Database, subscriber_id: int) -> SubscriberFile:
    """Every datum held on SUBSCRIBER_ID, its consent's provenance too; NotFound when
    unknown."""
    with db.reading() as session:
        row = rows.get_row(session, subscriber_id)
        deliveries = session.execute(
            select(DeliveryRow, MessageRow.title)
            .join(MessageRow, MessageRow.id == DeliveryRow.message_id)
            .where(DeliveryRow.subscriber_id == subscriber_id)
            .order_by(DeliveryRow.id)
        ).all()
        held = HeldData(
            subscriber=rows.subscriber_info(row),
            params=dict(row.params),
            confirmed_at=row.confirmed_at,
            created_at=row.created_at,
            deliveries=tuple(
                HeldDelivery(d.message_id, title, d.status, d.attempts, d.sent_at, d.last_error)
                for d, title in deliveries
            ),
        )
        return SubscriberFile(held, rows.consent_of(row))


def settle_link(
    db: Database, token: str, cutoff: datetime, now: datetime, *, confirm: bool
) -> ConfirmationLink:
    """Erase the subscriber of an expired link; with CONFIRM, confirm a pending one NOW."""
    with db.session() as session:
        row = rows.row_by_token(session, token)
        link = link_of(rows.subscriber_info(row) if row else None, cutoff)
        if row is not None and link.state is LinkState.EXPIRED:
            rows.erase_row(session, row.id)
        elif row is not None and link.state is LinkState.PENDING and confirm:
            row.confirmed_at = now
            link = ConfirmationLink(LinkState.CONFIRMED, rows.subscriber_info(row))
        return link


def purge(
    db: Database, now: datetime, *, unconfirmed_before: datetime, deactivated_before: datetime
) -> Purged:
    """Erase the subscribers never confirmed and consenting before UNCONFIRMED_BEFORE, and
    those deactivated before DEACTIVATED_BEFORE, with all held on them (set-based)."""
    unconfirmed = and_(
        SubscriberRow.confirmed_at.is_(None), SubscriberRow.consent_at <= unconfirmed_before
    )
    deactivated = and_(
        SubscriberRow.active.is_(False), SubscriberRow.deactivated_at <= deactivated_before
    )
    with db.session() as session:
        # Deactivated before the time was recorded (schema 0002): the period starts now.
        session.execute(
            update(SubscriberRow)
            .where(SubscriberRow.active.is_(False), SubscriberRow.deactivated_at.is_(None))
            .values(deactivated_at=now)
            .execution_options(synchronize_session=False)
        )
        first, _, first_deliveries = rows.erase_where(session, unconfirmed)
        second, _, second_deliveries = rows.erase_where(session, deactivated)
    return Purged(first, second, first_deliveries + second_deliveries)
