"""Subscriber rows: helpers of the storage package (a `Session` in, rows or records out).

Used by the store's transactions (store/subscribers.py, store/privacy.py,
store/deliveries.py); nothing outside notifications/store/ sees a row.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from datetime import datetime, time
from typing import Any

from sqlalchemy import ColumnElement, delete, select
from sqlalchemy.orm import Session

from notifications.consent import OWN_CONSENT, Consent, ConsentWay
from notifications.decide.subscriptions import DEFAULT_QUIET, SubscriptionRequest
from notifications.errors import NotFound
from notifications.links import SUBSCRIBER_TOKEN_BYTES
from notifications.records import DEFAULT_DIGEST_AT, Preferences, SubscriberInfo, hhmm
from notifications.store.tables import DeliveryRow, SubscriberRow, SubscriptionRow


def preferences_of(row: SubscriberRow) -> Preferences:
    def clock(value: str | None) -> time | None:
        return time.fromisoformat(value) if value else None

    return Preferences(
        quiet_start=clock(row.quiet_start),
        quiet_end=clock(row.quiet_end),
        digest=row.digest,
        digest_at=clock(row.digest_at) or DEFAULT_DIGEST_AT,
    )


def subscriber_info(row: SubscriberRow) -> SubscriberInfo:
    return SubscriberInfo(
        id=row.id,
        channel=row.channel,
        address=row.address,
        topics=tuple(sorted(s.topic for s in row.subscriptions)),
        active=row.active,
        confirmed=row.confirmed_at is not None,
        consent_at=row.consent_at,
        quiet=f"{row.quiet_start}-{row.quiet_end}" if row.quiet_start else None,
        digest_at=row.digest_at if row.digest else None,
        deactivated_reason=row.deactivated_reason,
        deactivated_at=row.deactivated_at,
        token=row.token,
        areas=tuple(row.areas or ()),
    )


def consent_of(row: SubscriberRow) -> Consent:
    """Who recorded ROW's consent and how (both None: the person subscribed themselves)."""
    return Consent(row.consent_by, ConsentWay(row.consent_how) if row.consent_how else None)


# --- Session-level helpers ---------------------------------------------------------------------


def new_subscriber(
    channel: str,
    address: str,
    params: dict[str, Any],
    now: datetime,
    *,
    confirmed: bool = True,
    quiet: tuple[str | None, str | None] = DEFAULT_QUIET,
    digest_at: str | None = None,
    consent: Consent = OWN_CONSENT,
    areas: tuple[str, ...] = (),
) -> SubscriberRow:
    """A subscriber row who consented NOW (an e-mail one is confirmed later, by its link),
    their consent recorded by CONSENT's staff member and means (none: they asked themselves)."""
    return SubscriberRow(
        channel=channel,
        address=address,
        params=params,
        token=secrets.token_urlsafe(SUBSCRIBER_TOKEN_BYTES),
        consent_at=now,
        consent_by=consent.by,
        consent_how=consent.how,
        confirmed_at=now if confirmed else None,
        active=True,
        quiet_start=quiet[0],
        quiet_end=quiet[1],
        digest=digest_at is not None,
        digest_at=digest_at or hhmm(DEFAULT_DIGEST_AT),
        created_at=now,
        areas=list(areas),
    )


def deactivate(session: Session, subscriber_id: int, reason: str, now: datetime) -> None:
    """A channel refused for good: stop sending to this subscriber.

    Kept for staff to see, then erased `deactivated_days` after NOW (`purge`).
    """
    row = session.get(SubscriberRow, subscriber_id)
    if row is not None and row.active:
        row.active, row.deactivated_reason, row.deactivated_at = False, reason, now


def find_row(session: Session, channel: str, address: str) -> SubscriberRow | None:
    return session.scalars(
        select(SubscriberRow).where(
            SubscriberRow.channel == channel, SubscriberRow.address == address
        )
    ).one_or_none()


def get_row(session: Session, subscriber_id: int) -> SubscriberRow:
    row = session.get(SubscriberRow, subscriber_id)
    if row is None:
        raise NotFound(f"aucun abonné n° {subscriber_id}")
    return row


_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def row_by_token(session: Session, token: str) -> SubscriberRow | None:
    if not _TOKEN.match(token or ""):  # anything else cannot be ours: never sent to the database
        return None
    return session.scalars(select(SubscriberRow).where(SubscriberRow.token == token)).one_or_none()


def set_topic_rows(
    session: Session, row: SubscriberRow, topics: Iterable[str], now: datetime
) -> None:
    wanted = list(topics)
    current = {s.topic for s in row.subscriptions}
    for subscription in list(row.subscriptions):
        if subscription.topic not in wanted:
            row.subscriptions.remove(subscription)
    for topic in wanted:
        if topic not in current:
            row.subscriptions.append(SubscriptionRow(topic=topic, created_at=now))
    session.flush()


def consenting_row(
    session: Session, request: SubscriptionRequest, now: datetime
) -> tuple[SubscriberRow, bool]:
    """The subscriber who asks NOW, recorded if new (then True); one a channel had deactivated
    is active again, its consent renewed (the person's own now: no staff member's)."""
    row = find_row(session, request.channel, request.address)
    if row is None:
        row = new_subscriber(request.channel, request.address, request.params, now)
        session.add(row)
        session.flush()
        return row, True
    if not row.active:
        reactivate_row(row)
        row.consent_at, row.consent_by, row.consent_how = now, None, None
    return row, False


def reactivate_row(row: SubscriberRow) -> None:
    """The person (or their device) is back: send again, and keep the row."""
    row.active, row.deactivated_reason, row.deactivated_at = True, None, None


def erase_where(session: Session, condition: ColumnElement[bool]) -> tuple[int, int, int]:
    """Erase the subscribers matching CONDITION and all held on them: the numbers of
    subscribers, topics and deliveries erased. The one rule of every erasure."""
    doomed = select(SubscriberRow.id).where(condition)
    plain = {"synchronize_session": False}  # bulk deletes: loaded rows are not looked for
    deliveries = session.execute(
        delete(DeliveryRow).where(DeliveryRow.subscriber_id.in_(doomed)).execution_options(**plain)
    ).rowcount
    topics = session.execute(
        delete(SubscriptionRow)
        .where(SubscriptionRow.subscriber_id.in_(doomed))
        .execution_options(**plain)
    ).rowcount
    subscribers = session.execute(
        delete(SubscriberRow).where(condition).execution_options(**plain)
    ).rowcount
    return subscribers or 0, topics or 0, deliveries or 0


def erase_row(session: Session, subscriber_id: int) -> int:
    """Erase one subscriber, its topics and its deliveries; the number of rows removed.

    A row of it already loaded stays in the session, unchanged: it is never written back."""
    return sum(erase_where(session, SubscriberRow.id == subscriber_id))
