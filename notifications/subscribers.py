"""Subscribers and their topics: add, change, export and erase (privacy by design)."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, select, update
from sqlalchemy.orm import Session

from notifications.channels import check_channel
from notifications.channels.addresses import push_policy, validate_address
from notifications.destinations import destination_of
from notifications.errors import Conflict, InvalidInput, NotFound, StorageConflict, UnknownTopic
from notifications.hub import Hub
from notifications.records import SubscriberInfo
from notifications.store.subscribers import deactivate
from notifications.store.subscribers import subscriber_info as info
from notifications.store.tables import DeliveryRow, MessageRow, SubscriberRow, SubscriptionRow

_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def parse_quiet_hours(spec: str | None) -> tuple[str | None, str | None]:
    """'22:00-07:00' → ('22:00', '07:00'); 'non' or '' → no quiet hours."""
    if spec is None:
        return "22:00", "07:00"
    if spec.strip().lower() in ("", "non", "aucune", "none", "off"):
        return None, None
    start, _, end = spec.replace(" ", "").partition("-")
    if not (_HHMM.match(start) and _HHMM.match(end)) or start == end:
        raise InvalidInput(
            f"heures calmes invalides « {spec} » : format attendu 22:00-07:00, ou « non »"
        )
    return start, end


def parse_hhmm(value: str, what: str) -> str:
    if not _HHMM.match(value.strip()):
        raise InvalidInput(f"{what} invalide « {value} » : format attendu HH:MM, ex. 18:00")
    return value.strip()


def check_topics(hub: Hub, topics: Iterable[str]) -> tuple[str, ...]:
    """The topics, deduplicated, each known to the town file; UnknownTopic otherwise."""
    known = hub.town.topics
    chosen: list[str] = []
    for topic in topics:
        key = topic.strip()
        if key in ("tout", "tous", "all"):
            return tuple(known)
        if key not in known:
            raise UnknownTopic(f"thème inconnu « {topic} » : thèmes possibles {', '.join(known)}")
        if key not in chosen:
            chosen.append(key)
    return tuple(chosen)


def _find(session: Session, channel: str, address: str) -> SubscriberRow | None:
    return session.scalars(
        select(SubscriberRow).where(
            SubscriberRow.channel == channel, SubscriberRow.address == address
        )
    ).one_or_none()


def _get(session: Session, subscriber_id: int) -> SubscriberRow:
    row = session.get(SubscriberRow, subscriber_id)
    if row is None:
        raise NotFound(f"aucun abonné n° {subscriber_id}")
    return row


def new_subscriber(
    channel: str,
    address: str,
    params: dict[str, Any],
    now: datetime,
    *,
    confirmed: bool = True,
    quiet: tuple[str | None, str | None] = ("22:00", "07:00"),
    digest_at: str | None = None,
) -> SubscriberRow:
    """A subscriber row who consented NOW (an e-mail one is confirmed later, by its link)."""
    return SubscriberRow(
        channel=channel,
        address=address,
        params=params,
        token=secrets.token_urlsafe(24),
        consent_at=now,
        confirmed_at=now if confirmed else None,
        active=True,
        quiet_start=quiet[0],
        quiet_end=quiet[1],
        digest=digest_at is not None,
        digest_at=digest_at or "18:00",
        created_at=now,
    )


def _set_topics(session: Session, row: SubscriberRow, topics: Sequence[str], now: datetime) -> None:
    current = {s.topic for s in row.subscriptions}
    for subscription in list(row.subscriptions):
        if subscription.topic not in topics:
            row.subscriptions.remove(subscription)
    for topic in topics:
        if topic not in current:
            row.subscriptions.append(SubscriptionRow(topic=topic, created_at=now))
    session.flush()


def checked_request(
    hub: Hub,
    channel: str,
    address: str,
    params: dict[str, Any] | None,
    topics: Iterable[str],
) -> tuple[str, str, dict[str, Any], tuple[str, ...]]:
    """A subscription request checked: (channel, normalised address, params, topics)."""
    channel = check_channel(channel)
    chosen = check_topics(hub, topics)
    if not chosen:
        raise InvalidInput("choisissez au moins un thème")
    address, params = validate_address(channel, address, params, push=push_policy(hub.settings))
    return channel, address, params, chosen


def add_subscriber(
    hub: Hub,
    channel: str,
    address: str,
    topics: Iterable[str],
    *,
    params: dict[str, Any] | None = None,
    quiet: str | None = None,
    digest_at: str | None = None,
) -> SubscriberInfo:
    """Record a new subscriber, who consented now. E-mail ones wait for their confirmation.

    Conflict when the same address already subscribes on that channel.
    """
    channel, address, params, chosen = checked_request(hub, channel, address, params, topics)
    quiet_start, quiet_end = parse_quiet_hours(quiet)
    now = hub.now()
    with hub.db.session() as session:
        existing = _find(session, channel, address)
        if existing is not None:
            raise Conflict(
                f"cette adresse est déjà abonnée (abonné n° {existing.id}, thèmes : "
                f"{', '.join(sorted(s.topic for s in existing.subscriptions)) or 'aucun'})"
            )
        row = new_subscriber(
            channel,
            address,
            params,
            now,
            confirmed=channel != "email",
            quiet=(quiet_start, quiet_end),
            digest_at=parse_hhmm(digest_at, "heure du résumé") if digest_at else None,
        )
        session.add(row)
        session.flush()
        _set_topics(session, row, chosen, now)
        return info(row)


def get_subscriber(hub: Hub, subscriber_id: int) -> SubscriberInfo:
    with hub.db.reading() as session:
        return info(_get(session, subscriber_id))


def find_subscriber(hub: Hub, channel: str, address: str) -> SubscriberInfo | None:
    with hub.db.reading() as session:
        row = _find(session, channel, address)
        return info(row) if row else None


def list_subscribers(hub: Hub, channel: str | None = None) -> list[SubscriberInfo]:
    with hub.db.reading() as session:
        query = select(SubscriberRow).order_by(SubscriberRow.id)
        if channel:
            query = query.where(SubscriberRow.channel == check_channel(channel))
        return [info(row) for row in session.scalars(query)]


def set_topics(hub: Hub, subscriber_id: int, topics: Iterable[str]) -> SubscriberInfo:
    chosen = check_topics(hub, topics)
    with hub.db.session() as session:
        row = _get(session, subscriber_id)
        _set_topics(session, row, chosen, hub.now())
        return info(row)


def chat_subscribe(
    hub: Hub, channel: str, address: str, topics: Iterable[str]
) -> tuple[SubscriberInfo, tuple[str, ...]]:
    """A resident asks from a chat: subscribe this chat (created if new) to more topics.

    Returns the subscriber and the topics that were added now (empty: it had them all).
    Asking again re-activates a chat that was deactivated (e.g. had blocked the bot).
    """
    chosen = check_topics(hub, topics)
    address, params = validate_address(channel, address, None)
    now = hub.now()
    with hub.db.session() as session:
        row = _find(session, channel, address)
        if row is None:
            row = new_subscriber(channel, address, params, now)
            session.add(row)
            session.flush()
        elif not row.active:
            _reactivate(row)
            row.consent_at = now
        current = {s.topic for s in row.subscriptions}
        added = tuple(t for t in chosen if t not in current)
        _set_topics(session, row, [*sorted(current), *added], now)
        return info(row), added


def chat_unsubscribe(
    hub: Hub, channel: str, address: str, topics: Iterable[str] | None
) -> tuple[str, ...]:
    """Remove some topics (or all when TOPICS is None); the topics actually removed.

    With no topic left, the subscriber and everything held on it are erased.
    """
    chosen = check_topics(hub, topics) if topics is not None else None
    with hub.db.session() as session:
        row = _find(session, channel, address)
        if row is None:
            return ()
        current = {s.topic for s in row.subscriptions}
        removed = tuple(sorted(current if chosen is None else current & set(chosen)))
        remaining = sorted(current - set(removed))
        if not remaining:
            _erase(session, row)
        else:
            _set_topics(session, row, remaining, hub.now())
        return removed


def _erase(session: Session, row: SubscriberRow) -> int:
    """Delete the subscriber, its topics and its deliveries; the number of rows removed."""
    deliveries = session.execute(
        delete(DeliveryRow).where(DeliveryRow.subscriber_id == row.id)
    ).rowcount
    topics = len(row.subscriptions)
    session.delete(row)
    return 1 + topics + (deliveries or 0)


def erase_subscriber(hub: Hub, subscriber_id: int) -> int:
    """Delete the subscriber, its topics and its deliveries; the number of rows removed."""
    with hub.db.session() as session:
        return _erase(session, _get(session, subscriber_id))


def export_subscriber(hub: Hub, subscriber_id: int) -> dict[str, Any]:
    """Every datum held on one subscriber, as JSON-ready data (right of access)."""
    with hub.db.reading() as session:
        row = _get(session, subscriber_id)
        deliveries = session.execute(
            select(DeliveryRow, MessageRow.title)
            .join(MessageRow, MessageRow.id == DeliveryRow.message_id)
            .where(DeliveryRow.subscriber_id == subscriber_id)
            .order_by(DeliveryRow.id)
        ).all()
        return {
            "abonne": {
                "id": row.id,
                "canal": row.channel,
                "adresse": row.address,
                "parametres": row.params,
                "consentement": row.consent_at.isoformat(),
                "confirmation": row.confirmed_at.isoformat() if row.confirmed_at else None,
                "actif": row.active,
                "raison_desactivation": row.deactivated_reason,
                "desactive_le": row.deactivated_at.isoformat() if row.deactivated_at else None,
                "heures_calmes": (
                    f"{row.quiet_start}-{row.quiet_end}" if row.quiet_start else None
                ),
                "resume_quotidien": row.digest_at if row.digest else None,
                "cree_le": row.created_at.isoformat(),
                "themes": sorted(s.topic for s in row.subscriptions),
                "jeton_liens": row.token,
            },
            "envois": [
                {
                    "message": delivery.message_id,
                    "titre": title,
                    "etat": delivery.status,
                    "tentatives": delivery.attempts,
                    "envoye_le": delivery.sent_at.isoformat() if delivery.sent_at else None,
                    "derniere_erreur": delivery.last_error,
                }
                for delivery, title in deliveries
            ],
        }


_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def by_token(session: Session, token: str) -> SubscriberRow | None:
    if not _TOKEN.match(token or ""):  # anything else cannot be ours: never sent to the database
        return None
    return session.scalars(select(SubscriberRow).where(SubscriberRow.token == token)).one_or_none()


class LinkState(Enum):
    """Where a confirmation link stands."""

    PENDING = "pending"  # waiting for the person to press « Confirmer mon abonnement »
    CONFIRMED = "confirmed"
    EXPIRED = "expired"  # not confirmed within `confirm_days`: the subscriber is (being) erased
    UNKNOWN = "unknown"  # never ours, or erased (unsubscribed, purged)


@dataclass(frozen=True)
class ConfirmationLink:
    state: LinkState
    subscriber: SubscriberInfo | None = None  # None when EXPIRED or UNKNOWN


def retention_cutoff(now: datetime, days: int) -> datetime:
    """The moment before which data kept DAYS days is due for erasure (at DAYS days sharp)."""
    return now - timedelta(days=days)


def link_state(confirmed_at: datetime | None, consent_at: datetime, cutoff: datetime) -> LinkState:
    """A known subscriber's link; CUTOFF is `retention_cutoff(now, confirm_days)`."""
    if confirmed_at is not None:
        return LinkState.CONFIRMED
    return LinkState.EXPIRED if consent_at <= cutoff else LinkState.PENDING


