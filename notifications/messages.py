"""Messages: staff announcements and drafts from sources; list, show, preview, cancel."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from notifications.errors import InvalidInput, NotFound
from notifications.hub import Hub
from notifications.records import Envelope, MessageDraft, MessageInfo, Notice
from notifications.render import preview
from notifications.store.messages import BODY_MAX, TITLE_MAX, insert_draft, message_info
from notifications.store.tables import DeliveryRow, MessageRow
from notifications.subscribers import check_topics

# The town's zone when a caller does not give it: a commune's default timezone.


def notice_of(row: MessageRow, labels: dict[str, str], when: datetime, zone: tzinfo) -> Notice:
    """The message as residents read it, WHEN (a UTC release time) in the town's ZONE so
    that its day is the town's day (23:30 UTC on 30 November is 1 December in Paris)."""
    return Notice(
        message_id=row.id,
        title=row.title,
        body=row.body,
        link=row.link,
        urgent=row.urgent,
        topic_labels=tuple(labels.get(t, t) for t in row.topics),
        when=when.astimezone(zone),
    )


_WHEN_FORMATS = (
    "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M", "%d/%m/%Y %Hh%M", "%d/%m/%Y %Hh",
)  # fmt: skip


def parse_when(text: str, zone: ZoneInfo) -> datetime:
    """A date-time typed by staff, in the town's zone: '2026-12-01 08:00' or '01/12/2026 8h30'.

    Only unambiguous formats: a guessed date would send an alert at the wrong time.
    """
    cleaned = " ".join(text.split())
    for pattern in _WHEN_FORMATS:
        try:
            naive = datetime.strptime(cleaned, pattern)
        except ValueError:
            continue
        return naive.replace(tzinfo=zone)
    raise InvalidInput(
        f"date invalide « {text} » : écrivez par exemple « 2026-12-01 08:00 » "
        "ou « 01/12/2026 8h00 » (heure de la commune)"
    )


def announce(
    hub: Hub,
    title: str,
    *,
    body: str = "",
    topics: Iterable[str],
    at: str | None = None,
    urgent: bool = False,
    link: str | None = None,
) -> MessageInfo:
    """A message written by staff, sent at once or at AT (town time)."""
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
    now = hub.now()
    when = parse_when(at, hub.zone) if at else now
    if when < now and at:
        raise InvalidInput(f"la date {when:%d/%m/%Y %H:%M} est déjà passée")
    draft = MessageDraft(title, body, link, chosen, when, urgent=urgent, kind="staff")
    with hub.db.session() as session:
        message_id = insert_draft(session, draft, now, None)
        return message_info(session.get_one(MessageRow, message_id))


def list_messages(hub: Hub, status: str | None = None, limit: int = 50) -> list[MessageInfo]:
    with hub.db.reading() as session:
        query = select(MessageRow).order_by(MessageRow.id.desc()).limit(limit)
        if status:
            query = query.where(MessageRow.status == status)
        return [message_info(row) for row in session.scalars(query)]


def get_message(hub: Hub, message_id: int) -> MessageInfo:
    with hub.db.reading() as session:
        row = session.get(MessageRow, message_id)
        if row is None:
            raise NotFound(f"aucun message n° {message_id}")
        return message_info(row)


def cancel_message(hub: Hub, message_id: int) -> int:
    """Cancel a scheduled message, or the deliveries of a sent one not yet made.

    Returns the number of deliveries cancelled (0 for a message not yet released).
    """
    with hub.db.session() as session:
        row = session.get(MessageRow, message_id)
        if row is None:
            raise NotFound(f"aucun message n° {message_id}")
        if row.status == "cancelled":
            raise InvalidInput(f"le message n° {message_id} est déjà annulé")
        row.status = "cancelled"
        result = session.execute(
            update(DeliveryRow)
            .where(DeliveryRow.message_id == message_id, DeliveryRow.status == "pending")
            .values(status="cancelled", last_error="message annulé par l'équipe")
        )
        return result.rowcount or 0


def preview_message(hub: Hub, message_id: int) -> dict[str, str]:
    """The text each channel would send for this message."""
    with hub.db.reading() as session:
        row = session.get(MessageRow, message_id)
        if row is None:
            raise NotFound(f"aucun message n° {message_id}")
        when = row.released_at or row.scheduled_at
        notice = notice_of(row, hub.topic_labels(), when, hub.zone)
    envelope = Envelope(
        delivery_ids=(),
        channel="preview",
        address="",
        params={},
        notices=(notice,),
        commune=hub.town.commune.name,
        unsubscribe_url=f"{hub.settings.public_url}/alertes/desabonnement?jeton=…",
    )
    return preview(envelope)
