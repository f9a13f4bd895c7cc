"""The HTML of the console's « Conversations »: the inbox of the conversations the assistant
handed over to the town agents, and a conversation's page (its question, the turns before
it, its messages, the reply form). Both parts that change are kept current by
static/console-live.js (the element ids are that script's). Links are relative."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo

from arobase.handoff_replies import from_when
from arobase.hours_text import counted
from bot.web.console.announcement_form import described, field_block
from bot.web.console.auth import relative
from bot.web.console.message_render import LIVE_SCRIPT
from bot.web.console.render import (
    CONVERSATIONS_PATH,
    attr,
    data_table,
    escape,
    form,
    message,
    when,
)
from bot.web.frame import paragraphs
from notifications import (
    HandoffAuthor,
    HandoffInfo,
    HandoffMessage,
    HandoffStatus,
    HandoffThread,
    Relay,
    Speaker,
    may_send,
)

STATE_PATH = CONVERSATIONS_PATH + "/etat"
FRONTS = {"web": "Site web", "telegram": "Telegram", "terminal": "Terminal (essai)"}
SPEAKERS = {Speaker.RESIDENT: "Habitant", Speaker.ASSISTANT: "Assistant"}
STEPS = ("repondre", "prendre", "terminer", "renvoyer", "etat")
QUESTION_SHOWN = 90  # characters of the question in the inbox
REPLY_HINT = (
    "L'habitant lit votre réponse dans sa conversation, sous « Agent de la mairie » : jamais "
    "votre nom ni votre adresse."
)
INTRO = (
    "Les habitants qui ont demandé à parler à une personne. Les demandes en attente d'un "
    "agent d'abord, les plus anciennes en premier."
)


def thread_path(handoff_id: int, step: str = "") -> str:
    """A conversation's page, or one of its STEPS."""
    path = f"{CONVERSATIONS_PATH}/{handoff_id}"
    return f"{path}/{step}" if step else path


def status_words(handoff: HandoffInfo) -> str:
    """ "En attente d'un agent", "Prise en charge par …", "Terminée par …"."""
    if handoff.status is HandoffStatus.WAITING:
        return "En attente d'un agent"
    if handoff.status is HandoffStatus.OPEN:
        return f"Prise en charge par {handoff.taken_by}"
    return f"Terminée par {handoff.closed_by}"


def hours_words(handoff: HandoffInfo, zone: tzinfo) -> str:
    """When it was asked, as the resident was told."""
    if handoff.during_hours:
        return "Pendant les horaires d'ouverture"
    if handoff.next_opening is None:
        return "Hors horaires d'ouverture"
    promised = from_when(handoff.next_opening, handoff.opened_at, zone)
    return f"Hors horaires d'ouverture (réponse annoncée {promised})"


def shortened(text: str, limit: int = QUESTION_SHOWN) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def lines(text: str) -> str:
    """TEXT escaped, its line breaks kept."""
    return escape(text).replace("\n", "<br>\n")


# --- The inbox -------------------------------------------------------------------------------


def inbox_summary(handoffs: Sequence[HandoffInfo]) -> str:
    """The counts in one sentence, as the live region announces them when they change."""
    waiting = sum(h.status is HandoffStatus.WAITING for h in handoffs)
    taken = len(handoffs) - waiting
    return f"{counted(waiting, 'demande')} en attente, {counted(taken, 'conversation')} en cours."


def inbox_row(handoff: HandoffInfo, zone: tzinfo) -> str:
    link = attr(relative(CONVERSATIONS_PATH, thread_path(handoff.id)))
    cells = [
        escape(FRONTS.get(handoff.front, handoff.front)),
        when(handoff.opened_at, zone),
        escape(hours_words(handoff, zone)),
        escape(status_words(handoff)),
        escape(shortened(handoff.question)),
    ]
    return (
        f'          <tr><th scope="row"><a href="{link}">n°\u00a0{handoff.id}</a></th>'
        + "".join(f"<td>{cell}</td>" for cell in cells)
        + "</tr>"
    )