def _confirmation_cutoff(hub: Hub) -> datetime:
    return retention_cutoff(hub.now(), hub.settings.confirm_days)


def confirmation_link_opened(hub: Hub, token: str) -> ConfirmationLink:
    """What opening a confirmation link finds. It confirms nothing (mail scanners open links);
    the subscriber of an expired link is erased, the period stated for it being over."""
    with hub.db.reading() as session:
        row = by_token(session, token)
        if row is None:
            return ConfirmationLink(LinkState.UNKNOWN)
        state = link_state(row.confirmed_at, row.consent_at, _confirmation_cutoff(hub))
        if state is not LinkState.EXPIRED:
            return ConfirmationLink(state, info(row))
    return _settle_link(hub, token, confirm=False)


def confirm_by_token(hub: Hub, token: str) -> ConfirmationLink:
    """Double opt-in: the person pressed the button of the link's page.

    A link past its `confirm_days` confirms nothing: its subscriber is erased at once (the
    purge would erase it anyway) and the state says EXPIRED.
    """
    return _settle_link(hub, token, confirm=True)


def _settle_link(hub: Hub, token: str, *, confirm: bool) -> ConfirmationLink:
    """Erase the subscriber of an expired link; with CONFIRM, confirm a pending one."""
    with hub.db.session() as session:
        row = by_token(session, token)
        if row is None:
            return ConfirmationLink(LinkState.UNKNOWN)
        state = link_state(row.confirmed_at, row.consent_at, _confirmation_cutoff(hub))
        if state is LinkState.EXPIRED:
            _erase(session, row)
            return ConfirmationLink(LinkState.EXPIRED)
        if state is LinkState.PENDING and confirm:
            row.confirmed_at, state = hub.now(), LinkState.CONFIRMED
        return ConfirmationLink(state, info(row))


