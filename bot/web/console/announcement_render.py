"""The HTML of the console's announcements: the list, the compose form with its preview and
audience, and a message's page with its deliveries. Links are relative to their page."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, tzinfo

from bot.web.console.auth import relative
from bot.web.console.render import (
    ANNOUNCEMENTS_PATH,
    attr,
    data_table,
    escape,
    when,
)
from bot.web.frame import paragraphs
from notifications import PUSH_MAX_BYTES, TELEGRAM_MAX_CHARS, MessageInfo

COMPOSE_PATH = "/console/annonces/nouvelle"
PREVIEW_PATH = "/console/annonces/apercu"  # the live preview's answers (console-preview.js)
PREVIEW_SCRIPT = "/static/console-preview.js"
NOW, LATER = "maintenant", "date"  # the « quand » choices
# The form's buttons (name "action"): preview, publish, save as a draft.
PREVIEW, PUBLISH, DRAFT = "apercu", "publier", "brouillon"

STATUS_NAMES = {
    "draft": "brouillon",
    "awaiting": "en attente de validation",
    "scheduled": "programmé",
    "sent": "envoyé",
    "cancelled": "annulé",
    "withdrawn": "retiré",
}
CHANNEL_NAMES_FR = {
    "telegram": "Telegram",
    "email": "E-mail",
    "webpush": "Notification sur l'appareil (Web Push)",
    "sms": "SMS",
    "apprise": "Autres services (apprise)",
}
URGENT_HINT = (
    "Une alerte urgente part aussitôt, même la nuit pendant les heures de tranquillité des "
    "abonnés, et sans attendre leur résumé du jour. Réservez-la aux vraies urgences."
)
WHEN_HINT = "Date et heure de la commune."


def message_path(message_id: int) -> str:
    return f"{ANNOUNCEMENTS_PATH}/{message_id}"


def cancel_path(message_id: int) -> str:
    return f"{message_path(message_id)}/annuler"


def channel_name(channel: str) -> str:
    return CHANNEL_NAMES_FR.get(channel, channel)


def status_name(status: str) -> str:
    return STATUS_NAMES.get(status, status)


def topic_names(topics: tuple[str, ...] | list[str], labels: Mapping[str, str]) -> str:
    return ", ".join(labels.get(topic, topic) for topic in topics)


def area_names(areas: tuple[str, ...], places: Mapping[str, str]) -> str:
    """« Secteur A, Secteur B » (PLACES: the town's areas' names), or the whole commune when
    none."""
    return ", ".join(places.get(key, key) for key in areas) or "toute la commune"


def moment(at: datetime | None, zone: tzinfo) -> str:
    return when(at, zone) if at else "—"


@dataclass
class Draft:
    """The compose form's values, as typed."""

    title: str = ""
    body: str = ""
    link: str = ""
    topics: list[str] = field(default_factory=list)
    urgent: bool = False
    timing: str = NOW
    date: str = ""
    time: str = ""
    bypass: str = ""  # why an urgent one goes without approval (the two-person rule)
    areas: list[str] = field(default_factory=list)  # the parts of the commune; none: all

    @property
    def scheduled(self) -> bool:
        return self.timing == LATER


# --- The list ----------------------------------------------------------------------------------


def list_row(info: MessageInfo, labels: Mapping[str, str], zone: tzinfo) -> str:
    at = info.released_at or info.scheduled_at
    href = relative(ANNOUNCEMENTS_PATH, message_path(info.id))
    link = f'<a href="{attr(href)}">{escape(info.title)}</a>'
    cells = [
        str(info.id),
        moment(at, zone),
        escape(status_name(info.status)),
        "<strong>urgent</strong>" if info.urgent else "",
        escape(topic_names(info.topics, labels)),
        link,
    ]
    return "          <tr>" + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>"


HEADS = ["N°", "Date", "État", "Urgence", "Thèmes", "Titre"]
# The messages not yet released that wait for someone: (status, heading, anchor).
WAITING = (
    ("awaiting", "En attente de validation", "a-valider"),
    ("draft", "Brouillons", "brouillons"),
)


def rows_of(messages: list[MessageInfo], labels: Mapping[str, str], zone: tzinfo) -> str:
    return "\n".join(list_row(info, labels, zone) for info in messages)


