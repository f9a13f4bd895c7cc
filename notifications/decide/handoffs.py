"""Conversations handed over to a town agent, decided purely: the records passed between the
layers, what of a conversation is kept (its last turns, each bounded), the order of the
agents' inbox, when a resident's message is acknowledged, and when a closed one is erased."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from arobase.senders import Front

MAX_TURNS = 10  # the last turns of the conversation shown to the agent
TURN_CHARS = 1000  # one turn as kept (an assistant's long answer is cut, with « … »)
QUESTION_CHARS = 1000  # a resident's message, as the chat takes it
REPLY_CHARS = 2000  # an agent's reply (one Telegram message, with room to spare)
MAX_MESSAGES = 200  # messages in one handoff: a flood stops there, the agent has enough
INBOX_LIMIT = 200  # handoffs listed in the inbox
NEWS_LIMIT = 20  # agent messages one poll of the web page returns
# A sending to Telegram (three tries, 10 s each at most) is over well within this: one begun
# longer ago was cut short, and may be made again.
SEND_LEASE = timedelta(seconds=90)
# A button's payload (« /human_handoff », « /ask_contact{"service":"ccas"} »): no words
# a person wrote, nothing to pass on to the agent.
_PAYLOAD = re.compile(r"/\w+(\{.*\})?", re.DOTALL)
ASKED_FOR_A_PERSON = "Demande à parler à un agent, sans autre message."


class HandoffStatus(StrEnum):
    """Where a handoff stands: waiting for an agent → open (an agent took it) → closed."""

    WAITING = "waiting"
    OPEN = "open"
    CLOSED = "closed"


class HandoffAuthor(StrEnum):
    """Who wrote a message of a handoff's thread."""

    RESIDENT = "resident"
    AGENT = "agent"
    CLOSING = "closing"  # the notice that the agent ended the conversation


class Relay(StrEnum):
    """A message for a Telegram chat: stored first, then sent (the web page polls instead)."""

    PENDING = "pending"  # stored, not sent yet
    SENDING = "sending"  # being sent since relay_at (a send cut short: sent again later)
    SENT = "sent"
    FAILED = "failed"  # the reason is kept; the console offers « Renvoyer »


class Speaker(StrEnum):
    """Who said a turn of the conversation before the handoff."""

    RESIDENT = "resident"
    ASSISTANT = "assistant"


@dataclass(frozen=True)
class Turn:
    who: Speaker
    text: str


@dataclass(frozen=True)
class HandoffInfo:
    """A conversation handed over to the town agents, without its thread."""

    id: int
    conversation: str  # "web:<session>", "telegram:<chat id>" (arobase.senders)
    front: str  # web | telegram | terminal
    status: HandoffStatus
    question: str
    opened_at: datetime
    during_hours: bool  # the town hall was open when it was asked
    next_opening: datetime | None  # when asked outside the hours: when it opens next
    taken_by: str | None = None  # the agent who took it
    taken_at: datetime | None = None
    closed_by: str | None = None
    closed_at: datetime | None = None


@dataclass(frozen=True)
class HandoffMessage:
    """One message of a handoff's thread after its question."""

    id: int
    handoff_id: int
    at: datetime
    author: HandoffAuthor
    text: str
    agent: str | None = None  # the agent's login, for staff only (never told to residents)
    relay: Relay | None = None  # None: nothing to send (the web page, a resident's message)
    relay_error: str | None = None
    relay_at: datetime | None = None  # when its latest sending began


@dataclass(frozen=True)
class HandoffThread:
    handoff: HandoffInfo
    transcript: tuple[Turn, ...]
    messages: tuple[HandoffMessage, ...]


@dataclass(frozen=True)
class HandoffOpened:
    """What `open_handoff` did: a handoff opened, or the question ADDED to the one already
    open; REPLY is what the assistant says to the resident (arobase.handoff_replies)."""

    handoff: HandoffInfo
    added: bool
    reply: str


@dataclass(frozen=True)
class Relayed:
    """A resident's message taken for the agent (the bot stays silent): whether to say so in
    the chat, and the words (arobase.handoff_replies.acknowledgement)."""

    handoff: HandoffInfo
    stored: bool  # False: a button's payload, or the thread is full
    acknowledge: bool
    acknowledgement: str


@dataclass(frozen=True)
class AgentNews:
    """For the web page's polling: the agent's messages (and the closing notice) after the
    last one the page shows, and whether the handoff is still open."""

    open: bool
    status: HandoffStatus | None
    messages: tuple[HandoffMessage, ...]


def bounded(text: str, limit: int) -> str:
    """TEXT without control characters (line breaks kept), trimmed, at most LIMIT characters
    (cut with « … »)."""
    text = text.replace("\r\n", "\n")
    kept = "".join(c for c in text if c == "\n" or unicodedata.category(c) not in ("Cc", "Cs"))
    kept = kept.strip()
    return kept if len(kept) <= limit else kept[: limit - 1].rstrip() + "…"


def transcript_of(turns: Iterable[tuple[str, str]]) -> tuple[Turn, ...]:
    """The last MAX_TURNS turns worth showing: who is "resident" or "assistant" (others are
    left out), each text bounded, empty ones dropped."""
    speakers = {speaker.value: speaker for speaker in Speaker}
    kept = [
        Turn(speakers[who], bounded(text, TURN_CHARS))
        for who, text in turns
        if who in speakers and isinstance(text, str) and bounded(text, TURN_CHARS)
    ]
    return tuple(kept[-MAX_TURNS:])


def is_payload(text: str) -> bool:
    """Whether TEXT is a button's payload rather than words a person wrote."""
    return _PAYLOAD.fullmatch(text.strip()) is not None


def question_of(question: str, turns: Sequence[Turn]) -> str:
    """The question the agent reads first: QUESTION as the resident wrote it; for a button's
    payload (« Parler à un agent »), their last message before it."""
    text = "" if is_payload(question) else bounded(question, QUESTION_CHARS)
    said = [turn.text for turn in turns if turn.who is Speaker.RESIDENT]
    return text or (said[-1] if said else ASKED_FOR_A_PERSON)


def relay_for(front: str) -> Relay | None:
    """A Telegram chat is sent the agent's messages (stored first, pending); the web page
    asks for them itself."""
    return Relay.PENDING if front == Front.TELEGRAM else None


def may_send(message: HandoffMessage, now: datetime) -> bool:
    """Whether MESSAGE may be sent to its chat now: never sent, or its sending failed, or one
    began so long ago that it was cut short (the process stopped mid-send)."""
    if message.relay in (Relay.PENDING, Relay.FAILED):
        return True
    started = message.relay_at
    return message.relay is Relay.SENDING and started is not None and now - started > SEND_LEASE


def acknowledged(previous: HandoffAuthor | None) -> bool:
    """Whether the chat tells the resident that their message went to the agent: for the
    first one since the handoff opened or since the agent's last reply, not for each line of
    a burst (Telegram notifies every message)."""
    return previous is not HandoffAuthor.RESIDENT


def inbox_order(handoffs: Sequence[HandoffInfo]) -> list[HandoffInfo]:
    """The inbox: those waiting for an agent first, then those taken; oldest first in each."""
    return sorted(handoffs, key=lambda h: (h.status is not HandoffStatus.WAITING, h.opened_at))


def erase_before(now: datetime, retention_days: int) -> datetime:
    """Handoffs closed before this moment are erased, with their messages."""
    return now - timedelta(days=retention_days)