def inbox_block(handoffs: Sequence[HandoffInfo], zone: tzinfo) -> str:
    """The part of the inbox that the live updates replace: its table."""
    if not handoffs:
        return paragraphs("Aucune conversation en attente ni en cours.")
    rows = "\n".join(inbox_row(handoff, zone) for handoff in handoffs)
    heads = ["Conversation", "Canal", "Depuis", "Demandée", "État", "Question"]
    return data_table("conversations", inbox_summary(handoffs), heads, rows)


def live_region(state: str, summary: str, live: bool, block: str, ident: str) -> list[str]:
    """The region console-live.js speaks in, the block it replaces, and the script."""
    return [
        f'    <p class="live-status" id="suivi-annonce" aria-live="polite" data-etat="'
        f'{attr(state)}" data-live="{"oui" if live else "non"}" data-resume="{attr(summary)}"></p>',
        f'    <div id="suivi-envois" class="{ident}">\n{block}\n    </div>',
    ]


def inbox_body(nav: str, handoffs: Sequence[HandoffInfo], zone: tzinfo) -> str:
    here = CONVERSATIONS_PATH
    state = relative(here, STATE_PATH)
    return "\n".join(
        [
            nav,
            paragraphs(INTRO),
            *live_region(
                state, inbox_summary(handoffs), True, inbox_block(handoffs, zone), "inbox"
            ),
            f'    <script src="{attr(relative(here, LIVE_SCRIPT))}" defer></script>',
        ]
    )


# --- A conversation ----------------------------------------------------------------------------


def facts(handoff: HandoffInfo, zone: tzinfo) -> str:
    items = [
        ("Canal", escape(FRONTS.get(handoff.front, handoff.front))),
        ("Demandée le", when(handoff.opened_at, zone)),
        ("Horaires", escape(hours_words(handoff, zone))),
        ("État", escape(status_words(handoff))),
        ("Question", lines(handoff.question)),
    ]
    rows = "\n".join(f"      <dt>{name}</dt>\n      <dd>{value}</dd>" for name, value in items)
    return f'    <dl class="held">\n{rows}\n    </dl>'


def transcript_block(thread: HandoffThread) -> str:
    if not thread.transcript:
        return paragraphs("Aucun échange avec l'assistant avant la demande.")
    rows = "\n".join(
        f"      <dt>{SPEAKERS[turn.who]}</dt>\n      <dd>{lines(turn.text)}</dd>"
        for turn in thread.transcript
    )
    return f'    <dl class="held">\n{rows}\n    </dl>'


def author_words(item: HandoffMessage) -> str:
    if item.author is HandoffAuthor.RESIDENT:
        return "Habitant"
    return "Agent" if item.author is HandoffAuthor.AGENT else "Fin de la conversation"


def signed(item: HandoffMessage) -> str:
    """Which agent wrote it, under the text (a long login wraps there, not in the term)."""
    if item.agent is None:
        return ""
    verb = "Écrit" if item.author is HandoffAuthor.AGENT else "Terminée"
    return f"<br>\n        {verb} par {escape(item.agent)}."


def relay_words(item: HandoffMessage, here: str, view: ThreadView) -> str:
    """How the message went to the resident's Telegram chat, with « Renvoyer » when it may
    be sent again."""
    match item.relay:
        case None:
            return ""
        case Relay.SENT:
            text = "Envoyé sur Telegram."
        case Relay.FAILED:
            text = f"Envoi sur Telegram en échec : {item.relay_error or 'raison inconnue'}."
        case _:
            text = "Envoi sur Telegram en cours."
    resend = ""
    if may_send(item, view.now):
        action = relative(here, thread_path(item.handoff_id, "renvoyer"))
        field = f'      <input type="hidden" name="message" value="{item.id}">'
        resend = "\n" + form(action, view.csrf, [field], "Renvoyer", "logout")
    return f"<br>\n        <strong>{escape(text)}</strong>{resend}"


