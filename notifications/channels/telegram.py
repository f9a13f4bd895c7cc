"""The Telegram channel: a chat id as the address, HTML messages within Telegram's limit.

Residents subscribe from the chat, so no confirmation is asked, and a chat has /stop and
/alertes instead of an unsubscribe link. The sender (python-telegram-bot) is in
telegram_sender.py, imported only when the worker builds the channel.
"""

from __future__ import annotations

import html
import re
from dataclasses import replace
from typing import TYPE_CHECKING

from notifications.channels.base import AddressContext, ChannelPlugin, Params
from notifications.errors import InvalidAddress
from notifications.records import Envelope, Notice
from notifications.render import digest_title, headline

if TYPE_CHECKING:
    from arobase.settings import Settings

CHAT_ID = re.compile(r"-?\d{1,20}")
TELEGRAM_MAX_CHARS = 4096
FOOTER = "\n\n<i>Gérer vos alertes : /alertes</i>"
FORBIDDEN_REASONS = {
    "blocked by the user": "le résident a bloqué le bot",
    "user is deactivated": "le compte Telegram a été supprimé",
    "kicked from": "le bot a été retiré du groupe",
    "not a member": "le bot n'est plus membre du groupe",
}


def telegram_address(address: str, params: Params, context: AddressContext) -> tuple[str, Params]:
    """A chat id: digits, with a leading "-" for a group."""
    text = address.strip()
    if not CHAT_ID.fullmatch(text):
        raise InvalidAddress(f"« {address} » n'est pas un identifiant de conversation Telegram")
    return str(int(text)), {}


def forbidden_reason(description: str) -> str:
    """Why Telegram forbids writing to a chat, in French (its own words when unknown)."""
    lowered = description.lower()
    for words, reason in FORBIDDEN_REASONS.items():
        if words in lowered:
            return reason
    return description


def telegram_notice(notice: Notice) -> str:
    parts = [f"<b>{html.escape(headline(notice))}</b>"]
    if notice.body:
        parts.append(html.escape(notice.body))
    if notice.link:
        parts.append(f'<a href="{html.escape(notice.link, quote=True)}">En savoir plus</a>')
    return "\n".join(parts)


def fitted_telegram_notice(notice: Notice, budget: int) -> str:
    """telegram_notice, its body shortened with "…" so that it fits in `budget` characters.

    The plain body is cut, not the HTML, so that no tag or entity is ever cut in half.
    """
    text = telegram_notice(notice)
    while len(text) > budget and notice.body:
        excess = len(text) - budget
        body = notice.body[: max(0, len(notice.body) - excess - 1)].rstrip()
        notice = replace(notice, body=body + "…" if body else "")
        text = telegram_notice(notice)
    return text


def telegram_text(envelope: Envelope) -> str:
    """HTML for sendMessage within Telegram's limit: a long digest keeps its newest entries,
    a long message is shortened."""
    if not envelope.is_digest:
        budget = TELEGRAM_MAX_CHARS - len(FOOTER)
        return fitted_telegram_notice(envelope.notices[0], budget) + FOOTER
    head = f"<b>{html.escape(digest_title(envelope))}</b>"
    blocks = [telegram_notice(n) for n in envelope.notices]
    while len(blocks) > 1 and len("\n\n".join([head, *blocks]) + FOOTER) > TELEGRAM_MAX_CHARS:
        blocks.pop(0)
    budget = TELEGRAM_MAX_CHARS - len(head) - len(FOOTER) - 2
    if len(blocks[0]) > budget:  # the newest entry alone is too long: shorten it
        blocks = [fitted_telegram_notice(envelope.notices[-1], budget)]
    return "\n\n".join([head, *blocks]) + FOOTER


def telegram_concurrency(settings: Settings) -> int:
    """AROBASE_TELEGRAM_CONCURRENCY: sends in flight, and the sender's connections."""
    return settings.telegram_concurrency


PLUGIN = ChannelPlugin(
    name="telegram",
    phrase="sur Telegram",
    validate=telegram_address,
    render=telegram_text,
    concurrency=telegram_concurrency,
    unsubscribe_link=False,
)
