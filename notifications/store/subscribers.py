"""The subscribers aggregate in the database: subscribers and their topics.

Each function is a whole transaction and returns records (the rows stay in
store/subscriber_rows.py); erasure and the right of access are in store/privacy.py.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update

from notifications.consent import OWN_CONSENT, Consent
from notifications.decide.fanout import reaches
from notifications.decide.subscriptions import SubscriptionRequest, topics_added, topics_removed
from notifications.records import DeliveryStatus, SubscriberInfo
from notifications.store.database import Database
from notifications.store.subscriber_rows import (
    consenting_row,
    deactivate,
    erase_row,
    find_row,
    get_row,
    new_subscriber,
    reactivate_row,
    row_by_token,
    set_topic_rows,
    subscriber_info,
)
from notifications.store.tables import DeliveryRow, SubscriberRow, SubscriptionRow


def get(db: Database, subscriber_id: int) -> SubscriberInfo:
    """The subscriber SUBSCRIBER_ID; NotFound otherwise."""
    with db.reading() as session:
        return subscriber_info(get_row(session, subscriber_id))


def find(db: Database, channel: str, address: str) -> SubscriberInfo | None:
    with db.reading() as session:
        row = find_row(session, channel, address)
        return subscriber_info(row) if row else None


def find_by_token(db: Database, token: str) -> SubscriberInfo | None:
    """The subscriber of a link's token; None when no subscriber has it."""
    with db.reading() as session:
        row = row_by_token(session, token)
        return subscriber_info(row) if row else None


def list_all(db: Database, channel: str | None = None) -> list[SubscriberInfo]:
    """Every subscriber (on CHANNEL when given), in the order they came."""
    with db.reading() as session:
        query = select(SubscriberRow).order_by(SubscriberRow.id)
        if channel:
            query = query.where(SubscriberRow.channel == channel)
        return [subscriber_info(row) for row in session.scalars(query)]


def audience_counts(
    db: Database, topics: Iterable[str], areas: frozenset[str] = frozenset()
) -> dict[str, int]:
    """How many active, confirmed subscribers of at least one of TOPICS each channel has (the
    fan-out's recipients, store/deliveries.py), in AREAS when given (decide/fanout.py's
    `reaches`); a channel without any is absent."""
    wanted = list(topics)
    if not wanted:
        return {}
    if areas:
        return _area_counts(db, wanted, areas)
    with db.reading() as session:
        rows = session.execute(
            select(SubscriberRow.channel, func.count(func.distinct(SubscriberRow.id)))
            .join(SubscriptionRow, SubscriptionRow.subscriber_id == SubscriberRow.id)
            .where(
                SubscriberRow.active.is_(True),
                SubscriberRow.confirmed_at.is_not(None),
                SubscriptionRow.topic.in_(wanted),
            )
            .group_by(SubscriberRow.channel)
        ).all()
        return {channel: count for channel, count in rows}


def _area_counts(db: Database, topics: list[str], areas: frozenset[str]) -> dict[str, int]:
    """`audience_counts` of a message for AREAS: each subscriber's areas are read and the
    rule applied here (PostgreSQL compares no JSON, so no DISTINCT: one row per topic)."""
    with db.reading() as session:
        rows = session.execute(
            select(SubscriberRow.id, SubscriberRow.channel, SubscriberRow.areas)
            .join(SubscriptionRow, SubscriptionRow.subscriber_id == SubscriberRow.id)
            .where(
                SubscriberRow.active.is_(True),
                SubscriberRow.confirmed_at.is_not(None),
                SubscriptionRow.topic.in_(topics),
            )
        ).all()
    reached = {
        id_: channel for id_, channel, chosen in rows if reaches(areas, frozenset(chosen or ()))
    }
    counts: dict[str, int] = {}
    for channel in reached.values():
        counts[channel] = counts.get(channel, 0) + 1
    return counts


