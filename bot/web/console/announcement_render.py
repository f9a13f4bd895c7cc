"""The HTML of the console's announcements: the list, the compose form with its preview and
audience, and a message's page with its deliveries. Links are relative to their page."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, tzinfo

from bot.web.console.auth import CSRF_FIELD, relative
from bot.web.console.render import (
    ANNOUNCEMENTS_PATH,
    ERROR_ID,
    attr,
    data_table,
    escape,
    message,
    when,
)
from bot.web.frame import paragraphs
from notifications import PUSH_MAX_BYTES, TELEGRAM_MAX_CHARS, MessageInfo

COMPOSE_PATH = "/console/annonces/nouvelle"
NOW, LATER = "maintenant", "date"  # the « quand » choices
PREVIEW, PUBLISH = "apercu", "publier"  # the form's two buttons (name "action")

STATUS_NAMES = {
    "scheduled": "programmé",
    "sent": "envoyé",
    "cancelled": "annulé",
    "withdrawn": "retiré",
}
CHANNEL_NAMES_FR = {
    "telegram": "Telegram",
    "email": "E-mail",
    "webpush": "Notification sur l'appareil (Web Push)",
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


def list_body(
    nav: str, messages: list[MessageInfo], labels: Mapping[str, str], zone: tzinfo
) -> str:
    """The latest messages, newest first, and the way to write one."""
    compose = relative(ANNOUNCEMENTS_PATH, COMPOSE_PATH)
    parts = [nav, f'    <p><a class="action" href="{attr(compose)}">Écrire une annonce</a></p>']
    if not messages:
        parts.append(paragraphs("Aucun message pour le moment."))
        return "\n".join(parts)
    rows = "\n".join(list_row(info, labels, zone) for info in messages)
    heads = ["N°", "Date", "État", "Urgence", "Thèmes", "Titre"]
    caption = (
        f"Les {len(messages)} derniers messages, du plus récent au plus ancien "
        "(heure de la commune)"
    )
    parts.append(data_table("messages", caption, heads, rows))
    return "\n".join(parts)


# --- The compose form ----------------------------------------------------------------------------


def described(name: str, hint: bool, invalid: bool) -> str:
    ids = ([f"{name}-hint"] if hint else []) + ([ERROR_ID] if invalid else [])
    text = ' aria-invalid="true"' if invalid else ""
    return text + (f' aria-describedby="{" ".join(ids)}"' if ids else "")


def field_block(name: str, label: str, control: str, hint: str = "") -> str:
    hint_html = f'\n        <p class="hint" id="{name}-hint">{escape(hint)}</p>' if hint else ""
    return (
        f'      <div class="field">\n        <label for="{name}">{escape(label)}</label>'
        f"{hint_html}\n        {control}\n      </div>"
    )


def checkbox(name: str, value: str, label: str, checked: bool, extra: str = "") -> str:
    ticked = " checked" if checked else ""
    return (
        f'          <li><label class="topic"><input type="checkbox" name="{name}" '
        f'value="{attr(value)}"{ticked}{extra}> <span class="topic-text">'
        f'<span class="topic-label">{escape(label)}</span></span></label></li>'
    )


def compose_fields(draft: Draft, labels: Mapping[str, str], invalid: str | None) -> list[str]:
    """The form's fields; INVALID names the one the error is about."""
    title = (
        f'<input id="titre" name="titre" type="text" required maxlength="200" '
        f'value="{attr(draft.title)}"{described("titre", False, invalid == "titre")}>'
    )
    body = (
        f'<textarea id="texte" name="texte" rows="8" cols="30" maxlength="2000"'
        f"{described('texte', True, invalid == 'texte')}>{escape(draft.body)}</textarea>"
    )
    link = (
        f'<input id="lien" name="lien" type="url" inputmode="url" '
        f'value="{attr(draft.link)}"{described("lien", True, invalid == "lien")}>'
    )
    # A fieldset takes no aria-invalid: its boxes do, and it points at the error.
    wrong = invalid == "themes"
    topics_invalid = f' aria-describedby="{ERROR_ID}"' if wrong else ""
    box_invalid = ' aria-invalid="true"' if wrong else ""
    topics = "\n".join(
        checkbox("themes", key, label, key in draft.topics, box_invalid)
        for key, label in labels.items()
    )
    urgent = checkbox(
        "urgent", "oui", "Alerte urgente", draft.urgent, ' aria-describedby="urgent-hint"'
    )
    later_invalid = described("date", True, invalid == "date")
    now_checked = "" if draft.scheduled else " checked"
    later_checked = " checked" if draft.scheduled else ""
    return [
        field_block("titre", "Titre", title),
        field_block("texte", "Texte (facultatif)", body, "2 000 caractères au plus."),
        field_block("lien", "Lien (facultatif)", link, "Une adresse qui commence par https://"),
        f'      <fieldset class="topics"{topics_invalid}>\n'
        "        <legend>Thèmes (au moins un)</legend>\n"
        f'        <ul class="topic-list">\n{topics}\n        </ul>\n'
        "      </fieldset>",
        '      <fieldset class="topics">\n        <legend>Urgence</legend>\n'
        f'        <p class="hint" id="urgent-hint">{escape(URGENT_HINT)}</p>\n'
        f'        <ul class="topic-list">\n{urgent}\n        </ul>\n'
        "      </fieldset>",
        '      <fieldset class="topics">\n        <legend>Envoi</legend>\n'
        '        <ul class="topic-list">\n'
        f'          <li><label class="topic"><input type="radio" name="quand" value="{NOW}"'
        f"{now_checked}> Dès maintenant</label></li>\n"
        f'          <li><label class="topic"><input type="radio" name="quand" value="{LATER}"'
        f"{later_checked}> À la date et à l'heure suivantes</label></li>\n"
        "        </ul>\n"
        f'        <p class="hint" id="date-hint">{escape(WHEN_HINT)}</p>\n'
        f'        <label for="date">Date</label>\n'
        f'        <input id="date" name="date" type="date" value="{attr(draft.date)}"'
        f"{later_invalid}>\n"
        f'        <label for="heure">Heure</label>\n'
        f'        <input id="heure" name="heure" type="time" value="{attr(draft.time)}"'
        f"{later_invalid}>\n"
        "      </fieldset>",
    ]


