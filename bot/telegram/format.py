"""How the assistant's replies look on Telegram: pure functions, no I/O.

Replies are sent in HTML parse mode, so every text from Rasa is escaped; long replies are
split at paragraph boundaries under Telegram's 4,096-character limit; Rasa buttons become
inline keyboard buttons whose callback data carries the payload back to Rasa.
"""

from __future__ import annotations

import html
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

from bot.rasa_client import Button, Reply

MAX_MESSAGE = 4096
MAX_CALLBACK_BYTES = 64  # Telegram's limit on callback_data
PAYLOAD_PREFIX = "r:"  # callback data holding a Rasa payload itself
STORED_PREFIX = "s:"  # callback data holding the key of a payload kept in memory


def escape(text: str) -> str:
    return html.escape(text, quote=False)


def _hard_split(text: str, limit: int) -> list[str]:
    """A paragraph longer than LIMIT: cut at line ends, then spaces, then anywhere."""
    pieces: list[str] = []
    while len(text) > limit:
        cut = max(text.rfind("\n", 0, limit), text.rfind(" ", 0, limit))
        if cut <= 0:
            cut = limit
        pieces.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    return [*pieces, text] if text else pieces


def split_message(text: str, limit: int = MAX_MESSAGE) -> list[str]:
    """TEXT in parts of at most LIMIT characters, cut between paragraphs when possible."""
    if len(text) <= limit:
        return [text]
    parts: list[str] = []
    current = ""
    for paragraph in text.split("\n\n"):
        candidate = f"{current}\n\n{paragraph}" if current else paragraph
        if len(candidate) <= limit:
            current = candidate
            continue
        if current:
            parts.append(current)
        if len(paragraph) <= limit:
            current = paragraph
        else:
            *whole, current = _hard_split(paragraph, limit)
            parts.extend(whole)
    if current:
        parts.append(current)
    return parts


def html_parts(text: str, limit: int = MAX_MESSAGE) -> list[str]:
    """Escaped parts ready for HTML parse mode, each within Telegram's limit once escaped."""
    parts: list[str] = []
    for part in split_message(text, limit):
        escaped = escape(part)
        # Escaping lengthens the text ("&" becomes "&amp;"): split that part finer.
        parts.extend([escaped] if len(escaped) <= MAX_MESSAGE else html_parts(part, limit // 2))
    return parts


def merge_replies(replies: Sequence[Reply]) -> list[Reply]:
    """Rasa's REST channel cuts an answer at each blank line; on Telegram each piece would be
    its own message (and notification): consecutive pieces are joined again, and a reply
    with buttons closes the group, its buttons under the joined text."""
    merged: list[Reply] = []
    pending: list[str] = []
    question = None  # the question a piece answers goes with the joined text
    for reply in replies:
        if reply.text:
            pending.append(reply.text)
        question = reply.question or question
        if reply.buttons:
            merged.append(Reply("\n\n".join(pending), reply.buttons, question))
            pending, question = [], None
    if pending:
        merged.append(Reply("\n\n".join(pending), question=question))
    return merged


class PayloadStore:
    """Rasa payloads too long for callback data, kept in memory under a short key.

    After a restart the keys are unknown: the bot then asks the resident to ask again.
    """

    def __init__(self, size: int = 10_000) -> None:
        self._size = size
        self._payloads: OrderedDict[str, str] = OrderedDict()
        self._next = 0

    def put(self, payload: str) -> str:
        self._next += 1
        key = format(self._next, "x")
        self._payloads[key] = payload
        while len(self._payloads) > self._size:
            self._payloads.popitem(last=False)
        return key

    def get(self, key: str) -> str | None:
        return self._payloads.get(key)


def callback_data(payload: str, store: PayloadStore) -> str:
    inline = PAYLOAD_PREFIX + payload
    if len(inline.encode()) <= MAX_CALLBACK_BYTES:
        return inline
    return STORED_PREFIX + store.put(payload)


def payload_of(data: str, store: PayloadStore) -> str | None:
    """The Rasa payload behind callback DATA; None when it is unknown (expired)."""
    if data.startswith(PAYLOAD_PREFIX):
        return data[len(PAYLOAD_PREFIX) :]
    if data.startswith(STORED_PREFIX):
        return store.get(data[len(STORED_PREFIX) :])
    return None


@dataclass(frozen=True)
class KeyButton:
    text: str
    data: str


def keyboard(buttons: Sequence[Button], store: PayloadStore) -> list[list[KeyButton]]:
    """One button per row: titles stay whole and easy to tap."""
    return [[KeyButton(b.title, callback_data(b.payload, store))] for b in buttons]


# --- The vote on an answer (👍/👎, issue 11) -------------------------------------------------

VOTE_PREFIX = "avis:"  # callback data "avis:<question id>:1" (👍) or ":0" (👎)
VOTE_THANKS = "Merci pour votre avis."
VOTE_REFUSED = (
    "Votre avis sur cette réponse ne peut plus être enregistré : l'avis est possible dans les "
    "24\u00a0heures qui suivent la réponse."
)


def vote_rows(question: str | None) -> list[list[KeyButton]]:
    """The row of 👍 and 👎 under an answer to QUESTION (none without a question)."""
    if not question:
        return []
    data = VOTE_PREFIX + question
    # Words beside the emoji: a screen reader reads a bare 👍 as « pouce levé », not a vote.
    return [[KeyButton("👍 Utile", f"{data}:1"), KeyButton("👎 Pas utile", f"{data}:0")]]


def vote_of(data: str) -> tuple[str, bool] | None:
    """The question and the vote of callback DATA; None when it is not one."""
    question, _, vote = data.removeprefix(VOTE_PREFIX).rpartition(":")
    if not data.startswith(VOTE_PREFIX) or not question or vote not in ("0", "1"):
        return None
    return question, vote == "1"


def without_votes(rows: Sequence[Sequence[KeyButton]]) -> list[list[KeyButton]]:
    """ROWS but the vote's, once the resident has voted (the assistant's choices stay)."""
    return [list(row) for row in rows if not any(b.data.startswith(VOTE_PREFIX) for b in row)]
