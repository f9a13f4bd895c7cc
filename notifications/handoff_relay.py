"""An agent's message (a reply, the closing notice) to the resident's Telegram chat, sent by
the console's request that stored it; the web chat's page asks for its own instead.

Stored first, then sent: the message is in the database before Telegram is asked, marked
as being sent (never by two requests at once), then sent or failed with Telegram's reason,
which the console shows beside a « Renvoyer » button. The tries follow the bot's own rules
(bot/telegram/app.py `with_retries`): network errors are tried again twice, a timeout is not
(Telegram may have shown the message already), and Telegram's refusals are final.
"""

from __future__ import annotations

import asyncio
import html
from dataclasses import replace

from arobase.handoff_replies import agent_label
from arobase.senders import parse_sender
from arobase.settings import Settings
from arobase.town import Town
from notifications.decide.handoffs import HandoffAuthor, HandoffMessage, Relay
from notifications.handoffs import HandoffAction, handoff_detail
from notifications.hub import Hub
from notifications.staff import audit
from notifications.store import handoff_staff as store

NO_TOKEN = "le bot Telegram n'est pas configuré ici (AROBASE_TELEGRAM_TOKEN)"
NOT_A_CHAT = "cette conversation n'est pas une conversation Telegram"
SEND_TRIES = 3
SEND_TIMEOUT = 10.0  # seconds for one try


def relay_text(town: Town, message: HandoffMessage) -> str:
    """The message in Telegram's HTML: a reply under « Agent de la mairie », in bold."""
    text = html.escape(message.text, quote=False)
    if message.author is HandoffAuthor.AGENT:
        return f"<b>{html.escape(agent_label(town), quote=False)}</b>\n{text}"
    return text


async def send_text(settings: Settings, chat_id: str, text: str) -> str | None:
    """TEXT (HTML) to the chat; None when Telegram took it, else why not (French)."""
    # The Telegram library is loaded here, when a reply is sent, not by the web app's start.
    from telegram.constants import ParseMode
    from telegram.error import BadRequest, NetworkError, TelegramError, TimedOut
    from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, wait_exponential

    from notifications.channels import telegram_sender

    channel = telegram_sender.build(settings)
    if channel is None:
        return NO_TOKEN
    again = retry_if_exception(
        lambda error: (
            isinstance(error, NetworkError) and not isinstance(error, BadRequest | TimedOut)
        )
    )
    tries = AsyncRetrying(
        retry=again,
        stop=stop_after_attempt(SEND_TRIES),
        wait=wait_exponential(multiplier=0.5, max=4),
        reraise=True,
    )
    try:
        async for attempt in tries:
            with attempt:
                await channel.bot.send_message(
                    int(chat_id), text, parse_mode=ParseMode.HTML, read_timeout=SEND_TIMEOUT
                )
    except TelegramError as error:
        # The channel's own reading of Telegram's errors (the blocked bot, a chat gone…).
        return channel._failure(error).detail
    finally:
        await channel.aclose()
    return None


async def relay_message(hub: Hub, message_id: int, resent_by: str | None = None) -> HandoffMessage:
    """Send the stored message to its Telegram chat, unless it is sent or being sent; the
    message as it stands after. RESENT_BY: the agent who asked again (audited)."""
    handoff, message = await asyncio.to_thread(store.message, hub.db, message_id)
    claimed = await asyncio.to_thread(store.claim_relay, hub.db, message_id, hub.now())
    if claimed is None:
        return message
    if resent_by is not None:
        detail = handoff_detail(handoff.id)
        await asyncio.to_thread(audit, hub, resent_by, HandoffAction.RESENT, detail)
    sender = parse_sender(handoff.conversation)
    if sender is None or not sender.address.lstrip("-").isdigit():
        failure: str | None = NOT_A_CHAT
    else:
        failure = await send_text(hub.settings, sender.address, relay_text(hub.town, claimed))
    relay = Relay.FAILED if failure else Relay.SENT
    await asyncio.to_thread(store.record_relay, hub.db, message_id, relay, failure)
    return replace(claimed, relay=relay, relay_error=failure)
