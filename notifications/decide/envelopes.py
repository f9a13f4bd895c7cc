"""What a channel sends: notices and envelopes assembled from claimed deliveries. Pure."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, tzinfo
from typing import Any

from arobase.hours_text import days_text
from notifications.channels import sends_unsubscribe_link
from notifications.decide.fanout import BROADCAST_PREFIX
from notifications.links import confirm_url, short_link_url, short_stop_url, unsubscribe_url
from notifications.records import (
    Envelope,
    EnvelopeKind,
    MessageDraft,
    MessageInfo,
    MessageKind,
    Notice,
)


@dataclass(frozen=True)
class Addressee:
    """A subscriber as a send needs them: where it goes, and the token of their own links."""

    channel: str
    address: str
    params: dict[str, Any] = field(hash=False)  # Web Push keys
    token: str


@dataclass(frozen=True)
class ClaimedDelivery:
    """One delivery a worker has claimed, with its message and its subscriber (None for a
    town-wide broadcast target): what the store hands to envelope assembly."""

    delivery_id: int
    target: str  # "subscriber:<id>" or "broadcast:<name>"
    channel: str
    digest: bool
    destination: str | None
    subscriber_id: int | None
    message: MessageInfo
    addressee: Addressee | None


@dataclass(frozen=True)
class Charge:
    """What a send on a paid channel reserved of its month's budget (notifications/budget.py)."""

    channel: str
    month: str  # "2026-12", in the town's calendar
    units: int  # an SMS's segments


@dataclass(frozen=True)
class Claim:
    """Claimed deliveries for one recipient, ready to send as one envelope."""

    envelope: Envelope
    subscriber_id: int | None
    destination: str | None = None  # where the send goes (capped), None when uncapped
    charge: Charge | None = None  # reserved before the send, on a paid channel


@dataclass(frozen=True)
class Letterhead:
    """What every envelope of the town shares."""

    commune: str
    public_url: str
    labels: Mapping[str, str]  # topic key → label
    zone: tzinfo
    broadcast_urls: Mapping[str, str] = field(default_factory=dict)  # target name → URL


def notice_of(
    message: MessageInfo,
    labels: Mapping[str, str],
    when: datetime,
    zone: tzinfo,
    public_url: str | None = None,
) -> Notice:
    """The message as residents read it, WHEN (a UTC release time) in the town's ZONE so
    that its day is the town's day (23:30 UTC on 30 November is 1 December in Paris); its
    link's short form leads through PUBLIC_URL (none without it)."""
    short = short_link_url(public_url, message.id) if message.link and public_url else None
    return Notice(
        message_id=message.id,
        title=message.title,
        body=message.body,
        link=message.link,
        urgent=message.urgent,
        topic_labels=tuple(labels.get(t, t) for t in message.topics),
        when=when.astimezone(zone),
        short_link=short,
    )


def envelope_kind(message_kind: str, digest: bool, count: int) -> EnvelopeKind:
    """A digest when several digest deliveries go together; else as its message says."""
    if digest and count > 1:
        return EnvelopeKind.DIGEST
    if message_kind == MessageKind.CONFIRMATION:
        return EnvelopeKind.CONFIRMATION
    return EnvelopeKind.ALERT


def group(claimed: Sequence[ClaimedDelivery]) -> list[list[ClaimedDelivery]]:
    """The deliveries that travel together, in claim order: one recipient's digest rows
    make one envelope; every other delivery is an envelope of its own."""
    groups: dict[tuple[str, bool], list[ClaimedDelivery]] = defaultdict(list)
    for delivery in claimed:
        if delivery.digest:
            groups[(delivery.target, True)].append(delivery)
        else:
            groups[(f"{delivery.target}#{delivery.delivery_id}", False)].append(delivery)
    return list(groups.values())


def claims(claimed: Sequence[ClaimedDelivery], letterhead: Letterhead) -> list[Claim]:
    """The envelopes of CLAIMED deliveries, each with whom and where it goes."""
    return [_claim(members, letterhead) for members in group(claimed)]


def _claim(members: Sequence[ClaimedDelivery], letterhead: Letterhead) -> Claim:
    first = members[0]
    notices = tuple(_notice(d.message, letterhead) for d in members)
    if first.message.kind == MessageKind.CONFIRMATION and first.addressee is not None:
        link = confirm_url(letterhead.public_url, first.addressee.token)
        notices = tuple(replace(n, link=link) for n in notices)
    address, params, unsubscribe, short_stop = _recipient(first, letterhead)
    envelope = Envelope(
        delivery_ids=tuple(d.delivery_id for d in members),
        channel=first.channel,
        address=address,
        params=params,
        notices=notices,
        commune=letterhead.commune,
        unsubscribe_url=unsubscribe,
        kind=envelope_kind(first.message.kind, first.digest, len(members)),
        short_unsubscribe_url=short_stop,
    )
    return Claim(envelope, first.subscriber_id, first.destination)


def _notice(message: MessageInfo, letterhead: Letterhead) -> Notice:
    when = message.released_at or message.scheduled_at
    return notice_of(message, letterhead.labels, when, letterhead.zone, letterhead.public_url)


def _recipient(
    delivery: ClaimedDelivery, letterhead: Letterhead
) -> tuple[str, dict[str, Any], str | None, str | None]:
    """Address, parameters and unsubscribe links (whole and short) of a delivery's
    recipient."""
    addressee = delivery.addressee
    if addressee is None:  # a town-wide target: its URL from the settings, no unsubscribing
        name = delivery.target.removeprefix(BROADCAST_PREFIX)
        return letterhead.broadcast_urls.get(name, ""), {}, None, None
    if not sends_unsubscribe_link(addressee.channel):
        return addressee.address, dict(addressee.params), None, None
    whole = unsubscribe_url(letterhead.public_url, addressee.token)
    short = short_stop_url(letterhead.public_url, addressee.token)
    return addressee.address, dict(addressee.params), whole, short


def confirmation_request(commune: str, days: int, now: datetime) -> MessageDraft:
    """The double opt-in e-mail, valid DAYS (then the address is erased), sent at once.

    It holds no link: the subscriber's own is added when it is sent.
    """
    return MessageDraft(
        title=f"Confirmez votre abonnement aux alertes de {commune}",
        body=(
            "Vous avez demandé à recevoir les alertes de la commune par courriel. "
            "Pour confirmer, ouvrez le lien ci-dessous, puis appuyez sur le bouton "
            "« Confirmer mon abonnement ». "
            f"Ce lien est valable {days_text(days)}. "
            "Si vous n'avez rien demandé, ignorez ce message : vous ne recevrez rien, et "
            "votre adresse sera effacée."
        ),
        link=None,
        topics=(),
        scheduled_at=now,
        urgent=True,
        kind=MessageKind.CONFIRMATION,
    )
