"""The outbox: fan-out of released messages into deliveries, claims, outcomes, statistics.

Exactly once, or visibly failed:
- fan-out writes every delivery row of a message in the transaction that marks the message
  sent, and a unique (message, target) key makes a second fan-out write nothing;
- a worker claims due rows (status "sending", a lease, its id) in one transaction —
  PostgreSQL `FOR UPDATE SKIP LOCKED` lets several workers share the work, SQLite serialises
  claims with BEGIN IMMEDIATE — sends them, and records each outcome at once, only if it
  still holds the claim;
- a row whose lease ran out (its worker died mid-send, or was stopped while a send was
  still running) goes back to "pending" and is sent again. The only window for a duplicate
  is a send the service accepted without our recording it (a crash in those milliseconds,
  a send that outlived a stopping worker's drain, or an outcome the database would not
  take even after a few quick tries: the worker then stops renewing that row's lease, so
  that it returns to "pending" and is sent again rather than stay "sending" for as long as
  the worker lives); Telegram, e-mail and Web Push offer no idempotency key that would
  close it.

Urgent deliveries are claimed first on every channel, and a claim never takes more sends
to one destination (a push service, a webhook's host) than it has room for: see
notifications/destinations.py.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Insert, and_, func, or_, select, true, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, noload

from arobase.hours_text import days_text
from notifications.channels.addresses import BroadcastTarget
from notifications.destinations import (
    CAPPED_CHANNELS,
    OPEN_GATE,
    Candidate,
    ClaimGate,
    describe,
    destination_of,
    pick,
)
from notifications.hub import Hub
from notifications.messages import notice_of
from notifications.planner import RetryLimits, plan_fanout, plan_retry, subscriber_target
from notifications.records import Envelope, Outcome, Recipient, SendResult
from notifications.store.subscribers import deactivate, preferences_of
from notifications.store.tables import DeliveryRow, MessageRow, SubscriberRow, SubscriptionRow

FANOUT_CHUNK = 1000
# On a channel with capped destinations, a claim reads this many times the rows it may take,
# so that a destination with little room does not leave the other slots empty until the next.
CLAIM_LOOKAHEAD = 4
# Why a row whose lease ran out is sent again, as staff read it.
LEASE_ENDED = "envoi interrompu ou résultat non enregistré : nouvel essai"
_JITTER = random.Random()  # spreads retries so that failed sends do not come back together


def _insert(session: Session, rows: list[dict[str, Any]]) -> None:
    """INSERT … ON CONFLICT DO NOTHING on the (message, target) key, in chunks."""
    dialect = session.get_bind().dialect.name
    module: Any = postgresql if dialect == "postgresql" else sqlite
    for start in range(0, len(rows), FANOUT_CHUNK):
        statement: Insert = module.insert(DeliveryRow).values(rows[start : start + FANOUT_CHUNK])
        session.execute(statement.on_conflict_do_nothing(index_elements=["message_id", "target"]))


def _recipients(session: Session, topics: Sequence[str]) -> list[Recipient]:
    """Active, confirmed subscribers of at least one of TOPICS."""
    rows = session.execute(
        select(SubscriberRow, SubscriptionRow.topic)
        .join(SubscriptionRow, SubscriptionRow.subscriber_id == SubscriberRow.id)
        .where(
            SubscriberRow.active.is_(True),
            SubscriberRow.confirmed_at.is_not(None),
            SubscriptionRow.topic.in_(list(topics)),
        )
        .options(noload(SubscriberRow.subscriptions))  # the join gives the topics wanted
    ).all()
    topics_of: dict[int, set[str]] = defaultdict(set)
    subscribers: dict[int, SubscriberRow] = {}
    for subscriber, topic in rows:
        topics_of[subscriber.id].add(topic)
        subscribers[subscriber.id] = subscriber
    return [
        Recipient(
            s.id,
            s.channel,
            frozenset(topics_of[s.id]),
            preferences_of(s),
            destination_of(s.channel, s.address),
        )
        for s in subscribers.values()
    ]


def fan_out(
    session: Session, message: MessageRow, hub: Hub, broadcasts: Iterable[BroadcastTarget]
) -> int:
    """Write the deliveries of a released message and mark it sent; the number planned."""
    now = hub.now()
    intents = plan_fanout(
        message.topics,
        message.urgent,
        now,
        _recipients(session, message.topics),
        hub.zone,
        [(b.name, b.topics, destination_of("apprise", b.url)) for b in broadcasts],
    )
    rows = [
        {
            "message_id": message.id,
            "subscriber_id": intent.subscriber_id,
            "target": intent.target,
            "channel": intent.channel,
            "status": "pending",
            "digest": intent.digest,
            "urgent": intent.urgent,
            "destination": intent.destination,
            "attempts": 0,
            "next_attempt_at": intent.not_before,
            "created_at": now,
        }
        for intent in intents
    ]
    if rows:
        _insert(session, rows)
    message.status, message.released_at = "sent", now
    return len(rows)


def release_due(hub: Hub, broadcasts: Iterable[BroadcastTarget] = (), limit: int = 20) -> list[int]:
    """Fan out every scheduled message whose time has come; the ids released."""
    released: list[int] = []
    broadcasts = list(broadcasts)
    while True:
        with hub.db.session() as session:
            message = session.scalars(
                select(MessageRow)
                .where(MessageRow.status == "scheduled", MessageRow.scheduled_at <= hub.now())
                .order_by(MessageRow.scheduled_at, MessageRow.id)
                .limit(1)
                .with_for_update(skip_locked=True)
            ).one_or_none()
            if message is None:
                return released
            fan_out(session, message, hub, broadcasts)
            released.append(message.id)
        if len(released) >= limit:
            return released


def confirmation_link(hub: Hub, token: str) -> str:
    return f"{hub.settings.public_url}/alertes/confirmer?jeton={token}"


def send_confirmation_request(hub: Hub, subscriber_id: int) -> int:
    """Queue the double opt-in e-mail of one subscriber (sent at once, whatever the hour).

    The message holds no link: the subscriber's own is added when it is sent.
    """
    now = hub.now()
    days = hub.settings.confirm_days  # then the link expires and the address is erased
    with hub.db.session() as session:
        message = MessageRow(
            kind="confirmation",
            title=f"Confirmez votre abonnement aux alertes de {hub.town.commune.name}",
            body=(
                "Vous avez demandé à recevoir les alertes de la commune par courriel. "
                "Pour confirmer, ouvrez le lien ci-dessous, puis appuyez sur le bouton "
                "« Confirmer mon abonnement ». "
                f"Ce lien est valable {days_text(days)}. "
                "Si vous n'avez rien demandé, ignorez ce message : vous ne recevrez rien, et "
                "votre adresse sera effacée."
            ),
            link=None,
            topics=[],
            urgent=True,
            status="sent",
            scheduled_at=now,
            released_at=now,
            created_at=now,
        )
        session.add(message)
        session.flush()
        _insert(
            session,
            [
                {
                    "message_id": message.id,
                    "subscriber_id": subscriber_id,
                    "target": subscriber_target(subscriber_id),
                    "channel": "email",
                    "status": "pending",
                    "digest": False,
                    "urgent": True,  # the person is waiting for it
                    "destination": None,  # the SMTP relay: not capped
                    "attempts": 0,
                    "next_attempt_at": now,
                    "created_at": now,
                }
            ],
        )
        return message.id


# --- claims --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    """Claimed deliveries for one recipient, ready to send as one envelope."""

    envelope: Envelope
    subscriber_id: int | None
    destination: str | None = None  # where the send goes (capped), None when uncapped


def renew_leases(hub: Hub, worker: str, sending: Collection[int]) -> int:
    """Extend the leases of the sends WORKER still has running (a long RetryAfter pause, say),
    so that only the rows of a worker that died expire.

    Only SENDING, never every row claimed by WORKER: a row whose outcome could not be
    written must see its lease end, so that `recover_expired` gives it back.
    """
    if not sending:
        return 0
    ids = sorted(sending)
    lease_end = hub.now() + timedelta(seconds=hub.settings.worker_lease)
    renewed = 0
    with hub.db.session() as session:
        for start in range(0, len(ids), FANOUT_CHUNK):
            result = session.execute(
                update(DeliveryRow)
                .where(
                    DeliveryRow.id.in_(ids[start : start + FANOUT_CHUNK]),
                    DeliveryRow.claimed_by == worker,
                    DeliveryRow.status == "sending",
                )
                .values(claimed_until=lease_end)
            )
            renewed += result.rowcount or 0
    return renewed


def release_claims(hub: Hub, worker: str, in_doubt: Collection[int] = ()) -> int:
    """A stopping WORKER hands back what it claimed but did not send (or sent without being
    able to record it, as its lease would), for another to take at once; rows IN_DOUBT (a
    send still running when it stopped) wait for their lease to end."""
    query = update(DeliveryRow).where(
        DeliveryRow.claimed_by == worker, DeliveryRow.status == "sending"
    )
    if in_doubt:
        query = query.where(DeliveryRow.id.not_in(list(in_doubt)))
    with hub.db.session() as session:
        result = session.execute(
            query.values(status="pending", claimed_by=None, claimed_until=None)
        )
        return result.rowcount or 0


def recover_expired(hub: Hub) -> int:
    """Rows whose lease ran out go back to the queue (their worker died or stopped mid-send,
    or could not write the outcome); the number recovered."""
    with hub.db.session() as session:
        result = session.execute(
            update(DeliveryRow)
            .where(DeliveryRow.status == "sending", DeliveryRow.claimed_until < hub.now())
            .values(
                status="pending",
                claimed_by=None,
                claimed_until=None,
                last_error=LEASE_ENDED,
            )
        )
        return result.rowcount or 0


def _due(channel: str, now: datetime) -> Any:
    return and_(
        DeliveryRow.status == "pending",
        DeliveryRow.channel == channel,
        DeliveryRow.next_attempt_at <= now,
    )


def _not_to(blocked: list[str]) -> ColumnElement[bool]:
    if not blocked:
        return true()
    return or_(DeliveryRow.destination.is_(None), DeliveryRow.destination.not_in(blocked))


def claim(
    hub: Hub,
    channel: str,
    worker: str,
    limit: int,
    broadcasts: dict[str, BroadcastTarget],
    gate: ClaimGate = OPEN_GATE,
) -> list[Claim]:
    """Take up to LIMIT due deliveries of CHANNEL for this worker, grouped into envelopes.

    Urgent rows first, then the longest due. GATE says how many more sends each destination
    may take: rows to a full destination are left untouched for a later claim, so that the
    channel goes on with the others. A subscriber's due digest rows are taken together and
    become one digest envelope.
    """
    now = hub.now()
    lease_end = now + timedelta(seconds=hub.settings.worker_lease)
    with hub.db.session() as session:
        rows = session.execute(
            select(DeliveryRow.id, DeliveryRow.destination)
            .where(_due(channel, now), _not_to(gate.sql_blocked()))
            .order_by(DeliveryRow.urgent.desc(), DeliveryRow.next_attempt_at, DeliveryRow.id)
            .limit(limit * CLAIM_LOOKAHEAD if channel in CAPPED_CHANNELS else limit)
            .with_for_update(skip_locked=True)
        ).all()
        ids = list(pick((Candidate(i, d) for i, d in rows), gate, limit))
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
                status="sending",
                claimed_by=worker,
                claimed_until=lease_end,
                attempts=DeliveryRow.attempts + 1,
            )
        )
        return _envelopes(session, hub, ids, broadcasts)


def _envelopes(
    session: Session, hub: Hub, ids: list[int], broadcasts: dict[str, BroadcastTarget]
) -> list[Claim]:
    rows = session.execute(
        select(DeliveryRow, MessageRow, SubscriberRow)
        .join(MessageRow, MessageRow.id == DeliveryRow.message_id)
        .outerjoin(SubscriberRow, SubscriberRow.id == DeliveryRow.subscriber_id)
        .where(DeliveryRow.id.in_(ids))
        .order_by(DeliveryRow.id)
        .options(noload(SubscriberRow.subscriptions))  # a send needs no topic list
    ).all()
    labels, commune = hub.topic_labels(), hub.town.commune.name
    groups: dict[tuple[str, bool], list[tuple[DeliveryRow, MessageRow, SubscriberRow | None]]]
    groups = defaultdict(list)
    for delivery, message, subscriber in rows:
        key = (delivery.target, delivery.digest)
        if delivery.digest:
            groups[key].append((delivery, message, subscriber))
        else:
            groups[(f"{delivery.target}#{delivery.id}", False)].append(
                (delivery, message, subscriber)
            )
    claims = []
    for (_, digest), members in groups.items():
        delivery, message, subscriber = members[0]
        notices = tuple(
            notice_of(m, labels, m.released_at or m.scheduled_at, hub.zone) for _, m, _ in members
        )
        if message.kind == "confirmation" and subscriber is not None:
            link = confirmation_link(hub, subscriber.token)
            notices = tuple(replace(n, link=link) for n in notices)
        if subscriber is not None:
            address, params = subscriber.address, dict(subscriber.params)
            unsubscribe = (
                None
                if subscriber.channel == "telegram"
                else f"{hub.settings.public_url}/alertes/desabonnement?jeton={subscriber.token}"
            )
        else:
            target = broadcasts.get(delivery.target.removeprefix("broadcast:"))
            address, params, unsubscribe = (target.url if target else ""), {}, None
        kind = "digest" if digest and len(members) > 1 else message.kind
        kind = kind if kind in ("digest", "confirmation") else "alert"
        envelope = Envelope(
            delivery_ids=tuple(d.id for d, _, _ in members),
            channel=delivery.channel,
            address=address,
            params=params,
            notices=notices,
            commune=commune,
            unsubscribe_url=unsubscribe,
            kind=kind,
        )
        claims.append(Claim(envelope, delivery.subscriber_id, delivery.destination))
    return claims


def hold_destination(hub: Hub, destination: str, until: datetime) -> tuple[int, int]:
    """DESTINATION stopped answering: its pending deliveries wait until UNTIL without being
    tried, each postponement counted in `throttled`; those postponed `max_throttled` times
    fail visibly. The numbers held and given up."""
    limit, label = hub.settings.max_throttled, describe(destination)
    waiting = and_(
        DeliveryRow.status == "pending",
        DeliveryRow.destination == destination,
        DeliveryRow.next_attempt_at < until,
    )
    local = until.astimezone(hub.zone).strftime("%H:%M:%S")
    with hub.db.session() as session:
        failed = session.execute(
            update(DeliveryRow)
            .where(waiting, DeliveryRow.throttled + 1 >= limit)
            .values(
                status="failed",
                throttled=DeliveryRow.throttled + 1,
                last_error=f"abandon après {limit} reports : {label} ne répond pas",
            )
        ).rowcount
        held = session.execute(
            update(DeliveryRow)
            .where(waiting)
            .values(
                next_attempt_at=until,
                throttled=DeliveryRow.throttled + 1,
                last_error=f"{label} ne répond pas : envois suspendus jusqu'à {local}",
            )
        ).rowcount
    return held or 0, failed or 0


# --- outcomes ------------------------------------------------------------------------------


def record(hub: Hub, claim_: Claim, result: SendResult, worker: str) -> int:
    """Store the outcome of one envelope; the number of rows this worker still held."""
    now = hub.now()
    ids = list(claim_.envelope.delivery_ids)
    mine = and_(
        DeliveryRow.id.in_(ids), DeliveryRow.claimed_by == worker, DeliveryRow.status == "sending"
    )
    with hub.db.session() as session:
        values: dict[str, Any] = {"claimed_by": None, "claimed_until": None}
        if result.outcome is Outcome.SENT:
            values |= {"status": "sent", "sent_at": now, "last_error": None}
        elif result.outcome is Outcome.RETRY:
            values |= _retry_values(session, hub, ids, result, now)
        else:
            values |= {"status": "failed", "last_error": result.detail[:1000]}
        held = session.execute(update(DeliveryRow).where(mine).values(**values)).rowcount or 0
        if result.outcome is Outcome.GONE and claim_.subscriber_id is not None:
            deactivate(session, claim_.subscriber_id, result.detail, now)
            session.execute(
                update(DeliveryRow)
                .where(
                    DeliveryRow.subscriber_id == claim_.subscriber_id,
                    DeliveryRow.status == "pending",
                )
                .values(status="cancelled", last_error=f"abonné désactivé : {result.detail}")
            )
        return held


def retry_limits(hub: Hub) -> RetryLimits:
    settings = hub.settings
    return RetryLimits(
        settings.max_attempts, settings.max_throttled, settings.retry_base, settings.retry_cap
    )


def _retry_values(
    session: Session, hub: Hub, ids: list[int], result: SendResult, now: datetime
) -> dict[str, Any]:
    attempts, throttled = session.execute(
        select(func.max(DeliveryRow.attempts), func.max(DeliveryRow.throttled)).where(
            DeliveryRow.id.in_(ids)
        )
    ).one()
    plan = plan_retry(
        attempts or 1, throttled or 0, result.detail, result.retry_after, retry_limits(hub), _JITTER
    )
    values: dict[str, Any] = {"last_error": plan.reason[:1000]}
    if plan.throttled:  # the service asked us to slow down: not a failure of this delivery
        values |= {"attempts": DeliveryRow.attempts - 1, "throttled": DeliveryRow.throttled + 1}
    if plan.failed:
        return values | {"status": "failed"}
    return values | {"status": "pending", "next_attempt_at": now + timedelta(seconds=plan.delay)}


# --- statistics ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ChannelStats:
    channel: str
    sent: int
    failed: int
    pending: int
    cancelled: int


def delivery_stats(hub: Hub, message_id: int | None = None) -> list[ChannelStats]:
    """Sent / failed / pending (including in progress) / cancelled, per channel."""
    with hub.db.reading() as session:
        query = select(DeliveryRow.channel, DeliveryRow.status, func.count()).group_by(
            DeliveryRow.channel, DeliveryRow.status
        )
        if message_id is not None:
            query = query.where(DeliveryRow.message_id == message_id)
        counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for channel, status, count in session.execute(query):
            bucket = "pending" if status in ("pending", "sending") else status
            counts[channel][bucket] += count
    return [
        ChannelStats(ch, c["sent"], c["failed"], c["pending"], c["cancelled"])
        for ch, c in sorted(counts.items())
    ]


def failures(
    hub: Hub, message_id: int | None = None, limit: int = 20
) -> list[tuple[int, str, str]]:
    """The latest failed deliveries: (delivery id, channel, reason)."""
    with hub.db.reading() as session:
        query = (
            select(DeliveryRow.id, DeliveryRow.channel, DeliveryRow.last_error)
            .where(DeliveryRow.status == "failed")
            .order_by(DeliveryRow.id.desc())
            .limit(limit)
        )
        if message_id is not None:
            query = query.where(DeliveryRow.message_id == message_id)
        return [(i, c, e or "") for i, c, e in session.execute(query)]
