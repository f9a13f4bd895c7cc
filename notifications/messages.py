"""Messages: staff announcements and drafts from sources; list, show, preview, cancel (an
announcement's life cycle, from draft to approval: notifications/announcements.py)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from notifications.areas import check_areas
from notifications.channels import preview, prices
from notifications.decide.envelopes import notice_of
from notifications.errors import InvalidInput, NotFound
from notifications.hub import Hub
from notifications.links import ELLIPSIS_TOKEN, short_stop_url, unsubscribe_url
from notifications.records import (
    Envelope,
    MessageDraft,
    MessageInfo,
    MessageKind,
    MessageStatus,
)
from notifications.store import messages as store
from notifications.store.messages import BODY_MAX, TITLE_MAX
from notifications.subscribers import check_topics

_STAFF_TIME_FORMATS = (
    "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M", "%d/%m/%Y %Hh%M", "%d/%m/%Y %Hh",
)  # fmt: skip


def parse_staff_time(text: str, zone: ZoneInfo) -> datetime:
    """A date-time typed by staff, in the town's zone: '2026-12-01 08:00' or '01/12/2026 8h30'.

    Only unambiguous formats: a guessed date would send an alert at the wrong time.
    """
    cleaned = " ".join(text.split())
    for pattern in _STAFF_TIME_FORMATS:
        try:
            naive = datetime.strptime(cleaned, pattern)
        except ValueError:
            continue
        return naive.replace(tzinfo=zone)
    raise InvalidInput(
        f"date invalide « {text} » : écrivez par exemple « 2026-12-01 08:00 » "
        "ou « 01/12/2026 8h00 » (heure de la commune)"
    )


def checked_text(
    hub: Hub, title: str, body: str, topics: Iterable[str], link: str | None
) -> tuple[str, str, tuple[str, ...]]:
    """An announcement's title and body as stored, and its topics; InvalidInput (in French)
    or UnknownTopic when one of them cannot be sent."""
    title, body = " ".join(title.split()), body.strip()
    if not title:
        raise InvalidInput("le titre est vide")
    if len(title) > TITLE_MAX:
        raise InvalidInput(f"le titre dépasse {TITLE_MAX} caractères")
    if len(body) > BODY_MAX:
        raise InvalidInput(f"le texte dépasse {BODY_MAX} caractères")
    chosen = check_topics(hub, topics)
    if not chosen:
        raise InvalidInput("indiquez au moins un thème (--topic)")
    if link is not None and not link.startswith(("https://", "http://")):
        raise InvalidInput(f"lien invalide « {link} » : il doit commencer par https://")
    return title, body, chosen


def send_time(hub: Hub, at: str | None) -> datetime:
    """When an announcement goes: now, or AT (town time) unless it is past (InvalidInput)."""
    now = hub.now()
    if not at:
        return now
    when = parse_staff_time(at, hub.zone)
    if when < now:
        raise InvalidInput(f"la date {when:%d/%m/%Y %H:%M} est déjà passée")
    return when


def announce(
    hub: Hub,
    title: str,
    *,
    body: str = "",
    topics: Iterable[str],
    at: str | None = None,
    urgent: bool = False,
    link: str | None = None,
    areas: Iterable[str] = (),
) -> MessageInfo:
    """A message written by staff, sent at once or at AT (town time), to the subscribers of
    its AREAS (none: the whole commune)."""
    title, body, chosen = checked_text(hub, title, body, topics, link)
    where = check_areas(hub, areas)
    now = hub.now()
    when = send_time(hub, at)
    draft = MessageDraft(
        title, body, link, chosen, when, urgent=urgent, kind=MessageKind.STAFF, areas=where
    )
    return store.create(hub.db, draft, now)


def list_messages(hub: Hub, status: str | None = None, limit: int = 50) -> list[MessageInfo]:
    return store.latest(hub.db, status, limit)


def get_message(hub: Hub, message_id: int) -> MessageInfo:
    return store.get(hub.db, message_id)


def sent_link(hub: Hub, message_id: int) -> str | None:
    """Where a short link to MESSAGE_ID leads: the link of a message sent to residents (a web
    link only); None for any other message, so that a link of a draft never shows."""
    try:
        message = store.get(hub.db, message_id)
    except NotFound:
        return None
    if message.status != MessageStatus.SENT or message.kind == "confirmation":
        return None
    link = message.link or ""
    return link if link.startswith(("https://", "http://")) else None


def cancel_message(hub: Hub, message_id: int) -> int:
    """Cancel a scheduled message, or the deliveries of a sent one not yet made.

    Returns the number of deliveries cancelled (0 for a message not yet released).
    """
    return store.cancel(hub.db, message_id, "message annulé par l'équipe")


@dataclass(frozen=True)
class Preview:
    """What each channel would send for a message, and what one recipient's message costs
    on each paying channel (SMS: its segments)."""

    texts: dict[str, str]
    prices: dict[str, int]


def _preview(hub: Hub, message: MessageInfo, when: datetime) -> Preview:
    """What each channel would send for MESSAGE, released WHEN: one notice in the envelope
    the worker builds, its unsubscribe link's token left out."""
    site = hub.settings.public_url
    envelope = Envelope(
        delivery_ids=(),
        channel="preview",
        address="",
        params={},
        notices=(notice_of(message, hub.topic_labels(), when, hub.zone, site),),
        commune=hub.town.commune.name,
        unsubscribe_url=unsubscribe_url(site, ELLIPSIS_TOKEN),
        short_unsubscribe_url=short_stop_url(site, ELLIPSIS_TOKEN),
    )
    return Preview(preview(envelope), prices(envelope))


def preview_message(hub: Hub, message_id: int) -> Preview:
    """What each channel would send for this message, and its prices."""
    message = store.get(hub.db, message_id)
    return _preview(hub, message, message.released_at or message.scheduled_at)


def preview_announcement(
    hub: Hub,
    title: str,
    body: str,
    link: str | None,
    topics: Iterable[str],
    urgent: bool,
) -> Preview:
    """What each channel would send for an announcement not yet stored (as
    `preview_message`, dated now); refused as `announce` would refuse it."""
    title, body, chosen = checked_text(hub, title, body, topics, link)
    now = hub.now()
    message = MessageInfo(
        id=0,
        kind=MessageKind.STAFF,
        title=title,
        body=body,
        link=link,
        topics=chosen,
        urgent=urgent,
        status=MessageStatus.SCHEDULED,
        scheduled_at=now,
        released_at=None,
    )
    return _preview(hub, message, now)
