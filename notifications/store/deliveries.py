"""The deliveries aggregate in the database: the outbox's rows, their fan-out and outcomes
(their claims and leases: store/delivery_claims.py).

How the SQL keeps the exactly-once rule of notifications/outbox.py:
- `release_next` writes every delivery row of a message in the transaction that marks it
  sent, and INSERT … ON CONFLICT DO NOTHING on the unique (message, target) key makes a
  second fan-out write nothing;
- `record_outcome` writes an outcome only where the worker still holds the claim.

A function taking the `Database` is a whole transaction; one taking a `Session` is a helper of
the storage package. The decisions (who receives what and when, what a retry becomes) come in
as functions: they stay pure, and run inside the transaction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Insert, and_, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from notifications.decide.retry import RetryPlan
from notifications.destinations import destination_of
from notifications.records import (
    DeliveryIntent,
    DeliveryStatus,
    MessageDraft,
    MessageInfo,
    MessageStatus,
    Outcome,
    Recipient,
    SendResult,
)
from notifications.store.database import Database
from notifications.store.messages import insert_draft, message_info
from notifications.store.subscriber_rows import deactivate, preferences_of
from notifications.store.tables import DeliveryRow, MessageRow, SubscriberRow, SubscriptionRow

FANOUT_CHUNK = 1000  # rows (or ids) per statement
ERROR_MAX = 1000  # characters of a reason kept in last_error

# (message, its recipients, the release time) → the deliveries to write
Planner = Callable[[MessageInfo, list[Recipient], datetime], Sequence[DeliveryIntent]]
# (attempts made, postponements so far) → what becomes of a delivery to retry
RetryPlanner = Callable[[int, int], RetryPlan]


def chunks(values: Sequence[Any]) -> Iterator[Sequence[Any]]:
    """VALUES in slices of FANOUT_CHUNK: a statement's parameters stay few."""
    for start in range(0, len(values), FANOUT_CHUNK):
        yield values[start : start + FANOUT_CHUNK]


# --- fan-out -------------------------------------------------------------------------------


def _insert(
    session: Session, intents: Sequence[DeliveryIntent], message_id: int, now: datetime
) -> None:
    """The rows of INTENTS, INSERT … ON CONFLICT DO NOTHING on the (message, target) key."""
    rows = [
        {
            "message_id": message_id,
            "subscriber_id": intent.subscriber_id,
            "target": intent.target,
            "channel": intent.channel,
            "status": DeliveryStatus.PENDING,
            "digest": intent.digest,
            "urgent": intent.urgent,
            "destination": intent.destination,
            "attempts": 0,
            "next_attempt_at": intent.not_before,
            "created_at": now,
        }
        for intent in intents
    ]
    dialect = session.get_bind().dialect.name
    module: Any = postgresql if dialect == "postgresql" else sqlite
    # One Core statement run over many rows (the driver's executemany): a multi-VALUES ORM
    # insert of 1,000 rows builds 11,000 parameters, ten times slower on 10,000 subscribers.
    statement: Insert = module.insert(DeliveryRow.__table__)
    statement = statement.on_conflict_do_nothing(index_elements=["message_id", "target"])
    for chunk in chunks(rows):
        session.execute(statement, list(chunk))


RECIPIENT_COLUMNS = (
    SubscriberRow.id,
    SubscriberRow.channel,
    SubscriberRow.address,
    SubscriberRow.quiet_start,
    SubscriberRow.quiet_end,
    SubscriberRow.digest,
    SubscriberRow.digest_at,
    SubscriberRow.areas,
)


def recipients(session: Session, topics: Sequence[str]) -> list[Recipient]:
    """Active, confirmed subscribers of at least one of TOPICS."""
    # The columns a plan needs, not whole ORM rows: 10,000 of those take seconds to build.
    rows = session.execute(
        select(*RECIPIENT_COLUMNS, SubscriptionRow.topic)
        .join(SubscriptionRow, SubscriptionRow.subscriber_id == SubscriberRow.id)
        .where(
            SubscriberRow.active.is_(True),
            SubscriberRow.confirmed_at.is_not(None),
            SubscriptionRow.topic.in_(list(topics)),
        )
    ).all()
    topics_of: dict[int, set[str]] = defaultdict(set)
    subscribers: dict[int, Any] = {}
    for row in rows:
        topics_of[row.id].add(row.topic)
        subscribers[row.id] = row
    return [
        Recipient(
            s.id,
            s.channel,
            frozenset(topics_of[s.id]),
            preferences_of(s),
            destination_of(s.channel, s.address),
            frozenset(s.areas or ()),
        )
        for s in subscribers.values()
    ]


def _release(
    session: Session, message: MessageRow, intents: Sequence[DeliveryIntent], now: datetime
) -> None:
    """Write the deliveries of MESSAGE and mark it sent, in the caller's transaction."""
    if intents:
        _insert(session, intents, message.id, now)
    message.status, message.released_at = MessageStatus.SENT, now


def fan_out(session: Session, message: MessageRow, now: datetime, plan: Planner) -> int:
    """Write the deliveries of a released message and mark it sent; the number planned."""
    intents = plan(message_info(message), recipients(session, message.topics), now)
    _release(session, message, intents, now)
    return len(intents)