def list_body(
    nav: str,
    messages: list[MessageInfo],
    labels: Mapping[str, str],
    zone: tzinfo,
    waiting: list[MessageInfo] | None = None,
) -> str:
    """The messages awaiting approval and the drafts (WAITING), the latest messages newest
    first, and the way to write one."""
    compose = relative(ANNOUNCEMENTS_PATH, COMPOSE_PATH)
    parts = [nav, f'    <p><a class="action" href="{attr(compose)}">Écrire une annonce</a></p>']
    for status, heading, anchor in WAITING:
        chosen = [info for info in waiting or [] if info.status == status]
        if chosen:
            caption = f"{heading} : {len(chosen)}, du plus récent au plus ancien"
            parts.append(f'    <h2 id="{anchor}">{heading}</h2>')
            parts.append(data_table(anchor, caption, HEADS, rows_of(chosen, labels, zone)))
    parts.append('    <h2 id="derniers">Derniers messages</h2>')
    if not messages:
        parts.append(paragraphs("Aucun message pour le moment."))
        return "\n".join(parts)
    caption = (
        f"Les {len(messages)} derniers messages, du plus récent au plus ancien "
        "(heure de la commune)"
    )
    parts.append(data_table("messages", caption, HEADS, rows_of(messages, labels, zone)))
    return "\n".join(parts)


# --- The preview -----------------------------------------------------------------------------


def number(count: int) -> str:
    """4096 → '4 096' (a no-break space between thousands, as French writes them)."""
    return f"{count:,}".replace(",", "\u00a0")


def reach_row(channel: str, count: int, price: int | None) -> str:
    """« SMS : 12 » and, on a paying channel, what they cost: « (2 SMS chacun, 24 en tout) »."""
    shown = f"{channel_name(channel)}\u00a0: {number(count)}"
    if price is None:
        return shown
    return f"{shown} ({price} {channel_name(channel)} chacun, {number(price * count)} en tout)"


@dataclass(frozen=True)
class Preview:
    """An announcement as it will go: each channel's text, its recipients per channel, the
    price per recipient of a paying channel, what is left of a capped channel's monthly
    budget, and the names of the areas it is for (none: the whole commune)."""

    texts: Mapping[str, str]
    reach: Mapping[str, int]
    prices: Mapping[str, int]
    budget_notes: Mapping[str, str]
    places: tuple[str, ...] = ()


def places_sentence(places: tuple[str, ...]) -> str:
    """The areas an announcement is for, and who else receives it; empty for the whole
    commune."""
    if not places:
        return ""
    return (
        f"Secteurs visés\u00a0: {', '.join(places)}. Les abonnés qui n'ont choisi aucun "
        "secteur la reçoivent aussi."
    )


def preview_block(preview: Preview) -> str:
    """What each channel will send, with its limit, how many subscribers receive it, what it
    costs on a paying channel and what is left of that channel's monthly budget."""
    texts, reach, prices = preview.texts, preview.reach, preview.prices
    telegram, push = texts.get("telegram", ""), texts.get("webpush", "")
    limits = {
        "telegram": f"Telegram accepte {number(TELEGRAM_MAX_CHARS)} caractères au plus par "
        f"message ; celui-ci en compte {number(len(telegram))}. Au-delà, le texte est raccourci.",
        "webpush": f"Une notification porte {number(PUSH_MAX_BYTES)} octets de données au plus ; "
        f"celle-ci en compte {number(len(push.encode()))}. Au-delà, le texte est raccourci.",
    }
    rows = "\n".join(
        f"      <li>{escape(reach_row(channel, count, prices.get(channel)))}</li>"
        for channel, count in reach.items()
    )
    parts = [
        '    <h2 id="audience">Destinataires</h2>',
        f"    <p>Abonnés actifs et confirmés de ces thèmes qui la recevront\u00a0: "
        f"{number(sum(reach.values()))} en tout.</p>",
        f"    <ul>\n{rows}\n    </ul>",
        *([f"    <p>{escape(places_sentence(preview.places))}</p>"] if preview.places else []),
        *(f"    <p>{escape(note)}.</p>" for note in preview.budget_notes.values()),
        '    <h2 id="apercu">Aperçu du texte envoyé</h2>',
    ]
    for channel, text in texts.items():
        name = channel_name(channel)
        parts.append(f"    <h3>{escape(name)}</h3>")
        if channel in limits:
            parts.append(f"    <p>{escape(limits[channel])}</p>")
        parts.append(
            f'    <div class="table-scroll" role="region" tabindex="0" '
            f'aria-label="Texte {attr(name)}"><pre>{escape(text)}</pre></div>'
        )
    return "\n".join(parts)
