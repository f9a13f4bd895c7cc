"""The deliveries aggregate in the database: failed deliveries tried again at staff's request
(rows: store/deliveries.py).

Exactly once still holds (notifications/outbox.py): only rows whose status is "failed" go back
to "pending", never a sent one, and the worker then claims them as any other.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import or_, select, update

from notifications.records import DeliveryStatus, MessageStatus, Preferences
from notifications.store.database import Database
from notifications.store.deliveries import chunks
from notifications.store.subscriber_rows import preferences_of
from notifications.store.tables import DeliveryRow, MessageRow, SubscriberRow

# When a retried delivery is due: from its subscriber's preferences (None: a town-wide
# target) and the message's urgency; the fan-out's own rule (decide/fanout.delivery_time).
DueAt = Callable[[Preferences | None, bool], datetime]


def retry_failed(db: Database, message_id: int, due_at: DueAt) -> int:
    """The failed deliveries of MESSAGE_ID, a released message not cancelled, back to pending
    with a fresh attempt budget, each due when DUE_AT says (quiet hours still hold); the
    number. Not those to a subscriber deactivated since (a channel refused them for good, or
    they left)."""
    failed = (
        select(
            DeliveryRow.id,
            DeliveryRow.urgent,
            DeliveryRow.subscriber_id,
            SubscriberRow.quiet_start,
            SubscriberRow.quiet_end,
            SubscriberRow.digest,
            SubscriberRow.digest_at,
        )
        .join(MessageRow, MessageRow.id == DeliveryRow.message_id)
        .outerjoin(SubscriberRow, SubscriberRow.id == DeliveryRow.subscriber_id)
        .where(
            DeliveryRow.message_id == message_id,
            MessageRow.status == MessageStatus.SENT,
            DeliveryRow.status == DeliveryStatus.FAILED,
            or_(DeliveryRow.subscriber_id.is_(None), SubscriberRow.active.is_(True)),
        )
    )
    with db.session() as session:
        due: dict[datetime, list[int]] = defaultdict(list)
        for row in session.execute(failed):
            preferences = None if row.subscriber_id is None else preferences_of(row)
            due[due_at(preferences, row.urgent)].append(row.id)
        count = 0
        for when, ids in due.items():
            for chunk in chunks(ids):
                result = session.execute(
                    update(DeliveryRow)
                    .where(DeliveryRow.id.in_(chunk), DeliveryRow.status == DeliveryStatus.FAILED)
                    .values(
                        status=DeliveryStatus.PENDING,
                        attempts=0,
                        throttled=0,
                        next_attempt_at=when,
                        claimed_by=None,
                        claimed_until=None,
                    )
                )
                count += result.rowcount or 0
        return count