def add(
    db: Database,
    request: SubscriptionRequest,
    now: datetime,
    *,
    confirmed: bool,
    quiet: tuple[str | None, str | None],
    digest_at: str | None,
    consent: Consent = OWN_CONSENT,
    areas: tuple[str, ...] = (),
) -> tuple[SubscriberInfo, bool]:
    """Record the subscriber of REQUEST, who consented NOW (see `new_subscriber`), and True;
    when its address subscribes already, that subscriber unchanged, and False."""
    with db.session() as session:
        existing = find_row(session, request.channel, request.address)
        if existing is not None:
            return subscriber_info(existing), False
        row = new_subscriber(
            request.channel,
            request.address,
            request.params,
            now,
            confirmed=confirmed,
            quiet=quiet,
            digest_at=digest_at,
            consent=consent,
            areas=areas,
        )
        session.add(row)
        session.flush()
        set_topic_rows(session, row, request.topics, now)
        return subscriber_info(row), True


def set_topics(
    db: Database, subscriber_id: int, topics: Iterable[str], now: datetime
) -> SubscriberInfo:
    """Exactly these TOPICS for SUBSCRIBER_ID; NotFound when unknown."""
    with db.session() as session:
        row = get_row(session, subscriber_id)
        set_topic_rows(session, row, topics, now)
        return subscriber_info(row)


def add_topics(
    db: Database, request: SubscriptionRequest, now: datetime
) -> tuple[SubscriberInfo, tuple[str, ...]]:
    """REQUEST's address asks NOW for more topics (recorded if new): the subscriber, and the
    topics it did not have."""
    with db.session() as session:
        row, _ = consenting_row(session, request, now)
        current = sorted(s.topic for s in row.subscriptions)
        added = topics_added(current, request.topics)
        set_topic_rows(session, row, [*current, *added], now)
        return subscriber_info(row), added


def remove_topics(
    db: Database, channel: str, address: str, topics: Iterable[str] | None, now: datetime
) -> tuple[str, ...]:
    """ADDRESS stops TOPICS (None: all): the topics removed. With none left, it is erased."""
    with db.session() as session:
        row = find_row(session, channel, address)
        if row is None:
            return ()
        current = {s.topic for s in row.subscriptions}
        removed = topics_removed(current, topics)
        remaining = sorted(current - set(removed))
        if remaining:
            set_topic_rows(session, row, remaining, now)
        else:
            erase_row(session, row.id)
        return removed


def set_areas(
    db: Database, channel: str, address: str, areas: tuple[str, ...]
) -> SubscriberInfo | None:
    """Exactly these AREAS for ADDRESS (none: the whole commune); None when it is unknown."""
    with db.session() as session:
        row = find_row(session, channel, address)
        if row is None:
            return None
        row.areas = list(areas)
        session.flush()
        return subscriber_info(row)


def deactivate_address(
    db: Database, channel: str, address: str, reason: str, now: datetime
) -> None:
    """Stop sending to ADDRESS (`deactivate`); nothing when it is unknown."""
    with db.session() as session:
        row = find_row(session, channel, address)
        if row is not None:
            deactivate(session, row.id, reason, now)


def record_device(
    db: Database, request: SubscriptionRequest, now: datetime, areas: tuple[str, ...] = ()
) -> tuple[SubscriberInfo, bool]:
    """A device subscribing itself NOW: exactly REQUEST's topics and AREAS, its fresh keys;
    whether it is new."""
    with db.session() as session:
        row, created = consenting_row(session, request, now)
        row.params, row.areas = request.params, list(areas)
        set_topic_rows(session, row, request.topics, now)
        return subscriber_info(row), created


def move_device(
    db: Database,
    channel: str,
    old_address: str,
    new_address: str,
    params: dict[str, Any],
    destination: str | None,
) -> SubscriberInfo | None:
    """The subscriber at OLD_ADDRESS now at NEW_ADDRESS, active, its pending deliveries going
    to DESTINATION; None when OLD_ADDRESS is unknown. When NEW_ADDRESS subscribes already,
    that subscriber stays and the old one is erased."""
    with db.session() as session:
        row = find_row(session, channel, old_address)
        if row is None:
            return None
        current = find_row(session, channel, new_address) if new_address != old_address else None
        if current is not None:
            kept = subscriber_info(current)
            erase_row(session, row.id)
            return kept
        row.address, row.params = new_address, params
        if not row.active:
            reactivate_row(row)
        # Its deliveries still to send now go to the new push service: the cap follows them.
        session.execute(
            update(DeliveryRow)
            .where(
                DeliveryRow.subscriber_id == row.id, DeliveryRow.status == DeliveryStatus.PENDING
            )
            .values(destination=destination)
        )
        session.flush()
        return subscriber_info(row)
