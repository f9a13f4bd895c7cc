"""Conversations handed over to a town agent (issue 11): one use case per action, the same
whichever front-end calls it (the assistant's action, the chat page, the Telegram bot, the
console, the command line).

The resident asks for a person: `open_handoff` keeps the question and the last turns, and
notes whether the town hall is open. From then on the front-ends give each of the
resident's messages to `resident_writes` before Rasa: while the handoff is open it goes to
the agent and Rasa is not asked, so the bot stays silent in that conversation until the
agent closes it. This gate in front of Rasa is our equivalent of Rasa's ConversationPaused
and ConversationResumed events: it needs no tracker store write, and holds whichever Rasa
replica would have answered.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from enum import StrEnum

from arobase.errors import TownContentError
from arobase.handoff_replies import (
    CLOSING_NOTICE,
    acknowledgement,
    hall_hours,
    opened_text,
    thread_full,
    with_the_agent,
)
from arobase.senders import parse_sender
from arobase.town import Town
from notifications.decide.handoffs import (
    INBOX_LIMIT,
    MAX_MESSAGES,
    NEWS_LIMIT,
    QUESTION_CHARS,
    REPLY_CHARS,
    AgentNews,
    HandoffInfo,
    HandoffMessage,
    HandoffOpened,
    HandoffThread,
    Relayed,
    acknowledged,
    bounded,
    erase_before,
    inbox_order,
    is_payload,
    question_of,
    transcript_of,
)
from notifications.errors import InvalidInput, StorageConflict
from notifications.hub import Hub
from notifications.store import handoff_staff as staff_store
from notifications.store import handoffs as store
from notifications.store.staff import AuditEntry
from notifications.town_content import effective_town

log = logging.getLogger(__name__)
UNKNOWN_CONVERSATION = "cette conversation n'a pas d'identifiant connu"
EMPTY_REPLY = "écrivez votre réponse avant de l'envoyer"
LONG_REPLY = f"la réponse dépasse {REPLY_CHARS:,} caractères".replace(",", "\u00a0")


class HandoffAction(StrEnum):
    """What the audit records of the handed-over conversations (in French: staff read it)."""

    TAKEN = "conversation prise en charge"
    REPLIED = "réponse à une conversation"
    CLOSED = "conversation terminée"
    RESENT = "réponse renvoyée"


def _town(hub: Hub) -> Town:
    """The town with the console's closures (the hours the resident is told); the file's
    alone when those edits no longer fit it."""
    try:
        return effective_town(hub)
    except TownContentError as error:
        log.warning("handoff: the console's edits do not fit the town file: %s", error)
        return hub.town


def handoff_detail(handoff_id: int) -> str:
    """How the audit log names a handoff (never by the resident's words)."""
    return f"conversation n° {handoff_id}"


def _note(hub: Hub, actor: str, action: HandoffAction, handoff_id: int) -> AuditEntry:
    return AuditEntry(hub.now(), actor, action, handoff_detail(handoff_id))


# --- the resident's side ---------------------------------------------------------------------


def open_handoff(
    hub: Hub, conversation: str, question: str, transcript: Sequence[tuple[str, str]]
) -> HandoffOpened:
    """Hand CONVERSATION (a sender id) over to the town agents with the resident's QUESTION
    and the TRANSCRIPT of its last turns, (who, text) with who "resident" or "assistant".
    Asked again while one is open, the question is added to it. The reply to say is in the
    result. InvalidInput for a conversation id of no known front."""
    sender = parse_sender(conversation)
    if sender is None:
        raise InvalidInput(UNKNOWN_CONVERSATION)
    town, now = _town(hub), hub.now()
    turns = transcript_of((who, text) for who, text in transcript if not is_payload(text))
    during_hours, next_opening = hall_hours(town, now)
    new = store.NewHandoff(
        conversation=conversation,
        front=sender.front,
        question=question_of(question, turns),
        transcript=turns,
        at=now,
        during_hours=during_hours,
        next_opening=next_opening,
    )
    try:
        handoff, added = store.open_or_add(hub.db, new, MAX_MESSAGES)
    except StorageConflict:  # opened by another process a moment ago: add to that one
        handoff, added = store.open_or_add(hub.db, new, MAX_MESSAGES)
    reply = opened_text(town, now, during_hours, next_opening)
    return HandoffOpened(handoff, added, reply)


def handoff_of(hub: Hub, conversation: str) -> HandoffInfo | None:
    """The conversation's open handoff, if any (one indexed lookup)."""
    return store.open_of(hub.db, conversation)


def resident_writes(hub: Hub, conversation: str, text: str) -> Relayed | None:
    """The resident's message, given by the front-end before Rasa: None when no handoff is
    open (Rasa answers); else it is kept for the agent, and the result says whether and how
    to acknowledge it in the chat (Rasa is not asked: the bot stays silent)."""
    payload = is_payload(text)
    kept = None if payload else bounded(text, QUESTION_CHARS)
    found = store.add_resident(hub.db, conversation, kept, hub.now(), MAX_MESSAGES)
    if found is None:
        return None
    handoff, previous, stored = found
    if payload:
        return Relayed(handoff, False, True, with_the_agent(hub.town))
    if not stored:
        return Relayed(handoff, False, True, thread_full(hub.town))
    # The hours as noted when it was asked: an answer "from Monday 8:30" holds until then.
    words = acknowledgement(hub.town, hub.now(), handoff.during_hours, handoff.next_opening)
    return Relayed(handoff, True, acknowledged(previous), words)


def agent_messages_since(hub: Hub, conversation: str, after: int) -> AgentNews:
    """For the web page's polling: the agent's messages and the closing notice of the
    conversation's latest handoff after message AFTER, and whether it is still open."""
    return store.news(hub.db, conversation, after, NEWS_LIMIT)


# --- the agents' side ------------------------------------------------------------------------


def waiting_handoffs(hub: Hub) -> list[HandoffInfo]:
    """The inbox: the handoffs waiting for an agent first, then those taken; oldest first."""
    return inbox_order(staff_store.handoffs_not_closed(hub.db, INBOX_LIMIT))


def handoffs_waiting(hub: Hub) -> int:
    """How many handoffs no agent has taken yet."""
    return staff_store.waiting_count(hub.db)


def handoff_thread(hub: Hub, handoff_id: int) -> HandoffThread:
    """The handoff, the turns before it and its messages; NotFound when there is none."""
    return staff_store.thread(hub.db, handoff_id)


def handoff_message(hub: Hub, message_id: int) -> tuple[HandoffInfo, HandoffMessage]:
    """One message of a thread with its handoff; NotFound when there is none."""
    return staff_store.message(hub.db, message_id)


def take_handoff(hub: Hub, handoff_id: int, agent: str) -> HandoffInfo:
    """AGENT takes the handoff: the other agents see who. Conflict when it is closed."""
    note = _note(hub, agent, HandoffAction.TAKEN, handoff_id)
    return staff_store.take(hub.db, handoff_id, agent, hub.now(), note)


def agent_replies(hub: Hub, handoff_id: int, agent_login: str, text: str) -> HandoffMessage:
    """AGENT_LOGIN's reply, stored for the resident before anything is sent (a Telegram chat
    then gets it from `handoff_relay.relay_message`; the web page asks for it). InvalidInput
    for an empty or too long reply, Conflict when the handoff is closed."""
    reply = bounded(text, REPLY_CHARS + 1)
    if not reply:
        raise InvalidInput(EMPTY_REPLY)
    if len(reply) > REPLY_CHARS:
        raise InvalidInput(LONG_REPLY)
    note = _note(hub, agent_login, HandoffAction.REPLIED, handoff_id)
    return staff_store.add_agent(hub.db, handoff_id, reply, hub.now(), agent=agent_login, note=note)


def close_handoff(hub: Hub, handoff_id: int, agent: str) -> HandoffMessage:
    """AGENT ends the handoff: the resident is told (the closing notice, stored like a
    reply), and the assistant answers them again. Conflict when it is already closed."""
    note = _note(hub, agent, HandoffAction.CLOSED, handoff_id)
    return staff_store.close(hub.db, handoff_id, CLOSING_NOTICE, hub.now(), agent=agent, note=note)


# --- retention and erasure -------------------------------------------------------------------


def purge_handoffs(hub: Hub) -> int:
    """Handoffs closed more than AROBASE_HANDOFF_RETENTION_DAYS ago erased, with their
    messages (the worker's hourly retention); how many."""
    before = erase_before(hub.now(), hub.settings.handoff_retention_days)
    return staff_store.purge_closed(hub.db, before)


def erase_handoffs(hub: Hub, conversation: str) -> int:
    """Every handoff of CONVERSATION erased, open ones included (a resident's erasure)."""
    return staff_store.erase_conversation(hub.db, conversation)
