"""The Telegram sender: sendMessage in HTML through python-telegram-bot, within Telegram's limits.

Telegram accepts about 30 messages a second from a bot and 1 a second into one chat. Beyond
that it answers 429 with a delay (RetryAfter) that applies to the whole bot, so the channel
then pauses every send, not only the refused one.
"""

from __future__ import annotations

import asyncio
import warnings
from datetime import timedelta
from typing import TYPE_CHECKING, ClassVar

from aiolimiter import AsyncLimiter
from telegram import Bot, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.request import HTTPXRequest
from telegram.warnings import PTBDeprecationWarning

from notifications.channels.pacing import LruCache, Pacer
from notifications.channels.telegram import forbidden_reason, telegram_concurrency, telegram_text
from notifications.records import Envelope, SendResult

if TYPE_CHECKING:
    from arobase.settings import Settings

API_URL = "https://api.telegram.org/bot"
CHATS_REMEMBERED = 4096
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
# PTB warns, each time it builds a RetryAfter, that `retry_after` will become a timedelta;
# retry_after_seconds accepts both already, so that warning is noise only.
warnings.filterwarnings(
    "ignore", message=".*`retry_after` will be of type", category=PTBDeprecationWarning
)


def chat_limiters(rate: float, size: int = CHATS_REMEMBERED) -> LruCache[int, AsyncLimiter]:
    """One rate limiter per chat; the least recently used are forgotten beyond `size`.

    Forgetting is harmless: a chat idle for 1/rate seconds has a full bucket anyway, and far
    fewer than `size` chats can be served within one second at the overall rate.
    """
    return LruCache(lambda _chat_id: AsyncLimiter(1, 1 / rate), size)


class TelegramChannel:
    """Sends alerts as Telegram messages to subscribers' chats."""

    name: ClassVar[str] = "telegram"

    def __init__(
        self,
        token: str,
        base_url: str = API_URL,
        rate: float = 29.0,
        chat_rate: float = 1.0,
        concurrency: int = 16,
        timeout: float = 20,
    ) -> None:
        self._requests = (
            _http(concurrency, timeout),
            _http(1, timeout),  # getUpdates, when the front-end polls with this bot
        )
        self._bot = Bot(
            token,
            base_url=base_url,
            request=self._requests[0],
            get_updates_request=self._requests[1],
        )
        # Sends evenly spaced, 1/rate apart, never in a burst: no 1-second window then holds
        # more than `rate` rounded up, which is what Telegram counts.
        self._overall = Pacer(rate)
        self._chats = chat_limiters(chat_rate)
        self._slots = asyncio.Semaphore(concurrency)
        self._resume_at = 0.0  # event-loop time before which Telegram asked us not to send

    @property
    def bot(self) -> Bot:
        """The bot, for a front-end that uses the same token (it is not initialised: no getMe)."""
        return self._bot

    def paused_for(self) -> float:
        """Seconds left in the pause Telegram asked for (0 when sending freely)."""
        return max(0.0, self._resume_at - asyncio.get_running_loop().time())

    def pause(self, seconds: float) -> None:
        """Hold every send for `seconds` (a pause already longer stays)."""
        resume_at = asyncio.get_running_loop().time() + seconds
        self._resume_at = max(self._resume_at, resume_at)

    async def send(self, envelope: Envelope) -> SendResult:
        try:
            chat_id = int(envelope.address)
        except ValueError:
            return SendResult.rejected(f"identifiant de conversation invalide : {envelope.address}")
        text = telegram_text(envelope)
        # The chat's turn first, outside the slots, so one busy chat does not hold a connection.
        await self._chats.get(chat_id).acquire()
        async with self._slots:
            await self._take_turn()
            try:
                message = await self._bot.send_message(
                    chat_id, text, parse_mode=ParseMode.HTML, link_preview_options=NO_PREVIEW
                )
            except TelegramError as error:
                return self._failure(error)
        return SendResult.sent(f"message {message.message_id}")

    async def aclose(self) -> None:
        await asyncio.gather(*(request.shutdown() for request in self._requests))

    async def _take_turn(self) -> None:
        """Wait out a pause, then for this send's slot in the overall rate."""
        loop = asyncio.get_running_loop()
        while True:
            wait = self._resume_at - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
                continue
            await self._overall.wait()
            if self._resume_at <= loop.time():  # no pause began while we waited for the slot
                return

    def _failure(self, error: TelegramError) -> SendResult:
        """The outcome of a refused send; a RetryAfter also pauses the whole channel."""
        match error:
            case RetryAfter():
                seconds = retry_after_seconds(error)
                self.pause(seconds)
                return SendResult.retry(
                    f"Telegram demande d'attendre {seconds:g} s (trop de messages)", after=seconds
                )
            case Forbidden():
                return SendResult.gone(forbidden_reason(error.message))
            case BadRequest() if "chat not found" in error.message.lower():
                return SendResult.gone("conversation introuvable (chat not found)")
            case BadRequest():
                return SendResult.rejected(f"Telegram refuse le message : {error.message}")
            case ChatMigrated():
                return SendResult.gone(
                    f"le groupe a changé d'identifiant, nouveau : {error.new_chat_id}"
                )
            case InvalidToken():
                return SendResult.retry("Telegram refuse le jeton du bot (AROBASE_TELEGRAM_TOKEN)")
            case TimedOut():
                return SendResult.retry("Telegram n'a pas répondu à temps")
            case NetworkError():
                return SendResult.retry(f"Telegram injoignable : {error.message}")
            case _:
                return SendResult.retry(f"erreur Telegram : {error.message}")


def retry_after_seconds(error: RetryAfter) -> float:
    """RetryAfter's delay in seconds, whether PTB gives an int or a timedelta."""
    value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def _http(connections: int, timeout: float) -> HTTPXRequest:
    return HTTPXRequest(
        connection_pool_size=connections,
        connect_timeout=timeout,
        read_timeout=timeout,
        write_timeout=timeout,
        pool_timeout=timeout,
    )


def build(settings: Settings) -> TelegramChannel | None:
    """The sender, when AROBASE_TELEGRAM_TOKEN is set."""
    token = settings.telegram_token.get_secret_value()
    if not token:
        return None
    return TelegramChannel(
        token,
        base_url=settings.telegram_base_url,
        rate=settings.telegram_rate,
        chat_rate=settings.telegram_chat_rate,
        concurrency=telegram_concurrency(settings),
    )
