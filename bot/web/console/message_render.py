"""The HTML of a message's page in the console: what it says and who wrote and approved it,
its deliveries per channel (kept current by static/console-live.js while some are pending),
its latest refusals, and what may be done with it in its state. Links are relative."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, tzinfo

from bot.web.console.announcement_render import (
    area_names,
    cancel_path,
    channel_name,
    message_path,
    moment,
    number,
    status_name,
    topic_names,
)
from bot.web.console.auth import relative
from bot.web.console.render import ANNOUNCEMENTS_PATH, attr, data_table, escape, form, message
from bot.web.frame import paragraphs
from notifications import Announcement, ChannelStats, MessageInfo

OPEN = ("draft", "awaiting", "scheduled")  # not released: may still change
LIVE_SCRIPT = "/static/console-live.js"
COMMENT_HINT = "Dites à son auteur ce qu'il faut changer : il le lira sur cette page."


@dataclass(frozen=True)
class MessageView:
    """What a message's page shows, and to whom (VIEWER: the logged-in e-mail)."""

    found: Announcement
    stats: list[ChannelStats]
    refused: list[tuple[int, str, str]]
    now: datetime
    zone: tzinfo
    labels: Mapping[str, str]
    viewer: str
    places: Mapping[str, str] = field(default_factory=dict)  # the town's areas, by key

    @property
    def info(self) -> MessageInfo:
        return self.found.message

    @property
    def pending(self) -> int:
        return sum(s.pending for s in self.stats)

    @property
    def live(self) -> bool:
        """Whether its deliveries may still change: due and not yet fanned out, or some
        still to make."""
        info = self.info
        due = info.status == "scheduled" and info.scheduled_at <= self.now
        return due or self.pending > 0


def step_path(message_id: int, step: str) -> str:
    """A message's step: "modifier", "brouillon", "valider", "renvoyer", "relancer", "etat"."""
    return f"{message_path(message_id)}/{step}"


def facts(view: MessageView) -> str:
    info, found, zone = view.info, view.found, view.zone
    link = (
        f'<a href="{attr(info.link)}" rel="noopener noreferrer">{escape(info.link)}</a>'
        if info.link
        else "aucun"
    )
    items = [
        ("Titre", escape(info.title)),
        ("Texte", escape(info.body) if info.body else "aucun"),
        ("Lien", link),
        ("Thèmes", escape(topic_names(info.topics, view.labels))),
        *([("Secteurs", escape(area_names(info.areas, view.places)))] if view.places else []),
        ("Urgence", "<strong>urgent</strong>" if info.urgent else "non urgent"),
        ("État", escape(status_name(info.status))),
        ("Prévu le", "dès sa publication" if found.immediate and info.status in OPEN[:2]
         else moment(info.scheduled_at, zone)),
        ("Envoyé le", moment(info.released_at, zone)),
    ]  # fmt: skip
    for name, value in (
        ("Écrit par", found.created_by),
        ("Modifié en dernier par", found.edited_by),
        ("Validé par", found.approved_by),
        ("Envoyé sans validation, motif", found.bypass_reason),
        ("Commentaire du relecteur", found.review_note),
    ):
        if value:
            items.append((name, escape(value)))
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


def summary(view: MessageView) -> str:
    """The counts in one sentence, as the live region announces them when they change."""
    sent, failed = sum(s.sent for s in view.stats), sum(s.failed for s in view.stats)
    return (
        f"État\u00a0: {status_name(view.info.status)}. Envoyés\u00a0: {number(sent)}, "
        f"en échec\u00a0: {number(failed)}, en attente\u00a0: {number(view.pending)}."
    )


def deliveries_block(view: MessageView) -> str:
    """The part of the page that the live updates replace: the deliveries and refusals."""
    return "\n".join(
        [
            '    <h2 id="envois">Envois</h2>',
            stats_table(view.stats),
            '    <h2 id="refus">Derniers envois refusés</h2>',
            failures_list(view.refused),
        ]
    )


def revision_field(view: MessageView) -> list[str]:
    return [f'      <input type="hidden" name="revision" value="{view.found.revision}">']


