"""The deliveries aggregate in the database: failed deliveries tried again at staff's request
(rows: store/deliveries.py).

Exactly once still holds (notifications/outbox.py): only rows whose status is "failed" go back
to "pending", never a sent one, and the worker then claims them as any other.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select, update

from notifications.records import DeliveryStatus, MessageStatus
from notifications.store.database import Database
from notifications.store.tables import DeliveryRow, MessageRow, SubscriberRow


def retry_failed(db: Database, message_id: int, now: datetime) -> int:
    """The failed deliveries of MESSAGE_ID, a released message not cancelled, back to pending
    with a fresh attempt budget, due NOW; the number. Not those to a subscriber deactivated
    since (a channel refused them for good, or they left)."""
    released = select(MessageRow.id).where(
        MessageRow.id == message_id, MessageRow.status == MessageStatus.SENT
    )
    reachable = or_(
        DeliveryRow.subscriber_id.is_(None),
        DeliveryRow.subscriber_id.in_(
            select(SubscriberRow.id).where(SubscriberRow.active.is_(True))
        ),
    )
    with db.session() as session:
        result = session.execute(
            update(DeliveryRow)
            .where(
                DeliveryRow.message_id.in_(released),
                DeliveryRow.status == DeliveryStatus.FAILED,
                reachable,
            )
            .values(
                status=DeliveryStatus.PENDING,
                attempts=0,
                throttled=0,
                next_attempt_at=now,
                claimed_by=None,
                claimed_until=None,
            )
        )
        return result.rowcount or 0