def buttons(draft: Draft, previewed: bool) -> str:
    """« Aperçu », and after a preview « Publier » (« Programmer » for a date)."""
    parts = [
        f'<button type="submit" name="action" value="{PREVIEW}" class="action'
        + (' secondary">' if previewed else '">')
        + ("Mettre à jour l'aperçu" if previewed else "Aperçu")
        + "</button>"
    ]
    if previewed:
        label = "Programmer" if draft.scheduled else "Publier"
        parts.append(
            f'<button type="submit" name="action" value="{PUBLISH}" class="action">{label}</button>'
        )
    return '      <div class="actions">\n        ' + "\n        ".join(parts) + "\n      </div>"


def compose_form(
    csrf: str, draft: Draft, labels: Mapping[str, str], invalid: str | None, previewed: bool
) -> str:
    inner = "\n".join([*compose_fields(draft, labels, invalid), buttons(draft, previewed)])
    action = relative(COMPOSE_PATH, COMPOSE_PATH)
    return (
        f'    <form method="post" action="{attr(action)}" class="compose" novalidate>\n'
        f'      <input type="hidden" name="{CSRF_FIELD}" value="{attr(csrf)}">\n'
        f"{inner}\n    </form>"
    )


def number(count: int) -> str:
    """4096 → '4 096' (a no-break space between thousands, as French writes them)."""
    return f"{count:,}".replace(",", "\u00a0")


def preview_block(texts: Mapping[str, str], reach: Mapping[str, int]) -> str:
    """What each channel will send, with its limit, and how many subscribers receive it."""
    telegram, push = texts.get("telegram", ""), texts.get("webpush", "")
    limits = {
        "telegram": f"Telegram accepte {number(TELEGRAM_MAX_CHARS)} caractères au plus par "
        f"message ; celui-ci en compte {number(len(telegram))}. Au-delà, le texte est raccourci.",
        "webpush": f"Une notification porte {number(PUSH_MAX_BYTES)} octets de données au plus ; "
        f"celle-ci en compte {number(len(push.encode()))}. Au-delà, le texte est raccourci.",
    }
    rows = "\n".join(
        f"      <li>{escape(channel_name(channel))}\u00a0: {number(count)}</li>"
        for channel, count in reach.items()
    )
    parts = [
        '    <h2 id="audience">Destinataires</h2>',
        f"    <p>Abonnés actifs et confirmés de ces thèmes qui la recevront\u00a0: "
        f"{number(sum(reach.values()))} en tout.</p>",
        f"    <ul>\n{rows}\n    </ul>",
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


def compose_body(
    nav: str,
    csrf: str,
    draft: Draft,
    labels: Mapping[str, str],
    *,
    error: str | None = None,
    invalid: str | None = None,
    preview: tuple[Mapping[str, str], Mapping[str, int]] | None = None,
) -> str:
    parts = [nav, message(error, error=True)]
    if preview is None:
        parts.append(
            paragraphs(
                "Avant de publier, l'aperçu vous montre le texte exact envoyé sur chaque canal "
                "et le nombre de destinataires."
            )
        )
    parts.append(compose_form(csrf, draft, labels, invalid, preview is not None))
    if preview is not None:
        parts.append(preview_block(*preview))
    return "\n".join(part for part in parts if part)
