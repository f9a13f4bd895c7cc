"""The subscribers aggregate in the database: subscribers and their topics.

Session-level helpers of the storage package; rows never leave it (records do).
"""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy.orm import Session

from notifications.records import DEFAULT_DIGEST_AT, Preferences, SubscriberInfo
from notifications.store.tables import SubscriberRow


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
    )


def deactivate(session: Session, subscriber_id: int, reason: str, now: datetime) -> None:
    """A channel refused for good: stop sending to this subscriber.

    Kept for staff to see, then erased `deactivated_days` after NOW (`purge_expired`).
    """
    row = session.get(SubscriberRow, subscriber_id)
    if row is not None and row.active:
        row.active, row.deactivated_reason, row.deactivated_at = False, reason, now