def review_forms(view: MessageView, csrf: str, here: str) -> list[str]:
    """Approve, or send back with a comment: for someone who did not write it."""
    message_id = view.info.id
    writers = {view.found.created_by, view.found.edited_by}
    if view.viewer in writers:
        return [
            paragraphs(
                "Cette annonce attend la validation d'un autre éditeur ou d'un administrateur."
            )
        ]
    comment = (
        '      <div class="field">\n        <label for="commentaire">Commentaire pour '
        "l'auteur</label>\n"
        f'        <p class="hint" id="commentaire-hint">{escape(COMMENT_HINT)}</p>\n'
        '        <textarea id="commentaire" name="commentaire" rows="3" cols="30" '
        'maxlength="2000" required aria-describedby="commentaire-hint"></textarea>\n'
        "      </div>"
    )
    return [
        '    <h2 id="validation">Validation</h2>',
        form(
            relative(here, step_path(message_id, "valider")),
            csrf,
            revision_field(view),
            "Valider l'annonce",
        ),
        form(
            relative(here, step_path(message_id, "renvoyer")),
            csrf,
            [*revision_field(view), comment],
            "Renvoyer en brouillon",
        ),
    ]


def actions(view: MessageView, csrf: str) -> list[str]:
    """What may be done with the message in its state."""
    info, here = view.info, message_path(view.info.id)
    parts: list[str] = []
    if info.status in OPEN and info.kind == "staff" and info.released_at is None:
        edit = relative(here, step_path(info.id, "modifier"))
        parts.append(f'    <p><a class="action" href="{attr(edit)}">Modifier l\'annonce</a></p>')
        if info.status != "draft":
            to_draft = relative(here, step_path(info.id, "brouillon"))
            parts.append(form(to_draft, csrf, [], "Remettre en brouillon", "logout"))
        if info.status == "awaiting":
            parts += review_forms(view, csrf, here)
    if cancellable(info, view.stats):
        label = "Annuler l'envoi" if info.status in ("scheduled", "sent") else "Abandonner"
        parts.append(form(relative(here, cancel_path(info.id)), csrf, [], label, "logout"))
    if info.status == "sent" and any(s.failed for s in view.stats):
        retry = relative(here, step_path(info.id, "relancer"))
        parts.append(form(retry, csrf, [], "Relancer les envois en échec", "logout"))
    return parts


def message_body(
    nav: str, csrf: str, view: MessageView, *, error: str | None = None, notice: str | None = None
) -> str:
    """The message, its workflow, its deliveries per channel, its latest refusals and what
    may be done with it; a live region and the script that keeps it current while it runs."""
    info, here = view.info, message_path(view.info.id)
    loaded = f"{view.now.astimezone(view.zone):%d/%m/%Y à %H:%M}"
    parts = [
        nav,
        message(error, error=True),
        message(notice, error=False),
        f'    <p>Cette page montre l\'état au {loaded}. <a href="{attr(relative(here, here))}">'
        "Actualiser</a></p>",
        facts(view),
    ]
    if info.status == "scheduled" and info.scheduled_at <= view.now:
        parts.append(paragraphs("Le message part maintenant : le service d'envoi le distribue."))
    parts += actions(view, csrf)
    live = "oui" if view.live else "non"
    state = relative(here, step_path(info.id, "etat"))
    parts += [
        f'    <p class="live-status" id="suivi-annonce" aria-live="polite" data-etat="'
        f'{attr(state)}" data-live="{live}" data-resume="{attr(summary(view))}"></p>',
        f'    <div id="suivi-envois">\n{deliveries_block(view)}\n    </div>',
        f'    <p><a href="{attr(relative(here, ANNOUNCEMENTS_PATH))}">Toutes les annonces</a></p>',
    ]
    if view.live:
        parts.append(f'    <script src="{attr(relative(here, LIVE_SCRIPT))}" defer></script>')
    return "\n".join(part for part in parts if part)


def cancellable(info: MessageInfo, stats: list[ChannelStats]) -> bool:
    """While it is not released, or some of its deliveries are still to make."""
    if info.status == "cancelled":
        return False
    return info.status in OPEN or any(s.pending for s in stats)
