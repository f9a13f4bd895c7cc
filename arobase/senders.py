"""Conversation ids, Rasa's "sender ids": written by the front-ends, read back by the actions.

A conversation id is "<front>:<address>": `telegram:<chat id>` for a Telegram chat (its
address is also the chat's alert address, so an erased subscriber's conversation can be
found), `web:<session>` for the website's chat, `terminal:<random>` for staff trying the bot.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

SEPARATOR = ":"


class Front(StrEnum):
    """Where a conversation with the assistant takes place."""

    TELEGRAM = "telegram"
    WEB = "web"
    TERMINAL = "terminal"


# Fronts anyone may open a conversation on: their ids name no one (the Rasa channel lets
# them through without the Rasa token; rasa_addons/arobase_channels.py keeps the same list).
OPEN_FRONTS = (Front.WEB, Front.TERMINAL)
# Alert channels whose address is also a conversation with the assistant.
CHAT_CHANNELS = frozenset({Front.TELEGRAM.value})


@dataclass(frozen=True)
class Sender:
    front: str
    address: str


def sender_id(front: Front | str, address: str) -> str:
    """'telegram:12345', 'web:3f2a…'."""
    return f"{front}{SEPARATOR}{address}"


def parse_sender(value: str) -> Sender | None:
    """The front and address of a conversation id; None when it has no known front."""
    front, separator, address = (value or "").partition(SEPARATOR)
    if not separator or not address or front not in Front.__members__.values():
        return None
    return Sender(front, address)


def alert_chat(value: str) -> tuple[str, str] | None:
    """The (alert channel, address) of a conversation that can hold alerts (a Telegram chat);
    None for the website's and the terminal's, which cannot."""
    sender = parse_sender(value)
    if sender is None or sender.front not in CHAT_CHANNELS:
        return None
    return sender.front, sender.address


def conversation_id(channel: str, address: str) -> str | None:
    """The conversation id of the chat at ADDRESS on alert CHANNEL; None when that channel is
    not a chat with the assistant (e-mail, Web Push…)."""
    return sender_id(channel, address) if channel in CHAT_CHANNELS else None


def open_prefixes() -> tuple[str, ...]:
    """'web:', 'terminal:': the conversation ids that need no token."""
    return tuple(sender_id(front, "") for front in OPEN_FRONTS)