def messages_block(thread: HandoffThread, view: ThreadView) -> str:
    """The part of a conversation's page that the live updates replace: its state and its
    messages."""
    here = thread_path(thread.handoff.id)
    parts = [f"    <p>État\u00a0: <strong>{escape(status_words(thread.handoff))}</strong>.</p>"]
    if not thread.messages:
        parts.append(paragraphs("Aucun message depuis la demande."))
    else:
        rows = "\n".join(
            f"      <dt>{escape(author_words(m))}, {when(m.at, view.zone)}</dt>\n"
            f"      <dd>{lines(m.text)}{signed(m)}{relay_words(m, here, view)}</dd>"
            for m in thread.messages
        )
        parts.append(f'    <dl class="held">\n{rows}\n    </dl>')
    return "\n".join(parts)


def thread_summary(thread: HandoffThread) -> str:
    """What the live region says when the conversation changes."""
    failed = sum(m.relay is Relay.FAILED for m in thread.messages)
    text = f"{counted(len(thread.messages), 'message')}. {status_words(thread.handoff)}."
    return text + (f" {counted(failed, 'envoi')} en échec." if failed else "")


@dataclass(frozen=True)
class ThreadView:
    """Who sees a conversation's page, and when: the town's zone, the session's CSRF token
    and the viewer's login (the agent), at NOW."""

    zone: tzinfo
    csrf: str
    viewer: str
    now: datetime


def reply_form(handoff_id: int, csrf: str, typed: str, invalid: bool) -> str:
    control = (
        f'<textarea id="reponse" name="reponse" rows="5" cols="30" maxlength="2000" required'
        f"{described('reponse', True, invalid)}>{escape(typed)}</textarea>"
    )
    field = field_block("reponse", "Votre réponse", control, REPLY_HINT)
    action = relative(thread_path(handoff_id), thread_path(handoff_id, "repondre"))
    return form(action, csrf, [field], "Envoyer la réponse")


def step_form(handoff_id: int, csrf: str, step: str, button: str) -> str:
    """A button that posts one of the conversation's STEPS."""
    action = relative(thread_path(handoff_id), thread_path(handoff_id, step))
    return form(action, csrf, [], button, "logout")


def thread_body(
    nav: str,
    thread: HandoffThread,
    view: ThreadView,
    outcome: tuple[str | None, str | None] = (None, None),
    typed: str = "",
) -> str:
    """A conversation's page; OUTCOME: an error (the reply refused) and a notice."""
    error, notice = outcome
    handoff = thread.handoff
    here = thread_path(handoff.id)
    live = handoff.status is not HandoffStatus.CLOSED
    parts = [
        nav,
        message(error, error=True),
        message(notice, error=False),
        facts(handoff, view.zone),
        "    <h2>Échanges avec l'assistant avant la demande</h2>",
        transcript_block(thread),
        "    <h2>Messages</h2>",
        *live_region(
            relative(here, thread_path(handoff.id, "etat")),
            thread_summary(thread),
            live,
            messages_block(thread, view),
            "thread",
        ),
    ]
    if live:
        parts += ["    <h2>Répondre</h2>", reply_form(handoff.id, view.csrf, typed, bool(error))]
        if handoff.taken_by != view.viewer:
            parts.append(step_form(handoff.id, view.csrf, "prendre", "Prendre en charge"))
        parts += [
            step_form(handoff.id, view.csrf, "terminer", "Terminer la conversation"),
            f'    <script src="{attr(relative(here, LIVE_SCRIPT))}" defer></script>',
        ]
    back = relative(here, CONVERSATIONS_PATH)
    parts.append(f'    <p><a href="{attr(back)}">Toutes les conversations</a></p>')
    return "\n".join(part for part in parts if part)