def release_next(db: Database, now: datetime, plan: Planner) -> int | None:
    """Fan out the longest-due scheduled message; its id, or None when none is due."""
    with db.session() as session:
        message = session.scalars(
            select(MessageRow)
            .where(MessageRow.status == MessageStatus.SCHEDULED, MessageRow.scheduled_at <= now)
            .order_by(MessageRow.scheduled_at, MessageRow.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        ).one_or_none()
        if message is None:
            return None
        fan_out(session, message, now, plan)
        return message.id


def insert_confirmation(
    db: Database, draft: MessageDraft, intent: DeliveryIntent, now: datetime
) -> int:
    """Store a confirmation request as a message released at once, with its one delivery;
    the message's id."""
    with db.session() as session:
        message = session.get_one(MessageRow, insert_draft(session, draft, now, None))
        _release(session, message, [intent], now)
        return message.id


def hold(
    db: Database, destination: str, until: datetime, limit: int, *, given_up: str, held: str
) -> tuple[int, int]:
    """DESTINATION's pending rows due before UNTIL wait until then, each postponement counted
    in `throttled` (reason HELD); those postponed LIMIT times fail (reason GIVEN_UP). The
    numbers held and failed."""
    waiting = and_(
        DeliveryRow.status == DeliveryStatus.PENDING,
        DeliveryRow.destination == destination,
        DeliveryRow.next_attempt_at < until,
    )
    with db.session() as session:
        failed = session.execute(
            update(DeliveryRow)
            .where(waiting, DeliveryRow.throttled + 1 >= limit)
            .values(
                status=DeliveryStatus.FAILED,
                throttled=DeliveryRow.throttled + 1,
                last_error=given_up,
            )
        ).rowcount
        postponed = session.execute(
            update(DeliveryRow)
            .where(waiting)
            .values(next_attempt_at=until, throttled=DeliveryRow.throttled + 1, last_error=held)
        ).rowcount
    return postponed or 0, failed or 0


# --- outcomes ------------------------------------------------------------------------------


def record_outcome(
    db: Database,
    ids: Sequence[int],
    worker: str,
    result: SendResult,
    now: datetime,
    *,
    retry: RetryPlanner,
    subscriber_id: int | None,
) -> int:
    """Write RESULT on the rows of IDS that WORKER still holds; the number written.

    A recipient gone for good (the subscriber SUBSCRIBER_ID) is deactivated and their
    pending deliveries cancelled, in the same transaction.
    """
    mine = and_(
        DeliveryRow.id.in_(list(ids)),
        DeliveryRow.claimed_by == worker,
        DeliveryRow.status == DeliveryStatus.SENDING,
    )
    with db.session() as session:
        values = {"claimed_by": None, "claimed_until": None}
        values |= _outcome_values(session, ids, result, now, retry)
        held = session.execute(update(DeliveryRow).where(mine).values(**values)).rowcount or 0
        if result.outcome is Outcome.GONE and subscriber_id is not None:
            deactivate(session, subscriber_id, result.detail, now)
            session.execute(
                update(DeliveryRow)
                .where(
                    DeliveryRow.subscriber_id == subscriber_id,
                    DeliveryRow.status == DeliveryStatus.PENDING,
                )
                .values(
                    status=DeliveryStatus.CANCELLED,
                    last_error=f"abonné désactivé : {result.detail}",
                )
            )
        return held


def _outcome_values(
    session: Session, ids: Sequence[int], result: SendResult, now: datetime, retry: RetryPlanner
) -> dict[str, Any]:
    if result.outcome is Outcome.SENT:
        return {"status": DeliveryStatus.SENT, "sent_at": now, "last_error": None}
    if result.outcome is Outcome.RETRY:
        attempts, throttled = session.execute(
            select(func.max(DeliveryRow.attempts), func.max(DeliveryRow.throttled)).where(
                DeliveryRow.id.in_(list(ids))
            )
        ).one()
        return _retry_values(retry(attempts or 1, throttled or 0), now)
    return {"status": DeliveryStatus.FAILED, "last_error": result.detail[:ERROR_MAX]}


def _retry_values(plan: RetryPlan, now: datetime) -> dict[str, Any]:
    """The columns that PLAN changes."""
    values: dict[str, Any] = {"last_error": plan.reason[:ERROR_MAX]}
    if plan.throttled:  # the service asked us to slow down: not a failure of this delivery
        values |= {"attempts": DeliveryRow.attempts - 1, "throttled": DeliveryRow.throttled + 1}
    if plan.failed:
        return values | {"status": DeliveryStatus.FAILED}
    return values | {
        "status": DeliveryStatus.PENDING,
        "next_attempt_at": now + timedelta(seconds=plan.delay),
    }


# --- statistics ----------------------------------------------------------------------------


def counts(db: Database, message_id: int | None = None) -> list[tuple[str, str, int]]:
    """(channel, status, deliveries) of every message, or of MESSAGE_ID."""
    query = select(DeliveryRow.channel, DeliveryRow.status, func.count()).group_by(
        DeliveryRow.channel, DeliveryRow.status
    )
    if message_id is not None:
        query = query.where(DeliveryRow.message_id == message_id)
    with db.reading() as session:
        return [(channel, status, count) for channel, status, count in session.execute(query)]


def failures(
    db: Database, message_id: int | None = None, limit: int = 20
) -> list[tuple[int, str, str]]:
    """The latest failed deliveries: (delivery id, channel, reason)."""
    query = (
        select(DeliveryRow.id, DeliveryRow.channel, DeliveryRow.last_error)
        .where(DeliveryRow.status == DeliveryStatus.FAILED)
        .order_by(DeliveryRow.id.desc())
        .limit(limit)
    )
    if message_id is not None:
        query = query.where(DeliveryRow.message_id == message_id)
    with db.reading() as session:
        return [(i, c, e or "") for i, c, e in session.execute(query)]
