"""The HTML of a subscriber at the counter: what is held on them, with the buttons that export
and erase it, and the erasure's confirmation. Every form names the subscriber by channel and
exact address (hidden fields), never by number: nothing shows more than an exact lookup."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, tzinfo

from bot.web.console.announcement_render import area_names, channel_name, topic_names
from bot.web.console.auth import relative
from bot.web.console.counter_render import ERASE_PATH, EXPORT_PATH, FIND_PATH
from bot.web.console.render import COUNTER_PATH, attr, escape, form, message, when
from notifications import SubscriberFile, SubscriberInfo

CONFIRM_FIELD, CONFIRMED = "confirmer", "oui"  # the erasure's second step
OWN_SIGNUP = "la personne elle-même, en ligne"


def hidden(info: SubscriberInfo) -> list[str]:
    """The fields that name INFO in a form: its channel and exact address."""
    return [
        f'      <input type="hidden" name="canal" value="{attr(info.channel)}">',
        f'      <input type="hidden" name="adresse" value="{attr(info.address)}">',
    ]


def moment(at: datetime | None, zone: tzinfo) -> str:
    return when(at, zone) if at else "—"


def confirmation(file: SubscriberFile, zone: tzinfo) -> str:
    info = file.held.subscriber
    if info.confirmed:
        return "confirmée le " + moment(file.held.confirmed_at, zone)
    return "en attente : aucune alerte ne part avant que la personne confirme"


def state(info: SubscriberInfo, zone: tzinfo) -> str:
    if info.active:
        return "actif"
    reason = escape(info.deactivated_reason or "raison inconnue")
    return f"désactivé le {moment(info.deactivated_at, zone)} ({reason})"


def held_rows(
    file: SubscriberFile, labels: Mapping[str, str], zone: tzinfo, places: Mapping[str, str]
) -> list[tuple[str, str]]:
    """(term, HTML) for each datum held, in the order a person asks about them (the areas
    chosen when the town has some: PLACES, their names)."""
    info, consent = file.held.subscriber, file.consent
    how = consent.how.label if consent.how else "inscription en ligne par la personne"
    return [
        ("Canal", escape(channel_name(info.channel))),
        ("Adresse", f"<strong>{escape(info.address)}</strong>"),
        ("Thèmes", escape(topic_names(info.topics, labels) or "aucun")),
        *([("Secteurs", escape(area_names(info.areas, places)))] if places else []),
        ("Date de l'accord", moment(info.consent_at, zone)),
        ("Accord recueilli par", escape(consent.by or OWN_SIGNUP)),
        ("Manière de donner l'accord", escape(how)),
        ("Inscription", confirmation(file, zone)),
        ("État", state(info, zone)),
        ("Heures calmes", escape(info.quiet.replace("-", " à ") if info.quiet else "aucune")),
        ("Envois enregistrés", str(len(file.held.deliveries))),
    ]


def subscriber_body(
    nav: str,
    csrf: str,
    file: SubscriberFile,
    view: tuple[Mapping[str, str], tzinfo, Mapping[str, str]],
    notice: str = "",
) -> str:
    """What is held on one subscriber (VIEW: the topics' labels, the town's zone, the areas'
    names), then the buttons that export and erase it."""
    labels, zone, places = view
    info = file.held.subscriber
    rows = "\n".join(
        f"      <dt>{escape(term)}</dt>\n      <dd>{value}</dd>"
        for term, value in held_rows(file, labels, zone, places)
    )
    here = FIND_PATH
    export = form(relative(here, EXPORT_PATH), csrf, hidden(info), "Exporter ses données")
    erase = form(relative(here, ERASE_PATH), csrf, hidden(info), "Effacer ses données")
    back = attr(relative(here, COUNTER_PATH))
    return "\n".join(
        part
        for part in (
            nav,
            message(notice, error=False),
            '    <h2 id="donnees">Données enregistrées</h2>',
            f'    <dl class="held">\n{rows}\n    </dl>',
            '    <h2 id="droits">Droits de la personne</h2>',
            "    <p>Le fichier exporté contient toutes ses données, envois compris (format "
            "JSON).</p>",
            export,
            erase,
            f'    <p><a href="{back}">Revenir au guichet</a></p>',
        )
        if part
    )


def erase_body(nav: str, csrf: str, info: SubscriberInfo) -> str:
    """The erasure's second step: a form that names the address, and the way back."""
    address = escape(info.address)
    fields = [
        *hidden(info),
        f'      <input type="hidden" name="{CONFIRM_FIELD}" value="{CONFIRMED}">',
    ]
    button = f"Effacer définitivement les données de {info.address}"
    back = attr(relative(ERASE_PATH, COUNTER_PATH))
    return "\n".join(
        [
            nav,
            f"    <p>Toutes les données de <strong>{address}</strong> "
            f"({escape(channel_name(info.channel))}) vont être effacées : son inscription, ses "
            "thèmes et l'historique de ses envois. Cela ne peut pas être annulé.</p>",
            form(relative(ERASE_PATH, ERASE_PATH), csrf, fields, button),
            f'    <p><a href="{back}">Ne rien effacer et revenir au guichet</a></p>',
        ]
    )