def unsubscribe_by_token(hub: Hub, token: str) -> bool:
    """The unsubscribe link of a message: erase that subscriber. False when unknown."""
    with hub.db.session() as session:
        row = by_token(session, token)
        if row is None:
            return False
        _erase(session, row)
        return True


def deactivate_address(hub: Hub, channel: str, address: str, reason: str) -> None:
    """The chat or device refused a message for good: stop sending there."""
    with hub.db.session() as session:
        row = _find(session, channel, address)
        if row is not None:
            deactivate(session, row.id, reason, hub.now())


def _reactivate(row: SubscriberRow) -> None:
    """The person (or their device) is back: send again, and keep the row."""
    row.active, row.deactivated_reason, row.deactivated_at = True, None, None


@dataclass(frozen=True)
class Purged:
    """What `purge_expired` erased: subscribers of each kind, and their deliveries."""

    unconfirmed: int  # e-mail subscriptions not confirmed within `confirm_days`
    deactivated: int  # subscribers deactivated `deactivated_days` ago or more
    deliveries: int

    @property
    def subscribers(self) -> int:
        return self.unconfirmed + self.deactivated


def purge_expired(hub: Hub) -> Purged:
    """Erase the personal data kept past the periods the privacy page states.

    A subscription never confirmed goes `confirm_days` after the request (its link has
    expired), a deactivated subscriber `deactivated_days` after its deactivation; with each,
    its topics and deliveries. Run by the worker's housekeeping; idempotent.
    """
    now, settings = hub.now(), hub.settings
    unconfirmed = and_(
        SubscriberRow.confirmed_at.is_(None),
        SubscriberRow.consent_at <= retention_cutoff(now, settings.confirm_days),
    )
    deactivated = and_(
        SubscriberRow.active.is_(False),
        SubscriberRow.deactivated_at <= retention_cutoff(now, settings.deactivated_days),
    )
    with hub.db.session() as session:
        # Deactivated before the time was recorded (schema 0002): the period starts now.
        session.execute(
            update(SubscriberRow)
            .where(SubscriberRow.active.is_(False), SubscriberRow.deactivated_at.is_(None))
            .values(deactivated_at=now)
            .execution_options(synchronize_session=False)
        )
        first = _erase_where(session, unconfirmed)
        second = _erase_where(session, deactivated)
    return Purged(first[0], second[0], first[1] + second[1])


