"""The deliveries aggregate in the database, its claims and leases (rows: store/deliveries.py).

How the SQL keeps the exactly-once rule of notifications/outbox.py here: `claim` reads due
rows FOR UPDATE SKIP LOCKED, so that several PostgreSQL workers share the work without
waiting for each other (SQLite serialises claims with BEGIN IMMEDIATE: store/database.py),
and marks them "sending" with a lease and the worker's id in the same transaction;
`recover_expired` gives back the rows whose lease ran out.

Which of the due rows a claim takes is decided by a function passed in (`choose`), so that it
stays pure and runs inside the transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_, select, true, update
from sqlalchemy.orm import Session, noload

from notifications.decide.envelopes import Addressee, ClaimedDelivery
from notifications.destinations import Candidate
from notifications.records import DeliveryStatus
from notifications.store.database import Database
from notifications.store.deliveries import chunks
from notifications.store.messages import message_info
from notifications.store.tables import DeliveryRow, MessageRow, SubscriberRow

# the due rows read, in claim order → the ids to claim
Chooser = Callable[[list[Candidate]], Sequence[int]]


def renew(db: Database, ids: Sequence[int], worker: str, lease_end: datetime) -> int:
    """Extend to LEASE_END the leases of IDS that WORKER still holds; the number renewed."""
    renewed = 0
    with db.session() as session:
        for chunk in chunks(ids):
            result = session.execute(
                update(DeliveryRow)
                .where(
                    DeliveryRow.id.in_(chunk),
                    DeliveryRow.claimed_by == worker,
                    DeliveryRow.status == DeliveryStatus.SENDING,
                )
                .values(claimed_until=lease_end)
            )
            renewed += result.rowcount or 0
    return renewed


def release_claims(db: Database, worker: str, in_doubt: Collection[int] = ()) -> int:
    """WORKER's claimed rows back to pending at once, except those IN_DOUBT; the number."""
    query = update(DeliveryRow).where(
        DeliveryRow.claimed_by == worker, DeliveryRow.status == DeliveryStatus.SENDING
    )
    if in_doubt:
        query = query.where(DeliveryRow.id.not_in(list(in_doubt)))
    with db.session() as session:
        result = session.execute(
            query.values(status=DeliveryStatus.PENDING, claimed_by=None, claimed_until=None)
        )
        return result.rowcount or 0


def recover_expired(db: Database, now: datetime, reason: str) -> int:
    """Rows whose lease ended before NOW back to pending, REASON noted; the number."""
    with db.session() as session:
        result = session.execute(
            update(DeliveryRow)
            .where(DeliveryRow.status == DeliveryStatus.SENDING, DeliveryRow.claimed_until < now)
            .values(
                status=DeliveryStatus.PENDING,
                claimed_by=None,
                claimed_until=None,
                last_error=reason,
            )
        )
        return result.rowcount or 0


def _due(channel: str, now: datetime) -> ColumnElement[bool]:
    return and_(
        DeliveryRow.status == DeliveryStatus.PENDING,
        DeliveryRow.channel == channel,
        DeliveryRow.next_attempt_at <= now,
    )


def _not_to(blocked: list[str]) -> ColumnElement[bool]:
    if not blocked:
        return true()
    return or_(DeliveryRow.destination.is_(None), DeliveryRow.destination.not_in(blocked))


def claim(
    db: Database,
    channel: str,
    worker: str,
    now: datetime,
    lease_end: datetime,
    *,
    read: int,
    blocked: list[str],
    choose: Chooser,
) -> list[ClaimedDelivery]:
    """Claim for WORKER the due rows of CHANNEL that CHOOSE takes among the first READ (urgent
    first, then the longest due; none to a BLOCKED destination), with the other due digest
    rows of their subscribers; the claimed deliveries in id order."""
    with db.session() as session:
        rows = session.execute(
            select(DeliveryRow.id, DeliveryRow.destination)
            .where(_due(channel, now), _not_to(blocked))
            .order_by(DeliveryRow.urgent.desc(), DeliveryRow.next_attempt_at, DeliveryRow.id)
            .limit(read)
            .with_for_update(skip_locked=True)
        ).all()
        ids = list(choose([Candidate(i, d) for i, d in rows]))
        if not ids:
            return []
        digest_owners = select(DeliveryRow.subscriber_id).where(
            DeliveryRow.id.in_(ids), DeliveryRow.digest.is_(True)
        )
        extra = session.scalars(
            select(DeliveryRow.id)
            .where(
                _due(channel, now),
                DeliveryRow.digest.is_(True),
                DeliveryRow.subscriber_id.in_(digest_owners),
                DeliveryRow.id.not_in(ids),
            )
            .with_for_update(skip_locked=True)
        ).all()
        ids.extend(extra)
        session.execute(
            update(DeliveryRow)
            .where(DeliveryRow.id.in_(ids))
            .values(
                status=DeliveryStatus.SENDING,
                claimed_by=worker,
                claimed_until=lease_end,
                attempts=DeliveryRow.attempts + 1,
            )
        )
        return _claimed(session, ids)


def _claimed(session: Session, ids: list[int]) -> list[ClaimedDelivery]:
    rows = session.execute(
        select(DeliveryRow, MessageRow, SubscriberRow)
        .join(MessageRow, MessageRow.id == DeliveryRow.message_id)
        .outerjoin(SubscriberRow, SubscriberRow.id == DeliveryRow.subscriber_id)
        .where(DeliveryRow.id.in_(ids))
        .order_by(DeliveryRow.id)
        .options(noload(SubscriberRow.subscriptions))  # a send needs no topic list
    ).all()
    return [
        ClaimedDelivery(
            delivery_id=delivery.id,
            target=delivery.target,
            channel=delivery.channel,
            digest=delivery.digest,
            destination=delivery.destination,
            subscriber_id=delivery.subscriber_id,
            message=message_info(message),
            addressee=None
            if subscriber is None
            else Addressee(
                subscriber.channel, subscriber.address, dict(subscriber.params), subscriber.token
            ),
        )
        for delivery, message, subscriber in rows
    ]
