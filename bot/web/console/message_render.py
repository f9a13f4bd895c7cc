"""The HTML of a message's page in the console: what it says, its deliveries per channel, its
latest refusals and its « Annuler » button. Links are relative to their page."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, tzinfo

from bot.web.console.announcement_render import (
    cancel_path,
    channel_name,
    message_path,
    moment,
    status_name,
    topic_names,
)
from bot.web.console.auth import relative
from bot.web.console.render import ANNOUNCEMENTS_PATH, attr, data_table, escape, form
from bot.web.frame import paragraphs
from notifications import ChannelStats, MessageInfo


def facts(info: MessageInfo, labels: Mapping[str, str], zone: tzinfo) -> str:
    link = (
        f'<a href="{attr(info.link)}" rel="noopener noreferrer">{escape(info.link)}</a>'
        if info.link
        else "aucun"
    )
    items = [
        ("Titre", escape(info.title)),
        ("Texte", escape(info.body) if info.body else "aucun"),
        ("Lien", link),
        ("Thèmes", escape(topic_names(info.topics, labels))),
        ("Urgence", "<strong>urgent</strong>" if info.urgent else "non urgent"),
        ("État", escape(status_name(info.status))),
        ("Prévu le", moment(info.scheduled_at, zone)),
        ("Envoyé le", moment(info.released_at, zone)),
    ]
    rows = "\n".join(f"      <dt>{name}</dt>\n      <dd>{value}</dd>" for name, value in items)
    return f'    <dl class="message-facts">\n{rows}\n    </dl>'


def stats_table(stats: list[ChannelStats]) -> str:
    if not stats:
        return paragraphs("Aucun envoi n'est encore préparé pour ce message.")
    heads = ["Canal", "Envoyés", "En échec", "En attente", "Annulés"]
    rows = "\n".join(
        f'          <tr><th scope="row">{escape(channel_name(s.channel))}</th>'
        f"<td>{s.sent}</td><td>{s.failed}</td><td>{s.pending}</td><td>{s.cancelled}</td></tr>"
        for s in stats
    )
    return data_table("stats", "Les envois, par canal", heads, rows)


def failures_list(refused: list[tuple[int, str, str]]) -> str:
    if not refused:
        return paragraphs("Aucun envoi refusé.")
    items = "\n".join(
        f"      <li>Envoi n° {delivery_id} ({escape(channel_name(channel))})\u00a0: "
        f"{escape(reason)}</li>"
        for delivery_id, channel, reason in refused
    )
    return f"    <ul>\n{items}\n    </ul>"


def message_body(
    nav: str,
    csrf: str,
    info: MessageInfo,
    details: tuple[list[ChannelStats], list[tuple[int, str, str]]],
    labels: Mapping[str, str],
    zone: tzinfo,
    now: datetime,
) -> str:
    """The message, its deliveries per channel, its latest refusals and its « Annuler »."""
    stats, refused = details
    here = message_path(info.id)
    loaded = f"{now.astimezone(zone):%d/%m/%Y à %H:%M}"
    parts = [
        nav,
        f'    <p>Cette page montre l\'état au {loaded}. <a href="{attr(relative(here, here))}">'
        "Actualiser</a></p>",
        facts(info, labels, zone),
    ]
    if info.status == "scheduled" and info.scheduled_at <= now:
        parts.append(paragraphs("Le message part maintenant : le service d'envoi le distribue."))
    if cancellable(info, stats):
        parts.append(
            form(relative(here, cancel_path(info.id)), csrf, [], "Annuler l'envoi", "logout")
        )
    parts += [
        '    <h2 id="envois">Envois</h2>',
        stats_table(stats),
        '    <h2 id="refus">Derniers envois refusés</h2>',
        failures_list(refused),
        f'    <p><a href="{attr(relative(here, ANNOUNCEMENTS_PATH))}">Toutes les annonces</a></p>',
    ]
    return "\n".join(parts)


def cancellable(info: MessageInfo, stats: list[ChannelStats]) -> bool:
    """While it waits for its time, or some of its deliveries are still to make."""
    if info.status == "cancelled":
        return False
    return info.status == "scheduled" or any(s.pending for s in stats)