def _erase_where(session: Session, condition: ColumnElement[bool]) -> tuple[int, int]:
    """Erase the subscribers matching CONDITION with their topics and deliveries; the
    numbers of subscribers and of deliveries erased."""
    doomed = select(SubscriberRow.id).where(condition)
    plain = {"synchronize_session": False}  # bulk deletes: no ORM object is loaded here
    deliveries = session.execute(
        delete(DeliveryRow).where(DeliveryRow.subscriber_id.in_(doomed)).execution_options(**plain)
    ).rowcount
    session.execute(
        delete(SubscriptionRow)
        .where(SubscriptionRow.subscriber_id.in_(doomed))
        .execution_options(**plain)
    )
    subscribers = session.execute(
        delete(SubscriberRow).where(condition).execution_options(**plain)
    ).rowcount
    return subscribers or 0, deliveries or 0


# --- Added for the web app's alerts pages (bot/web/alerts.py) --------------------------------


def subscriber_by_token(hub: Hub, token: str) -> SubscriberInfo | None:
    """The subscriber of a link's token, changing nothing; None when the link is unknown."""
    with hub.db.reading() as session:
        row = by_token(session, token)
        return info(row) if row else None


def device_subscribe(
    hub: Hub, channel: str, address: str, params: dict[str, Any], topics: Iterable[str]
) -> tuple[SubscriberInfo, bool]:
    """A device subscribes itself (Web Push), its consent the person's click.

    A new device is recorded; a known one gets exactly these topics, its fresh keys, and is
    re-activated if a channel had deactivated it. Returns the subscriber and whether it is new.
    """
    channel, address, params, chosen = checked_request(hub, channel, address, params, topics)
    try:
        return _device_subscribe(hub, channel, address, params, chosen)
    except StorageConflict:  # the same device subscribed twice at once: the other one won
        return _device_subscribe(hub, channel, address, params, chosen)


def _device_subscribe(
    hub: Hub, channel: str, address: str, params: dict[str, Any], topics: Sequence[str]
) -> tuple[SubscriberInfo, bool]:
    now = hub.now()
    with hub.db.session() as session:
        row = _find(session, channel, address)
        created = row is None
        if row is None:
            row = new_subscriber(channel, address, params, now)
            session.add(row)
            session.flush()
        else:
            row.params = params
            if not row.active:
                _reactivate(row)
                row.consent_at = now
        _set_topics(session, row, topics, now)
        return info(row), created


def device_moved(
    hub: Hub, channel: str, old_address: str, new_address: str, params: dict[str, Any]
) -> SubscriberInfo | None:
    """The push service gave a device a new subscription: the subscriber follows it.

    Topics, consent and pending deliveries are kept, and a deactivated device is active again.
    None when the old address is unknown (erased meanwhile): a renewal is no consent, so
    nothing new is recorded. When the new address already subscribes (the person subscribed
    again from the page first), that newer choice stays and the old subscriber is erased.
    """
    channel = check_channel(channel)
    new_address, params = validate_address(
        channel, new_address, params, push=push_policy(hub.settings)
    )
    try:
        return _device_moved(hub, channel, old_address.strip(), new_address, params)
    except StorageConflict:  # the new address was recorded meanwhile: it is now the newer choice
        return _device_moved(hub, channel, old_address.strip(), new_address, params)


def _device_moved(
    hub: Hub, channel: str, old_address: str, new_address: str, params: dict[str, Any]
) -> SubscriberInfo | None:
    with hub.db.session() as session:
        row = _find(session, channel, old_address)
        if row is None:
            return None
        current = _find(session, channel, new_address) if new_address != old_address else None
        if current is not None:
            _erase(session, row)
            return info(current)
        row.address, row.params = new_address, params
        if not row.active:
            _reactivate(row)
        # Its deliveries still to send now go to the new push service: the cap follows them.
        session.execute(
            update(DeliveryRow)
            .where(DeliveryRow.subscriber_id == row.id, DeliveryRow.status == "pending")
            .values(destination=destination_of(channel, new_address))
        )
        session.flush()
        return info(row)
